"""A cleaned document with its heading structure, ready for chunking.

Markdown headings may carry a stable id (``## 价格异议 {#price-objection}``).
The id names the *section* a passage belongs to, so the coach can cite
playbook sections by id; the marker itself is never shown to users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from app.knowledge.cleaning import clean_text
from app.knowledge.loaders import RawDocument, load_file

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SECTION_ID = re.compile(r"\s*\{#([A-Za-z0-9_.:-]+)\}\s*$")
_SENTENCE_END = re.compile(r"[。！？；.!?;:：]$")


@dataclass(frozen=True)
class Line:
    """One non-blank line of the document's display text."""

    text: str
    start: int
    end: int
    heading: str | None
    section: str | None
    is_heading: bool = False


@dataclass
class Document:
    """A cleaned document: display text, title, and its lines with structure."""

    source: str
    title: str
    text: str
    lines: list[Line] = field(default_factory=list)


def _guess_title(lines: list[str], fallback: str) -> str:
    for line in lines:
        stripped = line.strip().lstrip("#").strip()
        if not stripped:
            continue
        if len(stripped) <= 40 and not _SENTENCE_END.search(stripped):
            return stripped
        break
    return fallback


def build_document(raw: RawDocument, source: str) -> Document:
    """Clean the raw text and record headings, sections and offsets."""
    cleaned = clean_text(raw.text)
    raw_lines = cleaned.split("\n")
    stack: list[tuple[int, str, str | None]] = []  # (level, heading text, section id)
    display: list[str] = []
    lines: list[Line] = []
    offset = 0
    first_h1: str | None = None
    for raw_line in raw_lines:
        match = _HEADING.match(raw_line) if raw.markdown else None
        is_heading = match is not None
        text = raw_line
        if match is not None:
            level = len(match.group(1))
            heading_text = match.group(2)
            id_match = _SECTION_ID.search(heading_text)
            section_id = id_match.group(1) if id_match else None
            heading_text = _SECTION_ID.sub("", heading_text).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading_text, section_id))
            if level == 1 and first_h1 is None:
                first_h1 = heading_text
            text = heading_text
        if display:
            offset += 1  # the newline joining display lines
        start = offset
        display.append(text)
        offset += len(text)
        if text.strip():
            heading = stack[-1][1] if stack else None
            section = next((s for _, _, s in reversed(stack) if s), None)
            lines.append(Line(text, start, offset, heading, section, is_heading))
    title = raw.title or first_h1 or _guess_title(raw_lines, Path(source).stem)
    return Document(source=source, title=title.strip(), text="\n".join(display), lines=lines)


def load_document(path: Path, source: str) -> Document:
    """Load, clean and structure one file (raises ``DocumentError``)."""
    return build_document(load_file(path), source)
