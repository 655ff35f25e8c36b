"""Benchmark the embedded scorer and the role-play engine (docs/benchmarks.md, "## Scoring").

    .venv/bin/python scripts/bench_scoring.py [--data-dir DIR] [--repeat 3]

Measures, with the default embedding model and the real knowledge index:

* latency per reply (p50/p95): ``ReplyScorer.score`` on dev-set replies the
  model has not seen (caches of reply vectors cleared; exemplar vectors warm,
  as in a running service);
* batch throughput: ``score_many`` over the same replies, caches cleared;
* a full 8-turn role-play session (start, 8 replies, scorecard).

Each measurement is repeated ``--repeat`` times and the median is reported,
in wall-clock time and in CPU time of this process (``time.process_time``,
all threads): on a shared machine other work inflates the wall clock, the
CPU time is what the work costs on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import load_settings  # noqa: E402
from app.services.container import Services  # noqa: E402

SESSION = [
    "理解您的压力，预算确实要精打细算。",
    "您主要是跟哪家比较？最看重哪几项？",
    "我们的报价含三年上门保修和预装部署。",
    "嗯，我明白您的意思。",
    "我们可以安排两次现场培训，帮同事更快上手。",
    "这个我需要跟公司确认一下。",
    "您那边最担心的是交付还是售后？",
    "好的，我再整理一下资料。",
]


def _forget(services: Services) -> None:
    """Drop cached reply vectors (scorer and embedding model) so every reply is embedded afresh."""
    services.scorer._vec_cache.clear()
    cache = getattr(services.embeddings, "_cache", None)
    if cache is not None:
        cache.clear()


def _warm(services: Services) -> None:
    """What a running service has already done: model loaded, index open, exemplars embedded."""
    for scenario in services.scenarios:
        services.scorer.bank.matrix(scenario)
    services.scorer.score("price-objection", "太贵了", "理解，您主要跟哪家比？")
    services.retriever.search("价格", k=1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(services: Services, items: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per reply (CPU time is what an idle core would take)."""
    _forget(services)
    wall, cpu = [], []
    for i in items:
        t, c = time.perf_counter(), time.process_time()
        services.scorer.score(i["scenario"], i["customer"], i["reply"])
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def throughput(services: Services, items: list[dict[str, Any]]) -> tuple[float, float]:
    """Replies per wall-clock second and per CPU second."""
    _forget(services)
    t, c = time.perf_counter(), time.process_time()
    services.scorer.score_many(items)
    return len(items) / (time.perf_counter() - t), len(items) / (time.process_time() - c)


def session(services: Services, seed: int) -> tuple[float, float]:
    _forget(services)
    t, c = time.perf_counter(), time.process_time()
    s = services.roleplay.start("price-objection", seed=seed)
    for text in SESSION:
        if s.done:
            s = services.roleplay.start("price-objection", seed=seed + 1000)
        s = services.roleplay.reply(s, text).session
    services.roleplay.scorecard(s)
    return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n", type=int, default=120, help="replies per measurement")
    ap.add_argument("--threads", type=int, default=None,
                    help="encoder threads (default: the product's wiring, one thread)")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="coach-bench-"))
    settings = load_settings(data_dir=data_dir)
    if args.threads:
        from app.retrieval.embeddings import make_embeddings

        services = Services(settings, embeddings=make_embeddings(settings, threads=args.threads))
    else:
        services = Services(settings)
    print(f"encoder threads: {args.threads or 'default (1)'}")
    dev = yaml.safe_load((ROOT / "tests/data/graded_replies.yaml").read_text(encoding="utf-8"))
    items = [i for i in dev if i["scenario"] in services.scenarios][: args.n]
    t = time.perf_counter()
    _warm(services)
    print(f"warm-up (model, index, {len(services.scenarios)} scenarios' exemplars): {time.perf_counter() - t:.1f} s")

    load_before = os.getloadavg()[0]
    lat = [latency(services, items) for _ in range(args.repeat)]
    thr = [throughput(services, items) for _ in range(args.repeat)]
    ses = [session(services, seed) for seed in range(args.repeat)]
    med = statistics.median
    print(f"cores: {os.cpu_count()}, load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"| measurement ({len(items)} unseen dev-set replies, median of {args.repeat} runs) | wall clock | CPU time |")
    print("|---|---|---|")
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        w = med(_pct(x[0], q) for x in lat)
        c = med(_pct(x[1], q) for x in lat)
        print(f"| latency per reply, {name} | {w:.1f} ms | {c:.1f} ms |")
    print(f"| batch throughput (`score_many`) | {med(x[0] for x in thr):.0f} replies/s | "
          f"{med(x[1] for x in thr):.0f} replies per CPU-second |")
    print(f"| full 8-turn session (start, 8 replies, scorecard) | {med(x[0] for x in ses):.0f} ms | "
          f"{med(x[1] for x in ses):.0f} ms |")


if __name__ == "__main__":
    main()
