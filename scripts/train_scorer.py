"""Train the shipped scorer from the multi-author corpus: move/stance readers and grade model.

    .venv/bin/python scripts/train_scorer.py            # writes app/coach/model/{reader.npz,grade.json}

The frozen held-out author (training/split.yaml) is never read.  The heads read the coach's
fine-tuned encoder (app/coach/model/encoder.onnx, scripts/build_encoder.py); the out-of-fold
readings that the grade model is fitted on come from the fold encoders in training/.cache/
(encoder-fold*.onnx, each fine-tuned without some authors).  Embeddings are cached in
training/.cache/ (not committed); a rerun with the same corpus and encoders reproduces the files.
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
from app.coach.judge import CAPS_FILE  # noqa: E402
from app.coach.reading import READER_FILE  # noqa: E402
from app.coach.training import (  # noqa: E402
    CachedEmbedder,
    feature_rows,
    fit_grade,
    fold_encoders,
    load_corpus,
    load_gaming_training,
    loosest_caps,
    out_of_fold_readings,
    prefill,
    texts_to_embed,
    train_reader,
    write_caps,
)
from app.retrieval.onnx_e5 import ENCODER_FILE, OnnxE5Embeddings  # noqa: E402
from app.scenarios.loader import ScenarioRegistry  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=0, help="author folds for the out-of-fold readings (0: one per author)")
    ap.add_argument("--alpha", type=float, default=3.0)
    ap.add_argument("--choose-caps", action="store_true", help="write the chosen learned-cap thresholds into app/coach/data/caps.yaml")
    args = ap.parse_args()
    t0 = time.time()
    registry = ScenarioRegistry.from_dirs(ROOT / "knowledge" / "scenarios")
    items = load_corpus() + load_gaming_training()
    embedder = CachedEmbedder(OnnxE5Embeddings(ENCODER_FILE, num_threads=1))
    lines = [ln for sc in registry for st in sc.states for ln in st.lines]
    lines += [ln for sc in registry for ln in sc.openings] + [ln for sc in registry for m in sc.persona.motives for ln in m.reveal]
    n = embedder.fill(texts_to_embed(items) + [ln.strip() for ln in lines])
    prefill(embedder, items, registry)
    print(f"{len(items)} items from {len({i.author for i in items})} authors; embedded {n} new texts ({time.time() - t0:.0f}s)")
    # Each author read by heads and an encoder that never saw them (scripts/build_encoder.py --without).
    oof = out_of_fold_readings(items, embedder, registry, folds=args.folds, encoder_for=fold_encoders(embedder))
    chosen = loosest_caps(oof, items)
    print("learned caps (loosest min_prob capping no reply graded 3-5; share of gaming-training replies caught):",
          ", ".join(f"{m} {p} ({r:.2f})" for m, (p, r) in chosen.items()))  # fmt: skip
    if args.choose_caps:
        write_caps(chosen, CAPS_FILE)
    rows = feature_rows(oof, items, registry)
    grade = fit_grade(rows, items, alpha=args.alpha)
    reader = train_reader(items, embedder, registry)
    save_heads(READER_FILE, reader.heads, reader.meta)
    GRADE_FILE.write_text(grade.to_json() + "\n", encoding="utf-8")
    print(f"wrote {READER_FILE.relative_to(ROOT)} ({READER_FILE.stat().st_size // 1024} KiB) and {GRADE_FILE.relative_to(ROOT)} in {time.time() - t0:.0f}s")
    top = sorted(zip(grade.names, grade.weights, strict=True), key=lambda nw: -abs(nw[1]))[:15]
    print("largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
