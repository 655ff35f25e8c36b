"""Benchmark the embedded scorer and the role-play engine (docs/benchmarks.md, "## Scoring").

    .venv/bin/python scripts/bench_scoring.py [--data-dir DIR] [--repeat 3]

Measures, with the default embedding model and the real knowledge index:

* latency per reply (p50/p95): ``ReplyScorer.score`` on dev-set replies the
  model has not seen (caches of reply vectors cleared; exemplar vectors warm,
  as in a running service);
* batch throughput: ``score_many`` over the same replies, caches cleared;
* a full 8-turn role-play session (start, 8 replies, scorecard).

Each measurement is repeated ``--repeat`` times and the median is reported,
with the machine's load average, because on a shared machine other work
moves the numbers.
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


def latency(services: Services, items: list[dict[str, Any]]) -> tuple[float, float]:
    _forget(services)
    times = []
    for i in items:
        t = time.perf_counter()
        services.scorer.score(i["scenario"], i["customer"], i["reply"])
        times.append((time.perf_counter() - t) * 1000)
    return _pct(times, 0.5), _pct(times, 0.95)


def throughput(services: Services, items: list[dict[str, Any]]) -> float:
    _forget(services)
    t = time.perf_counter()
    services.scorer.score_many(items)
    return len(items) / (time.perf_counter() - t)


def session(services: Services, seed: int) -> float:
    _forget(services)
    t = time.perf_counter()
    s = services.roleplay.start("price-objection", seed=seed)
    for text in SESSION:
        if s.done:
            s = services.roleplay.start("price-objection", seed=seed + 1000)
        s = services.roleplay.reply(s, text).session
    services.roleplay.scorecard(s)
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n", type=int, default=200, help="replies per measurement")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="coach-bench-"))
    services = Services(load_settings(data_dir=data_dir))
    dev = yaml.safe_load((ROOT / "tests/data/graded_replies.yaml").read_text(encoding="utf-8"))
    items = [i for i in dev if i["scenario"] in services.scenarios][: args.n]
    t = time.perf_counter()
    _warm(services)
    print(f"warm-up (model, index, {len(services.scenarios)} scenarios' exemplars): {time.perf_counter() - t:.1f} s")

    lat = [latency(services, items) for _ in range(args.repeat)]
    thr = [throughput(services, items) for _ in range(args.repeat)]
    ses = [session(services, seed) for seed in range(args.repeat)]
    p50 = statistics.median(x[0] for x in lat)
    p95 = statistics.median(x[1] for x in lat)
    print(f"cores: {os.cpu_count()}, load average before/after: {os.getloadavg()[0]:.2f}")
    print(f"| measurement | median of {args.repeat} runs |")
    print("|---|---|")
    print(f"| latency per reply, p50 ({len(items)} unseen replies) | {p50:.1f} ms |")
    print(f"| latency per reply, p95 | {p95:.1f} ms |")
    print(f"| batch throughput (`score_many`, {len(items)} replies) | {statistics.median(thr):.0f} replies/s |")
    print(f"| full 8-turn session (start, 8 replies, scorecard) | {statistics.median(ses):.0f} ms |")


if __name__ == "__main__":
    main()
