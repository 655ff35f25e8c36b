"""Rep pages: scenario picker, chat, scorecard, transcript and history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import CurrentUser, LangDep, PracticeDep, RepoDep, ServicesDep
from app.domain import CRITERIA, Difficulty
from app.services.analytics import progress_chart, session_stats
from app.services.disputes import DisputeError, open_dispute
from app.services.sessions import NothingToScoreError
from app.web.i18n import translate
from app.web.render import render
from app.web.views import messages_view, persona_tags, scenario_view, transcript_view

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def picker(request: Request, services: ServicesDep, repo: RepoDep, user: CurrentUser, lang: LangDep) -> HTMLResponse:
    """Scenario cards, the rep's assignments first."""
    cards = [{**s.summary(lang), "tags": persona_tags(s.summary(lang), lang)} for s in services.scenarios]
    cards.sort(key=lambda c: (c["difficulty"], c["id"]))
    assigned = [
        {"a": a, "scenario": scenario_view(services, a.scenario_id, lang)} for a in repo.assignments(user.id)
    ]
    active = [
        {"ps": ps, "title": scenario_view(services, ps.scenario_id, lang)["title"]}
        for ps in repo.sessions(user_id=user.id, limit=20)
        if ps.status == "active"
    ][:3]
    return render(request, "picker.html", {"cards": cards, "assigned": assigned, "active": active, "user": user})


@router.post("/practice")
def start(
    scenario: Annotated[str, Form()],
    repo: RepoDep,
    user: CurrentUser,
    practice: PracticeDep,
    lang: LangDep,
    difficulty: Annotated[Difficulty | None, Form()] = None,
) -> RedirectResponse:
    """Start a session from a card (at the chosen difficulty) or an assignment (at its own) and open the chat."""
    ps = practice.start(user, scenario, lang=lang, difficulty=difficulty)
    return RedirectResponse(f"/sessions/{ps.id}/chat", status_code=303)


@router.get("/sessions/{session_id}/chat", response_class=HTMLResponse, response_model=None)
def chat(
    request: Request, session_id: str, services: ServicesDep, repo: RepoDep, user: CurrentUser, practice: PracticeDep, lang: LangDep
) -> HTMLResponse | RedirectResponse:
    """The role-play: customer lines stream in, each reply gets a score chip."""
    ps = practice.get(repo, user, session_id)
    if ps.user_id != user.id:
        return RedirectResponse(f"/sessions/{ps.id}", status_code=303)
    ctx = {
        "ps": ps,
        "scenario": scenario_view(services, ps.scenario_id, lang),
        "messages": messages_view(ps, disputes=repo.disputes(ps.id)),
        "max_chars": services.settings.max_message_chars,
        "disputed": "disputed" in request.query_params,
    }
    return render(request, "chat.html", ctx)


@router.get("/sessions/{session_id}/scorecard", response_class=HTMLResponse)
def scorecard(
    request: Request, session_id: str, services: ServicesDep, repo: RepoDep, user: CurrentUser, practice: PracticeDep, lang: LangDep
) -> HTMLResponse:
    """End-of-session summary with a radar chart of the criteria and the transcript."""
    ps = practice.get(repo, user, session_id)
    try:
        card = practice.scorecard(ps)
    except NothingToScoreError:
        card = None
    radar = None
    if card is not None:
        crit = {c.id: c.score for c in card.criteria}
        ids = [c for c in CRITERIA if c in crit]
        radar = {"labels": [translate("crit_" + c, lang) for c in ids], "values": [crit[c] for c in ids]}
    next_s = scenario_view(services, card.next_scenario, lang) if card and card.next_scenario else None
    ctx = {
        "ps": ps,
        "card": card,
        "radar": radar,
        "next_scenario": next_s,
        "scenario": scenario_view(services, ps.scenario_id, lang),
        "messages": messages_view(ps),
    }
    return render(request, "scorecard.html", ctx)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def transcript(
    request: Request, session_id: str, services: ServicesDep, repo: RepoDep, user: CurrentUser, practice: PracticeDep, lang: LangDep
) -> HTMLResponse:
    """The full transcript with scores and the trainer's review."""
    ps = practice.get(repo, user, session_id)
    reviews = list(repo.reviews(ps.id))
    ctx = {
        **transcript_view(services, ps, reviews, lang, repo.disputes(ps.id)),
        "can_review": user.role in ("trainer", "admin"),
        "can_dispute": ps.user_id == user.id,
        "disputed": "disputed" in request.query_params,
    }
    return render(request, "transcript.html", ctx)


@router.post("/sessions/{session_id}/messages/{seq}/dispute")
def dispute(
    session_id: str,
    seq: int,
    repo: RepoDep,
    user: CurrentUser,
    lang: LangDep,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "transcript",
) -> RedirectResponse:
    """The "有异议" button: dispute the coach's score of one of my replies, then back to the page."""
    try:
        open_dispute(repo, user, session_id, seq, reason)
    except DisputeError as exc:
        raise HTTPException(status_code=exc.status, detail=translate(exc.key, lang)) from exc
    page = f"/sessions/{session_id}/chat" if back == "chat" else f"/sessions/{session_id}"
    return RedirectResponse(f"{page}?disputed={seq}#m-{seq}", status_code=303)


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, services: ServicesDep, repo: RepoDep, user: CurrentUser, lang: LangDep) -> HTMLResponse:
    """My sessions and a line per criterion over time."""
    sessions = repo.sessions(user_id=user.id)
    rows = [
        {"s": session_stats(ps), "title": scenario_view(services, ps.scenario_id, lang)["title"]} for ps in sessions
    ]
    chart = progress_chart(sessions)
    chart["names"] = {c: translate("crit_" + c, lang) for c in CRITERIA}
    chart["average_name"] = translate("average", lang)
    return render(request, "history.html", {"rows": rows, "chart": chart})
