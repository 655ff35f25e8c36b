"""A cited passage shown in its document: the page every citation links to.

A citation carries its source and (trimmed) text, the index knows the chunk's exact offsets in
the cleaned document, and the document is re-read from its original (a playbook, or the
library's copy), so the page shows the passage highlighted where it stands. When the original
changed since the build (offsets no longer match), the passage is shown alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import Settings
from app.knowledge.documents import load_document
from app.knowledge.errors import DocumentError
from app.library.files import files_dir, name_of

#: Characters of the document shown on either side of the passage.
CONTEXT_CHARS = 1500


@dataclass(frozen=True)
class Passage:
    """A passage and the text around it."""

    chunk_id: str
    source: str
    title: str
    heading: str | None
    before: str
    text: str
    after: str
    in_context: bool
    library: bool


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip("…").strip()


def _base(source: str) -> str:
    """The file part of a cited source (citations append ``#section`` to playbook sources)."""
    return source.split("#", 1)[0] if not source.startswith("library/") else source


def find_chunk(chunks: list[dict[str, Any]], *, chunk_id: str | None = None, source: str | None = None,
               text: str | None = None) -> dict[str, Any] | None:
    """The chunk with this id, or the one of ``source`` whose text starts with ``text``."""
    if chunk_id is not None:
        return next((c for c in chunks if c.get("id") == chunk_id), None)
    if source is None:
        return None
    candidates = [c for c in chunks if c.get("source") in (source, _base(source))]
    wanted = _norm(text or "")
    for c in candidates:
        if wanted and _norm(str(c.get("text", ""))).startswith(wanted):
            return c
    probe = wanted[:24]
    return next((c for c in candidates if probe and probe in _norm(str(c.get("text", "")))),
                candidates[0] if candidates and not wanted else None)


def original_path(settings: Settings, source: str) -> Path | None:
    """Where the document cited as ``source`` is kept, or None (never outside its folder)."""
    name = name_of(source)
    root = files_dir(settings) if name is not None else settings.knowledge_dir
    path = (root / (name if name is not None else source)).resolve()
    return path if path.is_relative_to(root.resolve()) and path.is_file() else None


def passage_in_context(settings: Settings, chunk: dict[str, Any]) -> Passage:
    """The chunk highlighted in its document's text (or alone when the original moved on)."""
    source, text = str(chunk.get("source", "")), str(chunk.get("text", ""))
    start, end = chunk.get("start"), chunk.get("end")
    title = str(chunk.get("title") or source)
    before = after = ""
    in_context = False
    path = original_path(settings, source)
    if path is not None and isinstance(start, int) and isinstance(end, int):
        try:
            doc = load_document(path, source)
        except DocumentError:
            doc = None
        if doc is not None and _norm(doc.text[start:end]) == _norm(text):
            text = doc.text[start:end]
            before = doc.text[max(0, start - CONTEXT_CHARS):start]
            after = doc.text[end:end + CONTEXT_CHARS]
            before = ("…" if start > CONTEXT_CHARS else "") + before
            after = after + ("…" if end + CONTEXT_CHARS < len(doc.text) else "")
            title, in_context = doc.title or title, True
    return Passage(str(chunk.get("id", "")), source, title, chunk.get("heading"), before, text, after,
                   in_context, name_of(source) is not None)
