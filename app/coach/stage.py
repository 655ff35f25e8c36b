"""What the conversation already did: the stage a reply is read at.

A reply is judged for the moment it answers: re-asking a motive the customer already revealed,
apologising twice or probing a customer who has agreed is weak. The stage reads the earlier
turns with the n-gram heads only (no encoder time): each rep turn's moves, each customer turn's
stance. A session re-reads its own transcript on every reply, so each turn's reading is cached
by its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from app.coach.heads import Head, position_features
from app.coach.textprep import ngram_ids, split_sentences

#: Earlier turns read for the stage (the most recent ones).
CONTEXT_TURNS = 8
#: Earlier turns whose n-gram reading is kept.
TURN_CACHE = 4096


@dataclass(frozen=True)
class Turn:
    """One earlier turn of the conversation."""

    role: Literal["customer", "rep"]
    text: str


@dataclass(frozen=True)
class Stage:
    """What has already happened in the conversation, read from the earlier turns."""

    turns: int = 0
    rep_before: dict[str, float] = field(default_factory=dict)
    customer_before: dict[str, float] = field(default_factory=dict)

    def rep(self, move: str) -> float:
        """How surely the rep already made ``move`` earlier."""
        return self.rep_before.get(move, 0.0)

    def customer(self, stance: str) -> float:
        """How surely the customer already took ``stance`` earlier."""
        return self.customer_before.get(stance, 0.0)


class StageReader:
    """Reads the stage from earlier turns with the n-gram move and stance heads."""

    def __init__(self, moves: Head, stance: Head) -> None:
        self.moves = moves
        self.stance = stance
        # Per reader (its heads decide the readings); lru_cache is thread-safe and bounded.
        self._rep = lru_cache(maxsize=TURN_CACHE)(self._read_rep)
        self._customer = lru_cache(maxsize=TURN_CACHE)(self._read_customer)

    def read(self, context: Sequence[Turn]) -> Stage:
        """What the earlier turns (oldest first) already did."""
        recent = list(context)[-CONTEXT_TURNS:]
        rep_before: dict[str, float] = {}
        cust_before: dict[str, float] = {}
        for turn in recent:
            if turn.role == "rep":
                for name, v in self._rep(turn.text).items():
                    rep_before[name] = max(rep_before.get(name, 0.0), v)
            elif turn.text.strip():
                for name, v in self._customer(turn.text).items():
                    cust_before[name] = max(cust_before.get(name, 0.0), v)
        return Stage(len(recent), rep_before, cust_before)

    def _read_rep(self, text: str) -> dict[str, float]:
        """Each move's top probability over an earlier rep turn (shared: callers only read it)."""
        sents = split_sentences(text)
        if not sents:
            return {}
        p = self.moves.probs(position_features(len(sents)), [ngram_ids(s) for s in sents])
        return {name: float(v) for name, v in zip(self.moves.names, p.max(axis=0), strict=True)}

    def _read_customer(self, text: str) -> dict[str, float]:
        """Stance probabilities of an earlier customer turn (shared: callers only read it)."""
        p = self.stance.probs(np.zeros((1, 0), dtype=np.float32), [ngram_ids(text)])[0]
        return {name: float(v) for name, v in zip(self.stance.names, p, strict=True)}
