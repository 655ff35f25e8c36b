"""Checks on what the model wrote as the customer: is it still the customer speaking?

A chat model asked to play a customer sometimes slips out of the role: it writes the rep's side
too (``销售：…``), speaks as an assistant (``作为AI…``, ``抱歉，我无法…``), or blurts out the
hidden motive before the rep has earned it. Any of these spoils the exercise, so the voice falls
back to the scenario author's line instead. The checks are deliberately plain string tests:
cheap, predictable and testable, and a false alarm only costs a scripted line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.text.fold import detect_language, to_simplified

#: The model wrote a script with speaker labels (its own or the rep's).
_SPEAKER = re.compile(
    r"(^|\n)\s*[*#>\-\s]*(销售|销售员|客户|顾客|我方|rep|sales ?rep|salesperson|customer|user|assistant)\s*[:：]",
    re.I,
)

#: The model spoke as an assistant or about the exercise instead of as the customer.
_OUT_OF_ROLE = re.compile(
    r"作为(一个|一名)?(AI|人工智能|语言模型|助手|客户)|AI ?助手|语言模型|人工智能助手|我是(一个)?(AI|助手|机器人)"
    r"|角色扮演|模拟客户|陪练|评分|打分|系统提示|提示词"
    r"|抱歉[，,]?\s*(我)?(无法|不能)|对不起[，,]?\s*(我)?(无法|不能)"
    r"|\bas an ai\b|language model|\bi am an assistant\b|\bi'm an assistant\b|\bi'm sorry, but\b|\bi apologi[sz]e\b"
    r"|\bi (cannot|can't) (help|assist|comply)\b|\brole-?play\b|\bsystem prompt\b",
    re.I,
)

#: The model echoed the prompt's markup (``<transcript>``, ``<rep>``…) instead of speaking.
_MARKUP = re.compile(r"</?\s*[A-Za-z_][\w-]*\s*>")

#: Five or more English words in a row: not a line of a Chinese-speaking customer.
_ENGLISH_RUN = re.compile(r"(?:[A-Za-z]+[\s,.;:'!?-]+){4,}[A-Za-z]+")

_PUNCT = re.compile(r"[\s\W_]+", re.U)

#: Longest believable customer line (characters); a model that rambles has lost the thread.
MAX_CHARS = 400


def _grams(text: str) -> set[str]:
    """Character bigrams of the folded text (word pairs would miss Chinese)."""
    t = _PUNCT.sub("", to_simplified(text).lower())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def overlap(said: str, secret: str) -> float:
    """Share of ``secret``'s bigrams that appear in ``said`` (0-1)."""
    s = _grams(secret)
    return len(s & _grams(said)) / len(s) if s else 0.0


def inversion(line: str, *, language: str, secrets: Iterable[str] = (), rep_last: str = "") -> str | None:
    """Why ``line`` is not a usable customer line, or None when it is.

    ``secrets`` are the motive's description and reveal lines when the state must not reveal the
    motive: saying most of one of them gives the exercise away. ``rep_last`` is the rep's reply:
    a customer line that mostly repeats it is the model continuing the rep's turn.
    """
    text = line.strip()
    if not text:
        return "empty"
    if len(text) > MAX_CHARS:
        return "too_long"
    if _SPEAKER.search(text):
        return "speaker_label"
    if _MARKUP.search(text):
        return "markup"
    if _OUT_OF_ROLE.search(text):
        return "out_of_role"
    if language != "en" and (detect_language(text) == "en" or _ENGLISH_RUN.search(text)):
        return "language"
    for secret in secrets:
        if len(_grams(secret)) >= 4 and overlap(text, secret) >= 0.6:
            return "motive_revealed"
    if rep_last and len(_grams(rep_last)) >= 6 and overlap(text, rep_last) >= 0.7:
        return "rep_echo"
    return None
