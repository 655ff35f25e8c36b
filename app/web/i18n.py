"""Interface strings in Chinese and English, from ``data/strings.yaml``.

Pages call ``t("key")``; a missing English string falls back to Chinese
and a missing key shows the key, so a gap is visible but never breaks a page.
The strings are data, so a translator edits the YAML, not the code.
"""

from __future__ import annotations

from app.datafiles import load_yaml

LANGS = ("zh", "en")

def _tables() -> dict[str, dict[str, dict[str, str]]]:
    """``data/strings.yaml``, read on first use (never at import)."""
    data: dict[str, dict[str, dict[str, str]]] = load_yaml("app.web", "strings.yaml")
    return data


def translate(key: str, lang: str) -> str:
    """The string for ``key`` in ``lang`` (Chinese fallback, key when unknown)."""
    tables = _tables()
    pair = tables["strings"].get(key) or tables["persona_labels"].get(key)
    if pair is None:
        return key
    return pair["en"] if lang == "en" and pair.get("en") else pair["zh"]


def pick_lang(query: str | None, cookie: str | None, default: str) -> str:
    """``?lang=`` wins, then the cookie, then the configured default."""
    for candidate in (query, cookie, default):
        if candidate in LANGS:
            return str(candidate)
    return "zh"
