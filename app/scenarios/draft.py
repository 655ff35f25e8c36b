"""Draft a scripted scenario from a real call transcript or a product/policy document.

The embedded engine has no language model, so the draft is extraction into a template: from a
transcript (``客户：… / 销售：…``), the customer's own lines in order; from a document, its
sentences that sound like a customer pushing back (cue words in ``data/draft.yaml``). The first
becomes the opening and the rest the script; persona, rubric, exemplars and citations come from the
built-in scenario chosen as the base. The trainer edits the draft in the form before saving.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from app.datafiles import load_yaml

SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def _rules() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("app.scenarios", "draft.yaml")
    return data


def _speaker(line: str) -> tuple[str | None, str]:
    """("customer" | "rep" | None, the text after the label)."""
    match = re.match(r"^\s*([^:：]{1,12})[:：]\s*(.+)$", line)
    if not match:
        return None, line.strip()
    label, text = match.group(1).strip().lower(), match.group(2).strip()
    if any(label.startswith(x.lower()) for x in _rules()["customer_labels"]):
        return "customer", text
    if any(label.startswith(x.lower()) for x in _rules()["rep_labels"]):
        return "rep", text
    return None, line.strip()


def customer_lines(text: str) -> list[str]:
    """The customer's lines: labelled ones from a transcript, else objection-like sentences."""
    labelled = [_speaker(line) for line in text.splitlines() if line.strip()]
    said = [t for who, t in labelled if who == "customer" and t]
    if len(said) >= 2 or any(who == "rep" for who, _ in labelled):
        return said[: _rules()["max_lines"]]
    cues = [str(c) for c in _rules()["objection_cues"]]
    sentences = [s.strip() for s in SENTENCE.findall(text) if 6 <= len(s.strip()) <= 120]
    return [s for s in sentences if any(c in s for c in cues)][: _rules()["max_lines"]]


def draft(text: str, base: dict[str, Any], new_id: str) -> dict[str, Any]:
    """A scripted scenario dict (the form's shape) on ``base``; empty script when nothing was found."""
    lines = customer_lines(text)
    data = copy.deepcopy(base)
    for key in ("states", "initial_state", "turn_limit", "turn_limit_lines"):
        data.pop(key, None)
    persona = dict(data.get("persona") or {})
    persona.pop("motives", None)
    head = lines[0] if lines else ""
    data |= {
        "id": new_id,
        "title": {"zh": f"草稿：{head[:20]}" if head else "草稿", "en": "Draft"},
        "mode": "scripted",
        "openings": lines[:1],
        "script": lines[1:] or lines[:1],
        "script_ending": "next_meeting",
        "persona": persona,
    }
    return data
