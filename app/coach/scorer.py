"""The embedded reply scorer: detectors + exemplar similarity → 0-100, band, feedback.

Pipeline for one reply (see docs/scoring.md):

1. validate (empty → :class:`EmptyReplyError`, too long → :class:`ReplyTooLongError`);
2. detectors over the folded text → moves and per-criterion scores;
3. embeddings → expected band from the scenario's exemplars, similarity to the customer line;
4. calibrated blend → 0-100, then caps: gaming flags, universal band-1 behaviours,
   the rubric's must-nots and musts;
5. feedback naming the criteria, a better reply for this line, cited playbook passages.

Grader instructions are cut out and the rest scored as well; the lower of the
two scores wins, so injecting text can never raise a score.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.coach import criteria as crit
from app.coach.better_reply import compose_better_reply
from app.coach.calibration import Calibration
from app.coach.detectors import Analysis, analyse, derive_moves, tokens
from app.coach.errors import EmptyReplyError, ReplyTooLongError
from app.coach.feedback import CitationFinder, compose_feedback
from app.coach.gaming import GamingReport, detect_gaming
from app.coach.semantic import ExemplarBank, SemanticFeatures, embed
from app.coach.topic import unrelated_pitch
from app.domain import CRITERIA, CriterionScore, ScoreResult, band_for
from app.scenarios.loader import ScenarioRegistry
from app.scenarios.schema import Motive, Scenario
from app.text.fold import detect_language

_STOP = frozenset(["我", "您", "你", "我们", "你们", "他们", "这", "那", "这个", "那个", "就", "也", "都", "了", "的", "是", "吗", "呢", "吧", "啊", "太", "很", "还", "说", "把", "跟", "和"])


@dataclass
class Breakdown:
    """Everything the score is made of, for the result and for calibration."""

    scenario: Scenario
    analysis: Analysis
    gaming: GamingReport
    semantic: SemanticFeatures
    criteria: dict[str, tuple[int, str]]
    rules: float
    flags: list[str]
    moves: list[str]
    caps: dict[str, int]
    score: int
    blend: int = 100
    """The calibrated score before any cap."""

    def features(self) -> list[float]:
        """The calibration features (see :meth:`Calibration.grade`)."""
        s = self.semantic
        return [self.rules, s.expected_band, s.good_sim - s.bad_sim]


class ReplyScorer:
    """Scores rep replies against a scenario; thread-compatible, caches embeddings."""

    def __init__(
        self,
        registry: ScenarioRegistry,
        embeddings: Any,
        retriever: Any | None,
        *,
        max_chars: int = 2000,
        calibration: Calibration | None = None,
    ) -> None:
        self.registry = registry
        self.embeddings = embeddings
        self.retriever = retriever
        self.max_chars = max_chars
        self.calibration = calibration or Calibration.load()
        self.bank = ExemplarBank(embeddings)
        self.citations = CitationFinder(retriever)
        self._vec_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    # -- public API ---------------------------------------------------------------------------------

    def score(
        self,
        scenario_id: str,
        customer: str,
        reply: str,
        *,
        lang: str | None = None,
        persona_context: Mapping[str, Any] | None = None,
    ) -> ScoreResult:
        """Score ``reply`` to the customer's line ``customer`` in scenario ``scenario_id``.

        ``persona_context`` may carry ``motive_id`` (the role-play's hidden motive) and
        ``motive_revealed`` (whether the customer has voiced it): once revealed, the better
        reply answers that motive; ``state_id`` (the role-play state): in a state whose close
        ends in a deal or meeting, as after a line that shows interest, the close is expected.  Raises EmptyReplyError, ReplyTooLongError, UnknownScenarioError.
        """
        self._validate(reply)
        scenario = self.registry.get(scenario_id)
        self.prefetch([t for t in (reply, customer) if t.strip()])
        bd = self.breakdown(scenario, customer, reply)
        return self._result(bd, customer, reply, lang or detect_language(reply), persona_context or {})

    def score_many(self, items: Iterable[Mapping[str, Any]]) -> list[ScoreResult]:
        """Score many ``{"scenario","customer","reply"[,"lang"]}`` items, in order (raises like :meth:`score`).

        The texts are embedded first on a few threads (the encoder releases the GIL, so
        this uses every core even when the encoder itself runs on one thread).
        """
        todo = list(items)
        texts = [str(i.get(k) or "") for i in todo for k in ("reply", "customer")]
        self.prefetch_parallel([t for t in texts if t.strip() and len(t) <= self.max_chars])
        return [
            self.score(str(i["scenario"]), str(i.get("customer", "")), str(i["reply"]), lang=i.get("lang"))
            for i in todo
        ]

    # -- internals ----------------------------------------------------------------------------------

    def _validate(self, reply: str) -> None:
        if not reply or not reply.strip():
            raise EmptyReplyError()
        if len(reply) > self.max_chars:
            raise ReplyTooLongError(len(reply), self.max_chars)

    def prefetch(self, texts: list[str]) -> None:
        """Embed ``texts`` not cached yet, one call each.

        The encoder pads a batch to its longest text, so on CPU one text per call
        is faster than a batch of mixed lengths.
        """
        for text in dict.fromkeys(texts):
            if self._key(text) not in self._vec_cache:
                self._remember(text, embed(self.embeddings, [text])[0])

    def prefetch_parallel(self, texts: list[str], workers: int | None = None) -> None:
        """Like :meth:`prefetch`, spread over ``workers`` threads (default: the CPU count, at most 4)."""
        missing = [t for t in dict.fromkeys(texts) if self._key(t) not in self._vec_cache]
        workers = workers or min(4, os.cpu_count() or 1)
        if workers < 2 or len(missing) < 2:
            self.prefetch(missing)
            return
        from concurrent.futures import ThreadPoolExecutor

        def one(text: str) -> np.ndarray:
            try:
                return embed(self.embeddings, [text])[0]
            except KeyError:  # a racing eviction in the model's LRU cache; embedding again is safe
                return embed(self.embeddings, [text])[0]

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for text, vec in zip(missing, pool.map(one, missing), strict=True):
                self._remember(text, vec)

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _remember(self, text: str, vec: np.ndarray) -> None:
        self._vec_cache[self._key(text)] = vec
        while len(self._vec_cache) > 4096:
            self._vec_cache.popitem(last=False)

    def _vec(self, text: str) -> np.ndarray:
        key = self._key(text)
        if key not in self._vec_cache:
            self.prefetch([text])
        return self._vec_cache[key]

    def breakdown(self, scenario: Scenario, customer: str, reply: str, *, exclude: str | None = None) -> Breakdown:
        """Features, criteria and the capped score of one reply (no feedback)."""
        bd = self._breakdown(scenario, customer, reply, exclude)
        if bd.gaming.grader and bd.gaming.cleaned and bd.gaming.cleaned != reply:
            rest = self._breakdown(scenario, customer, bd.gaming.cleaned, exclude)
            bd.score = min(bd.score, rest.score)
        return bd

    def _breakdown(self, scenario: Scenario, customer: str, reply: str, exclude: str | None) -> Breakdown:
        cal = self.calibration
        a = analyse(reply)
        g = detect_gaming(reply, customer, a.length)
        cust_vec = self._vec(customer) if customer.strip() else np.zeros_like(self._vec(reply))
        sem = self.bank.features(scenario, self._vec(reply), cust_vec, tau=cal.tau, exclude=exclude)
        overlap = _overlap(customer, reply)
        sem_rel = (sem.customer_sim - cal.rel_lo) / (cal.rel_hi - cal.rel_lo)
        relevance = float(np.clip(max(sem_rel, 1.5 * overlap), 0.0, 1.0))
        weak_sales = a.value < 2 and not a.need_probes and not a.close and not a.defer
        off_topic = g.grader or (a.small_talk >= 2 and weak_sales) or a.small_talk >= 4 or (
            sem.customer_sim < cal.offtopic_customer and sem.top_sim < cal.offtopic_exemplar and overlap < 0.2
        )
        # a pitch for another product is off the customer's topic however fluent it sounds
        off_topic = off_topic or unrelated_pitch(scenario, customer, a.folded, reply, overlap)
        ctx = crit.Context(relevance=0.0 if off_topic else relevance, persona_kinds=crit.persona_kinds(scenario))
        scores = crit.score_criteria(a, ctx)
        rules = sum(scenario.weight(c) * scores[c][0] for c in CRITERIA) / 100.0
        flags = list(g.flags) + (["off_topic"] if off_topic and not g.grader else [])
        moves = derive_moves(a, off_topic=off_topic)
        caps = self._caps(scenario, a, flags, moves)
        grade = cal.grade(rules, sem.expected_band, sem.good_sim - sem.bad_sim)
        blend = Calibration.to_score(grade)
        score = min([blend, *caps.values()])
        return Breakdown(scenario, a, g, sem, scores, rules, flags, moves, caps, score, blend)

    def _caps(self, scenario: Scenario, a: Analysis, flags: list[str], moves: list[str]) -> dict[str, int]:
        table = self.calibration.caps
        caps = {f: table[f] for f in flags if f in table}
        if a.attack_rival:
            caps["attack_rival"] = table["attack_rival"]
        if a.cornering:
            caps["cornering"] = table["cornering"]
        if a.blind_promise:
            caps["blind_promise"] = table["blind_promise"]
        if a.pressure:
            caps["pressure"] = table["pressure"]
        for rule in scenario.rubric.must_nots:
            if rule.move in moves:
                caps[f"must_not:{rule.move}"] = table["must_not"]
        for rule in scenario.rubric.musts:
            if rule.move not in moves:
                caps[f"missing_must:{rule.move}"] = table["missing_must"]
        return caps

    def _result(
        self, bd: Breakdown, customer: str, reply: str, lang: str, context: Mapping[str, Any]
    ) -> ScoreResult:
        scenario = bd.scenario
        motive = _motive(scenario, context.get("motive_id"), customer)
        ready = crit.customer_ready(customer) or crit.closing_state(scenario, context.get("state_id"))
        shown = crit.stage_adjust(
            scenario, bd.analysis, bd.criteria,
            state_id=context.get("state_id"), motive_revealed=bool(context.get("motive_revealed")), ready=ready,
        )
        criteria = [CriterionScore(id=c, score=shown[c][0], comment=_comment(lang, shown[c][1])) for c in CRITERIA]
        weak = _weak(scenario, shown)
        revealed = bool(context.get("motive_revealed"))
        waived = ["probe"] if revealed or ready else []  # once the motive is out, asking first is behind us
        feedback = compose_feedback(scenario, shown, bd.flags, bd.moves + waived, lang)
        better = compose_better_reply(
            scenario, customer, bd.analysis, weak, motive, lang,
            motive_known=bool(context.get("motive_revealed")), reply=reply, flags=bd.flags,
            early=shown != bd.criteria and not ready,
        )
        cites = self.citations.find(scenario, customer, weak, lang)
        caps = dict(bd.caps)
        if revealed or ready:
            caps.pop("missing_must:probe", None)
        base = bd.score if caps == bd.caps else min([bd.blend, *caps.values()])
        if ready and bd.analysis.close_time and not bd.flags:
            # the close is the expected move now: the blend (tuned on replies to objections) must
            # not hold it below what its criteria show at this stage; caps still bind
            mean = int(round(sum(scenario.weight(c) * shown[c][0] for c in CRITERIA)))
            base = max(base, min([max(bd.blend, mean), *caps.values()]))
        score = _coherent(base, scenario, shown)
        return ScoreResult(
            score=score,
            band=band_for(score),
            criteria=criteria,
            feedback=feedback,
            better_reply=better,
            citations=cites,
            moves=bd.moves,
            flags=bd.flags + [k for k in caps if k.startswith(("must_not", "missing_must"))],
            language="en" if lang == "en" else "zh",
        )


def _coherent(score: int, scenario: Scenario, shown: dict[str, tuple[int, str]]) -> int:
    """Keep the total within reach of the criteria it shows (never changing the band).

    A total of 100 next to criteria averaging 85 reads as broken; the total may exceed the
    rubric-weighted mean of the shown criteria by at most 10 points, but never drops below
    the floor of the band the blend gave it, so the ranking by band is untouched.
    """
    mean = sum(scenario.weight(c) * shown[c][0] for c in CRITERIA)
    floor = (band_for(score) - 1) * 20 + 1 if score > 20 else score
    return max(floor, min(score, int(round(mean)) + 10))


def _comment(lang: str, code: str) -> str:
    from app.coach.messages import COMMENTS, lang_key

    return COMMENTS[lang_key(lang)].get(code, code)


def _overlap(customer: str, reply: str) -> float:
    """Share of the customer's content words the reply picks up (a lexical relevance cue)."""
    cust = {t for t in tokens(customer) if len(t) >= 2 and t not in _STOP}
    if not cust:
        return 0.0
    rep = set(tokens(reply))
    return len(cust & rep) / len(cust)


def _weak(scenario: Scenario, scores: dict[str, tuple[int, str]]) -> list[str]:
    """Criteria worth improving, most costly first (weight × shortfall)."""
    gaps = [(scenario.weight(c) * (100 - scores[c][0]), c) for c in CRITERIA if scores[c][0] < 70]
    return [c for gap, c in sorted(gaps, reverse=True) if gap > 0]


def _motive(scenario: Scenario, motive_id: object, customer: str) -> Motive:
    """The session's motive, or the one whose reveal lines share most words with the customer line."""
    motives = scenario.persona.motives
    for m in motives:
        if m.id == motive_id:
            return m
    words = set(tokens(customer))
    return max(motives, key=lambda m: (len(words & set(tokens(" ".join(m.reveal)))), m.weight))
