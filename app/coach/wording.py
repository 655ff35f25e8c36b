"""The coach's user-facing words, read from ``data/messages.yaml`` (zh-CN first, English)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import cast

import yaml

MESSAGES = Path(__file__).with_name("data") / "messages.yaml"


def lang_key(lang: str | None) -> str:
    """``"en"`` for English, ``"zh"`` for everything else (Simplified and Traditional)."""
    return "en" if lang == "en" else "zh"


@lru_cache(maxsize=1)
def _all() -> dict[str, dict[str, object]]:
    return cast(dict[str, dict[str, object]], yaml.safe_load(MESSAGES.read_text(encoding="utf-8")))


def msg(lang: str | None, key: str) -> str:
    """One message in ``lang``."""
    return str(_all()[lang_key(lang)][key])


def table(lang: str | None, key: str) -> dict[str, str]:
    """A sub-table (``criteria``, ``moves``, ``flags``) in ``lang``."""
    return {str(k): str(v) for k, v in cast(dict[str, object], _all()[lang_key(lang)][key]).items()}


def move_label(lang: str | None, move: str) -> str:
    """A move's short name."""
    return table(lang, "moves").get(move, move)


def excerpt(sentence: str, limit: int = 36) -> str:
    """A sentence shortened for quoting in feedback."""
    s = " ".join(sentence.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def templates(lang: str, move: str) -> list[str]:
    """Fallback better-reply sentences for ``move`` (no figures), from ``templates`` in messages.yaml."""
    raw = cast(dict[str, dict[str, list[str]]], _all()["templates"])
    return [str(t) for t in raw[lang_key(lang)].get(move, [])]
