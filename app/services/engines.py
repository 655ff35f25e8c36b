"""Engine factories: ``settings.engine`` picks who scores replies and voices the customer.

An engine is a scorer plus a customer voice. ``embedded`` (the learned scorer and the scenario
author's scripted lines) needs no network and is the default. ``auto`` is the embedded engine
until an LLM is configured. ``llm`` arrives with the LLM engine; until then asking for it fails
at start-up with a clear message instead of being silently ignored. A new engine plugs in as one
more factory in :data:`FACTORIES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.ports import CustomerVoice, Scorer

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


def embedded(services: Services) -> Engine:
    """The offline engine: the learned reply scorer and the scripted customer."""
    from app.coach.scorer import ReplyScorer
    from app.coach.voice import ScriptedVoice

    scorer = ReplyScorer(
        services.scenarios,
        services.embeddings,
        services.retriever,
        max_chars=services.settings.max_message_chars,
        grade_model=services.grade_model,
    )
    return Engine("embedded", scorer, ScriptedVoice())


def llm(services: Services) -> Engine:
    """Not in this version: fail loudly rather than fall back without saying so."""
    raise EngineUnavailableError(
        "COACH_ENGINE=llm: the LLM engine is not available in this version; "
        "use COACH_ENGINE=embedded (or auto, which uses the embedded engine until an LLM is configured)"
    )


def auto(services: Services) -> Engine:
    """The best engine that is configured: today always the embedded one."""
    return embedded(services)


FACTORIES: dict[str, Callable[[Services], Engine]] = {"embedded": embedded, "llm": llm, "auto": auto}


def build_engine(services: Services) -> Engine:
    """The engine ``services.settings.engine`` names."""
    factory = FACTORIES.get(services.settings.engine)
    if factory is None:
        raise EngineUnavailableError(f"unknown COACH_ENGINE {services.settings.engine!r}; choose one of {sorted(FACTORIES)}")
    return factory(services)
