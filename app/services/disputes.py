"""Disputes ("有异议"): a rep says the coach scored one of their replies wrong.

A dispute is cheap to make and points the trainer at the replies where the coach most likely
disagrees with a human, so the trainer's review list shows them first; the trainer's review of
the reply resolves it (``Repository.upsert_review``) and becomes a data point for the agreement
panel and ``coach calibrate``.  Shared by the JSON API and the web pages.
"""

from __future__ import annotations

from collections import Counter

from app.db.models import ScoreDispute, User
from app.db.repository import Repository
from app.services.sessions import SessionNotFoundError

MAX_REASON = 2000


class DisputeError(Exception):
    """The line cannot be disputed; ``key`` names the message in ``app.web.i18n``."""

    def __init__(self, key: str, status: int) -> None:
        super().__init__(key)
        self.key = key
        self.status = status


def open_dispute(repo: Repository, user: User, session_id: str, seq: int, reason: str) -> ScoreDispute:
    """Dispute the coach's score of reply ``seq`` of the user's own session (committed).

    Raises SessionNotFoundError (not the user's session), DisputeError (no such line: 404;
    a customer line or an unscored reply: 422).  Disputing again while one is open updates its reason.
    """
    ps = repo.session(session_id)
    if ps is None or ps.user_id != user.id:
        raise SessionNotFoundError(session_id)
    msg = next((m for m in ps.messages if m.seq == seq), None)
    if msg is None:
        raise DisputeError("err_no_message", 404)
    if msg.role != "rep":
        raise DisputeError("err_dispute_customer", 422)
    if msg.score is None:
        raise DisputeError("err_dispute_unscored", 422)
    d = repo.dispute(msg, user.id, reason.strip()[:MAX_REASON])
    repo.db.commit()
    return d


def open_counts(repo: Repository) -> Counter[str]:
    """Open disputes per session id."""
    return Counter(d.message.session_id for d in repo.open_disputes())
