"""Rebuild app/coach/model/line_vectors.npz: the built-in customer lines, read once by both encoders.

    .venv/bin/python scripts/build_line_vectors.py

Scores a short reply to every line a built-in scenario's customer can say, through the product's
own scorer (so every vector is cached under exactly the key the product looks up), then stores
the scorer's and the retrieval encoder's caches (app/services/line_vectors.py says why). Rerun it
after editing scenario lines or rebuilding an encoder: until then the changed lines are simply
read on first use (tests/services/test_line_vectors.py says when the file is stale).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import load_settings  # noqa: E402
from app.services.container import Services  # noqa: E402
from app.services.line_vectors import LINE_VECTORS, customer_lines, save  # noqa: E402

#: Any short reply: only the customer's side of what it caches is wanted.
PROBE = "好的。"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=LINE_VECTORS)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(load_settings(data_dir=Path(tmp)))
        lines = customer_lines(services.scenarios)
        for enc in (services.reader_embeddings, services.embeddings):
            enc._cache_size = max(enc._cache_size, 2 * len(lines) + 256)
        started = time.perf_counter()
        for i, (scenario_id, line) in enumerate(lines):
            services.scorer.score(scenario_id, line, PROBE)
            if i % 200 == 0:
                print(f"{i}/{len(lines)} lines, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        counts = save(args.out, {"reader": services.reader_embeddings, "retrieval": services.embeddings})
        services.close()
    size = args.out.stat().st_size / 1e6
    print(f"{len(lines)} lines -> {args.out} ({counts}, {size:.1f} MB, {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
