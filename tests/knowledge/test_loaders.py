"""Loaders for every supported format, over the generated fixture corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.knowledge.documents import load_document
from app.knowledge.errors import DocumentError
from app.knowledge.loaders import load_file


def test_html_keeps_headings_and_drops_scripts_navigation_and_footer(corpus_dir: Path) -> None:
    raw = load_file(corpus_dir / "page.html")
    assert raw.title == "决策者的四种风格"
    assert "## 检查型" in raw.text
    for junk in ("tracking", "color: red", "文章列表", "版权所有"):
        assert junk not in raw.text


def test_docx_headings_become_markdown(corpus_dir: Path) -> None:
    raw = load_file(corpus_dir / "value-types.docx")
    assert raw.markdown
    assert "## 内在价值型" in raw.text
    assert "每年能帮您省下二十万元" in raw.text


def test_pdf_text_is_extracted(corpus_dir: Path) -> None:
    doc = load_document(corpus_dir / "complaints.pdf", "complaints.pdf")
    assert "keep the customer informed" in doc.text
    assert doc.title == "Complaint handling"


def test_gbk_and_big5_files_load(corpus_dir: Path) -> None:
    assert "尽快做出决定" in load_document(corpus_dir / "gbk-nice-guy.txt", "g").text
    assert "詳細的資料和數據" in load_document(corpus_dir / "big5-professor.txt", "b").text


def test_scraped_article_is_cleaned(corpus_dir: Path) -> None:
    doc = load_document(corpus_dir / "trust-article.txt", "trust-article.txt")
    assert doc.title == "建立信任的三個層次"
    assert "資訊。" in doc.text and "(xùn)" not in doc.text
    assert doc.text.count("第二層是讓客戶相信你") == 1
    for junk in ("首頁", "來源", "上一條", "免费电影", "Copyright", "熱門推薦"):
        assert junk not in doc.text
    assert "ABC公司" in doc.text


def test_unsupported_and_broken_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="unsupported"):
        load_file(tmp_path / "sheet.xlsx")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(DocumentError, match="broken.pdf"):
        load_file(broken)
    bad_docx = tmp_path / "bad.docx"
    bad_docx.write_bytes(b"not a zip")
    with pytest.raises(DocumentError, match="bad.docx"):
        load_file(bad_docx)
