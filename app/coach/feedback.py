"""Feedback text and the playbook passages it cites.

Feedback names the criteria that went well and those to improve, adds the
scenario's own must / must-not wording when a rule was missed or broken, and
explains any gaming flag.  Citations come from the knowledge index, searched
with the customer's line plus the names of the weak criteria, restricted to
the scenario's ``cite`` sections (unrestricted when that finds nothing).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from app.coach.messages import COMMENTS, FLAGS, LABELS, NAMES, lang_key
from app.domain import CRITERIA, Citation
from app.scenarios.schema import Scenario

log = logging.getLogger(__name__)

#: Flags serious enough that praise would be misleading.
_BLOCKING = ("grader_instruction", "keyword_list", "echo", "playbook", "off_topic")


def compose_feedback(
    scenario: Scenario,
    scores: dict[str, tuple[int, str]],
    flags: list[str],
    moves: list[str],
    lang: str,
) -> str:
    """Two or three sentences: flags first, then what worked and what to improve, by criterion."""
    key = lang_key(lang)
    lab, _names = LABELS[key], NAMES[key]
    parts: list[str] = [FLAGS[key][f] for f in flags if f in FLAGS[key]]
    blocked = any(f in _BLOCKING for f in flags)
    weighted = [c for c in CRITERIA if scenario.weight(c) > 0]
    good = [c for c in weighted if scores[c][0] >= 75]
    bad = sorted((c for c in weighted if scores[c][0] < 60), key=lambda c: -scenario.weight(c) * (100 - scores[c][0]))
    if not blocked:
        if good:
            parts.append(lab["good"] + lab["sep"].join(_named(key, c, scores[c][1]) for c in good[:3]) + lab["end"])
        else:
            parts.append(lab["none_good"])
    if bad:
        parts.append(lab["improve"] + lab["sep"].join(_named(key, c, scores[c][1]) for c in bad[:3]) + lab["end"])
    broken = [r for r in scenario.rubric.must_nots if r.move in moves]
    missing = [r for r in scenario.rubric.musts if r.move not in moves]
    if broken:
        parts.append(lab["must_not"] + " ".join(r.text.get(key) for r in broken[:2]))
    elif missing and not blocked:
        parts.append(lab["must"] + " ".join(r.text.get(key) for r in missing[:2]))
    return (" " if key == "en" else "").join(parts)


class CitationFinder:
    """Searches the playbooks for the passages behind the feedback, with a small cache."""

    def __init__(self, retriever: Any | None, *, k: int = 3, cache_size: int = 512) -> None:
        self.retriever = retriever
        self.k = k
        self._cache: OrderedDict[tuple[str, str, tuple[str, ...]], list[Citation]] = OrderedDict()
        self._cache_size = cache_size

    def find(self, scenario: Scenario, customer: str, weak: list[str], lang: str) -> list[Citation]:
        """Up to ``k`` citations for this moment; [] when there is no index."""
        if self.retriever is None:
            return []
        key = (scenario.id, customer, tuple(weak[:2]))
        if key in self._cache:
            self._cache.move_to_end(key)
            return list(self._cache[key])
        names = NAMES["zh"]
        query = " ".join([customer, *(names[c] for c in weak[:2])]).strip() or scenario.title.zh
        try:
            hits = self.retriever.search(query, k=self.k, sections=list(scenario.cite))
            if not hits:
                hits = self.retriever.search(query, k=self.k)
        except Exception:  # a broken index must not break scoring; the feedback stands alone
            log.exception("citation search failed")
            hits = []
        cites = [
            Citation(
                source=f"{h.source}#{h.section}" if h.section and "#" not in h.source else h.source,
                text=_trim(h.text),
                section=h.section,
            )
            for h in hits
        ]
        self._cache[key] = cites
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return list(cites)


def _named(key: str, criterion: str, code: str) -> str:
    comment = COMMENTS[key].get(code, code).rstrip("。.")
    name = NAMES[key][criterion]
    return f"{name}（{comment}）" if key == "zh" else f"{name} ({comment})"


def _trim(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
