"""Building an index from files and folders, atomically and incrementally.

* Atomic: everything is written to a temporary sibling directory which then
  replaces the old index by rename, so a failed ingest (bad file, crash,
  Ctrl-C) leaves the last good index untouched.
* Incremental: each passage's vector is keyed by a hash of the embedding
  model and the passage text; vectors of the previous index are reused,
  so re-ingesting unchanged files embeds nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.knowledge.chunking import Chunk, chunk_document, sentence_windows
from app.knowledge.documents import load_document
from app.knowledge.loaders import SUPPORTED_SUFFIXES
from app.retrieval.bm25 import Analyzer, BM25Index
from app.retrieval.embeddings import CoachEmbeddings
from app.retrieval.errors import CoachIndexError, IngestError
from app.retrieval.manifest import MANIFEST_NAME, Manifest, file_sha256
from app.retrieval.store import IndexData, make_faiss, read_index, write_index
from app.text.fold import fold

Progress = Callable[[int, int], None]
CHUNK_SIZE = 360
CHUNK_OVERLAP = 80
WINDOW_CHARS = 120
_BATCH = 16


@dataclass(frozen=True)
class InputFile:
    """A file to ingest and the name it is cited by."""

    path: Path
    source: str


@dataclass(frozen=True)
class BuildReport:
    """What an ingest did."""

    index_dir: Path
    files: int
    chunks: int
    embedded: int
    reused: int


def collect_inputs(paths: Iterable[Path]) -> list[InputFile]:
    """Supported files under the given files/folders, cited relative to each folder."""
    found: list[InputFile] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"{path}: no such file or directory (路径不存在)")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not files:
                raise IngestError(f"{path}: no .txt/.md/.html/.docx/.pdf files in this folder (文件夹中没有可导入的文件)")
            found.extend(InputFile(p, p.relative_to(path).as_posix()) for p in files)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            found.append(InputFile(path, path.name))
        else:
            raise IngestError(f"{path}: unsupported file type (不支持的文件类型); expected "
                              + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    # The same file named twice is ingested once; two different files that would be
    # cited by the same name get their parent folder's name in front.
    unique: dict[str, InputFile] = {}
    for item in found:
        existing = unique.get(item.source)
        if existing is not None and existing.path.resolve() == item.path.resolve():
            continue
        source = item.source if existing is None else f"{item.path.parent.name}/{item.path.name}"
        while source in unique:
            source = f"_{source}"
        unique[source] = InputFile(item.path, source)
    return list(unique.values())


def passage_text(chunk: Chunk) -> str:
    """What gets embedded and BM25-indexed: title, heading and text, folded."""
    return passage_of(chunk.source, chunk.title, chunk.heading, chunk.text)


def passage_of(source: str, title: str | None, heading: str | None, text: str) -> str:
    """:func:`passage_text` from a stored chunk record's fields."""
    title = "" if not title or title == Path(source).stem else title  # a file name says nothing
    parts = [p for p in (title, heading if heading != title else "", text) if p]
    return fold("\n".join(parts))


def cache_key(backend: str, model: str, text: str) -> str:
    """The embedding cache key of a text: the same in indexes and the shipped seed file."""
    return hashlib.sha256(f"{backend}\0{model}\0{text}".encode()).hexdigest()


def _cache_key(embeddings: CoachEmbeddings, passage: str) -> str:
    return cache_key(embeddings.backend, embeddings.model_name, passage)


@dataclass(frozen=True)
class Prepared:
    """Chunks of the inputs and every text the index embeds (chunk passages, then windows)."""

    chunks: list[Chunk]
    hashes: dict[str, str]
    passages: list[str]
    windows: list[tuple[int, str]]

    @property
    def texts(self) -> list[str]:
        """Chunk passages followed by the folded sentence windows."""
        return self.passages + [w for _, w in self.windows]


def prepare(inputs: list[InputFile]) -> Prepared:
    """Load, clean and chunk the inputs; no embedding (also used to build the seed file)."""
    chunks: list[Chunk] = []
    hashes: dict[str, str] = {}
    for item in inputs:
        doc = load_document(item.path, item.source)
        chunks.extend(chunk_document(doc, CHUNK_SIZE, CHUNK_OVERLAP))
        hashes[item.source] = file_sha256(item.path)
    passages = [passage_text(c) for c in chunks]
    windows = [(ci, fold(w)) for ci, c in enumerate(chunks) for w in sentence_windows(c.text, WINDOW_CHARS)]
    return Prepared(chunks, hashes, passages, windows)


