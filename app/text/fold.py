"""Folding and tokenising Chinese text.

Matching always happens on a *folded* form: full-width characters made
half-width (NFKC), Traditional converted to Simplified (OpenCC ``t2s``) and
Latin lower-cased.  jieba and BM25 split Traditional text badly, so nothing
should tokenise unfolded text.  The original text is kept for display.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_PUNCT_OR_SPACE = re.compile(r"^[\s\W_]+$", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _to_traditional() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese; other text passes through."""
    return str(_converter().convert(text))


def to_traditional(text: str) -> str:
    """Simplified → Traditional Chinese (one converter per process: building one takes ~35 ms)."""
    return str(_to_traditional().convert(text))


def fold(text: str) -> str:
    """The form used for matching: NFKC, Simplified, lower-case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def tokenize(text: str) -> list[str]:
    """jieba tokens of the folded text, without whitespace and punctuation."""
    return [t for t in _jieba().lcut(fold(text)) if not _PUNCT_OR_SPACE.match(t)]


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes the text."""
    return to_simplified(text) != text


def detect_language(text: str) -> str:
    """``"en"`` when Latin words outweigh Han characters, else ``"zh"``."""
    han = len(_HAN.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text)) / 4  # ~4 letters a word
    return "en" if latin > han else "zh"
