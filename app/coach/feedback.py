"""Feedback text and the playbook passages it cites.

Feedback names the moves the coach read in the reply, each with the sentence
that made it (what worked, what to fix), says what the moment asks for (the
customer agreed: close; the customer told the concern: answer it), adds the
scenario's own must / must-not wording when a rule was missed or broken, and
explains any gaming flag.  Nothing is praised for being absent.  Citations come from the knowledge index, searched
with the customer's line plus the names of the weak criteria, restricted to
the scenario's ``cite`` sections (unrestricted when that finds nothing).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from itertools import zip_longest
from typing import Any

from app.coach.judge import Judgement
from app.coach.rubric import vocabulary
from app.coach.wording import excerpt, lang_key, move_label, msg, table
from app.datafiles import load_yaml
from app.domain import Citation, SearchHit
from app.scenarios.schema import Scenario

log = logging.getLogger(__name__)

#: A move is named in the feedback when read with at least this probability.
SHOWN = 0.5
#: Flags serious enough that praise would be misleading.
_BLOCKING = ("grader_instruction", "keyword_list", "echo", "playbook", "off_topic")


def _quoted(j: Judgement, moves: list[str], lang: str) -> str:
    parts = []
    for m in moves:
        i, _ = j.reading.where(m)
        parts.append(msg(lang, "quote").format(label=move_label(lang, m), sentence=excerpt(j.reading.sentences[i])))
    return msg(lang, "sep").join(parts) + msg(lang, "end")


def compose_feedback(scenario: Scenario, j: Judgement, lang: str) -> str:
    """Gaming flags first, then the moves that worked and those to fix, each with its sentence."""
    v = vocabulary()
    r = j.reading
    flags = table(lang, "flags")
    parts: list[str] = [flags[f] for f in j.flags if f in flags]
    blocked = any(f in _BLOCKING for f in j.flags)
    ranked = sorted(v.moves, key=lambda m: -r.top(m))
    good = [m for m in ranked if v.moves[m].polarity == "good" and r.top(m) >= SHOWN]
    bad = [m for m in ranked if v.moves[m].polarity in ("bad", "weak") and r.top(m) >= SHOWN]
    if not blocked:
        parts.append(msg(lang, "feedback_did") + _quoted(j, good[:3], lang) if good else msg(lang, "feedback_none"))
    if bad:
        parts.append(msg(lang, "feedback_fix") + _quoted(j, bad[:3], lang))
    f = j.features
    if not blocked:
        if f.get("probe_x_ready", 0) + f.get("probe_x_revealed", 0) >= 0.5:
            parts.append(msg(lang, "feedback_stage_revealed"))
        elif f.get("stance:agree", 0) >= 0.5 and r.any_of(("close", "next_step")) < SHOWN:
            parts.append(msg(lang, "feedback_stage_ready"))
    key = lang_key(lang)
    broken = [rule for rule in scenario.rubric.must_nots if r.any_of(v.fine(rule.move)) >= SHOWN]
    missing = [rule for rule in scenario.rubric.musts if r.any_of(v.fine(rule.move)) < SHOWN]
    if broken:
        parts.append(msg(lang, "feedback_must_not") + " ".join(rule.text.get(key) for rule in broken[:2]))
    elif missing and not blocked and f.get("stance:agree", 0) < 0.5:
        parts.append(msg(lang, "feedback_must") + " ".join(rule.text.get(key) for rule in missing[:2]))
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


def citation_topics() -> dict[str, str]:
    """Search words per criterion (``data/citation_topics.yaml``)."""
    data: dict[str, str] = load_yaml("app.coach", "citation_topics.yaml")
    return data


def is_library(hit: SearchHit) -> bool:
    """A passage of the company's own library (not a built-in playbook)."""
    return hit.source.startswith("library/")


class CitationFinder:
    """Searches the knowledge base for the passages behind the feedback.

    Two searches, both cached per customer line:

    * the built-in playbooks, restricted to the scenario's ``cite`` sections, on the customer's line;
      the hits are ordered so sections teaching the weakest criteria come first;
    * the company's library, on the customer's line plus the scenario's ``cite_topics`` and the weak
      criteria's topics (``data/citation_topics.yaml``). A library passage is kept only if it also
      ranks for the customer's line alone, so a document about something else is not cited just
      because it matches a topic word.

    The citations alternate: the best playbook passage, the best library passage, then the rest.
    """

    def __init__(self, retriever: Any | None, *, k: int = 3, pool: int = 8, cache_size: int = 4096) -> None:
        self.retriever = retriever
        self.k = k
        self.pool = pool
        self._cache: OrderedDict[tuple[object, ...], list[Any]] = OrderedDict()
        self._cache_size = cache_size

    def _search(self, key: tuple[object, ...], query: str, sections: list[str] | None) -> list[Any]:
        # The index version (a live knowledge index moves it after each library build) keeps
        # cached hits from outliving the documents they came from.
        key = (*key, int(getattr(self.retriever, "version", 0)))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        try:
            hits = list(self.retriever.search(query, k=self.pool, sections=sections))  # type: ignore[union-attr]
        except Exception:  # a broken index must not break scoring; the feedback stands alone
            log.exception("citation search failed")
            hits = []
        self._cache[key] = hits
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return hits

    def _hits(self, scenario: Scenario, customer: str) -> list[Any]:
        query = customer.strip() or scenario.title.zh
        hits = self._search(("cite", scenario.id, query), query, list(scenario.cite))
        return hits or self._search(("any", query), query, None)

    def _library(self, scenario: Scenario, customer: str, weak: list[str]) -> list[Any]:
        has_library = getattr(self.retriever, "has_library", None)
        if not callable(has_library) or not has_library():  # no company documents: no extra search
            return []
        line = customer.strip() or scenario.title.zh
        relevant = [h for h in self._search(("any", line), line, None) if is_library(h)]
        topics = " ".join([*scenario.cite_topics, *(citation_topics().get(c, "") for c in weak)]).strip()
        if not topics or not relevant:
            return relevant
        # The topic search is per scenario and weak criteria, not per line: cached across turns.
        about = {h.chunk_id or h.text: i for i, h in enumerate(self._search(("topics", scenario.id, tuple(weak)), topics, None))}
        return sorted(relevant, key=lambda h: about.get(h.chunk_id or h.text, len(about)))

    def find(self, scenario: Scenario, customer: str, weak: list[str], lang: str) -> list[Citation]:
        """Up to ``k`` citations for this moment; [] when there is no index."""
        if self.retriever is None:
            return []
        focus = weak[:2]
        playbook = [
            h for _, h in sorted(
                enumerate(h for h in self._hits(scenario, customer) if not is_library(h)),
                key=lambda ih: (-sum(_teaches(ih[1].section, c) for c in focus), ih[0]),
            )
        ]  # fmt: skip
        library = self._library(scenario, customer, focus)
        ordered = [h for pair in zip_longest(playbook, library) for h in pair if h is not None]
        out: list[Citation] = []
        seen: set[str] = set()
        for h in ordered:
            text = _trim(h.text)
            if text in seen:
                continue
            seen.add(text)
            source = f"{h.source}#{h.section}" if h.section and "#" not in h.source else h.source
            out.append(Citation(source=source, text=text, section=h.section))
            if len(out) == self.k:
                break
        return out


def _trim(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
