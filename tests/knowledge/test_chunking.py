"""Chunking: exact offsets, section ids from {#id} headings, size and overlap."""

from __future__ import annotations

from pathlib import Path

from app.knowledge.chunking import chunk_document, sentence_windows
from app.knowledge.documents import build_document, load_document
from app.knowledge.loaders import RawDocument


def test_offsets_point_back_into_the_document(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.iterdir()):
        doc = load_document(path, path.name)
        chunks = chunk_document(doc, size=80, overlap=20)
        assert chunks, path.name
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.source == path.name


def test_markdown_sections_carry_ids_and_hide_the_marker(corpus_dir: Path) -> None:
    doc = load_document(corpus_dir / "price-playbook.md", "playbooks/02-price.md")
    assert "{#" not in doc.text
    chunks = chunk_document(doc, size=120, overlap=30)
    by_section = {c.section for c in chunks}
    assert {"price-objection", "price-timing", "value-over-price"} <= by_section
    deferred = next(c for c in chunks if "明天上午十点" in c.text)
    # A sub-heading without an id stays inside its parent's section.
    assert deferred.section == "price-objection"
    assert deferred.heading == "暂时答不上来怎么办"
    assert all("{#" not in c.text for c in chunks)


def test_chunks_never_cross_a_section_boundary() -> None:
    body = "这是一句用来凑长度的话。" * 12
    raw = RawDocument(text=f"## 甲 {{#a}}\n{body}\n## 乙 {{#b}}\n{body}", markdown=True)
    doc = build_document(raw, "x.md")
    for chunk in chunk_document(doc, size=400, overlap=50):
        sections = {line.section for line in doc.lines if chunk.start <= line.start < chunk.end}
        assert len(sections) == 1, chunk.text


def test_size_limit_sentence_ends_and_overlap() -> None:
    sentences = [f"第{i}句讲一个独立的要点，长度差不多。" for i in range(30)]
    doc = build_document(RawDocument(text="".join(sentences), markdown=False), "long.txt")
    chunks = chunk_document(doc, size=100, overlap=40)
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert len(a.text) <= 100
        assert a.text.endswith("。")  # split at sentence ends
        assert b.start < a.end  # consecutive chunks overlap
        assert a.end - b.start <= 40


def test_run_on_text_without_punctuation_is_still_cut() -> None:
    doc = build_document(RawDocument(text="字" * 2000, markdown=False), "run.txt")
    chunks = chunk_document(doc, size=360, overlap=80, max_chars=500)
    assert all(len(c.text) <= 500 for c in chunks)
    assert chunks[-1].end == len(doc.text)


def test_sentence_windows_slide_one_sentence_at_a_time() -> None:
    windows = sentence_windows("甲句。乙句很长一点。丙句！丁", max_chars=12)
    assert windows == ["甲句。乙句很长一点。", "乙句很长一点。丙句！丁"]
    assert sentence_windows("一。二。三。四。", max_chars=4) == ["一。二。", "二。三。", "三。四。"]


def test_windows_over_bullet_lines_hold_a_few_lines_only() -> None:
    """Slide-like text: each short line is a sentence, and a window takes at most ``max_sentences``."""
    bullets = "\n".join(f"要点{i}" for i in range(6))
    assert sentence_windows(bullets, max_chars=120, max_sentences=3)[:2] == ["要点0要点1要点2", "要点1要点2要点3"]
    assert sentence_windows(bullets, max_chars=120) == ["要点0要点1要点2要点3要点4要点5"]


def test_a_heading_with_no_body_is_not_a_chunk() -> None:
    raw = RawDocument(text="# 手册标题\n\n## 第一节 {#first}\n\n第一节的正文。", markdown=True)
    chunks = chunk_document(build_document(raw, "book.md"))
    assert [c.text for c in chunks] == ["第一节\n\n第一节的正文。"]
    assert chunks[0].section == "first" and chunks[0].title == "手册标题"
