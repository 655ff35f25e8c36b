"""Reading .txt, .md, .html, .docx and .pdf files into plain text.

Every loader returns text in one shape: lines, with headings written as
Markdown (``## heading``) when the format knows about headings (Markdown,
HTML ``<h1>``-``<h6>``, Word heading styles).  Cleaning and chunking then
only deal with one representation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.knowledge.encoding import decode_bytes
from app.knowledge.errors import DocumentError

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"})


@dataclass(frozen=True)
class RawDocument:
    """Text extracted from one file, before cleaning."""

    text: str
    markdown: bool
    title: str | None = None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot read file ({exc.strerror or exc})") from exc


def _load_text(path: Path) -> RawDocument:
    text, _ = decode_bytes(_read_bytes(path), path)
    return RawDocument(text=text, markdown=False)


def _load_markdown(path: Path) -> RawDocument:
    text, _ = decode_bytes(_read_bytes(path), path)
    return RawDocument(text=text, markdown=True)


_BLOCK_TAGS = ("p", "div", "li", "tr", "br", "section", "article", "blockquote", "pre", "td", "th", "dd", "dt")


def _load_html(path: Path) -> RawDocument:
    from bs4 import BeautifulSoup

    text, _ = decode_bytes(_read_bytes(path), path)
    soup = BeautifulSoup(text, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    # Page chrome carries no teaching content; scripts and styles are not text at all.
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "title"]):
        tag.decompose()
    for level in range(1, 7):
        for h in soup.find_all(f"h{level}"):
            h.replace_with(f"\n{'#' * level} {h.get_text(' ', strip=True)}\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    body = soup.get_text()
    return RawDocument(text=body, markdown=True, title=title or None)


_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _load_docx(path: Path) -> RawDocument:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a bad zip
        raise DocumentError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    lines: list[str] = []
    title = (document.core_properties.title or "").strip() or None
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        match = _HEADING_STYLE.match(style.strip())
        if style.strip().lower() == "title":
            title = title or text
            lines.append(f"# {text}")
        elif match:
            lines.append(f"{'#' * min(int(match.group(1)), 6)} {text}")
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return RawDocument(text="\n\n".join(lines), markdown=True, title=title)


def _load_pdf(path: Path) -> RawDocument:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata is not None else None
    except Exception as exc:  # pypdf raises many error types for damaged files
        raise DocumentError(path, f"not a readable PDF ({type(exc).__name__})") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise DocumentError(path, "the PDF has no extractable text (scanned image?)")
    return RawDocument(text=text, markdown=False, title=(meta_title or None))


_LOADERS: dict[str, Callable[[Path], RawDocument]] = {
    ".txt": _load_text,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".docx": _load_docx,
    ".pdf": _load_pdf,
}


def load_file(path: Path) -> RawDocument:
    """Extract text from a supported file or raise :class:`DocumentError`."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(path, f"unsupported file type {path.suffix or '(none)'}; expected one of "
                            + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if not path.is_file():
        raise DocumentError(path, "no such file")
    return loader(path)
