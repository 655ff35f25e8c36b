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
    good = [c for c in weighted if scores[c][0] >= 75 and not scores[c][1].startswith(("not_yet", "not_now"))]  # ≠ done
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


#: Playbook sections (sections brief) that teach each criterion; used to order the hits.
CRITERION_SECTIONS: dict[str, tuple[str, ...]] = {
    "probe": ("price-objection", "information-gathering", "feature-requests", "cetg", "sales-process"),
    "empathy": ("cetg", "complaint-handling", "trust-levels"),
    "value": ("fab", "value-over-price", "customer-values", "account-value-types", "value-"),
    "honesty": ("honesty", "consultant-roles", "trust-levels"),
    "adapt": ("personality-", "decision-", "value-", "account-value-types"),
    "next-step": ("closing", "sales-process"),
    "composure": ("price-objection", "price-timing", "complaint-handling"),
}


def _teaches(section: str | None, criterion: str) -> bool:
    if not section:
        return False
    return any(section == p or (p.endswith("-") and section.startswith(p)) for p in CRITERION_SECTIONS[criterion])


class CitationFinder:
    """Searches the playbooks for the passages behind the feedback.

    The search runs on the customer's line alone (restricted to the scenario's
    ``cite`` sections), so every reply to the same line shares one cached
    search; the hits are then ordered so passages teaching the weakest
    criteria come first.
    """

    def __init__(self, retriever: Any | None, *, k: int = 3, pool: int = 8, cache_size: int = 512) -> None:
        self.retriever = retriever
        self.k = k
        self.pool = pool
        self._cache: OrderedDict[tuple[str, str], list[Any]] = OrderedDict()
        self._cache_size = cache_size

    def _hits(self, scenario: Scenario, customer: str) -> list[Any]:
        key = (scenario.id, customer)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        query = customer.strip() or scenario.title.zh
        try:
            hits = list(self.retriever.search(query, k=self.pool, sections=list(scenario.cite)))  # type: ignore[union-attr]
            if not hits:
                hits = list(self.retriever.search(query, k=self.pool))  # type: ignore[union-attr]
        except Exception:  # a broken index must not break scoring; the feedback stands alone
            log.exception("citation search failed")
            hits = []
        self._cache[key] = hits
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return hits

    def find(self, scenario: Scenario, customer: str, weak: list[str], lang: str) -> list[Citation]:
        """Up to ``k`` citations for this moment; [] when there is no index."""
        if self.retriever is None:
            return []
        hits = self._hits(scenario, customer)
        focus = weak[:2]
        ranked = sorted(
            enumerate(hits),
            key=lambda ih: (-sum(_teaches(ih[1].section, c) for c in focus), ih[0]),
        )
        out: list[Citation] = []
        seen: set[str] = set()
        for _, h in ranked:
            text = _trim(h.text)
            if text in seen:
                continue
            seen.add(text)
            source = f"{h.source}#{h.section}" if h.section and "#" not in h.source else h.source
            out.append(Citation(source=source, text=text, section=h.section))
            if len(out) == self.k:
                break
        return out


def _named(key: str, criterion: str, code: str) -> str:
    comment = COMMENTS[key].get(code, code).rstrip("。.")
    name = NAMES[key][criterion]
    return f"{name}（{comment}）" if key == "zh" else f"{name} ({comment})"


def _trim(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
