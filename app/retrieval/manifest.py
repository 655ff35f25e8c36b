"""The index manifest: what the index was built from and with.

It lets a reader refuse an index built with another embedding model (the
vectors would be meaningless) and lets ``ensure_knowledge_index`` skip a
rebuild when the files and the model are unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.retrieval.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError

#: Bump when the on-disk layout or the chunking changes meaning.
#: 3: BM25 is stored by bm25s as ``bm25.*.npy/json`` (was our own ``bm25.npz``).
FORMAT_VERSION = 3
MANIFEST_NAME = "manifest.json"


def file_sha256(path: Path) -> str:
    """Content hash of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Manifest:
    """Contents of ``manifest.json``."""

    backend: str
    model: str
    dimension: int
    files: dict[str, str] = field(default_factory=dict)  # source -> sha256
    chunk_count: int = 0
    chunking: dict[str, int] = field(default_factory=dict)
    bm25: str = "bigram"
    format_version: int = FORMAT_VERSION

    def save(self, directory: Path) -> None:
        """Write ``manifest.json``."""
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        (directory / MANIFEST_NAME).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read and validate, raising the index errors with a rebuild hint."""
        path = directory / MANIFEST_NAME
        if not directory.is_dir():
            raise IndexNotFoundError(directory, "no index here (索引不存在)")
        if not path.is_file():
            raise IndexCorruptError(directory, f"{MANIFEST_NAME} is missing (索引已损坏)")
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(directory, f"{MANIFEST_NAME} is unreadable ({exc}) (索引已损坏)") from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                directory,
                f"index format {manifest.format_version}, this version reads {FORMAT_VERSION} (索引格式不兼容)",
            )
        return manifest

    def check_embeddings(self, directory: Path, backend: str, model: str, dimension: int | None = None) -> None:
        """Raise :class:`IndexMismatchError` unless built with this model."""
        if (self.backend, self.model) != (backend, model) or (dimension is not None and dimension != self.dimension):
            raise IndexMismatchError(
                directory,
                f"built with {self.backend}/{self.model} ({self.dimension}d) but the configured embeddings are "
                f"{backend}/{model} (嵌入模型不一致)",
            )
