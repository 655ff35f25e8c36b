"""Engine factories: ``settings.engine`` picks who scores replies and voices the customer.

An engine is a scorer plus a customer voice. ``embedded`` (the learned scorer and the scenario
author's scripted lines) needs no network and is the default. ``llm`` wraps the embedded engine
with a chat model (:mod:`app.llm`): the model phrases the customer's line and gives a second
opinion on each score, and the embedded engine answers whenever the model cannot. Without
``COACH_LLM_BASE_URL`` it fails at start-up with one clear line instead of being silently
ignored. ``auto`` is ``llm`` when an endpoint is configured and ``embedded`` otherwise. A new
engine plugs in as one more factory in :data:`FACTORIES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.ports import BreakerState, CustomerVoice, Scorer

if TYPE_CHECKING:
    from app.services.container import Services


class EngineUnavailableError(RuntimeError):
    """The configured engine cannot be built (not installed, not configured)."""


@dataclass(frozen=True)
class Engine:
    """Who scores and who speaks, under one name stored with every score."""

    name: str
    scorer: Scorer
    voice: CustomerVoice
    #: The LLM endpoint's circuit breaker state (``closed``/``open``/``half_open``), None without an LLM.
    breaker: Callable[[], BreakerState] | None = None


def embedded(services: Services) -> Engine:
    """The offline engine: the learned reply scorer and the scripted customer."""
    from app.coach.scorer import ReplyScorer
    from app.coach.voice import ScriptedVoice

    scorer = ReplyScorer(
        services.scenarios,
        services.reader_embeddings,
        services.retriever,
        max_chars=services.settings.max_message_chars,
        grade_model=services.grade_model,
    )
    return Engine("embedded", scorer, ScriptedVoice())


def llm(services: Services) -> Engine:
    """The embedded engine wrapped by the LLM judge and voice, sharing one circuit breaker.

    The breaker is shared because both talk to the same endpoint: when the judge finds it dead,
    the voice stops waiting for it too.
    """
    from app.llm.breaker import CircuitBreaker
    from app.llm.budget import TokenBudget
    from app.llm.chat import LLMNotConfiguredError
    from app.llm.judge import LLMJudge
    from app.llm.prompts import PromptRenderer, prompts_dir
    from app.llm.scorer import LLMScorer
    from app.llm.voice import LLMVoice

    try:
        model = services.chat_model
    except LLMNotConfiguredError as exc:
        raise EngineUnavailableError(str(exc)) from exc
    base = embedded(services)
    renderer = PromptRenderer(prompts_dir(services.settings))
    breaker = CircuitBreaker(threshold=3, cooldown_s=30.0)
    settings = services.settings
    budget = TokenBudget(settings.llm_daily_tokens, settings.redis_url or "memory://")
    scorer = LLMScorer(base.scorer, services.scenarios, LLMJudge(model, renderer), breaker, budget)
    voice = LLMVoice(model, renderer, breaker, budget=budget)
    return Engine("llm", scorer, voice, breaker=lambda: breaker.state)


def auto(services: Services) -> Engine:
    """``llm`` when an endpoint is configured (``COACH_LLM_BASE_URL``), else ``embedded``."""
    if services.settings.llm_base_url:
        return llm(services)
    return embedded(services)


FACTORIES: dict[str, Callable[[Services], Engine]] = {"embedded": embedded, "llm": llm, "auto": auto}


def build_engine(services: Services) -> Engine:
    """The engine ``services.settings.engine`` names."""
    factory = FACTORIES.get(services.settings.engine)
    if factory is None:
        raise EngineUnavailableError(f"unknown COACH_ENGINE {services.settings.engine!r}; choose one of {sorted(FACTORIES)}")
    return factory(services)
