"""The LLM engine's scorer: the embedded scorer, plus the LLM judge when it answers in time.

The embedded scorer always runs first: it validates the reply (empty, too long, unknown scenario
raise exactly as in the embedded engine), finds the citations the judge is shown, and is the
answer whenever the judge cannot give one. A missing or invalid verdict, a dead or slow endpoint,
or an open circuit breaker give the embedded result with ``engine: "embedded"`` and the flag
``llm_unavailable``, so callers and the analytics can tell.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

from langchain_core.callbacks import get_usage_metadata_callback

from app.coach.scorer import ContextLike, as_turns
from app.domain import ScoreResult
from app.llm.breaker import CircuitBreaker
from app.llm.budget import EXHAUSTED, TokenBudget
from app.llm.judge import LLMJudge, blend
from app.observability.metrics import observe_llm, record_fallback, record_llm_error
from app.ports import ScenarioSource, Scorer

log = logging.getLogger(__name__)

#: The notice on a result the LLM should have judged but did not.
UNAVAILABLE = "llm_unavailable"


class LLMScorer:
    """:class:`app.ports.Scorer`: the embedded score blended with the LLM judge's verdict."""

    def __init__(
        self,
        embedded: Scorer,
        scenarios: ScenarioSource,
        judge: LLMJudge,
        breaker: CircuitBreaker,
        budget: TokenBudget | None = None,
    ) -> None:
        self.embedded = embedded
        self.scenarios = scenarios
        self.judge = judge
        self.breaker = breaker
        self.budget = budget

    def score(
        self,
        scenario_id: str,
        customer: str,
        reply: str,
        *,
        lang: str | None = None,
        context: Sequence[Mapping[str, str]] | None = None,
    ) -> ScoreResult:
        """The blended score of ``reply``, or the embedded one with the ``llm_unavailable`` notice."""
        result = self.embedded.score(scenario_id, customer, reply, lang=lang, context=context)
        if self.budget is not None and self.budget.exhausted():
            record_fallback("budget")
            return _unavailable(result, EXHAUSTED)
        if not self.breaker.allow():
            record_fallback("breaker_open")
            return _unavailable(result)
        scenario = self.scenarios.get(scenario_id)
        started = time.perf_counter()
        try:
            with get_usage_metadata_callback() as usage:
                verdict = self.judge.verdict(scenario, customer, reply, result, _plain(context))
            if self.budget is not None:
                self.budget.spend(usage)
        except Exception as exc:  # endpoint down, timeout, malformed answer: the embedded score stands
            self.breaker.failure()
            record_llm_error("judge", type(exc).__name__)
            record_fallback("judge_failed")
            log.warning("LLM judge unavailable (%s); using the embedded score", type(exc).__name__)
            return _unavailable(result)
        observe_llm("judge", time.perf_counter() - started)
        self.breaker.success()
        return blend(result, verdict, scenario)


def _unavailable(result: ScoreResult, notice: str = UNAVAILABLE) -> ScoreResult:
    return result.model_copy(update={"engine": "embedded", "flags": [*result.flags, notice]})


def _plain(context: ContextLike) -> list[dict[str, str]]:
    return [{"role": t.role, "text": t.text} for t in as_turns(context)]
