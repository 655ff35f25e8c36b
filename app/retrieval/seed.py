"""A shipped vector seed for the built-in knowledge base.

Why: the first ``coach serve`` builds the knowledge index from
``knowledge/playbooks/*.md``; embedding its ~540 passages and sentence
windows with the default model takes minutes on a small machine.  The seed
file (``knowledge/playbooks.vectors.npz``, written by
``scripts/build_knowledge_vectors.py``) holds those vectors under the
builder's own cache keys — sha256 of backend, model and text — so the
builder can take them instead of embedding.

It is only ever a cache: a text whose key is absent (an edited playbook,
another model) is embedded as usual, and a missing, unreadable or malformed
file is ignored.  A stale seed therefore costs time, never correctness.

Format (``np.savez_compressed``, no pickles): ``keys`` uint8 (n, 32) — the
raw sha256 digests; ``vectors`` float16 (n, dim) — normalised rows (float16
changed no dev-set figure, see docs/retrieval.md); ``meta`` a JSON string
(format version, backend, model, dimension), informational.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

SEED_FORMAT = 1


def load_seed(path: Path | None, dimension: int) -> dict[str, np.ndarray]:
    """Vectors by hex cache key; empty when the file is missing or unusable."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = np.asarray(data["keys"])
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            meta = json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError, EOFError):
        return {}
    if (not isinstance(meta, dict) or meta.get("format") != SEED_FORMAT or keys.ndim != 2
            or keys.shape[1] != 32 or vectors.shape != (len(keys), dimension)
            or not np.isfinite(vectors).all()):
        return {}
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors = vectors / norms  # float16 rounding leaves norms a hair off 1
    return {bytes(k).hex(): v for k, v in zip(keys, vectors, strict=True)}


def save_seed(path: Path, vectors_by_key: dict[str, np.ndarray], *, backend: str, model: str,
              dimension: int) -> None:
    """Write a seed file atomically (temp file, then rename); keys sorted for stable diffs."""
    ordered = sorted(vectors_by_key)
    keys = np.array([np.frombuffer(bytes.fromhex(k), dtype=np.uint8) for k in ordered],
                    dtype=np.uint8).reshape(len(ordered), 32)
    vectors = np.array([vectors_by_key[k] for k in ordered], dtype=np.float16).reshape(len(ordered), dimension)
    meta = json.dumps({"format": SEED_FORMAT, "backend": backend, "model": model, "dimension": dimension})
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez_compressed(tmp, keys=keys, vectors=vectors, meta=np.array(meta))
    tmp.replace(path)


def seed_path(knowledge_dir: Path) -> Path:
    """Where the built-in knowledge base's seed lives."""
    return Path(knowledge_dir) / "playbooks.vectors.npz"
