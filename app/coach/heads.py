"""Linear heads over a text's features: the learned part of the move and stance readers.

A head scores a text from two halves: a dense vector (the sentence embedding, its product with
the customer line's embedding, a few position features) and the sparse hashed character
n-grams of :mod:`app.coach.textprep`.  Heads are trained by ``scripts/train_scorer.py`` (with
scikit-learn, a dev dependency) and stored as arrays in ``app/coach/model/*.npz``; applying one
needs numpy only, so the default install carries no torch and no scikit-learn at run time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.coach.textprep import NGRAM_DIM


@dataclass(frozen=True)
class Head:
    """Weights of one multi-output linear head (sigmoid per output, or one softmax)."""

    names: tuple[str, ...]
    w_dense: np.ndarray  # [outputs, dense features]
    w_sparse: np.ndarray  # [outputs, NGRAM_DIM]
    bias: np.ndarray  # [outputs]
    softmax: bool = False

    def probs(self, dense: np.ndarray, sparse: Sequence[Mapping[int, float]]) -> np.ndarray:
        """Output probabilities, one row per text."""
        n = len(sparse)
        logits = np.tile(self.bias.astype(np.float32), (n, 1))
        if self.w_dense.shape[1]:
            logits += dense.astype(np.float32) @ self.w_dense.T.astype(np.float32)
        for i, grams in enumerate(sparse):
            if grams:
                idx = np.fromiter(grams.keys(), dtype=np.int64, count=len(grams))
                val = np.fromiter(grams.values(), dtype=np.float32, count=len(grams))
                logits[i] += self.w_sparse[:, idx].astype(np.float32) @ val
        if self.softmax:
            z = np.exp(logits - logits.max(axis=1, keepdims=True))
            return np.asarray(z / z.sum(axis=1, keepdims=True), dtype=np.float32)
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30))), dtype=np.float32)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez_compressed`` (weights stored as float16)."""
        return {
            f"{prefix}.names": np.array(self.names),
            f"{prefix}.w_dense": self.w_dense.astype(np.float16),
            f"{prefix}.w_sparse": self.w_sparse.astype(np.float16),
            f"{prefix}.bias": self.bias.astype(np.float32),
            f"{prefix}.softmax": np.array(self.softmax),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> Head:
        """The head stored under ``prefix``."""
        w_sparse = np.asarray(arrays[f"{prefix}.w_sparse"])
        if w_sparse.shape[1] != NGRAM_DIM:
            raise ValueError(f"{prefix}: n-gram space {w_sparse.shape[1]} != {NGRAM_DIM}; retrain the scorer")
        return cls(
            names=tuple(str(n) for n in arrays[f"{prefix}.names"]),
            w_dense=np.asarray(arrays[f"{prefix}.w_dense"], dtype=np.float32),
            w_sparse=w_sparse,
            bias=np.asarray(arrays[f"{prefix}.bias"], dtype=np.float32),
            softmax=bool(arrays[f"{prefix}.softmax"]),
        )


def save_heads(path: Path, heads: Mapping[str, Head], meta: Mapping[str, str]) -> None:
    """Write ``heads`` and string metadata to one compressed npz file."""
    arrays: dict[str, np.ndarray] = {}
    for prefix, head in heads.items():
        arrays.update(head.to_arrays(prefix))
    for key, value in meta.items():
        arrays[f"meta.{key}"] = np.array(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def load_heads(path: Path) -> tuple[dict[str, Head], dict[str, str]]:
    """Heads and metadata written by :func:`save_heads`."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    prefixes = {k.rsplit(".", 1)[0] for k in arrays if k.endswith(".names")}
    heads = {p: Head.from_arrays(arrays, p) for p in prefixes}
    meta = {k[5:]: str(v) for k, v in arrays.items() if k.startswith("meta.")}
    return heads, meta


def position_features(n: int) -> np.ndarray:
    """[is_first, is_last, relative position, single-sentence] for ``n`` sentences.

    The dense features every move head reads, the n-gram-only ones included (their only dense part).
    """
    if n == 0:
        return np.zeros((0, 4), dtype=np.float32)
    idx = np.arange(n, dtype=np.float32)
    return np.stack(
        [idx == 0, idx == n - 1, idx / max(n - 1, 1), np.full(n, n == 1)], axis=1
    ).astype(np.float32)
