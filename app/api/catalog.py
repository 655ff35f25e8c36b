"""``/api/v1/scenarios`` and ``/api/v1/score``: the scenario list and one-off scoring."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from app.api.convert import score_out
from app.api.schemas import ScoreIn, ScoreOut
from app.deps import LangDep, ServicesDep
from app.services.sessions import validate_text

router = APIRouter(prefix="/api/v1", tags=["scoring"])


@router.get("/scenarios")
def list_scenarios(services: ServicesDep, lang: LangDep) -> list[dict[str, Any]]:
    """Every scenario (built-in and the trainer's), as ``coach scenarios --json`` lists them."""
    return [s.summary(lang) for s in services.scenarios]


@router.post(
    "/score",
    response_model=ScoreOut,
    responses={404: {"description": "Unknown scenario"}, 413: {"description": "Reply too long"}, 422: {"description": "Empty reply"}},
)
async def score_reply(body: ScoreIn, services: ServicesDep) -> ScoreOut:
    """Score one reply to a customer line (same fields and result as ``coach score --json``)."""
    validate_text(body.reply, services.settings.max_message_chars)
    services.scenarios.get(body.scenario)
    context = [t.model_dump() for t in body.context]
    result = await run_in_threadpool(
        services.scorer.score, body.scenario, body.customer, body.reply, lang=body.lang, context=context
    )
    return score_out(result)
