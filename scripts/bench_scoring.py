"""Benchmark the embedded scorer and the role-play engine (docs/benchmarks.md, "## Scoring").

    .venv/bin/python scripts/bench_scoring.py [--data-dir DIR] [--repeat 3]

Measures, with the default embedding model and the real knowledge index:

* the cost ratio of issue 8: per reply, the judgement (all of the reply's
  sentences and the customer line in one encoder call, the move heads, the
  grade) against one encoder pass over the reply's full text, measured
  back to back on the same reply; the median ratio is reported;
* latency per reply (p50/p95): the judgement alone and the full
  ``ReplyScorer.score`` (feedback, better reply, citations) on corpus replies
  (caches of reply vectors cleared; exemplar sentences warm, as in a running
  service);
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


def _forget(services: Services, texts: list[str] | None = None) -> None:
    """Drop cached vectors of ``texts`` (all when None) so those texts are embedded afresh."""
    from app.coach.textprep import clean, split_sentences

    drop = {t for x in texts or [] for t in [*split_sentences(x), clean(x).strip()]}
    drop |= {t[:96] for t in drop}
    for model in (services.embeddings, services.reader_embeddings):
        cache = getattr(model, "_cache", None)
        if cache is None:
            continue
        if texts is None:
            cache.clear()
            continue
        for key in [k for k in cache if k[1] in drop or k[1] in texts]:
            del cache[key]
        pairs = getattr(model, "_pairs", None)  # the scorer's encoder: replies read after a line
        if pairs is not None:
            for key in [k for k in pairs if k[0] in drop or any(t in drop for t in k[1])]:
                del pairs[key]


def _warm(services: Services) -> None:
    """What a running service has already done: model loaded, index open, exemplar sentences read."""
    for scenario in services.scenarios:
        services.scorer.score(scenario.id, scenario.openings[0], "好的，我知道了。")
    services.retriever.search("价格", k=1)


def ratio(
    services: Services, items: list[dict[str, Any]], *, line_known: bool = False
) -> tuple[float, list[float], list[float]]:
    """Median of judgement / one full-text pass of the scorer's encoder, and both times per reply (ms).

    ``line_known``: the customer's line was read before (a built-in scenario line, stored in
    app/coach/model/line_vectors.npz, or any line already seen), so only the reply is new.
    """
    from app.coach.textprep import clean

    model = services.reader_embeddings
    enc, jud, ratios = [], [], []
    for i in items:
        t = time.perf_counter()
        model._encode([i["reply"]], "symmetric")
        e = (time.perf_counter() - t) * 1000
        _forget(services, [i["reply"], i["customer"]])
        if line_known:
            model.embed_symmetric([clean(i["customer"]).strip()])
        t = time.perf_counter()
        services.scorer.judge(i["scenario"], i["customer"], i["reply"], i.get("context"))
        j = (time.perf_counter() - t) * 1000
        enc.append(e)
        jud.append(j)
        ratios.append(j / e)
    return statistics.median(ratios), enc, jud


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(services: Services, items: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per reply (CPU time is what an idle core would take)."""
    wall, cpu = [], []
    for i in items:
        _forget(services, [i["reply"], i["customer"]])
        t, c = time.perf_counter(), time.process_time()
        services.scorer.score(i["scenario"], i["customer"], i["reply"], context=i.get("context"))
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def throughput(services: Services, items: list[dict[str, Any]]) -> tuple[float, float]:
    """Replies per wall-clock second and per CPU second."""
    _forget(services, [t for i in items for t in (i["reply"], i["customer"])])
    t, c = time.perf_counter(), time.process_time()
    services.scorer.score_many(items)
    return len(items) / (time.perf_counter() - t), len(items) / (time.process_time() - c)


def session(services: Services, seed: int) -> tuple[float, float]:
    _forget(services, SESSION)
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
        from app.retrieval.onnx_e5 import make_reader_embeddings

        services = Services(
            settings, embeddings=make_embeddings(settings, threads=args.threads),
            reader_embeddings=make_reader_embeddings(settings, threads=args.threads),
        )  # fmt: skip
    else:
        services = Services(settings)
    print(f"encoder threads: {args.threads or 'default (1)'}")
    from app.coach.training import load_corpus

    corpus = load_corpus()
    step = max(1, len(corpus) // args.n)
    items = [
        {"scenario": it.scenario, "customer": it.customer, "reply": it.reply,
         "context": [{"role": t.role, "text": t.text} for t in it.context]}
        for it in corpus[::step][: args.n]
    ]
    t = time.perf_counter()
    _warm(services)
    print(f"warm-up (model, index, {len(services.scenarios)} scenarios' exemplars): {time.perf_counter() - t:.1f} s")

    load_before = os.getloadavg()[0]
    rat = [ratio(services, items) for _ in range(args.repeat)]
    known = [ratio(services, items, line_known=True) for _ in range(args.repeat)]
    lat = [latency(services, items) for _ in range(args.repeat)]
    thr = [throughput(services, items) for _ in range(args.repeat)]
    ses = [session(services, seed) for seed in range(args.repeat)]
    med = statistics.median
    print(f"cores: {os.cpu_count()}, load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"| measurement ({len(items)} corpus replies, median of {args.repeat} runs) | wall clock | CPU time |")
    print("|---|---|---|")
    chars = sorted(len(i["reply"]) for i in items)
    print(f"| reply length, median / p95 | {chars[len(chars) // 2]} / {chars[int(0.95 * (len(chars) - 1))]} characters | |")
    print(f"| judgement / one full-text encoder pass (median ratio per reply) | {med(x[0] for x in rat):.2f} | |")
    print(f"| the same, customer line already read (a built-in line) | {med(x[0] for x in known):.2f} | |")
    print(f"| judgement, customer line already read, p50 / p95 | {med(_pct(x[2], 0.5) for x in known):.1f} / "
          f"{med(_pct(x[2], 0.95) for x in known):.1f} ms | |")
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        print(f"| one encoder pass over the full reply, {name} | {med(_pct(x[1], q) for x in rat):.1f} ms | |")
        print(f"| judgement (read, combine, caps), {name} | {med(_pct(x[2], q) for x in rat):.1f} ms | |")
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        w = med(_pct(x[0], q) for x in lat)
        c = med(_pct(x[1], q) for x in lat)
        print(f"| full score (with feedback, better reply, citations), {name} | {w:.1f} ms | {c:.1f} ms |")
    print(f"| batch throughput (`score_many`) | {med(x[0] for x in thr):.0f} replies/s | "
          f"{med(x[1] for x in thr):.0f} replies per CPU-second |")
    print(f"| full 8-turn session (start, 8 replies, scorecard) | {med(x[0] for x in ses):.0f} ms | "
          f"{med(x[1] for x in ses):.0f} ms |")


if __name__ == "__main__":
    main()
