"""Cleaning rules for scraped Chinese articles.

Every rule is about the *shape* of an artefact, never about this or that
corpus's words, so that it carries over to material we have not seen:

* character level: full-width ASCII → half-width, ideographic spaces,
  zero-width and control characters, U+FFFD and runs of ``?`` left by a
  failed transcoding, pinyin annotations after a Han character
  (``頁(yè)`` → ``頁``);
* line level: link farms (many ``|``-separated phrases without a
  sentence), breadcrumbs (``A > B > C``), pagination and "previous/next"
  navigation, copyright footers, article metadata (``来源:``/``作者:``),
  lines that are only numbers;
* document level: page footers (everything after navigation near the end),
  paragraphs that repeat earlier ones (an article pasted twice).
"""

from __future__ import annotations

import re
import unicodedata

from app.text.fold import fold

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_SYLLABLE = (
    rf"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?[aeiouv{_TONED}]{{1,3}}(?:ng|n|r)?[1-5]?"
)
# 頁(yè), 營（yíng）: a Han character followed by one bracketed pinyin syllable.
_PINYIN_NOTE = re.compile(rf"(?<=[{HAN}])[(（]{_SYLLABLE}[)）]")
# The same note whose opening bracket was lost in transcoding: 因?yàn)
_BROKEN_PINYIN = re.compile(rf"[?\ufffd]{_SYLLABLE}[)）]")
# Two or more "?" in a row inside text are bytes lost in transcoding (a single
# "?" is kept: scraped Chinese pages often use it as the question mark).
_REPLACEMENT_RUN = re.compile(r"[?\ufffd][?!\ufffd]*[?\ufffd]|\ufffd")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_SENTENCE_PUNCT = re.compile(r"[。！？；，,.!?;]")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_NAV_WORD = re.compile(r"^(上一|下一|前一|后一)[条篇页章节张个]|^返回|^(首页|主页)$|^(单页|全文)阅读$|^\d{1,3}$|^[<>«»›‹]+$|^(previous|next|back|home)$",
                       re.IGNORECASE)
_COPYRIGHT = re.compile(r"copyright|©|\(c\)\s*\d{4}|版权所有|all rights reserved|备案号|icp备", re.IGNORECASE)
_META_LABEL = re.compile(r"^(tags?|标签|关键词|关键字|责任编辑|编辑|来源|作者|点击|阅读|浏览|发布时间|发布日期|时间)\s*[:：]", re.IGNORECASE)
_META_ANY = re.compile(r"(来源|作者|点击|浏览|阅读|责任编辑|发布时间)\s*[:：]")
_NUMERIC_LINE = re.compile(r"^[\d\s.,:：/\-|]+$")
_BREADCRUMB_SEP = re.compile(r"\s*(?:>|›|»|→)\s*")
_PIPE_SEP = re.compile(r"\s*[|｜]\s*")


