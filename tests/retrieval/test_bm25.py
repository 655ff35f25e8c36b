"""BM25 analyzers, scoring (by bm25s) and coverage, and its files in the index."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from app.retrieval.bm25 import ANALYZER_FILE, FILES, K1, B, BM25Index, terms
from app.retrieval.builder import build_index, collect_inputs
from app.retrieval.embeddings import FakeEmbeddings
from app.retrieval.errors import IndexCorruptError
from app.retrieval.store import read_index


def test_bigram_analyzer_folds_and_splits_han_runs() -> None:
    assert terms("客戶說：太貴了! The PRICE is 20%") == ["客户", "户说", "太贵", "贵了", "price", "20"]
    assert terms("好") == ["好"]


def test_jieba_analyzer_drops_function_words() -> None:
    words = terms("客户为什么觉得价格太高", "jieba")
    assert "为什么" not in words and "客户" in words


def test_scores_rank_the_matching_text_first_and_coverage_measures_overlap() -> None:
    index = BM25Index.from_texts(["旺季优先发货可以代替降价", "客户关系分为三个层次", "价格谈判要放在后面"])
    scores = index.scores("優先發貨")
    assert int(np.argmax(scores)) == 0 and scores[1] == 0
    assert index.coverage("优先发货") == 1.0
    assert index.coverage("how long does a discount last") == 0.0
    assert not index.scores("完全无关的内容xyz").any()


def test_scores_follow_okapi_bm25_with_the_lucene_idf() -> None:
    """Pins the parameters we hand bm25s: k1, b, the idf variant and per-occurrence query terms."""
    docs = [["a", "b", "a"], ["b", "c"], ["c", "c", "c", "d"]]
    index = BM25Index.build(docs)
    avgdl = sum(map(len, docs)) / len(docs)

    def expected(term: str, doc: list[str]) -> float:
        df = sum(term in d for d in docs)
        tf = doc.count(term)
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        return idf * tf / (tf + K1 * (1 - B + B * len(doc) / avgdl))

    assert index.model.scores["data"].size == 6  # one weight per (doc, distinct term)
    for query in (["a"], ["b", "c"], ["c", "c"]):
        want = [sum(expected(t, d) for t in query) for d in docs]
        assert np.allclose(index.model.get_scores(query), want, rtol=1e-5), query


def test_terms_get_ids_in_first_seen_order() -> None:
    """bm25s would number them in set order, which changes with Python's hash seed."""
    index = BM25Index.build([["客户", "报价"], ["报价", "折扣"]])
    assert index.vocab == {"客户": 0, "报价": 1, "折扣": 2}


def test_an_index_without_terms_scores_zero_quietly() -> None:
    filters = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for index in (BM25Index.build([]), BM25Index.from_texts(["。。。", "!!"])):
            assert not index.scores("客户").any() and index.coverage("客户") == 0.0
    assert BM25Index.build([]).num_docs == 0 and BM25Index.from_texts(["。", "!"]).num_docs == 2
    assert warnings.filters == filters  # the quiet build does not leak its filter


def test_save_and_load_keep_the_analyzer_and_scores(tmp_path: Path) -> None:
    index = BM25Index.from_texts(["客户嫌贵先提问", "报价放在后面"], "jieba")
    index.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES.values(), ANALYZER_FILE])
    loaded = BM25Index.load(tmp_path)
    assert loaded.analyzer == "jieba" and loaded.num_docs == 2 and loaded.vocab == index.vocab
    assert np.allclose(loaded.scores("客户嫌贵"), index.scores("客户嫌贵"))
    assert loaded.scores("客户嫌贵").any()


def test_load_refuses_an_unknown_analyzer_or_a_vocabulary_out_of_step(tmp_path: Path) -> None:
    BM25Index.from_texts(["客户嫌贵先提问", "报价放在后面"]).save(tmp_path)
    analyzer_file = tmp_path / ANALYZER_FILE
    analyzer_file.write_text(json.dumps({"analyzer": "english"}), encoding="utf-8")
    with pytest.raises(ValueError, match="analyzer"):
        BM25Index.load(tmp_path)
    analyzer_file.write_text(json.dumps({"analyzer": "bigram"}), encoding="utf-8")
    vocab_file = tmp_path / FILES["vocab_name"]
    vocab = json.loads(vocab_file.read_text(encoding="utf-8"))
    vocab.popitem()
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="disagree"):
        BM25Index.load(tmp_path)


def test_index_with_missing_or_foreign_bm25_files_is_corrupt(tmp_path: Path) -> None:
    """An index without bm25s's files (the pre-bm25s layout) or with another corpus's BM25 is refused."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# 价格\n\n客户嫌贵时先问预算。\n\n# 交货\n\n交货延迟要先道歉。\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index(collect_inputs([docs]), index_dir, FakeEmbeddings())
    data = read_index(index_dir)
    assert data.bm25.num_docs == len(data.chunks) and data.bm25.scores("预算").any()

    BM25Index.from_texts(["别的语料"] * (len(data.chunks) + 1)).save(index_dir)
    with pytest.raises(IndexCorruptError, match="disagree"):
        read_index(index_dir)
    (index_dir / FILES["params_name"]).unlink()
    with pytest.raises(IndexCorruptError, match="cannot read"):
        read_index(index_dir)
