"""Move and feature detectors over one rep reply.

Everything runs on the folded text (Simplified, half-width, lower-case), one
clause at a time, so a cue is judged in its own clause: "不是靠降价" is not a
concession and "明天上午给您答复" is a commitment, not a blind promise.
The output is a flat :class:`Analysis` the scorer and the role-play engine
both read; the move list follows the priority order of the brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from app.coach import lexicon as lx
from app.text.fold import detect_language, fold, tokenize

_SENTENCE = re.compile(r"[^。!?;\n]+[。!?;\n]*")
_CLAUSE = re.compile(r"[^。!?;\n,、:]+[。!?;\n,、:]*")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")

#: The engine applies the first present move in this order (sections brief).
MOVE_PRIORITY: tuple[str, ...] = (
    "attack_rival",
    "blind_promise",
    "off_topic",
    "concede",
    "close",
    "defer_honestly",
    "probe",
    "quantify",
    "value",
    "empathise",
)


@dataclass
class Analysis:
    """What the detectors found in one reply (counts are per clause or sentence)."""

    folded: str
    lang: str
    length: int
    questions: int = 0
    probes: int = 0
    open_questions: int = 0
    need_probes: int = 0
    rhetorical: int = 0
    alternative_close: bool = False
    empathy: int = 0
    apology: bool = False
    ownership: bool = False
    concede: bool = False
    concede_conditional: bool = False
    concede_traded: bool = False
    attack_rival: bool = False
    blind_promise: bool = False
    cornering: int = 0
    pressure: bool = False
    dismissive: bool = False
    small_talk: int = 0
    value: int = 0
    benefit_link: bool = False
    quantify: bool = False
    close: bool = False
    close_time: bool = False
    next_step_soft: bool = False
    defer: bool = False
    defer_time: bool = False
    second_person: int = 0
    generic_third: int = 0
    moves: list[str] = field(default_factory=list)


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """jieba tokens of the folded text, cached: exemplars, motives and customer lines recur."""
    return tuple(tokenize(text))


def text_length(folded: str) -> int:
    """Han characters plus Latin words and numbers: a length that means the same in zh and en."""
    return len(_HAN_OR_WORD.findall(folded))


def _negated(clause: str, start: int, width: int = 6) -> bool:
    if clause[start : start + 1].isascii():  # English negation sits further away ("rather than give a …")
        width *= 3
    window = clause[max(0, start - width) : start]
    return bool(lx.NEGATION.search(window))


def _find_unnegated(pattern: re.Pattern[str], clause: str) -> bool:
    return any(
        not _negated(clause, m.start()) and not lx.AFTER_NEGATION.match(clause[m.end() :])
        for m in pattern.finditer(clause)
    )


def _is_question(sentence: str) -> bool:
    s = sentence.strip()
    if s.endswith("?") or _A_NOT_A.search(s):
        return True
    core = s.rstrip("。!;\n ")
    return core.endswith(("吗", "呢", "么")) or bool(re.match(r"(?:what|why|how|which|could you|can you)\b", core))


def _questions(a: Analysis, sentences: list[str]) -> None:
    for s in sentences:
        if not _is_question(s):
            continue
        a.questions += 1
        if lx.RHETORICAL.search(s):
            a.rhetorical += 1
            continue
        if lx.ALTERNATIVE.search(s) or (lx.TIME.search(s) and lx.CLOSE_ACTION.search(s)):
            a.alternative_close = True
            continue
        a.probes += 1
        if lx.OPEN_QUESTION.search(s):
            a.open_questions += 1
        if lx.NEED_WORD.search(s) or lx.RIVAL.search(s):
            a.need_probes += 1


def _clauses(a: Analysis, sentences: list[str]) -> None:
    for sentence in sentences:
        defer_ctx = bool(lx.DEFER_CONTEXT.search(sentence))
        if lx.DEFER.search(sentence):
            a.defer = True
            a.defer_time = a.defer_time or bool(lx.TIME.search(sentence))
        if lx.BLIND_PROMISE.search(sentence) and not defer_ctx and not _all_negated(lx.BLIND_PROMISE, sentence):
            a.blind_promise = True
        if lx.TIME.search(sentence) and lx.CLOSE_ACTION.search(sentence) and not _is_question_about_past(sentence):
            a.close = True
            a.close_time = True
        if lx.ASSUMPTIVE.search(sentence):
            a.close = True
        if lx.NEXT_STEP_SOFT.search(sentence):
            a.next_step_soft = True
        for clause in _CLAUSE.findall(sentence):
            _clause(a, clause, sentence)


def _all_negated(pattern: re.Pattern[str], text: str) -> bool:
    return all(_negated(text, m.start(), 3) for m in pattern.finditer(text))


def _is_question_about_past(sentence: str) -> bool:
    return bool(re.search(r"(?:上周|上个月|去年|昨天|last (?:week|month|year)|yesterday)", sentence))


def _clause(a: Analysis, clause: str, sentence: str) -> None:
    if _find_unnegated(lx.CONCEDE, clause) and not _planned_compensation(clause, sentence):
        a.concede = True
        if lx.CONDITION.search(a.folded):
            a.concede_conditional = True
        if lx.TRADE.search(sentence):
            a.concede_traded = True
    if lx.RIVAL_BAD.search(clause) and (lx.RIVAL.search(clause) or _rival_subject(sentence, clause)):
        a.attack_rival = True
    a.empathy += len(lx.EMPATHY.findall(clause))
    a.value += len({m.group(0) for m in lx.VALUE.finditer(clause)})
    if not lx.CONCEDE.search(clause):  # phasing or a pilot offered with a discount is still a discount
        a.value += len({m.group(0) for m in lx.PROPOSAL.finditer(clause)})
    if not lx.CONCEDE.search(clause) and (
        (lx.QUANT_UNIT.search(clause) and lx.QUANT_VERB.search(clause)) or lx.QUANT_RATE.search(clause)
    ) and not lx.BLIND_PROMISE.search(clause):
        a.quantify = True


def _planned_compensation(clause: str, sentence: str) -> bool:
    """"补偿方案明天给您" / "agree compensation tomorrow": compensation deferred to a dated plan."""
    return bool(lx.COMP_PLAN.search(clause) and lx.TIME.search(sentence)) and not lx.CONCEDE.search(
        lx.COMP_PLAN.sub("", clause)
    )


def _rival_subject(sentence: str, clause: str) -> bool:
    """A rival named earlier in the sentence stays the subject of a later clause ("他们技术落后，只会抄…")."""
    head = sentence[: sentence.find(clause)]
    return bool(lx.RIVAL.search(head)) and not re.search(r"我们|咱们|\bwe\b|\bour\b", clause)


def analyse(reply: str) -> Analysis:
    """Run every detector over ``reply`` and derive its moves (without off_topic)."""
    folded = fold(reply)
    a = Analysis(folded=folded, lang=detect_language(reply), length=text_length(folded))
    sentences = [s for s in _SENTENCE.findall(folded) if s.strip()]
    _questions(a, sentences)
    _clauses(a, sentences)
    a.apology = bool(lx.APOLOGY.search(folded))
    a.ownership = bool(lx.OWNERSHIP.search(folded))
    a.cornering = len(lx.CORNERING.findall(folded)) + a.rhetorical + len(lx.ULTIMATUM.findall(folded))
    a.pressure = bool(lx.PRESSURE.search(folded))
    a.dismissive = bool(lx.DISMISSIVE.search(folded))
    a.small_talk = len({m.group(0) for m in lx.SMALL_TALK.finditer(folded)})
    if lx.INDIRECT_PROBE.search(folded):
        a.need_probes += 1
        a.probes += 1
    a.benefit_link = bool(lx.BENEFIT_LINK.search(folded))
    a.close = a.close or a.alternative_close
    a.second_person = len(lx.SECOND_PERSON.findall(folded))
    a.generic_third = len(lx.GENERIC_THIRD.findall(folded))
    a.moves = derive_moves(a)
    return a


def derive_moves(a: Analysis, *, off_topic: bool = False) -> list[str]:
    """The moves present, in the engine's priority order."""
    present = {
        "attack_rival": a.attack_rival,
        "blind_promise": a.blind_promise,
        "off_topic": off_topic,
        "concede": a.concede and not a.concede_traded,  # a price traded for volume or terms is a trade
        "close": a.close,
        "defer_honestly": a.defer,
        "probe": a.open_questions > 0 or a.need_probes > 0,
        "quantify": a.quantify,
        "value": a.value >= 2 or a.benefit_link or a.quantify,
        "empathise": a.empathy > 0 or a.apology or a.ownership,
    }
    return [m for m in MOVE_PRIORITY if present[m]]


def persona_fit(folded: str, kinds: list[str]) -> int:
    """How many of the persona's type-specific cues (personality, decision style, value type) appear."""
    lex = lx.persona_lexicon()
    return sum(len({m.group(0) for m in lex[k].finditer(folded)}) for k in kinds if k in lex)
