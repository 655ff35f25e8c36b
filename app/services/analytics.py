"""Numbers for history pages, the trainer's team view and the CSV export.

Computed from the stored per-reply scores (not by replaying sessions), so the figures a
trainer sees are exactly the scores the reps were shown, plus the trainers' own scores where
a trainer overrode the coach. Three kinds of average exist, and every page, JSON field and
CSV column says which one it shows, because a trainer comparing two unlabelled numbers
cannot tell a coach/trainer disagreement from a different way of averaging.

Per reply:

* **coach score**: the coach's stored score of the rep's reply.
* **reply override**: a trainer's score of that reply (a ``TrainerReview`` with a
  ``message_id`` and a score; a comment or criterion grades alone override nothing). When
  several trainers scored the same reply, the most recently saved score counts.
* **effective score**: the reply override when there is one, else the coach score.

Per session:

* **coach** average: the mean of the coach scores of its replies.
* **trainer** score: the overall override, a ``TrainerReview`` with ``message_id`` NULL and a
  score (the most recently saved one when several trainers gave one); none otherwise.
* **coach with overrides**: the overall override when there is one (the trainer judged the
  whole session), else the mean of the effective reply scores.

Per rep and for the team, each of the three is the mean of the sessions' values that exist:
every session weighs the same, and a session without that number (no overall override, no
scored reply) is left out of that average only. The trend and the progress line use "coach
with overrides", per session, bucketed by the session's start. Per-criterion figures are the
coach's alone (trainers' criterion grades feed the agreement panel instead).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import mean

from app.db.models import Message, PracticeSession, TrainerReview
from app.db.repository import Repository
from app.domain import CRITERIA, ScoreResult

#: The labels of the three averages, in the order pages and the CSV show them.
AVERAGE_KINDS = ("coach", "trainer", "coach_with_overrides")
#: Which average the trend and the progress line plot.
TREND_BASIS = "coach_with_overrides"


def score_of(msg: Message) -> ScoreResult | None:
    """The coach's score of a rep message, when it was scored."""
    return ScoreResult.model_validate(msg.score.result) if msg.score is not None else None


def _avg(values: Iterable[float | None]) -> int | None:
    vals = [v for v in values if v is not None]
    return round(mean(vals)) if vals else None


def _saved_at(r: TrainerReview) -> tuple[datetime, int]:
    """Sort key "last saved": SQLite hands back naive UTC, PostgreSQL aware; compare them as UTC."""
    at = r.updated_at or r.created_at or datetime.min
    return (at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at), r.id or 0


@dataclass(frozen=True)
class Overrides:
    """The trainers' scores that replace the coach's: per session (overall) and per reply."""

    overall: dict[str, int] = field(default_factory=dict)  # session id -> overall override
    replies: dict[int, int] = field(default_factory=dict)  # message id -> reply override

    @classmethod
    def of(cls, reviews: Iterable[TrainerReview]) -> Overrides:
        """The overrides in these reviews; of several scores for one target, the last saved wins."""
        overall: dict[str, int] = {}
        replies: dict[int, int] = {}
        for r in sorted(reviews, key=_saved_at):
            if r.score is None:
                continue
            if r.message_id is None:
                overall[r.session_id] = r.score
            else:
                replies[r.message_id] = r.score
        return cls(overall, replies)


def reviews_of(repo: Repository, sessions: Sequence[PracticeSession]) -> list[TrainerReview]:
    """The trainer reviews of these sessions; only sessions that have one are queried."""
    reviewed = repo.reviewed_session_ids()
    return [r for ps in sessions if ps.id in reviewed for r in repo.reviews(ps.id)]


@dataclass(frozen=True)
class Averages:
    """The three labelled averages (defined in the module docstring)."""

    coach: int | None
    trainer: int | None
    coach_with_overrides: int | None


@dataclass
class SessionStats:
    """One session's averages over its scored replies.

    ``average`` is the coach average (the name the rep's pages and the session API keep);
    ``trainer`` the overall override; ``with_overrides`` the coach with overrides.
    """

    id: str
    scenario_id: str
    user: str
    status: str
    outcome: str | None
    created_at: datetime
    replies: int
    average: int | None
    criteria: dict[str, int | None] = field(default_factory=dict)
    trainer: int | None = None
    with_overrides: int | None = None
    overridden: int = 0  # replies whose score a trainer overrode

    @property
    def averages(self) -> Averages:
        """The three averages under their labels."""
        return Averages(self.average, self.trainer, self.with_overrides)


def session_stats(ps: PracticeSession, overrides: Overrides | None = None) -> SessionStats:
    """Averages of one session (criteria the scenario does not weigh are skipped).

    Without ``overrides`` the trainer score is none and "coach with overrides" equals the coach average.
    """
    ov = overrides or Overrides()
    rep = [(m, score_of(m)) for m in ps.messages if m.role == "rep"]
    scores = [s for _, s in rep if s is not None]
    effective = [ov.replies.get(m.id, s.score if s is not None else None) for m, s in rep]
    per: dict[str, list[int]] = defaultdict(list)
    for s in scores:
        for c in s.criteria:
            if c.score is not None:  # unknown criteria are not averaged
                per[c.id].append(c.score)
    trainer = ov.overall.get(ps.id)
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
        trainer=trainer,
        with_overrides=trainer if trainer is not None else _avg(effective),
        overridden=sum(1 for m, _ in rep if m.id in ov.replies),
    )


