"""The move vocabulary and what a scenario's rubric makes of it (data in ``app/coach/data``).

``moves.yaml`` says what each fine move is and which criteria it is evidence for;
``engine_moves.yaml`` maps the coarse moves that scenario rubrics and role-play transitions use
(probe, concede, close...) onto fine ones; ``fit.yaml`` lists the moves that fit or misfit each
personality, decision style and value type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from app.scenarios.schema import Scenario

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class MoveInfo:
    """One fine move: its general polarity and the criteria it bears on (+1 / -1)."""

    name: str
    polarity: str
    criteria: dict[str, int]
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Vocabulary:
    """Every move, the coarse engine moves and the persona-fit table."""

    moves: dict[str, MoveInfo]
    engine: dict[str, tuple[str, ...]]
    engine_threshold: float
    engine_strict: dict[str, float]
    fit: dict[str, dict[str, dict[str, tuple[str, ...]]]]

    def of_polarity(self, polarity: str) -> tuple[str, ...]:
        """The fine moves with ``polarity`` (good, weak, bad, gaming, neutral)."""
        return self._by_polarity.get(polarity, ())

    def bearing(self, criterion: str, sign: int) -> tuple[str, ...]:
        """The fine moves that are evidence for (``sign`` 1) or against (-1) ``criterion``."""
        return self._bearing.get((criterion, sign), ())

    # Both are asked for on every reply scored; the vocabulary never changes once read.
    @cached_property
    def _by_polarity(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for m, info in self.moves.items():
            out[info.polarity] = (*out.get(info.polarity, ()), m)
        return out

    @cached_property
    def _bearing(self) -> dict[tuple[str, int], tuple[str, ...]]:
        out: dict[tuple[str, int], tuple[str, ...]] = {}
        for m, info in self.moves.items():
            for c, sign in info.criteria.items():
                out[(c, sign)] = (*out.get((c, sign), ()), m)
        return out

    def engine_min(self, engine_move: str) -> float:
        """How surely a coarse move must be read before the role-play engine reacts to it."""
        return self.engine_strict.get(engine_move, self.engine_threshold)

    def fine(self, engine_move: str) -> tuple[str, ...]:
        """The fine moves behind a coarse engine or rubric move."""
        return self.engine.get(engine_move, (engine_move,))

    def persona_fit(self, scenario: Scenario) -> tuple[list[str], list[str]]:
        """(fitting moves, misfitting moves) for the scenario's customer."""
        p = scenario.persona
        fit: list[str] = []
        misfit: list[str] = []
        for kind, value in (("personality", p.personality), ("decision_style", p.decision_style), ("value_type", p.value_type)):
            entry = self.fit.get(kind, {}).get(str(value)) if value else None
            if entry:
                fit += [m for m in entry.get("fit", ()) if m not in fit]
                misfit += [m for m in entry.get("misfit", ()) if m not in misfit]
        return fit, misfit


def _sign(value: object) -> int:
    return -1 if str(value).strip() == "-" else 1


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The move vocabulary, read once from the data files."""
    raw = yaml.safe_load((DATA / "moves.yaml").read_text(encoding="utf-8"))["moves"]
    moves = {
        name: MoveInfo(
            name,
            str(v["polarity"]),
            {str(c): _sign(s) for c, s in (v.get("criteria") or {}).items()},
            str(v["zh"]),
            str(v["en"]),
        )
        for name, v in raw.items()
    }
    eng = yaml.safe_load((DATA / "engine_moves.yaml").read_text(encoding="utf-8"))
    fit_raw = yaml.safe_load((DATA / "fit.yaml").read_text(encoding="utf-8"))
    fit = {
        kind: {t: {k: tuple(v) for k, v in e.items()} for t, e in types.items()} for kind, types in fit_raw.items()
    }
    return Vocabulary(
        moves,
        {k: tuple(v) for k, v in eng["moves"].items()},
        float(eng["threshold"]),
        {str(m): float(eng["strict_threshold"]) for m in eng.get("strict", [])},
        fit,
    )
