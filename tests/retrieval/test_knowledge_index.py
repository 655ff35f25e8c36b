"""ensure_knowledge_index: build once, reopen without embedding, rebuild on change."""

from __future__ import annotations

from pathlib import Path

from app.config import load_settings
from app.retrieval.embeddings import FakeEmbeddings
from app.retrieval.knowledge_index import ensure_knowledge_index
from tests.retrieval.fakes import CountingFake, make_knowledge


def _knowledge(tmp_path: Path) -> Path:
    root = make_knowledge(tmp_path)
    (root / "playbooks" / "notes.txt").write_text("not a playbook", encoding="utf-8")
    return root


def test_builds_once_then_reopens_without_embedding(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=_knowledge(tmp_path), embedding_backend="fake")
    first = CountingFake()
    retriever = ensure_knowledge_index(settings, first)
    assert first.encoded > 0
    assert {h["source"] for h in retriever.data.chunks} == {"playbooks/02-price.md", "playbooks/01-closing.md"}
    second = CountingFake()
    again = ensure_knowledge_index(settings, second)
    assert second.encoded == 0
    hit = again.search("旺季优先发货", k=1, sections=["value-over-price"])[0]
    assert hit.source == "playbooks/02-price.md" and hit.section == "value-over-price"


def test_a_changed_playbook_triggers_a_rebuild(tmp_path: Path) -> None:
    knowledge = _knowledge(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, embedding_backend="fake")
    ensure_knowledge_index(settings, FakeEmbeddings())
    (knowledge / "playbooks" / "03-new.md").write_text("## 新章节 {#feature-requests}\n\n客户要求加装新功能时先问原因。",
                                                       encoding="utf-8")
    retriever = ensure_knowledge_index(settings, FakeEmbeddings())
    assert retriever.search("加装新功能", k=1, sections=["feature-requests"])[0].source == "playbooks/03-new.md"


def test_a_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=_knowledge(tmp_path), embedding_backend="fake")
    ensure_knowledge_index(settings, FakeEmbeddings())
    (settings.index_path / "faiss.index").write_bytes(b"broken")
    assert len(ensure_knowledge_index(settings, FakeEmbeddings())) > 0


def test_no_playbooks_gives_an_empty_retriever(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "none", embedding_backend="fake")
    retriever = ensure_knowledge_index(settings, FakeEmbeddings())
    assert len(retriever) == 0 and retriever.search("价格", k=3) == []
