"""Stored vectors of the built-in scenarios' customer lines, so a fresh service starts warm.

Why: a reply's judgement reads the customer's line alone (its stance), and its citations search
the knowledge index with that line; both cost an encoder pass the first time a line is seen
(about 7 ms on the scorer's encoder and 25 ms on the retrieval one, 2 cores). The built-in
scenarios have about 1,300 distinct lines, so a freshly started worker paid for them one rep at a
time: under load a fresh server served a third as many turns per CPU-second as a warm one
(docs/benchmarks.md). ``scripts/build_line_vectors.py`` scores every line once and stores what
the two encoders cached; :func:`preload` puts it back at start-up.

A stored vector is used only under the encoder fingerprint it was made with (the model file's
hash, the wheel's version), so a rebuilt encoder never reads an older one's vectors; lines not
in the file (a trainer's scenarios, an edited line) are read as before, on first use.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol, cast, get_args

import numpy as np

from app.retrieval.embeddings import Kind
from app.scenarios.schema import Scenario

log = logging.getLogger(__name__)

LINE_VECTORS = Path(__file__).resolve().parents[1] / "coach" / "model" / "line_vectors.npz"
KINDS: tuple[Kind, ...] = get_args(Kind)


class VectorCache(Protocol):
    """What an encoder offers for storing and restoring its cache."""

    def fingerprint(self) -> str:
        """What decides its vectors."""
        ...

    def cached(self) -> list[tuple[Kind, str, np.ndarray]]:
        """Its cache's entries."""
        ...

    def preload(self, entries: list[tuple[Kind, str, np.ndarray]]) -> None:
        """Fill its cache."""
        ...


def customer_lines(scenarios: Iterable[Scenario]) -> list[tuple[str, str]]:
    """(scenario id, line) for every line a customer of these scenarios can say.

    A state that reveals the motive says one of its lines followed by one of the motive's
    reveals (:class:`app.coach.voice.ScriptedVoice`), so those are listed joined.
    """
    out: dict[tuple[str, str], None] = {}
    for sc in scenarios:
        lines = [*sc.openings, *sc.turn_limit_lines, *sc.script]
        for state in sc.states:
            if state.reveal_motive:
                lines += [f"{line}{r}" for line in state.lines for m in sc.persona.motives for r in m.reveal]
            else:
                lines += list(state.lines)
        for line in lines:
            out[(sc.id, line)] = None
    return list(out)


def save(path: Path, encoders: Mapping[str, VectorCache]) -> dict[str, int]:
    """Write each encoder's cache under its slot name; returns the number of vectors per slot."""
    arrays: dict[str, np.ndarray] = {}
    counts = {}
    for slot, enc in encoders.items():
        entries = enc.cached()
        arrays[f"{slot}__fingerprint"] = np.array([enc.fingerprint()])
        arrays[f"{slot}__kinds"] = np.array([k for k, _, _ in entries], dtype=str)
        arrays[f"{slot}__texts"] = np.array([t for _, t, _ in entries], dtype=str)
        arrays[f"{slot}__vectors"] = np.vstack([v for _, _, v in entries]).astype(np.float32)
        counts[slot] = len(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
    return counts


def preload(path: Path, encoders: Mapping[str, VectorCache]) -> dict[str, int]:
    """Put the stored vectors into each encoder whose fingerprint matches; vectors loaded per slot.

    A missing or unreadable file loads nothing: the lines are then read on first use, as before.
    """
    loaded = dict.fromkeys(encoders, 0)
    try:
        with np.load(path, allow_pickle=False) as data:
            for slot, enc in encoders.items():
                entries = _entries(data, slot, enc.fingerprint())
                enc.preload(entries)
                loaded[slot] = len(entries)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("stored customer-line vectors unreadable (%s): lines are read on first use", exc)
    return loaded


def _entries(data: Mapping[str, np.ndarray], slot: str, fingerprint: str) -> list[tuple[Kind, str, np.ndarray]]:
    """The slot's entries when they were made by this encoder and are well formed; else none."""
    if f"{slot}__fingerprint" not in data or str(data[f"{slot}__fingerprint"][0]) != fingerprint:
        return []
    kinds = [str(k) for k in data[f"{slot}__kinds"]]
    texts = [str(t) for t in data[f"{slot}__texts"]]
    vectors = np.asarray(data[f"{slot}__vectors"], dtype=np.float32)
    if any(k not in KINDS for k in kinds) or not len(kinds) == len(texts) == len(vectors):
        return []
    return [(cast(Kind, k), t, v) for k, t, v in zip(kinds, texts, vectors, strict=True)]
