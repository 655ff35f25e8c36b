"""The seams between layers, as typed Protocols.

Services, channels and the web app depend on these shapes, never on concrete classes, so an
engine (embedded, or an LLM through LangChain) or a channel (web, terminal, Slack, WeCom) plugs in by
implementing one of them and registering a factory in :mod:`app.services.engines`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal, Protocol

from app.domain import Difficulty, RoleplaySession, Scorecard, ScoreResult, SearchHit, TurnResult
from app.scenarios.schema import Scenario

#: An LLM endpoint's circuit breaker, as readiness reports it.
BreakerState = Literal["closed", "open", "half_open"]


class Scorer(Protocol):
    """Scores one rep reply to a customer line (GUIDE §3 score contract)."""

    def score(
        self,
        scenario_id: str,
        customer: str,
        reply: str,
        *,
        lang: str | None = None,
        context: Sequence[Mapping[str, str]] | None = None,
    ) -> ScoreResult:
        """The score of ``reply``; ``context`` holds the earlier turns, oldest first."""
        ...


class CustomerVoice(Protocol):
    """Phrases the customer's move, once the scenario's state machine has chosen it."""

    def opening(self, scenario: Scenario, rng: random.Random) -> str:
        """The customer's first line."""
        ...

    def line(
        self,
        scenario: Scenario,
        state_id: str,
        motive_id: str,
        rng: random.Random,
        used: list[str],
        *,
        context: Sequence[Mapping[str, str]] = (),
        difficulty: Difficulty = "normal",
    ) -> str:
        """The customer's line in ``state_id``; appends what was said to ``used``.

        ``context`` is the conversation so far (``{"role", "text"}``, oldest first, ending with the
        rep's reply being answered), for a voice that answers it in its own words.
        """
        ...

    def ending(self, lines: Sequence[str], rng: random.Random, used: list[str]) -> str:
        """One of a closing state's (or the turn limit's) lines."""
        ...


class Retriever(Protocol):
    """Search over the knowledge the coach cites."""

    def search(self, query: str, k: int = 5, sections: list[str] | None = None) -> Sequence[SearchHit]:
        """Ranked passages."""
        ...


class ScenarioSource(Protocol):
    """The playable scenarios (built-in, a read-only directory, the trainers' own)."""

    def get(self, scenario_id: str) -> Scenario:
        """The scenario, or ``UnknownScenarioError``."""
        ...

    def __contains__(self, scenario_id: object) -> bool: ...

    def __iter__(self) -> Iterator[Scenario]: ...

    def __len__(self) -> int: ...

    def ids(self) -> list[str]:
        """Scenario ids in load order."""
        ...

    def refresh(self) -> None:
        """Pick up scenarios another worker saved since the last call (cheap when nothing changed)."""
        ...


class RoleplayEngine(Protocol):
    """Plays a scenario: opening, one rep reply at a time, the scorecard."""

    def start(
        self, scenario_id: str, seed: int | None = None, lang: str = "zh", difficulty: Difficulty = "normal"
    ) -> RoleplaySession:
        """A new session whose transcript holds the opening line."""
        ...

    def reply(self, session: RoleplaySession, text: str) -> TurnResult:
        """Score a reply and choose the customer's next line (the given session is not changed)."""
        ...

    def scorecard(self, session: RoleplaySession) -> Scorecard:
        """The end-of-session summary."""
        ...
