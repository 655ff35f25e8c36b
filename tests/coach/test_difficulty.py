"""Difficulty bends the state machine: hard customers hold out once per state, easy ones forgive once.

The role-play engine runs for real on the built-in price-objection scenario; the scorer is a stub
that reports chosen moves, so the test controls what the engine reacts to (the scorer's reading
is tested in test_scorer.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from app.coach.difficulty import FORGIVEN, adjust, turn_limit
from app.coach.roleplay import RoleplayService
from app.domain import ScoreResult
from app.scenarios.loader import ScenarioRegistry
from app.services.container import Services


class MovesScorer:
    """Reports the moves it is told, in order."""

    def __init__(self, moves: list[list[str]]) -> None:
        self.moves = list(moves)

    def score(self, scenario_id: str, customer: str, reply: str, *, lang: str | None = None,
              context: Sequence[Mapping[str, str]] | None = None) -> ScoreResult:  # fmt: skip
        return ScoreResult(score=70, band=4, criteria=[], feedback="", better_reply="", citations=[], moves=self.moves.pop(0))


def play(registry: ScenarioRegistry, difficulty: str, moves: list[list[str]]) -> list[str]:
    engine = RoleplayService(registry, MovesScorer(moves))
    session = engine.start("price-objection", seed=3, difficulty=difficulty)  # type: ignore[arg-type]
    states = []
    for _ in moves:
        result = engine.reply(session, "……")
        session = result.session
        states.append(session.state_id)
        if result.done:
            break
    return states


@pytest.fixture(scope="module")
def registry(coach_services: Services) -> ScenarioRegistry:
    return ScenarioRegistry.from_dirs(coach_services.settings.builtin_scenarios_dir)


def test_a_hard_customer_holds_out_once_before_a_probe_wins_them(registry: ScenarioRegistry) -> None:
    normal = play(registry, "normal", [["probe"], ["probe"]])
    hard = play(registry, "hard", [["probe"], ["probe"]])
    assert normal[0] == "revealed"
    assert hard[0] == "opening" and hard[1] == "revealed"  # resisted once, then moved


def test_an_easy_customer_forgives_one_bad_move(registry: ScenarioRegistry) -> None:
    assert play(registry, "normal", [["attack_rival"]])[0] == "defensive"
    easy = play(registry, "easy", [["attack_rival"], ["attack_rival"]])
    assert easy == ["opening", "defensive"]


def test_turn_limits_follow_the_difficulty() -> None:
    assert (turn_limit(8, "easy"), turn_limit(8, "normal"), turn_limit(8, "hard")) == (10, 8, 7)
    assert turn_limit(2, "hard") == 2


def test_adjust_never_resists_a_move_that_keeps_the_state_or_a_bad_one_on_hard() -> None:
    held: list[str] = []
    assert adjust("hard", "probe", "opening", "opening", held) == "opening" and held == []
    assert adjust("hard", "attack_rival", "opening", "defensive", held) == "defensive"
    assert adjust("easy", "concede", "opening", "pushing", held) == "opening" and held == [FORGIVEN]
    assert adjust("easy", "concede", "opening", "pushing", held) == "pushing"
