"""Validate the scorer on replies it was not trained on, with 95% bootstrap intervals.

    .venv/bin/python scripts/eval_scoring.py --cv author      # leave one author out (trains per fold)
    .venv/bin/python scripts/eval_scoring.py --cv scenario    # leave one scenario out
    .venv/bin/python scripts/eval_scoring.py --external ../shared/eval/graded_external.json
    .venv/bin/python scripts/eval_scoring.py --heldout        # the frozen author, shipped model
    .venv/bin/python scripts/eval_scoring.py --heldout --contract   # the same through `coach score --jsonl -`

Cross-validation retrains the move readers and the grade model without the left-out group
(the frozen held-out author is never read by it).  --external and --heldout score with the
shipped model (app/coach/model/), trained without either.  Metrics: app/coach/metrics.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.coach.grading import GradeModel  # noqa: E402
from app.coach.judge import cap_table, judge  # noqa: E402
from app.coach.metrics import agreement  # noqa: E402
from app.coach.reading import MoveReader, ReaderModel  # noqa: E402
from app.coach.stage import Turn  # noqa: E402
from app.coach.training import (  # noqa: E402
    CachedEmbedder,
    Item,
    feature_rows,
    fit_grade,
    fold_encoders,
    load_corpus,
    load_gaming_training,
    out_of_fold_readings,
    prefill,
    train_reader,
)
from app.retrieval.onnx_e5 import ENCODER_FILE, OnnxE5Embeddings  # noqa: E402
from app.scenarios.loader import ScenarioRegistry  # noqa: E402

HEADER = "| set | n | Spearman | pairwise | band exact | within one |\n|---|---|---|---|---|---|"


def line(name: str, grades: Sequence[int], scores: Sequence[float], groups: Sequence[str], boot: int) -> str:
    return f"| {name} | " + agreement(grades, scores, groups, boot=boot).row() + " |"


def cross_validate(items: list[Item], key: Callable[[Item], str], embedder: CachedEmbedder, registry: ScenarioRegistry, boot: int, inner: int) -> list[str]:
    """Nested: readers, grade model and (for authors) the encoder all trained without the fold."""
    extra = load_gaming_training()
    encoder_for = fold_encoders(embedder)
    rows = []
    grades: list[int] = []
    scores: list[float] = []
    groups: list[str] = []
    for fold in sorted({key(it) for it in items}):
        t0 = time.time()
        train = [it for it in items if key(it) != fold] + [g for g in extra if key(g) != fold]
        test = [it for it in items if key(it) == fold]
        emb = encoder_for(fold)
        prefill(emb, items + extra, registry)
        oof = out_of_fold_readings(train, emb, registry, folds=inner)
        grade = fit_grade(feature_rows(oof, train, registry), train)
        reader = MoveReader(train_reader(train, emb, registry), emb)
        s = [judge(reader, grade, registry.get(it.scenario), it.customer, it.reply, it.context).score for it in test]
        g = [it.grade for it in test]
        grp = [f"{it.scenario}|{it.customer}" for it in test]
        rows.append(line(fold, g, s, grp, boot))
        print(rows[-1], f"({time.time() - t0:.0f}s)", flush=True)
        grades += g
        scores += s
        groups += grp
    rows.append(line("**pooled**", grades, scores, groups, boot))
    return rows


def fast_cv(items: list[Item], key: Callable[[Item], str], embedder: CachedEmbedder, registry: ScenarioRegistry, boot: int,
            dump: Path | None = None) -> None:
    """One out-of-fold reading per item (readers trained without its group); grade model refit per fold.

    Faster than the nested --cv author (one reader per group instead of four) and slightly
    optimistic: the readers that produced the other groups' training rows saw the left-out
    group's move labels (never its grades).  By author, each author is embedded by a fold
    encoder fine-tuned without them; by scenario, by the shipped encoder (it saw every scenario).
    """
    gaming = load_gaming_training()
    items = items + gaming
    by_author = key(items[0]) == items[0].author
    encoder_for = fold_encoders(embedder) if by_author else (lambda _g: embedder)
    readings: list[object] = list(out_of_fold_readings(items, embedder, registry, encoder_for=encoder_for, key=key))
    rows = feature_rows(readings, items, registry)
    from app.coach.grading import to_score

    grades: list[int] = []
    scores: list[float] = []
    groups: list[str] = []
    gaming_ids = {g.id for g in gaming}
    dumped: list[dict[str, object]] = []
    for fold in sorted({key(it) for it in items if it.id not in gaming_ids}):
        tr = [i for i, it in enumerate(items) if key(it) != fold]
        te = [i for i, it in enumerate(items) if key(it) == fold and it.id not in gaming_ids]
        model = fit_grade([rows[i] for i in tr], [items[i] for i in tr])
        s = []
        for i in te:
            caps = [c for f, c in ((f, c) for f, c in cap_table().caps.items()) if rows[i].get(f"flag:{f}", 0) > 0]
            s.append(min([to_score(model.grade(rows[i])), *caps]))
        g = [items[i].grade for i in te]
        grp = [f"{items[i].scenario}|{items[i].customer}" for i in te]
        print(line(fold, g, s, grp, boot), flush=True)
        dumped += [{"id": items[i].id, "author": items[i].author, "scenario": items[i].scenario, "grade": items[i].grade,
                    "score": sc, "reply_chars": len(items[i].reply), "context_turns": len(items[i].context)}
                   for i, sc in zip(te, s, strict=True)]  # fmt: skip
        grades += g
        scores += s
        groups += grp
    print(line("**pooled (fast)**", grades, scores, groups, boot))
    if dump is not None:  # per-item out-of-fold scores, for error analysis by length, context, scenario
        dump.write_text(json.dumps(dumped, ensure_ascii=False), encoding="utf-8")
    if key(items[0]) == items[0].author:
        caps_precision(readings, rows, items)


def caps_precision(readings: Sequence[object], rows: Sequence[dict[str, float]], items: Sequence[Item]) -> None:
    """How often a gaming cap fires on a reply its author graded 3 or better (out-of-fold readings)."""
    from collections import Counter

    from app.coach.judge import learned_flags

    table = cap_table()
    good = [i for i, it in enumerate(items) if it.grade >= 3]
    from app.coach.gaming import detect_gaming

    rule: Counter[str] = Counter()
    learned: Counter[str] = Counter()
    for i in good:
        rule.update(f for f in detect_gaming(items[i].reply, items[i].customer, 0).flags if f in table.caps)
        learned.update(f for f in learned_flags(readings[i], table) if f in table.caps)  # type: ignore[arg-type]
    print(f"\ncaps firing on {len(good)} replies graded 3-5 (out of fold): rule-based {dict(rule)}, learned {dict(learned)}")


def shipped() -> tuple[MoveReader, GradeModel]:
    """The shipped reader and grade model on the shipped encoder."""
    return MoveReader(ReaderModel.load(), OnnxE5Embeddings(ENCODER_FILE, num_threads=1)), GradeModel.load()


def external_cases(path: Path) -> list[dict[str, object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for case in data["cases"]:
        for r in case["replies"]:
            out.append({"scenario": case["scenario"], "customer": case["customer"], "reply": r["text"], "grade": int(r["grade"]), "context": case.get("context") or []})
    return out


def via_contract(cases: list[dict[str, object]]) -> list[float]:
    """Scores from `coach score --jsonl -`, the public contract."""
    payload = "\n".join(json.dumps({k: c[k] for k in ("scenario", "customer", "reply", "context") if c.get(k)}, ensure_ascii=False) for c in cases)
    out = subprocess.run([str(ROOT / ".venv/bin/coach"), "score", "--jsonl", "-"], input=payload, capture_output=True, text=True, check=True)
    return [float(json.loads(ln)["score"]) for ln in out.stdout.splitlines() if ln.strip()]


def via_llm(cases: list[dict[str, object]]) -> list[float]:
    """Scores from the LLM engine on the configured endpoint (COACH_LLM_*), falling back like the service.

    Prints how many replies the LLM actually judged: a team sees its model's agreement with graders
    (and how often it was unavailable) before switching it on.
    """
    from app.config import load_settings
    from app.services.container import Services

    services = Services(load_settings(engine="llm"))
    scorer = services.scorer
    scores, judged = [], 0
    for c in cases:
        result = scorer.score(str(c["scenario"]), str(c["customer"]), str(c["reply"]),
                              context=list(c.get("context") or []))  # type: ignore[call-overload]  # fmt: skip
        judged += result.engine == "llm"
        scores.append(float(result.score))
    print(f"llm judged {judged} of {len(cases)} replies (the rest fell back to the embedded score)", flush=True)
    return scores


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", choices=["author", "scenario", "fast", "fast-scenario"], action="append", default=[])
    ap.add_argument("--external", type=Path)
    ap.add_argument("--heldout", action="store_true")
    ap.add_argument("--gaming", action="store_true", help="gaming attempts (tests/data/gaming): share capped at their max band")
    ap.add_argument("--contract", action="store_true", help="score --external/--heldout through `coach score --jsonl -`")
    ap.add_argument(
        "--engine", choices=["embedded", "llm"], default="embedded",
        help="score --external/--heldout with this engine; llm uses COACH_LLM_* (see docs/llm.md)",
    )
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--inner", type=int, default=3, help="author folds inside each training split")
    ap.add_argument("--dump", type=Path, help="--cv fast: write each item's out-of-fold score here (JSON)")
    args = ap.parse_args()
    registry = ScenarioRegistry.from_dirs(ROOT / "knowledge" / "scenarios")
    embedder = CachedEmbedder(OnnxE5Embeddings(ENCODER_FILE, num_threads=1))
    print(HEADER)
    if args.cv:
        items = load_corpus()
        prefill(embedder, items + load_gaming_training(), registry)
        if "fast" in args.cv:
            print("\nleave one author out (fast):\n" + HEADER)
            fast_cv(items, lambda it: it.author, embedder, registry, args.boot, args.dump)
        if "fast-scenario" in args.cv:
            print("\nleave one scenario out (fast):\n" + HEADER)
            fast_cv(items, lambda it: it.scenario, embedder, registry, args.boot)
        if "author" in args.cv:
            print("\nleave one author out:\n" + HEADER)
            cross_validate(items, lambda it: it.author, embedder, registry, args.boot, args.inner)
        if "scenario" in args.cv:
            print("\nleave one scenario out:\n" + HEADER)
            cross_validate(items, lambda it: it.scenario, embedder, registry, args.boot, min(args.inner, 2))
    sets: list[tuple[str, list[dict[str, object]]]] = []
    if args.external:
        sets.append((args.external.name, external_cases(args.external)))
    if args.heldout:
        held = [it for it in load_corpus(include_heldout=True) if it.author not in set(train_reader_authors())]
        sets.append((f"held-out author {held[0].author if held else '?'}", [
            {"scenario": it.scenario, "customer": it.customer, "reply": it.reply, "grade": it.grade,
             "context": [{"role": t.role, "text": t.text} for t in it.context]} for it in held]))
    if args.gaming:
        gaming_report(registry, include_heldout=args.heldout)
    for name, cases in sets:
        if args.engine == "llm":
            scores = via_llm(cases)
            name += " (llm)"
        elif args.contract:
            scores = via_contract(cases)
        else:
            reader, grade = shipped()
            scores = [
                float(judge(reader, grade, registry.get(str(c["scenario"])), str(c["customer"]), str(c["reply"]),
                            [Turn(t["role"], t["text"]) for t in c["context"]]).score)  # type: ignore[attr-defined,index]
                for c in cases
            ]
        grades = [int(c["grade"]) for c in cases]  # type: ignore[call-overload]
        groups = [f"{c['scenario']}|{c['customer']}" for c in cases]
        print(line(name + (" (contract)" if args.contract else ""), grades, scores, groups, args.boot))
    return 0


def gaming_report(registry: ScenarioRegistry, *, include_heldout: bool) -> None:
    """Per class: how many attempts land at or below their max band (shipped model)."""
    from collections import Counter

    from app.coach.training import heldout_author
    from app.domain import band_for

    reader, grade = shipped()
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for path in sorted((ROOT / "tests" / "data" / "gaming").glob("*.jsonl")):
        if path.stem == heldout_author() and not include_heldout:
            continue
        for ln in path.read_text(encoding="utf-8").splitlines():
            d = json.loads(ln)
            ctx = [Turn(t["role"], t["text"]) for t in d.get("context") or []]
            s = judge(reader, grade, registry.get(d["scenario"]), d["customer"], d["reply"], ctx).score
            total[d["class"]] += 1
            if band_for(s) <= d["max_band"]:
                ok[d["class"]] += 1
            else:
                misses.append((s, d["id"], d["class"], d["reply"][:70].replace("\n", " ")))
    print("\n| gaming class | capped | n |\n|---|---|---|")
    for c in sorted(total):
        print(f"| {c} | {ok[c]} | {total[c]} |")
    print(f"| **all** | {sum(ok.values())} | {sum(total.values())} |")
    for m in sorted(misses, reverse=True)[:40]:
        print("  miss:", *m)


def train_reader_authors() -> list[str]:
    return ReaderModel.load().meta.get("authors", "").split(",")


if __name__ == "__main__":
    sys.exit(main())
