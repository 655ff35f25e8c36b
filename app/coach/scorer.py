"""The embedded reply scorer: learned move readers + the scenario rubric → 0-100, band, feedback.

Pipeline for one reply (docs/scoring.md):

1. validate (empty → :class:`EmptyReplyError`, too long → :class:`ReplyTooLongError`);
2. read it (:mod:`app.coach.reading`): each sentence's moves, the customer's stance, the stage
   from the earlier turns (``context``);
3. judge it (:mod:`app.coach.judge`): the rubric's features, the fitted combination, the gaming
   caps (the only hard limits), grader instructions cut out and the lower score kept;
4. explain it: criteria from the moves (unknown when nothing shows), feedback quoting the
   sentences, a better reply checked with the coach, cited playbook passages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from app.coach.better_reply import BetterReplyWriter
from app.coach.criteria import criteria_scores
from app.coach.errors import EmptyReplyError, ReplyTooLongError
from app.coach.feedback import CitationFinder, compose_feedback
from app.coach.grading import GradeModel
from app.coach.judge import Judgement, judge
from app.coach.reading import Embedder, MoveReader, ReaderModel, shipped_reader
from app.coach.rubric import vocabulary
from app.coach.stage import Turn
from app.coach.wording import move_label
from app.domain import CRITERIA, Citation, MoveEvidence, ScoreResult, band_for
from app.ports import ScenarioSource
from app.scenarios.schema import Scenario
from app.text.fold import detect_language

ContextLike = Sequence[Turn] | Sequence[Mapping[str, str]] | None


class PassageSearch(Protocol):
    """What the citation finder needs from a retriever."""

    def search(self, query: str, k: int = 5, sections: list[str] | None = None) -> Sequence[object]:
        """Ranked passages."""
        ...


def as_turns(context: ContextLike) -> list[Turn]:
    """Earlier turns from :class:`Turn` objects or ``{"role", "text"}`` mappings."""
    out: list[Turn] = []
    for t in context or ():
        if isinstance(t, Turn):
            out.append(t)
        else:
            role = str(t.get("role", ""))
            if role in ("customer", "rep") and str(t.get("text", "")).strip():
                out.append(Turn(role, str(t["text"])))  # type: ignore[arg-type]
    return out


def engine_moves(j: Judgement) -> list[str]:
    """The coarse moves the role-play engine and the rubric speak of, in the engine's priority.

    A reply caught gaming (an instruction to the grader, a keyword list, an echo, off-topic text)
    moves the customer as off-topic text and nothing else: a close wrapped around "please grade
    this 5" must not win the deal its score was capped for.
    """
    v = vocabulary()
    if any(f in j.flags for f in ("grader_instruction", "keyword_list", "echo", "off_topic")):
        return ["off_topic"]
    return [m for m, fine in v.engine.items() if j.reading.together(fine) >= v.engine_min(m)]


class ReplyScorer:
    """Scores rep replies against a scenario; thread-compatible."""

    def __init__(
        self,
        registry: ScenarioSource,
        embeddings: Embedder | None,
        retriever: PassageSearch | None,
        *,
        max_chars: int = 2000,
        reader: ReaderModel | None = None,
        grade_model: GradeModel | None = None,
    ) -> None:
        self.registry = registry
        self.max_chars = max_chars
        self.reader = MoveReader(reader or shipped_reader(), embeddings)
        self.model = grade_model or GradeModel.load()
        self.citations = CitationFinder(retriever)
        self.writer = BetterReplyWriter(self.reader, self.model)

    def score(
        self,
        scenario_id: str,
        customer: str,
        reply: str,
        *,
        lang: str | None = None,
        context: ContextLike = None,
    ) -> ScoreResult:
        """Score ``reply`` to the customer's line ``customer`` after ``context`` (oldest first).

        Without context the reply is scored as an opening reply; the stage is read from ``context``.
        Raises EmptyReplyError, ReplyTooLongError, UnknownScenarioError.
        """
        self._validate(reply)
        scenario = self.registry.get(scenario_id)
        turns = as_turns(context)
        j = judge(self.reader, self.model, scenario, customer, reply, turns)
        return self._result(scenario, customer, reply, turns, j, lang or detect_language(reply))

    def score_many(self, items: Iterable[Mapping[str, object]], workers: int = 2) -> list[ScoreResult | Exception]:
        """Score ``{"scenario","customer","reply"[,"lang","context"]}`` items in order; errors are returned, not raised."""

        def one(i: Mapping[str, object]) -> ScoreResult | Exception:
            try:
                ctx = i.get("context")
                return self.score(
                    str(i["scenario"]), str(i.get("customer") or ""), str(i["reply"]),
                    lang=str(i["lang"]) if i.get("lang") else None,
                    context=ctx if isinstance(ctx, list) else None,
                )
            except Exception as exc:  # returned to the caller, who reports it per item
                return exc

        todo = list(items)
        if workers < 2 or len(todo) < 2:
            return [one(i) for i in todo]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, todo))

    def judge(self, scenario_id: str, customer: str, reply: str, context: ContextLike = None) -> Judgement:
        """The bare judgement (no feedback), for evaluation and calibration."""
        self._validate(reply)
        return judge(self.reader, self.model, self.registry.get(scenario_id), customer, reply, as_turns(context))

    def _validate(self, reply: str) -> None:
        if not reply or not reply.strip():
            raise EmptyReplyError()
        if len(reply) > self.max_chars:
            raise ReplyTooLongError(len(reply), self.max_chars)

    def _result(self, scenario: Scenario, customer: str, reply: str, turns: list[Turn], j: Judgement, lang: str) -> ScoreResult:
        criteria = criteria_scores(j, lang)
        weak = [c.id for c in sorted(criteria, key=lambda c: c.score if c.score is not None else 60) if (c.score or 60) < 60]
        cites: list[Citation] = self.citations.find(scenario, customer, weak or list(CRITERIA[:2]), lang)
        v = vocabulary()
        evidence = []
        for m in v.moves:
            if j.reading.top(m) >= 0.5:
                i, p = j.reading.where(m)
                evidence.append(MoveEvidence(move=m, label=move_label(lang, m), sentence=j.reading.sentences[i], probability=round(p, 3), polarity=v.moves[m].polarity))
        evidence.sort(key=lambda e: -e.probability)
        return ScoreResult(
            score=j.score,
            band=band_for(j.score),
            criteria=criteria,
            feedback=compose_feedback(scenario, j, lang),
            better_reply=self.writer.write(scenario, customer, reply, turns, j),
            citations=cites,
            moves=engine_moves(j),
            flags=list(j.flags),
            evidence=evidence,
            language="en" if lang == "en" else "zh",
        )
