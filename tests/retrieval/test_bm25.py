"""BM25 analyzers, scoring and coverage."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.retrieval.bm25 import BM25Index, terms


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


def test_save_and_load_keep_the_analyzer(tmp_path: Path) -> None:
    index = BM25Index.from_texts(["客户嫌贵先提问", "报价放在后面"], "jieba")
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.analyzer == "jieba"
    assert np.allclose(loaded.scores("客户嫌贵"), index.scores("客户嫌贵"))
