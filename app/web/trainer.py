"""Trainer console pages: analytics (with coach-trainer agreement), transcript review, assignments, scenario authoring."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.policy import team_scope
from app.channels.assignments import announce_assignment
from app.db.repository import Repository
from app.deps import LangDep, PracticeDep, RepoDep, ServicesDep, TrainerUser
from app.domain import CRITERIA, Difficulty
from app.scenarios.errors import explain_yaml
from app.scenarios.loader import ScenarioError
from app.services import agreement, analytics, authoring
from app.services.container import Services
from app.web.i18n import translate
from app.web.render import render
from app.web.views import scenario_view, transcript_view

router = APIRouter(prefix="/trainer", include_in_schema=False)


@router.get("")
def home(trainer: TrainerUser) -> RedirectResponse:
    """The console opens on the team's numbers."""
    return RedirectResponse("/trainer/analytics", status_code=303)


@router.get("/analytics", response_class=HTMLResponse)
def team(request: Request, services: ServicesDep, repo: RepoDep, trainer: TrainerUser, lang: LangDep) -> HTMLResponse:
    """Team and per-rep averages under their labels, charts and the CSV link; then coach-trainer agreement.

    Each average is named (coach, trainer, coach with overrides): unlabelled, three different
    numbers on one page read as a contradiction. The trend plots coach with overrides.
    """
    sessions = repo.sessions(limit=10_000, team=team_scope(trainer))
    stats = analytics.team_stats(sessions, analytics.Overrides.of(analytics.reviews_of(repo, sessions)))
    charts = {
        "criteria": {
            "labels": [translate("crit_" + c, lang) for c in CRITERIA],
            "values": [stats.criteria[c] for c in CRITERIA],
        },
        "trend": stats.trend,
        "average_name": translate("avg_coach_with_overrides", lang),
    }
    ctx = {
        "stats": stats,
        "kinds": analytics.AVERAGE_KINDS,
        "charts": charts,
        "agreement": _agreement_view(services, repo, lang, team_scope(trainer)),
        "section": "analytics",
    }
    return render(request, "trainer/analytics.html", ctx)


def _agreement_view(services: Services, repo: Repository, lang: str, team: str | None) -> dict[str, object]:
    """The agreement panel's rows with display labels (boot=200 keeps the page quick)."""
    report = agreement.agreement_report(agreement.reviewed_replies(repo, team), boot=200)
    overall = {**report["overall"], "label": translate("agreement_overall", lang)}
    scenarios = [{**r, "label": scenario_view(services, r["key"], lang)["title"]} for r in report["scenarios"]]
    criteria = [{**r, "label": translate("crit_" + r["key"], lang)} for r in report["criteria"]]
    return {"min_n": report["min_n"], "overall": overall, "scenarios": scenarios, "criteria": criteria}


@router.get("/reviews", response_class=HTMLResponse)
def reviews(request: Request, services: ServicesDep, repo: RepoDep, trainer: TrainerUser, lang: LangDep) -> HTMLResponse:
    """Disputed replies first (有异议), then every session, those with open disputes first, newest first.

    Each session shows the coach's average next to the trainer's overall score and the average with
    overrides, so a trainer's own score is never hidden behind the coach's.
    """
    opens = repo.open_disputes(team_scope(trainer))
    disputed = [
        {
            "d": d,
            "m": d.message,
            "rep": d.message.session.user.display_name if d.message.session.user else "",
            "title": scenario_view(services, d.message.session.scenario_id, lang)["title"],
            "score": d.message.score.score if d.message.score is not None else None,
        }
        for d in opens
    ]
    counts: dict[str, int] = {}
    for d in opens:
        counts[d.message.session_id] = counts.get(d.message.session_id, 0) + 1
    sessions = repo.sessions(team=team_scope(trainer))
    revs = analytics.reviews_of(repo, sessions)
    done = {r.session_id for r in revs}
    overrides = analytics.Overrides.of(revs)
    rows = [
        {
            "s": analytics.session_stats(ps, overrides),
            "title": scenario_view(services, ps.scenario_id, lang)["title"],
            "reviewed": ps.id in done,
            "disputes": counts.get(ps.id, 0),
        }
        for ps in sessions
    ]
    rows.sort(key=lambda r: r["disputes"] == 0)
    return render(request, "trainer/reviews.html", {"rows": rows, "disputed": disputed, "section": "reviews"})


