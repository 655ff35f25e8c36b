#!/usr/bin/env python3
"""Write (or check) the vector seed of the built-in knowledge base.

Why: the first ``coach serve`` would otherwise embed every playbook passage
and sentence window (minutes on two cores).  This script embeds them once
and stores the vectors in ``knowledge/playbooks.vectors.npz`` under the
builder's cache keys; :func:`app.retrieval.knowledge_index.ensure_knowledge_index`
then embeds only texts the seed does not cover.  Re-run it after editing a
playbook (``tests/retrieval/test_seed.py`` fails until you do).

Vectors already in the seed file or in the current knowledge index are
reused, so regenerating after a small edit embeds only the changed texts.
Only the texts of the current playbooks are written (stale keys drop out).

Usage::

    .venv/bin/python scripts/build_knowledge_vectors.py            # write the seed
    .venv/bin/python scripts/build_knowledge_vectors.py --check    # exit 1 if it is stale
    .venv/bin/python scripts/build_knowledge_vectors.py --time-first-start   # benchmark, with and without
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import load_settings  # noqa: E402
from app.retrieval.builder import cache_key, prepare  # noqa: E402
from app.retrieval.embeddings import make_embeddings  # noqa: E402
from app.retrieval.errors import CoachIndexError  # noqa: E402
from app.retrieval.knowledge_index import ensure_knowledge_index, knowledge_inputs  # noqa: E402
from app.retrieval.seed import load_seed, save_seed, seed_path  # noqa: E402
from app.retrieval.store import read_index  # noqa: E402


def time_first_start(knowledge_dir: Path, with_seed: bool) -> float:
    """Seconds for ``ensure_knowledge_index`` on an empty data dir, as ``coach serve`` runs it (1 thread)."""
    with tempfile.TemporaryDirectory(prefix="coach-first-start-") as tmp:
        knowledge = Path(tmp) / "knowledge"
        shutil.copytree(knowledge_dir / "playbooks", knowledge / "playbooks")
        if with_seed:
            shutil.copy(seed_path(knowledge_dir), seed_path(knowledge))
        settings = load_settings(data_dir=Path(tmp) / "data", knowledge_dir=knowledge)
        started = time.perf_counter()
        retriever = ensure_knowledge_index(settings, make_embeddings(settings))
        seconds = time.perf_counter() - started
        print(f"first start {'with' if with_seed else 'without'} the seed: {len(retriever)} chunks, {seconds:.2f}s")
        return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=None, help="seed file (default: knowledge/playbooks.vectors.npz)")
    parser.add_argument("--check", action="store_true", help="only report whether the seed covers every text")
    parser.add_argument("--time-first-start", action="store_true",
                        help="time building the knowledge index on an empty data dir, with and without the seed")
    args = parser.parse_args(argv)

    settings = load_settings()
    if args.time_first_start:
        time_first_start(settings.knowledge_dir, with_seed=True)
        time_first_start(settings.knowledge_dir, with_seed=False)
        return 0
    embeddings = make_embeddings(settings, threads=None)
    output = args.output or seed_path(settings.knowledge_dir)
    texts = list(dict.fromkeys(prepare(knowledge_inputs(settings)).texts))
    keys = [cache_key(embeddings.backend, embeddings.model_name, t) for t in texts]
    dim = embeddings.dimension
    cached = load_seed(output, dim)
    missing = [t for t, k in zip(texts, keys, strict=True) if k not in cached]
    if args.check:
        print(f"{output}: {len(texts) - len(missing)}/{len(texts)} texts covered")
        return 1 if missing else 0
    try:  # the running service's knowledge index holds full-precision vectors too
        old = read_index(settings.index_path)
        if (old.manifest.backend, old.manifest.model) == (embeddings.backend, embeddings.model_name):
            for record, vector in zip(old.chunks + old.windows, list(old.vectors) + list(old.window_vectors),
                                      strict=True):
                cached.setdefault(record.get("key", ""), vector)
    except CoachIndexError:
        pass
    todo = [(t, k) for t, k in zip(texts, keys, strict=True) if k not in cached]
    started = time.perf_counter()
    for at in range(0, len(todo), 16):
        batch = todo[at : at + 16]
        for (_, key), vector in zip(batch, embeddings.embed_array([t for t, _ in batch], "passage"), strict=True):
            cached[key] = vector
        print(f"\rembedded {min(at + 16, len(todo))}/{len(todo)}", end="", file=sys.stderr)
    save_seed(output, {k: cached[k] for k in keys}, backend=embeddings.backend, model=embeddings.model_name,
              dimension=dim)
    print(f"\n{output}: {len(keys)} texts ({len(todo)} embedded in {time.perf_counter() - started:.1f}s), "
          f"{output.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
