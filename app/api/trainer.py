"""``/api/v1/trainer``: reviews, assignments, team analytics, CSV and scenario authoring.

The trainer console pages use the same services; these endpoints let
other tools (a spreadsheet, an LMS) do the same over JSON.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.api.convert import session_item, session_out
from app.api.openapi_docs import error_doc
from app.api.schemas import SessionListItem, SessionOut, UtcDatetime
from app.api.trainer_schemas import (
    AgreementOut,
    AssignmentIn,
    AssignmentOut,
    OpenDisputeOut,
    ReviewIn,
    ScenarioCheckOut,
    ScenarioYamlIn,
)
from app.auth.policy import team_scope
from app.channels.assignments import announce_assignment
from app.deps import LangDep, PracticeDep, RepoDep, ServicesDep, TrainerUser
from app.domain import Difficulty
from app.scenarios.loader import ScenarioError
from app.services import agreement, analytics, authoring
from app.services.disputes import open_counts

router = APIRouter(prefix="/api/v1/trainer", tags=["trainer"], responses={403: error_doc("Trainer access required")})


@router.get("/sessions", response_model=list[SessionListItem])
def team_sessions(repo: RepoDep, trainer: TrainerUser) -> list[SessionListItem]:
    """Everyone's sessions: those with an open score dispute (有异议) first, then newest first."""
    counts = open_counts(repo)
    items = [session_item(ps, counts.get(ps.id, 0)) for ps in repo.sessions(team=team_scope(trainer))]
    return sorted(items, key=lambda i: i.open_disputes == 0)


@router.post(
    "/sessions/{session_id}/reviews",
    response_model=SessionOut,
    responses={404: error_doc("Unknown session, or no rep message with this message_seq")},
)
def review_session(
    session_id: str, body: ReviewIn, repo: RepoDep, trainer: TrainerUser, practice: PracticeDep
) -> SessionOut:
    """Save the trainer's score and comment on the session or on one rep reply (by ``message_seq``).

    A review of one reply may grade criteria too (``criteria``), and resolves any dispute of it.
    """
    ps = practice.get(repo, trainer, session_id)
    message_id = None
    if body.message_seq is not None:
        match = [m for m in ps.messages if m.seq == body.message_seq and m.role == "rep"]
        if not match:
            raise HTTPException(status_code=404, detail=f"no rep message {body.message_seq} in this session")
        message_id = match[0].id
    criteria = {str(k): v for k, v in body.criteria.items()} if body.criteria else None
    repo.upsert_review(ps.id, trainer.id, message_id, body.score, body.comment, criteria)
    repo.db.commit()
    return session_out(ps, repo.reviews(ps.id), repo.disputes(ps.id))


@router.get("/disputes", response_model=list[OpenDisputeOut])
def open_disputes(repo: RepoDep, trainer: TrainerUser) -> list[OpenDisputeOut]:
    """Replies whose score a rep disputes (有异议) and no trainer has reviewed yet, oldest first."""
    out = []
    for d in repo.open_disputes(team_scope(trainer)):
        m = d.message
        out.append(
            OpenDisputeOut(
                session_id=m.session_id,
                message_seq=m.seq,
                scenario=m.session.scenario_id,
                rep=m.session.user.display_name if m.session.user else "",
                reply=m.text,
                coach_score=m.score.score if m.score is not None else None,
                reason=d.reason,
                created_at=d.created_at,
            )
        )
    return out


@router.get("/agreement", response_model=AgreementOut)
def coach_agreement(
    repo: RepoDep, trainer: TrainerUser, boot: Annotated[int, Query(ge=0, le=2000, description="Bootstrap resamples for the intervals.")] = 200
) -> dict[str, Any]:
    """How well the coach's scores agree with the trainers' review scores (教练与培训师评分一致性).

    Overall, per scenario and per criterion: ``n`` reviewed replies, Spearman, band exact,
    band within one and pairwise order; metrics are null below ``min_n`` replies.
    """
    return agreement.agreement_report(agreement.reviewed_replies(repo, team_scope(trainer)), boot=boot)


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(repo: RepoDep, trainer: TrainerUser) -> list[AssignmentOut]:
    """All assignments."""
    return [
        AssignmentOut(id=a.id, rep=a.user.display_name, scenario=a.scenario_id, note=a.note, due=a.due,
                      difficulty=cast(Difficulty, a.difficulty))  # fmt: skip
        for a in repo.assignments(team=team_scope(trainer))
    ]