def _previous_vectors(index_dir: Path, embeddings: CoachEmbeddings) -> dict[str, np.ndarray]:
    """Vectors of the current index by cache key; empty when unusable."""
    try:
        old = read_index(index_dir)
    except CoachIndexError:
        return {}
    if (old.manifest.backend, old.manifest.model) != (embeddings.backend, embeddings.model_name):
        return {}
    cache = {c["key"]: old.vectors[i] for i, c in enumerate(old.chunks) if "key" in c}
    cache.update({w["key"]: old.window_vectors[i] for i, w in enumerate(old.windows) if "key" in w})
    return cache


def _embed_with_cache(
    texts: list[str], keys: list[str], embeddings: CoachEmbeddings, cached: dict[str, np.ndarray],
    progress: Progress | None,
) -> tuple[np.ndarray, int]:
    """Vectors for all texts, embedding only those not in the cache; returns (vectors, embedded)."""
    dim = embeddings.dimension
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    todo: list[int] = []
    for i, key in enumerate(keys):
        vector = cached.get(key)
        if vector is not None and vector.shape == (dim,):
            vectors[i] = vector
        else:
            todo.append(i)
    for done in range(0, len(todo), _BATCH):
        batch = todo[done : done + _BATCH]
        vectors[batch] = embeddings.embed_array([texts[i] for i in batch], "passage")
        if progress is not None:
            progress(min(done + _BATCH, len(todo)), len(todo))
    return vectors, len(todo)


def _replace_dir(tmp: Path, index_dir: Path) -> None:
    old: Path | None = None
    if index_dir.exists():
        old = index_dir.with_name(f".{index_dir.name}.old-{uuid.uuid4().hex[:8]}")
        index_dir.rename(old)
    tmp.rename(index_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_index(
    inputs: list[InputFile],
    index_dir: Path,
    embeddings: CoachEmbeddings,
    *,
    progress: Progress | None = None,
    allow_empty: bool = False,
    analyzer: Analyzer = "bigram",
    seed: dict[str, np.ndarray] | None = None,
) -> BuildReport:
    """Load, clean, chunk, embed and write an index to ``index_dir`` atomically.

    ``seed`` is an extra embedding cache by key (the shipped knowledge-base
    vectors); the previous index's vectors take precedence over it.
    """
    index_dir = Path(index_dir)
    if index_dir.exists() and (not index_dir.is_dir() or (any(index_dir.iterdir()) and not (index_dir / MANIFEST_NAME).exists())):
        raise IngestError(f"{index_dir}: exists and is not a search index; refusing to overwrite it (目标目录不是索引)")
    prepared = prepare(inputs)
    chunks, hashes, passages, windows = prepared.chunks, prepared.hashes, prepared.passages, prepared.windows
    if not chunks and not allow_empty:
        raise IngestError("no text found in the given files (文件中没有可用的文本)")

    texts = prepared.texts
    keys = [_cache_key(embeddings, t) for t in texts]
    cached = dict(seed or {})
    cached.update(_previous_vectors(index_dir, embeddings))
    vectors, embedded = _embed_with_cache(texts, keys, embeddings, cached, progress)
    chunk_vectors, window_vectors = vectors[: len(chunks)], vectors[len(chunks) :]
    dim = embeddings.dimension

    records: list[dict[str, Any]] = [
        {"id": c.chunk_id, "source": c.source, "title": c.title, "heading": c.heading, "section": c.section,
         "text": c.text, "start": c.start, "end": c.end, "key": key}
        for c, key in zip(chunks, keys[: len(chunks)], strict=True)
    ]
    window_records = [{"chunk": ci, "key": key} for (ci, _), key in zip(windows, keys[len(chunks) :], strict=True)]
    manifest = Manifest(
        backend=embeddings.backend, model=embeddings.model_name, dimension=dim, files=hashes,
        chunk_count=len(chunks), chunking={"size": CHUNK_SIZE, "overlap": CHUNK_OVERLAP, "window": WINDOW_CHARS},
        bm25=analyzer,
    )
    data = IndexData(
        manifest, records, chunk_vectors, make_faiss(chunk_vectors, dim), BM25Index.from_texts(passages, analyzer),
        window_records, window_vectors,
    )
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        write_index(tmp, data)
        _replace_dir(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildReport(index_dir, len(inputs), len(chunks), embedded, len(texts) - embedded)
