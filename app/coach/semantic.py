"""Semantic features: how close a reply is to each band's exemplars.

The scenario's exemplar replies (bands 1-5) are embedded once and cached by
``(scenario id, sha1 of the exemplar text)``, so a trainer who edits a
scenario (the registry reloads in place) gets fresh vectors for the changed
exemplars while unchanged ones stay cached.  A reply's expected band is a
softmax-weighted vote of the exemplars, the kNN view of "replies like this
one were graded …".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.scenarios.schema import Scenario

#: Only the start of a long text is embedded: the encoder's cost grows with every token, and the
#: opening of a reply (acknowledge? ask? pitch?) carries most of what the similarity can tell.
EMBED_CHARS = 64


def embed(embeddings: Any, texts: list[str], limit: int = EMBED_CHARS) -> np.ndarray:
    """Normalised vectors for ``texts`` (symmetric embedding when the backend offers it)."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    texts = [t[:limit] for t in texts]
    if hasattr(embeddings, "embed_symmetric"):
        vecs = np.asarray(embeddings.embed_symmetric(texts), dtype=np.float32)
    else:
        vecs = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    vecs = vecs.reshape(len(texts), -1)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-9)


def _key(scenario_id: str, text: str) -> tuple[str, str]:
    return scenario_id, hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SemanticFeatures:
    """Similarities of one reply to the scenario's exemplars and to the customer's line."""

    expected_band: float
    top_sim: float
    good_sim: float
    bad_sim: float
    customer_sim: float


class ExemplarBank:
    """Cached exemplar vectors per scenario."""

    def __init__(self, embeddings: Any) -> None:
        self._embeddings = embeddings
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def matrix(self, scenario: Scenario) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(vectors, bands, texts) of the scenario's exemplars; embeds only what is not cached."""
        texts: list[str] = []
        bands: list[int] = []
        for band in sorted(scenario.exemplars):
            for text in scenario.exemplars[band]:
                texts.append(text)
                bands.append(band)
        missing = [t for t in dict.fromkeys(texts) if _key(scenario.id, t) not in self._vectors]
        if missing:
            for text, vec in zip(missing, embed(self._embeddings, missing), strict=True):
                self._vectors[_key(scenario.id, text)] = vec
        mat = np.stack([self._vectors[_key(scenario.id, t)] for t in texts])
        return mat, np.asarray(bands, dtype=np.float32), texts

    def features(
        self,
        scenario: Scenario,
        reply_vec: np.ndarray,
        customer_vec: np.ndarray,
        *,
        tau: float,
        exclude: str | None = None,
    ) -> SemanticFeatures:
        """Expected band and similarities; ``exclude`` leaves one exemplar out (calibration)."""
        mat, bands, texts = self.matrix(scenario)
        sims = mat @ reply_vec
        if exclude is not None:
            keep = np.asarray([t != exclude for t in texts])
            sims, bands = sims[keep], bands[keep]
        logits = (sims - sims.max()) / tau
        weights = np.exp(logits)
        weights /= weights.sum()
        good = sims[bands >= 4]
        bad = sims[bands <= 2]
        return SemanticFeatures(
            expected_band=float(weights @ bands),
            top_sim=float(sims.max()),
            good_sim=float(np.sort(good)[-2:].mean()) if good.size else 0.0,
            bad_sim=float(np.sort(bad)[-2:].mean()) if bad.size else 0.0,
            customer_sim=float(customer_vec @ reply_vec),
        )
