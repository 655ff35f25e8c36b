"""Evaluate (and optionally re-fit) the embedded scorer on the labelled dev set.

    .venv/bin/python scripts/eval_scoring.py            # report on the held-out split
    .venv/bin/python scripts/eval_scoring.py --fit      # fit on exemplars + dev-train, write calibration.json

The split is fixed by hashing the item id (about a quarter held out), so the
held-out items never influence the fitted numbers.  Reported in one run:
Spearman(grade, score), pairwise order accuracy on pairs two or more grades
apart, a per-scenario breakdown and two baselines (length only, keyword
count only).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.coach import lexicon as lx  # noqa: E402
from app.coach.calibration import Calibration  # noqa: E402
from app.coach.detectors import text_length  # noqa: E402
from app.coach.scorer import ReplyScorer  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.domain import band_for  # noqa: E402
from app.services.container import Services  # noqa: E402
from app.text.fold import fold  # noqa: E402


def held_out(item_id: str, folds: int = 4) -> bool:
    """The fixed split: an item is held out when its id hashes to fold 0."""
    return int(hashlib.sha1(item_id.encode("utf-8")).hexdigest(), 16) % folds == 0


def pairwise(grades: list[int], scores: list[float], gap: int = 2) -> float:
    """Share of pairs at least ``gap`` grades apart that the scores order correctly (ties count half)."""
    good = total = 0.0
    for (g1, s1), (g2, s2) in itertools.combinations(zip(grades, scores, strict=True), 2):
        if abs(g1 - g2) < gap:
            continue
        total += 1
        d = (s1 - s2) * (g1 - g2)
        good += 1.0 if d > 0 else 0.5 if d == 0 else 0.0
    return good / total if total else float("nan")


def keyword_score(reply: str) -> float:
    """Baseline: how many criterion keywords the reply contains."""
    f = fold(reply)
    pats = (lx.EMPATHY, lx.OPEN_QUESTION, lx.NEED_WORD, lx.VALUE, lx.QUANT_VERB, lx.TIME, lx.CLOSE_ACTION, lx.DEFER)
    return float(sum(len(p.findall(f)) for p in pats))


def metrics(grades: list[int], scores: list[float]) -> tuple[float, float]:
    rho = float(spearmanr(grades, scores).statistic) if len(set(grades)) > 1 else float("nan")
    return rho, pairwise(grades, scores)


def fit(scorer: ReplyScorer, rows: list[tuple[object, int]]) -> Calibration:
    """Least squares of grade on the features, over rows no cap binds, for a few softmax temperatures."""
    best: tuple[float, Calibration] | None = None
    for tau in (0.01, 0.015, 0.02, 0.03, 0.05):
        scorer.calibration = replace(scorer.calibration, tau=tau)
        feats, ys = [], []
        for make, grade in rows:
            bd = make()  # type: ignore[operator]
            if bd.caps:
                continue
            feats.append([1.0, *bd.features()])
            ys.append(grade)
        x, y = np.asarray(feats), np.asarray(ys, dtype=float)
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        err = float(np.mean((x @ coef - y) ** 2))
        cal = replace(scorer.calibration, bias=float(coef[0]), w_rules=float(coef[1]),
                      w_band=float(coef[2]), w_margin=float(coef[3]))
        print(f"  tau={tau}: mse={err:.3f} n={len(ys)} coef={np.round(coef, 3).tolist()}")
        if min(coef[1:]) < 0:  # a negative weight would reward looking like a bad exemplar
            err += 1.0  # only taken when no temperature gives a fit with non-negative weights
        if best is None or err < best[0]:
            best = (err, cal)
    assert best is not None
    cal = best[1]
    hits: dict[float, float] = {}
    for stretch in (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6):
        scorer.calibration = replace(cal, stretch=stretch)
        hits[stretch] = float(np.mean([band_for(make().score) == grade for make, grade in rows]))  # type: ignore[operator]
    stretch = max(hits, key=lambda k: (hits[k], -k))
    print(f"  stretch: exact-band share {', '.join(f'{k}: {v:.3f}' for k, v in hits.items())} -> {stretch}")
    return replace(cal, stretch=stretch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=ROOT / "tests/data/graded_replies.yaml")
    ap.add_argument("--data-dir", type=Path, default=None, help="where the knowledge index is built (tmp if unset)")
    ap.add_argument("--fit", action="store_true", help="re-fit and write app/coach/calibration.json")
    ap.add_argument("--show-errors", type=int, default=0, help="print the N worst held-out items")
    args = ap.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="coach-eval-"))
    services = Services(load_settings(data_dir=data_dir))
    scorer: ReplyScorer = services.scorer
    items = [i for i in yaml.safe_load(args.dev.read_text(encoding="utf-8")) if i["scenario"] in services.scenarios]
    train = [i for i in items if not held_out(i["id"])]
    test = [i for i in items if held_out(i["id"])]
    print(f"dev set: {len(items)} items, {len(train)} train / {len(test)} held out; "
          f"embeddings: {getattr(services.embeddings, 'model_name', '?')}")

    if args.fit:
        rows: list[tuple[object, int]] = []
        for sc in services.scenarios:
            for band, texts in sc.exemplars.items():
                for t in texts:
                    rows.append(((lambda sc=sc, t=t: scorer.breakdown(sc, sc.openings[0], t, exclude=t)), band))
        for i in train:
            sc = services.scenarios.get(i["scenario"])
            rows.append(((lambda sc=sc, i=i: scorer.breakdown(sc, i["customer"], i["reply"])), int(i["grade"])))
        cal = fit(scorer, rows)
        scorer.calibration = cal
        cal.save()
        print(f"wrote calibration: {cal}")

    def evaluate(name: str, subset: list[dict[str, object]]) -> None:
        grades = [int(i["grade"]) for i in subset]  # type: ignore[call-overload]
        results = scorer.score_many(subset)
        scores = [float(r.score) for r in results]
        length = [float(text_length(fold(str(i["reply"])))) for i in subset]
        keyword = [keyword_score(str(i["reply"])) for i in subset]
        exact = np.mean([r.band == g for r, g in zip(results, grades, strict=True)])
        within1 = np.mean([abs(r.band - g) <= 1 for r, g in zip(results, grades, strict=True)])
        print(f"\n== {name} (n={len(subset)}) ==")
        print(f"{'method':<14}{'spearman':>10}{'pairwise':>10}")
        for label, s in (("scorer", scores), ("length-only", length), ("keyword-only", keyword)):
            rho, pw = metrics(grades, s)
            print(f"{label:<14}{rho:>10.3f}{pw:>10.3f}")
        print(f"band exact {exact:.3f}, within one band {within1:.3f}")
        by: dict[str, list[int]] = defaultdict(list)
        for k, i in enumerate(subset):
            by[str(i["scenario"])].append(k)
        print(f"{'scenario':<22}{'n':>4}{'spearman':>10}{'pairwise':>10}{'mean|err|':>11}")
        for sid, ks in sorted(by.items()):
            g = [grades[k] for k in ks]
            s = [scores[k] for k in ks]
            rho, pw = metrics(g, s)
            err = np.mean([abs(results[k].band - grades[k]) for k in ks])
            print(f"{sid:<22}{len(ks):>4}{rho:>10.3f}{pw:>10.3f}{err:>11.2f}")
        if args.show_errors and name.startswith("held"):
            worst = sorted(range(len(subset)), key=lambda k: -abs(results[k].band - grades[k]))[: args.show_errors]
            for k in worst:
                r = results[k]
                print(f"  {subset[k]['id']} grade={grades[k]} band={r.band} score={r.score} "
                      f"moves={r.moves} flags={r.flags} :: {str(subset[k]['reply'])[:70]}")

    evaluate("dev-train (fitted on)", train)
    evaluate("held-out dev-test", test)


if __name__ == "__main__":
    main()
