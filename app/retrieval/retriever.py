"""Hybrid search: FAISS dense vectors fused with BM25 (bm25s) over folded character bigrams.

Dense retrieval understands paraphrase and English questions about Chinese
text; BM25 catches exact terms (product names, numbers) the small model
blurs.  An English question over Chinese text is also expanded with the
Chinese terms of a bilingual sales lexicon (:mod:`app.retrieval.lexicon`)
on both sides, which gives BM25 a vote and the model a Chinese anchor.  They are fused with Reciprocal Rank Fusion by default, which needs
no score calibration between the two; ``scripts/eval_retrieval.py``
compares it with weighted score fusion and either side alone on the dev set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from app.domain import SearchHit
from app.retrieval.bm25 import BM25Index
from app.retrieval.embeddings import CoachEmbeddings
from app.retrieval.lexicon import translate_terms
from app.retrieval.store import IndexData, make_faiss, read_index
from app.text.fold import detect_language, fold

Fusion = Literal["rrf", "weighted", "dense", "bm25"]
Expansion = Literal["both", "bm25", "off"]
RRF_K = 60


def _selector(ids: np.ndarray) -> Any:
    """FAISS search parameters restricting results to ``ids``."""
    import faiss

    # The keyword form makes faiss keep a reference to the selector (assigning
    # ``params.sel`` afterwards would let Python free it under FAISS's feet).
    return faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids.astype(np.int64)))  # type: ignore[call-arg]


def _single_threaded_faiss() -> None:
    """One query at a time gains nothing from OpenMP threads; on a busy 2-core box they cost 10x."""
    import faiss

    faiss.omp_set_num_threads(1)


class Retriever:
    """Search over one loaded index."""

    def __init__(self, data: IndexData, embeddings: CoachEmbeddings, *, fusion: Fusion = "rrf",
                 dense_weight: float = 0.6, pool: int = 200, expansion: Expansion = "both") -> None:
        self.data = data
        self.embeddings = embeddings
        self.fusion: Fusion = fusion
        self.dense_weight = dense_weight
        self.pool = pool
        self.expansion: Expansion = expansion
        self._sections = np.array([c.get("section") or "" for c in data.chunks], dtype=object)
        _single_threaded_faiss()
        self._bounds = data.window_bounds()

    @classmethod
    def open(cls, index_dir: Path | str, embeddings: CoachEmbeddings, **options: Any) -> Retriever:
        """Load an index, refusing one built with other embeddings (``CoachIndexError``)."""
        directory = Path(index_dir)
        data = read_index(directory)
        data.manifest.check_embeddings(directory, embeddings.backend, embeddings.model_name)
        return cls(data, embeddings, **options)

    @classmethod
    def empty(cls, embeddings: CoachEmbeddings) -> Retriever:
        """A retriever over nothing (no knowledge files yet): every search returns []."""
        from app.retrieval.manifest import Manifest

        dim = embeddings.dimension
        vectors = np.zeros((0, dim), dtype=np.float32)
        manifest = Manifest(backend=embeddings.backend, model=embeddings.model_name, dimension=dim)
        data = IndexData(manifest, [], vectors, make_faiss(vectors, dim), BM25Index.build([]), [], vectors)
        return cls(data, embeddings)

    def __len__(self) -> int:
        return len(self.data.chunks)

    def _allowed(self, sections: list[str] | None) -> np.ndarray | None:
        if sections is None:
            return None
        return np.flatnonzero(np.isin(self._sections, list(sections)))

    def _translation(self, query: str) -> list[str]:
        """Chinese domain terms for an English query, when the corpus speaks them better than English.

        English over Chinese text: BM25 and the dense side also get the
        lexicon's Chinese terms.  Over English material the Chinese terms are
        unknown to BM25 (coverage no better than the query's own), so the
        query is left alone.
        """
        if self.expansion == "off" or detect_language(query) != "en":
            return []
        translated = translate_terms(query)
        bm25 = self.data.bm25
        if not translated or bm25.coverage(" ".join(translated)) <= bm25.coverage(query):
            return []
        return translated

    def _query_vector(self, query: str, translated: list[str]) -> np.ndarray:
        """The query's vector; an English query is embedded with its Chinese domain terms appended.

        One text, one model call: on the dev set this beat averaging a second
        vector of the Chinese terms alone into the query's (see docs/retrieval.md).
        Only each entry's main term is appended (BM25 gets them all): the same
        quality, and ~20 % fewer milliseconds for the longer text to embed.
        """
        if translated and self.expansion == "both":
            query = f"{query} {' '.join(translate_terms(query, primary_only=True))}"
        return self.embeddings.embed_array([fold(query)], "query")

    def _dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None,
               extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top chunks by cosine: the best of the chunk's own vector and its sentence windows.

        FAISS finds the ``n`` nearest chunks; those and the ``extra`` candidates
        (BM25's best) are then rescored against their windows, which is where
        a small model finds the one sentence that answers the question.
        """
        params = _selector(allowed) if allowed is not None else None
        _, ids = self.data.faiss_index.search(vector, n, params=params)
        candidates = np.union1d(ids[0][ids[0] >= 0], extra).astype(np.int64)
        if not len(candidates):
            return candidates, np.zeros(0, dtype=np.float32)
        scores = np.asarray(self.data.vectors[candidates]) @ vector[0]
        starts = self._bounds[candidates]
        counts = self._bounds[candidates + 1] - starts
        if counts.sum():
            # Rows of all candidates' windows, and which candidate each row belongs to.
            owner = np.repeat(np.arange(len(candidates)), counts)
            rows = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
            np.maximum.at(scores, owner, np.asarray(self.data.window_vectors[rows]) @ vector[0])
        order = np.argsort(-scores, kind="stable")[:n]
        return candidates[order], scores[order].astype(np.float32)

    def _bm25(self, query: str, n: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        scores = self.data.bm25.scores(query)
        if allowed is not None:
            masked = np.full_like(scores, -1.0)
            masked[allowed] = scores[allowed]
            scores = masked
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[scores[top] > 0]
        order = top[np.argsort(-scores[top], kind="stable")]
        return order, scores[order]

    def rank(self, query: str, k: int = 5, sections: list[str] | None = None) -> list[tuple[int, float]]:
        """Chunk ids and fused scores, best first."""
        allowed = self._allowed(sections)
        size = len(self) if allowed is None else len(allowed)
        if size == 0 or not query.strip():
            return []
        n = min(size, max(self.pool, 4 * k))
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        translated = self._translation(query)
        lexical_query = f"{query} {' '.join(translated)}" if translated else query
        lexical = self._bm25(lexical_query, n, allowed) if self.fusion != "dense" else empty
        dense = (self._dense(self._query_vector(query, translated), n, allowed, lexical[0])
                 if self.fusion != "bm25" else empty)
        if self.fusion in ("dense", "bm25"):
            ids, scores = dense if self.fusion == "dense" else lexical
            return [(int(i), float(s)) for i, s in zip(ids[:k], scores[:k], strict=True)]
        # BM25 gets a vote in proportion to how much of the query the corpus knows.
        bm25_weight = self.data.bm25.coverage(lexical_query)
        fused: dict[int, float] = {}
        if self.fusion == "rrf":
            for (ids, _), weight in ((dense, 1.0), (lexical, bm25_weight)):
                for rank, i in enumerate(ids):
                    fused[int(i)] = fused.get(int(i), 0.0) + weight / (RRF_K + rank + 1)
        else:
            for (ids, scores), weight in ((dense, self.dense_weight), (lexical, (1 - self.dense_weight) * bm25_weight)):
                if len(scores) == 0:
                    continue
                lo, hi = float(scores.min()), float(scores.max())
                span = hi - lo or 1.0
                for i, s in zip(ids, scores, strict=True):
                    fused[int(i)] = fused.get(int(i), 0.0) + weight * (float(s) - lo) / span
        return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]

    def search(self, query: str, k: int = 5, sections: list[str] | None = None) -> list[SearchHit]:
        """The ``k`` best passages; ``sections`` restricts hits to those section ids."""
        hits: list[SearchHit] = []
        for i, score in self.rank(query, k, sections):
            c = self.data.chunks[i]
            hits.append(SearchHit(
                text=c["text"], source=c["source"], score=score, title=c.get("title") or c.get("heading"),
                section=c.get("section"), start=c.get("start"), end=c.get("end"), chunk_id=c.get("id"),
            ))
        return hits
