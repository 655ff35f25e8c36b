"""Database rows to API models (shared by the JSON API and the SSE stream)."""

from __future__ import annotations

from collections.abc import Sequence

from app.api.schemas import DisputeOut, ReviewOut, ScoreOut, SessionListItem, SessionOut, TranscriptLine
from app.db.models import Message, PracticeSession, ScoreDispute, TrainerReview
from app.domain import ScoreResult
from app.services.analytics import score_of, session_stats


def score_out(result: ScoreResult) -> ScoreOut:
    """The public score object of a result."""
    return ScoreOut.model_validate(result.public())


def line_out(msg: Message) -> TranscriptLine:
    """A stored transcript line."""
    s = score_of(msg)
    return TranscriptLine(
        seq=msg.seq,
        role=msg.role,  # type: ignore[arg-type]
        text=msg.text,
        created_at=msg.created_at,
        score=score_out(s) if s is not None else None,
    )


def dispute_out(d: ScoreDispute, seq: int) -> DisputeOut:
    """A dispute, its reply named by ``seq``."""
    return DisputeOut(id=d.id, message_seq=seq, reason=d.reason, created_at=d.created_at, resolved_at=d.resolved_at)


def session_out(
    ps: PracticeSession, reviews: Sequence[TrainerReview] = (), disputes: Sequence[ScoreDispute] = ()
) -> SessionOut:
    """A session with its transcript, scores, trainer reviews and score disputes."""
    seq_of = {m.id: m.seq for m in ps.messages}
    return SessionOut(
        id=ps.id,
        scenario=ps.scenario_id,
        status=ps.status,  # type: ignore[arg-type]
        done=ps.status != "active",
        outcome=ps.outcome,
        created_at=ps.created_at,
        messages=[line_out(m) for m in ps.messages],
        reviews=[
            ReviewOut(
                message_seq=seq_of.get(r.message_id) if r.message_id is not None else None,
                score=r.score,
                comment=r.comment,
                criteria=r.criteria or None,
                updated_at=r.updated_at,
            )
            for r in reviews
        ],
        disputes=[dispute_out(d, seq_of[d.message_id]) for d in disputes if d.message_id in seq_of],
    )


def session_item(ps: PracticeSession, open_disputes: int = 0) -> SessionListItem:
    """A session in a list."""
    st = session_stats(ps)
    return SessionListItem(
        id=ps.id,
        scenario=ps.scenario_id,
        status=ps.status,
        outcome=ps.outcome,
        created_at=ps.created_at,
        replies=st.replies,
        average=st.average,
        open_disputes=open_disputes,
    )
