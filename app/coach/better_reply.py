"""A better reply for this moment, planned as a whole and checked with the coach itself.

The plan follows the stage the conversation is in:

* the customer still objects and has not told the real concern: acknowledge it, then one probe;
* the customer has told the concern: answer it (a proposal or value), then one dated next step;
* the customer agrees: one dated close.

The rep's own sentences are kept only when the coach read them as good moves (and nothing weak
or bad); the rest comes from the scenario's band 4-5 exemplar sentences, read by the same move
reader, without figures that neither the scenario nor the conversation gives, in the reply's own
script (Simplified, Traditional or English), never quoting the customer back, at most 150
characters (60 words in English).  A few plans are scored with the coach and the best one wins.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from app.coach.criteria import EVIDENCE
from app.coach.grading import GradeModel
from app.coach.judge import Judgement, judge
from app.coach.reading import MoveReader
from app.coach.rubric import vocabulary
from app.coach.stage import Turn
from app.coach.textprep import split_sentences
from app.domain import band_for
from app.scenarios.schema import Scenario
from app.text.fold import detect_language, fold, is_traditional

MAX_CHARS = 150
MAX_WORDS = 60
GOOD = 0.5
_DIGITS = re.compile(r"\d+(?:\.\d+)?%?|[一二两三四五六七八九十百千万]+(?:成|个百分点|%|万|千)")


@dataclass(frozen=True)
class Piece:
    """A candidate sentence with the moves it was read to make."""

    text: str
    moves: dict[str, float]


def script_of(reply: str) -> str:
    """``en``, ``zh-hant`` or ``zh``: the script the better reply is written in."""
    if detect_language(reply) == "en":
        return "en"
    return "zh-hant" if is_traditional(reply) else "zh"


def to_script(text: str, script: str) -> str:
    """``text`` converted to ``script`` (OpenCC for Traditional)."""
    if script == "zh-hant":
        from app.text.fold import to_traditional

        return to_traditional(text)
    if script == "zh":
        from app.text.fold import to_simplified

        return to_simplified(text)
    return text


def _quotes(sentence: str, customer: str) -> bool:
    """Whether ``sentence`` hands the customer's own words back (6+ characters in a row)."""
    a, b = fold(sentence), fold(customer)
    return any(b[i : i + 6] in a for i in range(max(len(b) - 5, 0)) if b[i : i + 6].strip())


def _figures_ok(sentence: str, allowed: str) -> bool:
    return all(m.group(0) in allowed for m in _DIGITS.finditer(fold(sentence)))


