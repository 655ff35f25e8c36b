"""How well the coach agrees with the team's own trainers, from the reviews they already write.

Every trainer review of one rep reply that carries a score is a labelled example from this
deployment: the trainer's band (``band_for(review score)``) against the coach's stored 0-100
score.  The numbers are the ones ``scripts/eval_scoring.py`` reports on the shipped test set
(:func:`app.coach.metrics.agreement`), so a trainer can compare "how the coach does here" with
"how it did in the lab", overall, per scenario and per criterion.  ``coach calibrate`` reads
the same rows (:func:`reviewed_replies`) to refit the scorer on them.

Rows with fewer than :data:`MIN_N` reviews report only ``n``: a Spearman over four replies is
noise, and showing it would invite trainers to read meaning into it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.coach.metrics import agreement
from app.db.models import Message
from app.db.repository import Repository
from app.domain import CRITERIA, band_for

#: Fewest reviewed replies for which a row shows numbers ("—" below it).
MIN_N = 5
METRICS = ("spearman", "exact", "within_one", "pairwise")


@dataclass(frozen=True)
class ReviewedReply:
    """One trainer review of one rep reply, with what the coach saw and said."""

    session_id: str
    scenario_id: str
    message_id: int
    seq: int
    reply: str
    customer: str
    context: list[dict[str, str]]
    trainer_score: int
    trainer_criteria: dict[str, int] = field(default_factory=dict)
    coach_score: int | None = None
    coach_criteria: dict[str, int | None] = field(default_factory=dict)


def _turns(messages: Sequence[Message], msg: Message) -> tuple[str, list[dict[str, str]]]:
    """The customer line ``msg`` answered and the turns before that line, as the engine scored it.

    The role-play engine passes the transcript *before* the customer's latest line as context
    and that line as ``customer``; doing the same here makes a re-judged reply score exactly
    what the rep was shown.
    """
    earlier = [m for m in messages if m.seq < msg.seq]
    last = max((i for i, m in enumerate(earlier) if m.role == "customer"), default=None)
    if last is None:
        return "", [{"role": m.role, "text": m.text} for m in earlier]
    return earlier[last].text, [{"role": m.role, "text": m.text} for m in earlier[:last]]


def reviewed_replies(repo: Repository, team: str | None = None) -> list[ReviewedReply]:
    """Every scored trainer review of a rep reply (of one team's reps when given), oldest session
    first (one row per review)."""
    out: list[ReviewedReply] = []
    for review, ps in repo.reviewed_replies(team):
        msg = next((m for m in ps.messages if m.id == review.message_id), None)
        if msg is None or msg.role != "rep" or review.score is None:
            continue
        customer, context = _turns(ps.messages, msg)
        coach = msg.score
        crit: dict[str, int | None] = {}
        if coach is not None:
            crit = {str(c.get("id")): c.get("score") for c in coach.result.get("criteria", []) if isinstance(c, dict)}
        trainer_crit = {k: int(v) for k, v in (review.criteria or {}).items() if k in CRITERIA and v is not None}
        out.append(
            ReviewedReply(
                session_id=ps.id,
                scenario_id=ps.scenario_id,
                message_id=msg.id,
                seq=msg.seq,
                reply=msg.text,
                customer=customer,
                context=context,
                trainer_score=int(review.score),
                trainer_criteria=trainer_crit,
                coach_score=coach.score if coach is not None else None,
                coach_criteria=crit,
            )
        )
    return out


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 3)


def agreement_row(key: str, grades: list[int], scores: list[float], groups: list[str], *, boot: int = 200) -> dict[str, Any]:
    """One table row: ``n`` always; the metrics (None when undefined) and 95% intervals from ``MIN_N`` on."""
    row: dict[str, Any] = {"key": key, "n": len(grades), "enough": len(grades) >= MIN_N, "ci": {}}
    for m in METRICS:
        row[m] = None
    if len(grades) < MIN_N:
        return row
    a = agreement(grades, scores, groups, boot=boot)
    row.update({m: _num(getattr(a, m)) for m in METRICS})
    row["ci"] = {m: [_num(lo), _num(hi)] for m, (lo, hi) in a.ci.items()}
    return row


def agreement_report(rows: Sequence[ReviewedReply], *, boot: int = 200) -> dict[str, Any]:
    """Overall, per scenario and per criterion agreement of the coach with the trainers' grades.

    Overall and per scenario: the trainer's band of the review score against the coach's reply
    score.  Per criterion: over the reviews that graded that criterion, the trainer's band of
    it against the coach's score of the same criterion (replies where the coach left it unknown
    are skipped).  Groups are the customer lines answered, for the pairwise order.
    """
    scored = [r for r in rows if r.coach_score is not None]

    def row(key: str, items: Sequence[ReviewedReply]) -> dict[str, Any]:
        return agreement_row(
            key,
            [band_for(r.trainer_score) for r in items],
            [float(r.coach_score or 0) for r in items],
            [r.customer for r in items],
            boot=boot,
        )

    scenarios = sorted({r.scenario_id for r in scored})
    per_criterion = []
    for c in CRITERIA:
        items = [r for r in scored if c in r.trainer_criteria and r.coach_criteria.get(c) is not None]
        per_criterion.append(
            agreement_row(
                c,
                [band_for(r.trainer_criteria[c]) for r in items],
                [float(r.coach_criteria[c] or 0) for r in items],
                [r.customer for r in items],
                boot=boot,
            )
        )
    return {
        "min_n": MIN_N,
        "overall": row("overall", scored),
        "scenarios": [row(s, [r for r in scored if r.scenario_id == s]) for s in scenarios],
        "criteria": per_criterion,
    }
