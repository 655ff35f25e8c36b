"""The bilingual sales lexicon and English-query expansion in the retriever."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.retrieval.builder import build_index, collect_inputs
from app.retrieval.embeddings import FakeEmbeddings
from app.retrieval.lexicon import LEXICON, translate_terms
from app.retrieval.retriever import Retriever


def test_inflected_words_and_phrases_are_translated() -> None:
    terms = translate_terms("Our key accounts keep asking for discounts")
    assert "大客户" in terms and "折扣" in terms
    assert "客户" not in terms  # the phrase "key account" wins over its single word
    assert "决策者" in translate_terms("Who are the decision makers?")
    assert "投诉" in translate_terms("The buyer complained twice") and "交货" in translate_terms("late deliveries")


def test_nothing_to_translate() -> None:
    assert translate_terms("客户嫌贵怎么办") == []
    assert translate_terms("the weather in Paris") == []


def test_lexicon_entries_are_lower_case_english_to_chinese() -> None:
    for english, chinese in LEXICON.items():
        assert english == english.lower() and english.isascii(), english
        assert chinese and not chinese.isascii(), english


@pytest.fixture()
def mixed_index(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "price.md").write_text(
        "# 价格\n\n客户嫌贵的时候，不要马上给折扣。先问清预算，再讲价值和总成本。\n", encoding="utf-8")
    (docs / "delivery.md").write_text(
        "# 交货\n\n交货延迟引起投诉时，先道歉，然后告诉客户新的发货时间和补救办法。\n", encoding="utf-8")
    (docs / "english.md").write_text(
        "# Weather small talk\n\nOpening with the weather is safe small talk before a meeting.\n", encoding="utf-8")
    index = tmp_path / "index"
    build_index(collect_inputs([docs]), index, FakeEmbeddings())
    return index


@pytest.mark.parametrize(("query", "source"), [
    ("The customer says it is too expensive and wants a discount", "price.md"),
    ("How do I handle a complaint about late delivery?", "delivery.md"),
])
def test_english_query_finds_chinese_passage_only_with_expansion(mixed_index: Path, query: str, source: str) -> None:
    expanded = Retriever.open(mixed_index, FakeEmbeddings(), fusion="bm25")
    assert expanded.search(query, k=1)[0].source == source
    assert Retriever.open(mixed_index, FakeEmbeddings(), fusion="bm25", expansion="off").search(query, k=1) == []
    hybrid = Retriever.open(mixed_index, FakeEmbeddings())
    assert source in {h.source for h in hybrid.search(query, k=2)}


def test_english_query_over_english_text_is_not_expanded(mixed_index: Path) -> None:
    retriever = Retriever.open(mixed_index, FakeEmbeddings())
    assert retriever._translation("small talk about the weather before a meeting") == []
    assert retriever._translation("a discount for the customer") != []
    assert retriever.search("small talk about the weather before a meeting", k=1)[0].source == "english.md"


def test_primary_only_keeps_the_first_term_of_each_entry() -> None:
    assert translate_terms("a discount on the price", primary_only=True) == ["折扣", "价格"]
    assert set(translate_terms("a discount on the price", primary_only=True)) < set(translate_terms("a discount on the price"))