class BetterReplyWriter:
    """Composes and checks better replies; exemplar sentences are read once per scenario."""

    def __init__(self, reader: MoveReader, model: GradeModel) -> None:
        self.reader = reader
        self.model = model
        self._cache: OrderedDict[tuple[str, int, bool], tuple[Piece, ...]] = OrderedDict()

    def _pieces(self, scenario: Scenario, english: bool) -> tuple[Piece, ...]:
        """The scenario's exemplar sentences, read once (keyed by the exemplars' content)."""
        key = (scenario.id, hash(repr(sorted(scenario.exemplars.items()))), english)
        if key not in self._cache:
            self._cache[key] = self._exemplar_pieces(scenario, english)
            while len(self._cache) > 128:
                self._cache.popitem(last=False)
        return self._cache[key]

    def _exemplar_pieces(self, scenario: Scenario, english: bool) -> tuple[Piece, ...]:
        names = self.reader.model.moves_lite.names
        out: list[Piece] = []
        for band in (5, 4):
            for ex in scenario.exemplars.get(band, []):
                if (detect_language(ex) == "en") != english:
                    continue
                sents = split_sentences(ex)
                reading = self.reader.read_lite(sents)
                for i, s in enumerate(sents):
                    out.append(Piece(s, {n: float(reading[i, j]) for j, n in enumerate(names)}))
        return tuple(out)

    def plans(self, scenario: Scenario, customer: str, context: Sequence[Turn], j: Judgement, script: str) -> list[list[str]]:
        """Candidate replies (lists of sentences) for this stage, best guesses first."""
        v = vocabulary()
        r = j.reading
        f = j.features
        english = script == "en"
        allowed = fold(" ".join([customer, scenario.persona.background.get("zh"), *(t.text for t in context)]))
        ready = f.get("stance:agree", 0) + f.get("before:agree", 0) + 0.5 * f.get("stance:warm", 0) >= 0.5
        revealed = max(f.get("stance:reveal", 0), f.get("before:reveal", 0)) >= 0.5
        unwanted = set(v.of_polarity("bad") + v.of_polarity("weak") + v.of_polarity("gaming")) | {"restate", "small_talk"}
        kept: list[Piece] = []
        for i, s in enumerate(r.sentences):
            probs = {n: float(r.probs[i, k]) for k, n in enumerate(r.names)}
            good = max((p for n, p in probs.items() if v.moves[n].polarity == "good"), default=0.0)
            if good >= GOOD and max((probs[n] for n in unwanted if n in probs), default=0.0) < EVIDENCE and not _quotes(s, customer):
                if (ready or revealed) and probs.get("probe", 0) >= GOOD:
                    continue  # the concern is out or the customer agreed: asking again is behind us
                kept.append(Piece(s, probs))
        kept = kept[:2]
        has = {n for p in kept for n, x in p.moves.items() if x >= GOOD}
        if ready:
            need = [] if has & {"close", "next_step"} else ["close"]
        elif revealed:
            need = [m for m in ("solution", "next_step") if not has & ({m} | ({"value_tailored", "value_quantified", "corrective_action"} if m == "solution" else {"close"}))]
        else:
            opener = "apology" if scenario.weight("empathy") >= 2 and f.get("top:apology", 0) + f.get("stance:object", 0) > 1.2 else "empathy"
            need = [m for m in (opener, "probe") if not has & ({m, "empathy", "apology"} if m in ("empathy", "apology") else {m})]
        for rule in scenario.rubric.musts:
            fine = v.fine(rule.move)
            if not has & set(fine) and not any(set(fine) & {n} for n in need) and not (rule.move == "probe" and (ready or revealed)):
                need.append(fine[0])
        pool = [p for p in self._pieces(scenario, english) if not _quotes(p.text, customer) and _figures_ok(p.text, allowed)]
        pool = [p for p in pool if max((p.moves.get(n, 0) for n in unwanted), default=0.0) < 0.3]
        choices: list[list[str]] = []
        for move in need:
            ranked = sorted(pool, key=lambda p: -p.moves.get(move, 0.0))
            opts = [p.text for p in ranked[:2] if p.moves.get(move, 0.0) >= 0.4]
            templates = _templates(english, move)
            choices.append(opts + templates[:1] if opts else templates[:1])
        base = [p.text for p in kept]
        plans: list[list[str]] = []
        for k in range(2):
            picked = [c[min(k, len(c) - 1)] for c in choices if c]
            plans.append(_order(base, picked, need, ready or revealed))
        if not need:
            plans = [base]
        return [p for p in plans if p]

    def write(self, scenario: Scenario, customer: str, reply: str, context: Sequence[Turn], j: Judgement) -> str:
        """The first plan the coach puts in band 5, else the best-scoring one, in the reply's script
        and within the length limit.

        Plans come best first (the strongest exemplar for each needed move), so stopping at the
        first band-5 plan keeps the quality and saves a judgement (an encoder pass) per turn.
        """
        script = script_of(reply)
        best, best_score = "", -1
        for plan in self.plans(scenario, customer, context, j, script):
            text = _fit(plan, script)
            if not text or text in (best,):
                continue
            s = judge(self.reader, self.model, scenario, customer, text, context).score
            if s > best_score:
                best, best_score = text, s
            if band_for(s) == 5:
                break
        return best or _fit(_templates(script == "en", "probe"), script)


def _order(base: list[str], picked: list[str], need: list[str], later: bool) -> list[str]:
    """Acknowledgement first, then the rep's kept sentences, then the rest of the plan."""
    openers = [p for p, m in zip(picked, need, strict=False) if m in ("empathy", "apology")]
    rest = [p for p, m in zip(picked, need, strict=False) if m not in ("empathy", "apology")]
    out = openers + base + rest
    return list(dict.fromkeys(out))


def _templates(english: bool, move: str) -> list[str]:
    from app.coach.wording import templates

    return templates("en" if english else "zh", move)


def _fit(plan: list[str], script: str) -> str:
    """Join the plan in ``script``, dropping middle sentences until it fits the length limit."""
    sents = [to_script(s.strip(), script) for s in plan if s.strip()]
    sep = " " if script == "en" else ""

    def too_long(parts: list[str]) -> bool:
        text = sep.join(parts)
        return len(text.split()) > MAX_WORDS if script == "en" else len(text) > MAX_CHARS

    while len(sents) > 1 and too_long(sents):
        sents.pop(len(sents) // 2 if len(sents) > 2 else 0)
    text = sep.join(sents)
    if too_long([text]):
        text = text[:MAX_CHARS] if script != "en" else " ".join(text.split()[:MAX_WORDS])
    return text
