"""Reading and writing the index directory.

Layout (all in one directory, replaced as a whole on every ingest)::

    manifest.json     embedding backend/model/dimension, file hashes, format
    chunks.jsonl      one chunk per line: text, source, title, section, offsets, cache key
    vectors.npy       normalised passage vectors (also the embedding cache)
    faiss.index       inner-product FAISS index over the same vectors
    windows.jsonl     short sentence windows of each chunk (in chunk order): owner chunk, cache key
    window_vectors.npy  their vectors, used to rescore candidate chunks (memory-mapped)
    bm25.*            BM25 by bm25s: data/indices/indptr .npy (score matrix), vocab,
                      params and analyzer .json
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.retrieval.bm25 import BM25Index
from app.retrieval.errors import IndexCorruptError
from app.retrieval.manifest import Manifest

CHUNKS_NAME = "chunks.jsonl"
VECTORS_NAME = "vectors.npy"
FAISS_NAME = "faiss.index"
WINDOWS_NAME = "windows.jsonl"
WINDOW_VECTORS_NAME = "window_vectors.npy"


@dataclass
class IndexData:
    """Everything in an index directory, loaded."""

    manifest: Manifest
    chunks: list[dict[str, Any]]
    vectors: np.ndarray
    faiss_index: Any
    bm25: BM25Index
    windows: list[dict[str, Any]]
    window_vectors: np.ndarray

    def window_bounds(self) -> np.ndarray:
        """``bounds[i]:bounds[i+1]`` are chunk ``i``'s rows in ``window_vectors``."""
        owner = np.array([w["chunk"] for w in self.windows], dtype=np.int64)
        return np.searchsorted(owner, np.arange(len(self.chunks) + 1), side="left")


def make_faiss(vectors: np.ndarray, dimension: int) -> Any:
    """Exact inner-product search (cosine on normalised vectors)."""
    import faiss

    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_index(directory: Path, data: IndexData) -> None:
    """Write every file of the index into ``directory`` (which must exist)."""
    import faiss

    with (directory / CHUNKS_NAME).open("w", encoding="utf-8") as fh:
        for chunk in data.chunks:
            fh.write(json.dumps(chunk, ensure_ascii=False) + "\n")
    np.save(directory / VECTORS_NAME, data.vectors.astype(np.float32))
    faiss.write_index(data.faiss_index, str(directory / FAISS_NAME))
    with (directory / WINDOWS_NAME).open("w", encoding="utf-8") as fh:
        for window in data.windows:
            fh.write(json.dumps(window, ensure_ascii=False) + "\n")
    np.save(directory / WINDOW_VECTORS_NAME, data.window_vectors.astype(np.float32))
    data.bm25.save(directory)
    data.manifest.save(directory)  # last: a directory without it is not an index


def read_index(directory: Path) -> IndexData:
    """Load and cross-check an index; :class:`IndexCorruptError` on any damage."""
    import faiss

    manifest = Manifest.load(directory)
    try:
        with (directory / CHUNKS_NAME).open(encoding="utf-8") as fh:
            chunks = [json.loads(line) for line in fh if line.strip()]
        vectors = np.load(directory / VECTORS_NAME, allow_pickle=False, mmap_mode="r")
        faiss_index = faiss.read_index(str(directory / FAISS_NAME))
        bm25 = BM25Index.load(directory)
        with (directory / WINDOWS_NAME).open(encoding="utf-8") as fh:
            windows = [json.loads(line) for line in fh if line.strip()]
        window_vectors = np.load(directory / WINDOW_VECTORS_NAME, allow_pickle=False, mmap_mode="r")
    except Exception as exc:  # json, numpy, faiss and bm25s all raise their own types
        raise IndexCorruptError(directory, f"cannot read index files ({type(exc).__name__}: {exc}) (索引已损坏)") from exc
    n = len(chunks)
    consistent = (
        n == manifest.chunk_count
        and vectors.shape == (n, manifest.dimension)
        and faiss_index.ntotal == n
        and faiss_index.d == manifest.dimension
        and bm25.num_docs == n
        and window_vectors.shape == (len(windows), manifest.dimension)
        and all(0 <= w.get("chunk", -1) < n for w in windows)
        and all(a["chunk"] <= b["chunk"] for a, b in zip(windows, windows[1:], strict=False))
    )
    if not consistent:
        raise IndexCorruptError(directory, "index files disagree with each other (索引已损坏)")
    return IndexData(manifest, chunks, vectors, faiss_index, bm25, windows, window_vectors)