@router.post("/assignments", response_model=AssignmentOut, status_code=201, responses={404: error_doc("Unknown scenario")})
def assign(
    body: AssignmentIn, repo: RepoDep, trainer: TrainerUser, services: ServicesDep, background: BackgroundTasks
) -> AssignmentOut:
    """Assign a scenario to a rep (a rep named for the first time is created).

    A rep linked to Slack or WeCom is told there too, with a way to start it (after the response).
    """
    services.scenarios.get(body.scenario)
    rep = repo.user_by_name(body.rep) or repo.get_or_create_user(body.rep, body.rep, role="rep")
    a = repo.assign(rep.id, body.scenario, trainer.id, body.note, body.due, body.difficulty)
    repo.db.commit()
    background.add_task(announce_assignment, services, rep.id, body.scenario, body.note)
    return AssignmentOut(
        id=a.id, rep=rep.display_name, scenario=a.scenario_id, note=a.note, due=a.due, difficulty=body.difficulty
    )


class AveragesOut(BaseModel):
    """The three averages, each under its own label (definitions in ``app/services/analytics.py``)."""

    coach: int | None = Field(description="Mean of the coach's scores (per session, then over sessions).")
    trainer: int | None = Field(description="Mean of the trainers' overall session scores (overrides).")
    coach_with_overrides: int | None = Field(
        description="Per session the overall override, else the mean of reply scores with trainers' overrides "
        "replacing the coach's; then the mean over sessions."
    )


class RepAnalyticsOut(BaseModel):
    """One rep's figures."""

    name: str
    sessions: int
    replies: int = Field(description="Replies the coach scored.")
    overridden: int = Field(description="Replies whose score a trainer overrode.")
    averages: AveragesOut
    criteria: dict[str, int | None] = Field(description="Coach's per-criterion averages.")
    last: UtcDatetime | None


class TrendOut(BaseModel):
    """Average per day (per ISO week past two weeks) of the average named by ``basis``."""

    labels: list[str]
    average: list[int | None]
    basis: Literal["coach_with_overrides"]


class TeamAnalyticsOut(BaseModel):
    """Per rep, team-wide, coach per-criterion and trend averages."""

    reps: list[RepAnalyticsOut]
    averages: AveragesOut
    criteria: dict[str, int | None] = Field(description="Coach's per-criterion averages over all sessions.")
    trend: TrendOut


@router.get("/analytics", response_model=TeamAnalyticsOut)
def team_analytics(repo: RepoDep, trainer: TrainerUser) -> dict[str, Any]:
    """Per rep, team, per criterion and trend averages; every session weighs the same.

    ``averages`` are labelled ``coach``, ``trainer`` (overall overrides) and ``coach_with_overrides``;
    the trend is of ``coach_with_overrides``. Per-criterion figures are the coach's.
    """
    sessions = repo.sessions(limit=10_000, team=team_scope(trainer))
    stats = analytics.team_stats(sessions, analytics.Overrides.of(analytics.reviews_of(repo, sessions)))
    return asdict(stats)


@router.get("/analytics.csv", response_class=Response)
def export(repo: RepoDep, trainer: TrainerUser) -> Response:
    """Every scored or overridden reply as CSV (UTF-8 with BOM, opens in Excel).

    Columns end with ``overall_override``, ``reply_override`` and ``effective_score``.
    """
    sessions = repo.sessions(limit=100_000, team=team_scope(trainer))
    body = analytics.export_csv(sessions, analytics.reviews_of(repo, sessions))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="coach-team.csv"'},
    )


@router.post("/scenarios/check", response_model=ScenarioCheckOut)
def check_scenario(body: ScenarioYamlIn, lang: LangDep) -> ScenarioCheckOut:
    """Validate scenario YAML; errors name the field (e.g. ``states[2].transitions.probe``)."""
    try:
        s = authoring.check(body.yaml)
    except ScenarioError as exc:
        return ScenarioCheckOut(ok=False, error=str(exc))
    return ScenarioCheckOut(ok=True, scenario=s.summary(lang))


@router.post(
    "/scenarios", response_model=ScenarioCheckOut, status_code=201, responses={422: error_doc("Invalid scenario YAML")}
)
def save_scenario(body: ScenarioYamlIn, services: ServicesDep, trainer: TrainerUser, lang: LangDep) -> ScenarioCheckOut:
    """Save a trainer's scenario (stored in the database); every worker plays it at once. Invalid YAML is a 422."""
    s = authoring.save(services, body.yaml, trainer.id)
    return ScenarioCheckOut(ok=True, scenario=s.summary(lang))