def _averages(stats: Sequence[SessionStats]) -> Averages:
    """Per-rep or team averages: the mean of each session value that exists."""
    return Averages(
        coach=_avg(s.average for s in stats),
        trainer=_avg(s.trainer for s in stats),
        coach_with_overrides=_avg(s.with_overrides for s in stats),
    )


def progress_chart(
    sessions: Sequence[PracticeSession], overrides: Overrides | None = None
) -> dict[str, object]:
    """Chart.js data: the coach-with-overrides line and one coach line per criterion, oldest first."""
    ordered = (session_stats(ps, overrides) for ps in sorted(sessions, key=lambda p: p.created_at))
    stats = [s for s in ordered if s.with_overrides is not None]
    return {
        "labels": [s.created_at.strftime("%m-%d %H:%M") for s in stats],
        "average": [s.with_overrides for s in stats],
        "basis": TREND_BASIS,
        "criteria": {c: [s.criteria.get(c) for s in stats] for c in CRITERIA},
    }


@dataclass
class RepStats:
    """One rep's figures in the team view."""

    name: str
    sessions: int
    replies: int
    overridden: int
    averages: Averages
    criteria: dict[str, int | None]
    last: datetime | None


@dataclass
class TeamStats:
    """The team view: per rep, team-wide averages, coach per-criterion averages and the trend."""

    reps: list[RepStats]
    averages: Averages
    criteria: dict[str, int | None]
    trend: dict[str, object]


def team_stats(sessions: Sequence[PracticeSession], overrides: Overrides | None = None) -> TeamStats:
    """Per rep, team, per criterion and trend averages over all sessions (each session weighs the same)."""
    all_stats = [session_stats(ps, overrides) for ps in sessions]
    by_rep: dict[str, list[SessionStats]] = defaultdict(list)
    for st in all_stats:
        by_rep[st.user].append(st)

    def criteria(stats: Sequence[SessionStats]) -> dict[str, int | None]:
        return {c: _avg(s.criteria.get(c) for s in stats) for c in CRITERIA}

    reps = [
        RepStats(
            name=name,
            sessions=len(stats),
            replies=sum(s.replies for s in stats),
            overridden=sum(s.overridden for s in stats),
            averages=_averages(stats),
            criteria=criteria(stats),
            last=max(s.created_at for s in stats),
        )
        for name, stats in sorted(by_rep.items())
    ]
    dated = [(s.created_at, s.with_overrides) for s in all_stats if s.with_overrides is not None]
    return TeamStats(
        reps=reps,
        averages=_averages(all_stats),
        criteria=criteria(all_stats),
        trend={**trend(dated), "basis": TREND_BASIS},
    )


def trend(dated: Sequence[tuple[datetime, int]]) -> dict[str, list[object]]:
    """Average score per day, or per ISO week once the data spans more than two weeks."""
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


#: New columns are appended, so spreadsheets that read columns by position keep working.
CSV_COLUMNS = (
    "rep", "session_id", "scenario", "started_at", "status", "outcome", "seq", "reply", "score", "band",
    *CRITERIA, "trainer_score", "trainer_comment", "overall_override", "reply_override", "effective_score",
)  # fmt: skip


def export_csv(sessions: Sequence[PracticeSession], reviews: Sequence[TrainerReview]) -> str:
    """One row per rep reply with a coach score or a trainer's override, with the trainer's review of it.

    ``score`` is the coach's; ``overall_override`` the session's overall override (repeated on each
    of its rows), ``reply_override`` the reply's, ``effective_score`` the override or else the coach's
    score. A session whose only score is an overall override gets one row with the reply cells
    empty, so no trainer score is left out. Starts with a BOM so Excel opens the Chinese text correctly.
    """
    ov = Overrides.of(reviews)
    by_msg = {r.message_id: r for r in sorted(reviews, key=_saved_at) if r.message_id is not None}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for ps in sessions:
        head = [
            ps.user.display_name if ps.user else "", ps.id, ps.scenario_id,
            ps.created_at.strftime("%Y-%m-%d %H:%M"), ps.status, ps.outcome or "",
        ]  # fmt: skip
        overall = ov.overall.get(ps.id)
        rows = 0
        for m in ps.messages:
            s = score_of(m) if m.role == "rep" else None
            override = ov.replies.get(m.id) if m.role == "rep" else None
            if s is None and override is None:
                continue
            crit = {c.id: c.score for c in s.criteria} if s is not None else {}
            r = by_msg.get(m.id)
            effective = override if override is not None else s.score if s is not None else None
            row = [
                *head, m.seq, m.text, s.score if s else "", s.band if s else "",
                *(crit.get(c, "") for c in CRITERIA), r.score if r else "", r.comment if r else "",
                overall, override, effective,
            ]  # fmt: skip
            w.writerow([_cell(v) for v in row])
            rows += 1
        if not rows and overall is not None:
            blank = [""] * (len(CSV_COLUMNS) - len(head) - 3)
            w.writerow([_cell(v) for v in [*head, *blank, overall, "", ""]])
    return "\ufeff" + buf.getvalue()
