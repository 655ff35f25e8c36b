"""How difficulty bends the state machine's choice (rules in ``data/difficulty.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.datafiles import load_yaml

FORGIVEN = "*forgiven"


@dataclass(frozen=True)
class Level:
    """One difficulty's rules."""

    turn_limit: int
    forgive_bad_moves: int
    resist_good_moves: bool


@dataclass(frozen=True)
class Rules:
    """All levels and the move classes they act on."""

    levels: dict[str, Level]
    good: frozenset[str]
    bad: frozenset[str]


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The rules from the data file (read once)."""
    data = load_yaml("app.coach", "difficulty.yaml")
    levels = {name: Level(int(v["turn_limit"]), int(v["forgive_bad_moves"]), bool(v["resist_good_moves"]))
              for name, v in data["levels"].items()}  # fmt: skip
    return Rules(levels, frozenset(data["good_moves"]), frozenset(data["bad_moves"]))


def turn_limit(base: int, difficulty: str) -> int:
    """The session's turn limit at this difficulty (never under 2)."""
    return max(2, base + rules().levels[difficulty].turn_limit)


def adjust(difficulty: str, move: str, current: str, target: str, held: list[str]) -> str:
    """The state the customer goes to, given the move that chose ``target``.

    ``held`` records, per session, the states where the customer already resisted (and the
    bad moves already forgiven); it is updated in place.
    """
    level = rules().levels[difficulty]
    if target == current:
        return target
    if level.resist_good_moves and move in rules().good and current not in held:
        held.append(current)
        return current
    if move in rules().bad and held.count(FORGIVEN) < level.forgive_bad_moves:
        held.append(FORGIVEN)
        return current
    return target
