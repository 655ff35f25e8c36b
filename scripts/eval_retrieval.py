#!/usr/bin/env python3
"""Retrieval quality on the dev set: recall@5 and MRR@10, next to a baseline.

A hit is relevant when it comes from the expected source file and contains
the query's key fact (both folded to Simplified, spaces and punctuation
dropped), so the judgement does not depend on where chunks happen to split.

Compared in one run, on the same queries:

* ``hybrid-rrf`` (the shipped default), ``hybrid-weighted``, ``dense`` and
  ``bm25`` over our cleaned, chunked index, and the hybrid and BM25 with
  jieba words instead of character bigrams as BM25 terms;
* the shipped hybrid without the bilingual lexicon (and with it on BM25 only);
* ``baseline``: LangChain ``RecursiveCharacterTextSplitter(400, 50)`` over
  the raw files, embedded with the same model, exact FAISS inner product.

Usage::

    .venv/bin/python scripts/eval_retrieval.py --corpus ../shared/corpus [--index DIR] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import load_settings  # noqa: E402
from app.retrieval.bm25 import BM25Index  # noqa: E402
from app.retrieval.builder import build_index, collect_inputs, passage_of  # noqa: E402
from app.retrieval.embeddings import CoachEmbeddings, make_embeddings  # noqa: E402
from app.retrieval.retriever import Retriever  # noqa: E402
from app.text.fold import fold  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parent / "data" / "retrieval_dev.yaml"


def norm(text: str) -> str:
    """Folded text without spaces and punctuation, for key-fact matching."""
    return re.sub(r"[\W_]+", "", fold(text))


def relevant(source: str, text: str, judgements: list[dict[str, str]]) -> bool:
    """Does a hit satisfy any of the query's judgements?"""
    body = norm(text)
    return any(source == j["source"] and norm(j["key"]) in body for j in judgements)


def metrics(ranked: list[list[tuple[str, str]]], queries: list[dict[str, Any]]) -> dict[str, float]:
    """recall@5 (share of queries with a relevant hit in the top 5) and MRR@10."""
    recall = mrr = 0.0
    for hits, query in zip(ranked, queries, strict=True):
        ranks = [r for r, (src, text) in enumerate(hits[:10], 1) if relevant(src, text, query["relevant"])]
        if ranks and ranks[0] <= 5:
            recall += 1
        if ranks:
            mrr += 1.0 / ranks[0]
    n = len(queries) or 1
    return {"recall@5": round(recall / n, 4), "mrr@10": round(mrr / n, 4)}


def baseline_rankings(corpus: Path, queries: list[dict[str, Any]], embeddings: CoachEmbeddings) -> list[list[tuple[str, str]]]:
    """RecursiveCharacterTextSplitter(400/50) on raw text + dense FAISS."""
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=400, chunk_overlap=50)
    chunks: list[tuple[str, str]] = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        raw = path.read_text(encoding="utf-8", errors="replace")
        chunks.extend((path.relative_to(corpus).as_posix(), c) for c in splitter.split_text(raw))
    vectors = embeddings.embed_array([c for _, c in chunks], "passage")
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    out = []
    for query in queries:
        _, ids = index.search(embeddings.embed_array([query["q"]], "query"), 10)
        out.append([chunks[i] for i in ids[0] if i >= 0])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--dev-set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--index", type=Path, default=None, help="index dir to (re)use; a temp dir if unset")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    if not args.corpus.is_dir():
        print(f"error: corpus folder {args.corpus} not found", file=sys.stderr)
        return 2
    queries = yaml.safe_load(args.dev_set.read_text(encoding="utf-8"))["queries"]
    embeddings = make_embeddings(load_settings())
    index_dir = args.index or Path(tempfile.mkdtemp(prefix="coach-eval-")) / "index"
    started = time.perf_counter()
    build_index(collect_inputs([args.corpus]), index_dir, embeddings)
    build_s = time.perf_counter() - started

    # Metrics are on the original 60 queries (comparable across history); queries
    # marked ``set: added`` (written later to check generalisation) are reported apart.
    original = [q for q in queries if "set" not in q]
    added = [q for q in queries if "set" in q]
    results: dict[str, dict[str, float]] = {}
    misses: dict[str, list[str]] = {}

    def run(name: str, retriever: Retriever) -> list[list[tuple[str, str]]]:
        ranked = [[(h.source, h.text) for h in retriever.search(q["q"], k=10)] for q in queries]
        keep = [r for r, q in zip(ranked, queries, strict=True) if "set" not in q]
        results[name] = metrics(keep, original)
        misses[name] = [q["q"] for q, hits in zip(queries, ranked, strict=True)
                        if not any(relevant(s, t, q["relevant"]) for s, t in hits[:5])]
        return ranked

    for fusion in ("rrf", "weighted", "dense", "bm25"):
        retriever = Retriever.open(index_dir, embeddings, fusion=fusion)
        ranked = run(f"hybrid-{fusion}" if fusion in ("rrf", "weighted") else fusion, retriever)
        if fusion == "rrf":
            for lang in sorted({q["lang"] for q in original}):
                picked = [(r, q) for r, q in zip(ranked, queries, strict=True) if q["lang"] == lang and "set" not in q]
                results[f"hybrid-rrf[{lang}]"] = metrics([r for r, _ in picked], [q for _, q in picked])
            if added:
                results["hybrid-rrf[added]"] = metrics(
                    [r for r, q in zip(ranked, queries, strict=True) if "set" in q], added)
                results["hybrid-rrf[all]"] = metrics(ranked, queries)
    # The shipped hybrid without the bilingual lexicon, and with it on the BM25 side only.
    for expansion in ("off", "bm25"):
        ranked = run(f"hybrid-rrf, lexicon {'off' if expansion == 'off' else 'bm25 only'}",
                     Retriever.open(index_dir, embeddings, expansion=expansion))  # type: ignore[arg-type]
        if added:
            results[f"hybrid-rrf, lexicon {'off' if expansion == 'off' else 'bm25 only'} [added]"] = metrics(
                [r for r, q in zip(ranked, queries, strict=True) if "set" in q], added)
    # The same hybrid with jieba words instead of character bigrams on the BM25 side.
    retriever = Retriever.open(index_dir, embeddings)
    passages = [passage_of(c["source"], c.get("title"), c.get("heading"), c["text"]) for c in retriever.data.chunks]
    retriever.data = dataclasses.replace(retriever.data, bm25=BM25Index.from_texts(passages, "jieba"))
    for fusion in ("rrf", "bm25"):
        retriever.fusion = fusion  # type: ignore[assignment]
        run(f"{'hybrid-rrf' if fusion == 'rrf' else 'bm25'} (jieba words)", retriever)
    if not args.no_baseline:
        results["baseline"] = metrics(baseline_rankings(args.corpus, original, embeddings), original)

    report = {"queries": len(original), "added_queries": len(added), "embedding": f"{embeddings.backend}/{embeddings.model_name}",
              "index_build_s": round(build_s, 2), "results": results}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{len(original)} queries (+{len(added)} added, reported apart), embeddings {report['embedding']}, index built in {build_s:.1f}s")
        print(f"{'system':<44}{'recall@5':>10}{'MRR@10':>10}")
        for name, m in results.items():
            print(f"{name:<44}{m['recall@5']:>10.3f}{m['mrr@10']:>10.3f}")
    if args.show_misses:
        for fusion, missed in misses.items():
            for q in missed:
                print(f"miss [{fusion}] {q}", file=sys.stderr)
    _ = np  # numpy is imported for the FAISS arrays above
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
