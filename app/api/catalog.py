"""``/api/v1/scenarios`` and ``/api/v1/score``: the scenario list and one-off scoring.

Scoring runs in a worker thread under a time budget (``COACH_SCORE_BUDGET_S``): past it the
client gets a 503 with a clear message instead of a hanging request, and a client that hangs up
is not waited for. A thread cannot be killed, so the scorer still finishes its work in the
background; what bounds that work is the bounded input (``ScoreIn``'s lengths and the body limit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.api.convert import score_out
from app.api.errors import api_text
from app.api.openapi_docs import error_doc
from app.api.ratelimit import RateLimited
from app.api.schemas import ScoreIn, ScoreOut
from app.deps import CurrentUser, LangDep, ServicesDep
from app.domain import ScoreResult
from app.llm.budget import spending_for
from app.services.sessions import validate_text

router = APIRouter(prefix="/api/v1", tags=["scoring"])

T = TypeVar("T")

#: Status logged for a request whose client hung up before the answer (nginx's convention).
CLIENT_CLOSED = 499


class ClientDisconnected(Exception):
    """The client hung up while we waited."""


async def until_disconnected(request: Request) -> None:
    """Returns once the client has hung up (the body has been read already)."""
    while (await request.receive())["type"] != "http.disconnect":
        await asyncio.sleep(0.1)


def _discard(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as lost


async def within_budget(work: Awaitable[T], budget_s: float, disconnected: Awaitable[None]) -> T:
    """The result of ``work``, or :class:`TimeoutError` after ``budget_s`` seconds, or
    :class:`ClientDisconnected` as soon as ``disconnected`` completes; ``work`` is then left to finish alone."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(disconnected)
    try:
        done, _ = await asyncio.wait({task, watcher}, timeout=budget_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if task in done:
        return task.result()
    task.add_done_callback(_discard)
    if watcher in done:
        _discard(watcher)
        raise ClientDisconnected()
    raise TimeoutError()


@router.get("/scenarios")
def list_scenarios(services: ServicesDep, lang: LangDep) -> list[dict[str, Any]]:
    """Every scenario (built-in and the trainer's), as ``coach scenarios --json`` lists them."""
    return [s.summary(lang) for s in services.scenarios]


@router.post(
    "/score",
    response_model=ScoreOut,
    responses={
        404: error_doc("Unknown scenario"),
        413: error_doc("Reply longer than COACH_MAX_MESSAGE_CHARS, or body over COACH_MAX_BODY_BYTES"),
        422: error_doc("Empty reply or malformed body"),
        429: error_doc("Over COACH_RATE_LIMIT; see Retry-After"),
        503: error_doc("Scoring took longer than COACH_SCORE_BUDGET_S"),
    },
)
async def score_reply(
    body: ScoreIn, services: ServicesDep, request: Request, lang: LangDep, user: CurrentUser, _: RateLimited
) -> ScoreOut | Response:
    """Score one reply to a customer line (same fields and result as ``coach score --json``)."""
    settings = services.settings
    validate_text(body.reply, settings.max_message_chars)
    services.scenarios.get(body.scenario)
    context = [t.model_dump() for t in body.context]
    def score() -> ScoreResult:
        with spending_for(user.id):  # an LLM judge spends this user's daily token budget
            return services.scorer.score(body.scenario, body.customer, body.reply, lang=body.lang, context=context)

    work = run_in_threadpool(score)
    try:
        result = await within_budget(work, settings.score_budget_s, until_disconnected(request))
    except ClientDisconnected:
        return Response(status_code=CLIENT_CLOSED)  # nobody reads it; ends the request
    except TimeoutError:
        message = api_text("score_timeout", lang).format(budget=f"{settings.score_budget_s:g}")
        raise HTTPException(status_code=503, detail=message, headers={"Retry-After": "5"}) from None
    return score_out(result)