@router.get("/reviews/{session_id}", response_class=HTMLResponse)
def review(
    request: Request, session_id: str, services: ServicesDep, repo: RepoDep, trainer: TrainerUser, practice: PracticeDep, lang: LangDep
) -> HTMLResponse:
    """The transcript with the coach's score and the trainer's own score and comment side by side."""
    ps = practice.get(repo, trainer, session_id)
    revs = list(repo.reviews(ps.id))
    ctx = {
        **transcript_view(services, ps, revs, lang, repo.disputes(ps.id)),
        "saved": request.query_params.get("saved") == "1",
        "section": "reviews",
    }
    return render(request, "trainer/review.html", ctx)


def _score(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return max(0, min(100, int(value)))
    except ValueError:
        return None


@router.post("/reviews/{session_id}")
async def save_review(
    request: Request, session_id: str, repo: RepoDep, trainer: TrainerUser, practice: PracticeDep
) -> RedirectResponse:
    """Save the overall review and one per rep reply.

    Fields: ``score_<seq>``, ``comment_<seq>`` and the optional ``crit_<seq>_<criterion>``;
    a reply with any of them filled gets a review (which resolves its dispute).
    """
    ps = practice.get(repo, trainer, session_id)
    form = await request.form()
    repo.upsert_review(
        ps.id, trainer.id, None, _score(str(form.get("overall_score") or "")), str(form.get("overall_comment") or "")
    )
    for m in ps.messages:
        if m.role != "rep":
            continue
        score = _score(str(form.get(f"score_{m.seq}") or ""))
        comment = str(form.get(f"comment_{m.seq}") or "").strip()
        grades = {c: v for c in CRITERIA if (v := _score(str(form.get(f"crit_{m.seq}_{c}") or ""))) is not None}
        if score is not None or comment or grades:
            repo.upsert_review(ps.id, trainer.id, m.id, score, comment, grades or None)
    repo.db.commit()
    return RedirectResponse(f"/trainer/reviews/{ps.id}?saved=1", status_code=303)


@router.get("/assignments", response_class=HTMLResponse)
def assignments(request: Request, services: ServicesDep, repo: RepoDep, trainer: TrainerUser, lang: LangDep) -> HTMLResponse:
    """Who should practise what."""
    rows = []
    for a in repo.assignments(team=team_scope(trainer)):
        done = [
            analytics.session_stats(ps)
            for ps in repo.sessions(user_id=a.user_id)
            if ps.scenario_id == a.scenario_id and ps.created_at >= a.created_at
        ]
        scores = [st.average for st in done if st.average is not None]
        rows.append(
            {
                "a": a,
                "scenario": scenario_view(services, a.scenario_id, lang),
                "practised": len(done),
                "best": max(scores) if scores else None,
            }
        )
    scenarios = [s.summary(lang) for s in services.scenarios]
    reps = [u for u in repo.users(team_scope(trainer))]
    ctx = {"rows": rows, "scenarios": scenarios, "reps": reps, "section": "assign", "error": request.query_params.get("error")}
    return render(request, "trainer/assignments.html", ctx)


@router.post("/assignments")
def add_assignment(
    rep: Annotated[str, Form()],
    scenario: Annotated[str, Form()],
    repo: RepoDep,
    services: ServicesDep,
    trainer: TrainerUser,
    background: BackgroundTasks,
    note: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    difficulty: Annotated[Difficulty, Form()] = "normal",
) -> RedirectResponse:
    """Assign a scenario; a rep named for the first time is added, and told in Slack or WeCom when linked."""
    services.scenarios.get(scenario)
    name = rep.strip()[:100]
    if not name:
        return RedirectResponse("/trainer/assignments?error=rep", status_code=303)
    user = repo.user_by_name(name) or repo.get_or_create_user(name, name, role="rep")
    repo.assign(user.id, scenario, trainer.id, note.strip(), due.strip() or None, difficulty)
    repo.db.commit()
    background.add_task(announce_assignment, services, user.id, scenario, note.strip())
    return RedirectResponse("/trainer/assignments", status_code=303)


@router.post("/assignments/{assignment_id}/delete")
def remove_assignment(assignment_id: int, repo: RepoDep, trainer: TrainerUser) -> RedirectResponse:
    """Remove an assignment."""
    repo.unassign(assignment_id)
    repo.db.commit()
    return RedirectResponse("/trainer/assignments", status_code=303)


#: The scenario pages' strings (``sc_*`` in app/web/data/strings.yaml).
_TEXT_KEYS = ('company', 'broken', 'delete', 'export', 'confirm_delete', 'no_such_scenario', 'not_editable')


def _text(key: str, lang: str) -> str:
    return translate(f"sc_{key}", lang)


def _not_found(key: str, lang: str) -> HTTPException:
    return HTTPException(status_code=404, detail=_text(key, lang))


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios(request: Request, services: ServicesDep, trainer: TrainerUser, lang: LangDep) -> HTMLResponse:
    """Built-in, company and trainer-made scenarios; trainers' broken ones listed with their error."""
    cat = authoring.catalog(services)  # refreshed for this request by ScenarioRefreshMiddleware
    rows = [{**s.summary(lang), "origin": cat.origin(s.id), "owned": cat.owned(s.id)} for s in cat]
    broken = [{"id": sid, "error": err, "editable": cat.owned(sid)} for sid, err in sorted(cat.broken().items())]
    labels = {k: _text(k, lang) for k in _TEXT_KEYS}
    return render(request, "trainer/scenarios.html", {"rows": rows, "broken": broken, "labels": labels, "section": "scenarios"})


@router.get("/scenarios/editor", response_class=HTMLResponse)
def editor(request: Request, services: ServicesDep, trainer: TrainerUser, lang: LangDep) -> HTMLResponse:
    """The YAML editor, empty, from a template (``?from=ID``) or editing a trainer's own (``?edit=ID``).

    Ids are looked up in the catalog (an unknown one is a 404), never joined onto a path. A
    scenario that no longer loads opens with its error shown, so the trainer can fix it.
    """
    cat = authoring.catalog(services)  # refreshed for this request by ScenarioRefreshMiddleware
    edit, template = request.query_params.get("edit"), request.query_params.get("from")
    text, error = "", None
    if edit is not None:
        if not cat.owned(edit):
            raise _not_found("not_editable" if edit in cat else "no_such_scenario", lang)
        text = cat.source(edit) or ""
    elif template is not None:
        found = cat.source(template)
        if found is None:
            raise _not_found("no_such_scenario", lang)
        text = found
    if text:
        try:
            authoring.check(text)
        except ScenarioError as exc:
            error = "; ".join(explain_yaml(text, lang) or [str(exc)])
    ctx = {"yaml": text, "error": error, "preview": None, "saved": None, "section": "scenarios"}
    return render(request, "trainer/editor.html", ctx)


@router.post("/scenarios/editor", response_class=HTMLResponse)
def editor_submit(
    request: Request,
    services: ServicesDep,
    trainer: TrainerUser,
    lang: LangDep,
    yaml: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "validate",
) -> HTMLResponse:
    """Validate (and preview) or save; errors are shown next to the editor."""
    ctx: dict[str, object] = {"yaml": yaml, "error": None, "preview": None, "saved": None, "section": "scenarios"}
    try:
        s = authoring.save(services, yaml, trainer.id) if action == "save" else authoring.check(yaml)
    except ScenarioError as exc:  # in the UI's language, naming state ids rather than list indexes
        ctx["error"] = "; ".join(explain_yaml(yaml, lang) or [str(exc)])
        return render(request, "trainer/editor.html", ctx, status=422)
    ctx["preview"] = s.summary(lang)
    if action == "save":
        ctx["saved"] = s.id
    return render(request, "trainer/editor.html", ctx)


@router.get("/scenarios/{scenario_id}/yaml")
def export_yaml(scenario_id: str, services: ServicesDep, trainer: TrainerUser, lang: LangDep) -> Response:
    """A scenario's YAML as a download (the export format, also of a trainer's broken one)."""
    text = authoring.source(services, scenario_id)
    if text is None:
        raise _not_found("no_such_scenario", lang)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{scenario_id}.yaml"'},
    )


@router.post("/scenarios/{scenario_id}/delete")
def delete_scenario(scenario_id: str, services: ServicesDep, trainer: TrainerUser, lang: LangDep) -> RedirectResponse:
    """Delete a trainer's own scenario (built-in and company ones cannot be deleted)."""
    if not authoring.delete(services, scenario_id):
        raise _not_found("no_such_scenario", lang)
    return RedirectResponse("/trainer/scenarios", status_code=303)
