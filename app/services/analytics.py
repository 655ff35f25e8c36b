"""Numbers for history pages, the trainer's team view and the CSV export.

Computed from the stored per-reply scores (not by replaying sessions), so
the figures a trainer sees are exactly the scores the reps were shown.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean

from app.db.models import Message, PracticeSession, TrainerReview
from app.domain import CRITERIA, ScoreResult


def score_of(msg: Message) -> ScoreResult | None:
    """The coach's score of a rep message, when it was scored."""
    return ScoreResult.model_validate(msg.score.result) if msg.score is not None else None


def _avg(values: Iterable[float]) -> int | None:
    vals = list(values)
    return round(mean(vals)) if vals else None


@dataclass
class SessionStats:
    """One session's averages over its scored replies."""

    id: str
    scenario_id: str
    user: str
    status: str
    outcome: str | None
    created_at: datetime
    replies: int
    average: int | None
    criteria: dict[str, int | None] = field(default_factory=dict)


def session_stats(ps: PracticeSession) -> SessionStats:
    """Averages of one session (criteria the scenario does not weigh are skipped)."""
    scores = [s for s in (score_of(m) for m in ps.messages if m.role == "rep") if s is not None]
    per: dict[str, list[int]] = defaultdict(list)
    for s in scores:
        for c in s.criteria:
            if c.score is not None:  # unknown criteria are not averaged
                per[c.id].append(c.score)
    return SessionStats(
        id=ps.id,
        scenario_id=ps.scenario_id,
        user=ps.user.display_name if ps.user is not None else "",
        status=ps.status,
        outcome=ps.outcome,
        created_at=ps.created_at,
        replies=len(scores),
        average=_avg(s.score for s in scores),
        criteria={c: _avg(per.get(c, [])) for c in CRITERIA},
    )


def progress_chart(sessions: Sequence[PracticeSession]) -> dict[str, object]:
    """Chart.js data: one line per criterion over a rep's sessions, oldest first."""
    stats = [s for s in (session_stats(ps) for ps in sorted(sessions, key=lambda p: p.created_at)) if s.replies]
    return {
        "labels": [s.created_at.strftime("%m-%d %H:%M") for s in stats],
        "average": [s.average for s in stats],
        "criteria": {c: [s.criteria.get(c) for s in stats] for c in CRITERIA},
    }


@dataclass
class RepStats:
    """One rep's figures in the team view."""

    name: str
    sessions: int
    replies: int
    average: int | None
    criteria: dict[str, int | None]
    last: datetime | None


def team_stats(sessions: Sequence[PracticeSession]) -> dict[str, object]:
    """Per rep, per criterion and trend averages over all sessions."""
    by_rep: dict[str, list[SessionStats]] = defaultdict(list)
    dated: list[tuple[datetime, int]] = []
    team_criteria: dict[str, list[int]] = defaultdict(list)
    for ps in sessions:
        st = session_stats(ps)
        by_rep[st.user].append(st)
        for m in ps.messages:
            s = score_of(m) if m.role == "rep" else None
            if s is None:
                continue
            dated.append((m.created_at, s.score))
            for c in s.criteria:
                if c.score is not None:
                    team_criteria[c.id].append(c.score)
    reps = []
    for name, stats in sorted(by_rep.items()):
        scored = [s for s in stats if s.replies]
        reps.append(
            RepStats(
                name=name,
                sessions=len(stats),
                replies=sum(s.replies for s in stats),
                average=_avg(s.average for s in scored if s.average is not None),
                criteria={
                    c: _avg(v for v in (s.criteria.get(c) for s in scored) if v is not None) for c in CRITERIA
                },
                last=max(s.created_at for s in stats),
            )
        )
    return {
        "reps": reps,
        "criteria": {c: _avg(team_criteria.get(c, [])) for c in CRITERIA},
        "trend": trend(dated),
    }


def trend(dated: Sequence[tuple[datetime, int]]) -> dict[str, list[object]]:
    """Average reply score per day, or per ISO week once the data spans more than two weeks."""
    if not dated:
        return {"labels": [], "average": []}
    span = max(d for d, _ in dated) - min(d for d, _ in dated)
    fmt = "%G-W%V" if span.days > 14 else "%Y-%m-%d"
    buckets: dict[str, list[int]] = defaultdict(list)
    for when, score in dated:
        buckets[when.strftime(fmt)].append(score)
    labels = sorted(buckets)
    return {"labels": list(labels), "average": [_avg(buckets[k]) for k in labels]}


def _cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = (
    "rep", "session_id", "scenario", "started_at", "status", "outcome", "seq", "reply", "score", "band",
    *CRITERIA, "trainer_score", "trainer_comment",
)  # fmt: skip


def export_csv(sessions: Sequence[PracticeSession], reviews: Sequence[TrainerReview]) -> str:
    """One row per scored rep reply, with the trainer's review of it when there is one.

    Starts with a BOM so Excel opens the Chinese text correctly.
    """
    by_msg = {r.message_id: r for r in reviews if r.message_id is not None}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for ps in sessions:
        for m in ps.messages:
            s = score_of(m) if m.role == "rep" else None
            if s is None:
                continue
            crit = {c.id: c.score for c in s.criteria}
            r = by_msg.get(m.id)
            row = [
                ps.user.display_name if ps.user else "", ps.id, ps.scenario_id,
                ps.created_at.strftime("%Y-%m-%d %H:%M"), ps.status, ps.outcome or "", m.seq, m.text,
                s.score, s.band, *(crit.get(c, "") for c in CRITERIA),
                r.score if r else "", r.comment if r else "",
            ]  # fmt: skip
            w.writerow([_cell(v) for v in row])
    return "\ufeff" + buf.getvalue()