def normalise_chars(text: str) -> str:
    """Width, invisible characters, transcoding debris and pinyin notes."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))  # full-width letters and digits
        elif ch in "\u3000\u00a0":
            out.append(" ")
        else:
            out.append(ch)
    text = "".join(out)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PINYIN_NOTE.sub("", text)
    text = _BROKEN_PINYIN.sub("", text)
    text = _REPLACEMENT_RUN.sub("", text)
    return text


def _folded_line(line: str) -> str:
    return fold(unicodedata.normalize("NFKC", line)).strip()


def is_link_farm(line: str) -> bool:
    """Several ``|``-separated phrases, none of them a sentence, or several URLs."""
    if len(_URL.findall(line)) >= 2:
        return True
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|"):
        return False  # a Markdown table row
    parts = [p for p in _PIPE_SEP.split(stripped) if p]
    if len(parts) < 3:
        return False
    return sum(1 for p in parts if not _SENTENCE_PUNCT.search(p)) >= len(parts) - 1


def is_navigation(line: str) -> bool:
    """Breadcrumbs, pagination and previous/next/back links."""
    folded = _folded_line(line)
    if not folded:
        return False
    crumbs = [c for c in _BREADCRUMB_SEP.split(folded) if c]
    if len(crumbs) >= 3 and all(len(c) <= 12 for c in crumbs):
        return True
    parts = [p for p in re.split(r"[|｜\s]+", folded) if p]
    if not parts or len(folded) > 80:
        return False
    if _NAV_WORD.match(parts[0]) and not _SENTENCE_PUNCT.search(folded.split(":")[0].split("：")[0]):
        nav = sum(1 for p in parts if _NAV_WORD.match(p))
        return nav >= 1 and (len(parts) <= 2 or nav * 2 >= len(parts) or parts[0].startswith(("上一", "下一")))
    return False


def is_boilerplate(line: str) -> bool:
    """Copyright footers, article metadata and bare numbers."""
    folded = _folded_line(line)
    if not folded:
        return False
    if _COPYRIGHT.search(folded) and len(folded) <= 160:
        return True
    if _META_LABEL.match(folded) and len(folded) <= 80:
        return True
    if len(_META_ANY.findall(folded)) >= 2 and len(folded) <= 160:
        return True
    return bool(_NUMERIC_LINE.match(folded)) and len(folded) <= 12


def _is_noise(line: str) -> bool:
    return is_link_farm(line) or is_navigation(line) or is_boilerplate(line)


def _trim_footer(lines: list[str]) -> list[str]:
    """Drop a page footer: from the first navigation/copyright line in the last stretch on.

    Web pages end with pagination, tags, promotions and a copyright line; the
    promotional lines in between look like prose, so they are only dropped
    when they sit between such markers and the end.
    """
    content = [i for i, line in enumerate(lines) if line.strip()]
    tail = content[max(len(content) // 2, len(content) - 10) :]  # never the page's head
    for i in tail:
        if is_navigation(lines[i]) or (is_boilerplate(lines[i]) and _COPYRIGHT.search(_folded_line(lines[i]))):
            after = [j for j in content if j > i]
            if all(len(lines[j].strip()) <= 200 for j in after):
                return lines[:i]
    return lines


def _dedupe_key(line: str) -> str:
    return re.sub(r"[\W_]+", "", _folded_line(line))


def remove_duplicates(lines: list[str], min_chars: int = 24) -> list[str]:
    """Drop paragraphs already seen, and a short line repeating the previous one.

    Long paragraphs are matched anywhere in the document (an article pasted
    twice); short lines only next to their twin, because short phrases
    (``对策:``) legitimately recur.
    """
    seen: set[str] = set()
    out: list[str] = []
    previous = ""
    for line in lines:
        key = _dedupe_key(line)
        if not key:
            out.append(line)
            continue
        if len(key) >= min_chars:
            if key in seen:
                _drop_heading_of_copy(out, min_chars)
                continue
            seen.add(key)
        elif key == previous:
            continue
        previous = key
        out.append(line)
    return out


def _drop_heading_of_copy(out: list[str], min_chars: int) -> None:
    """A repeated paragraph's short lead-in lines (its title) belong to the copy too."""
    while out:
        i = len(out) - 1
        while i >= 0 and not out[i].strip():
            i -= 1
        if i < 0 or len(_dedupe_key(out[i])) >= min_chars:
            return
        del out[i:]


def _drop_dangling_tail(lines: list[str]) -> list[str]:
    """Short label lines after the last sentence ("related articles") are widget titles."""
    end = len(lines)
    while end > 0:
        line = lines[end - 1].strip()
        if line and (len(line) > 8 or _SENTENCE_PUNCT.search(line) or line.startswith("#")):
            break
        end -= 1
    return lines[:end] if end > 0 else lines


def _collapse_blank_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def clean_text(text: str) -> str:
    """Apply every rule; the result keeps the original script for display."""
    text = normalise_chars(text)
    lines = [line.rstrip() for line in text.split("\n")]
    lines = _trim_footer(lines)
    lines = [line for line in lines if not _is_noise(line)]
    lines = remove_duplicates(lines)
    lines = _drop_dangling_tail(lines)
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in lines]
    return "\n".join(_collapse_blank_lines(lines))
