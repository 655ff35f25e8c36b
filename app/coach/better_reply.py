"""A concrete better reply to *this* customer line.

Built, not looked up: it opens by taking up the customer's own words, then
adds one sentence for each weak criterion, in the order a call should run
(acknowledge → probe → value → honest deferral → next step).  Sentences come
from the scenario's band 4-5 exemplars when one shows the needed move and
shares words with the customer's line or the hidden motive's remedy;
otherwise from templates tuned to the persona's type.  Nothing that breaks a
rule (concession, rival attack, blind promise) is ever picked.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from app.coach import lexicon as lx
from app.coach.detectors import Analysis, analyse, tokens
from app.scenarios.schema import Motive, Scenario
from app.text.fold import detect_language, fold

_SENT = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_BAD = {"concede", "attack_rival", "blind_promise", "off_topic"}

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "zh": {
        "probe": [
            "方便说说，您最在意的是哪几点？我好对着您的需求来谈。",
            "想先请教一下，这件事上您最担心的是什么？",
            "能具体说说您是怎么考虑的吗？弄清楚了我再给您建议。",
        ],
        "value": [
            "我们会把培训、上门服务和交付安排都写进方案，帮您省下后续的时间和麻烦。",
            "这套方案的重点是帮您降低后续的使用和维护成本，我可以把每一项能省下什么逐条算给您看。",
        ],
        "quantify": [
            "按您现在的规模粗算，这样每年大约能帮您节省百分之十左右的费用，具体数字我算好给您过目。",
        ],
        "after_probe": ["弄清楚这几点之后，我再对着您最关心的部分给您一个具体的方案。"],
        "fix": ["我今天就查清原因，把整改措施和确切的时间写给您，补偿方案明天上午当面跟您定。"],
        "defer": [
            "这一点我现在不想随口承诺，给我一天时间跟公司和技术同事确认，明天上午给您准确答复。",
        ],
        "close": [
            "我明天上午把方案和明细整理好发给您，周三下午当面跟您过一遍，您看方便吗？",
            "我们约个时间细谈吧，这周四上午还是下午您更方便？",
        ],
        "slow": ["也不用急着今天就定，您先看看、试一试再决定，免得以后后悔。"],
        "professor": ["我把详细的数据和对比表一起发给您，您可以逐项核对。"],
        "checker": ["我把详细的数据和对比表一起发给您，您可以逐项核对。"],
        "nice-guy": ["我建议先从一个部门小范围试点，我陪您一起向领导汇报。"],
        "influencer": ["也可以请相关部门的负责人一起来，大家的意见都能照顾到。"],
        "follower": ["同行里已经有几家企业在用，我可以安排您和他们交流一下。"],
        "strategic": ["我们也可以安排双方高层见一面，一起规划长期合作。"],
    },
    "en": {
        "probe": [
            "Could you tell me what matters most to you here, so I can answer your real need?",
            "May I ask what worries you most about this?",
        ],
        "value": [
            "We would include training, on-site service and delivery planning in the proposal, which saves your team time later.",
            "The point of our offer is to lower your running and maintenance costs, and I can show you item by item what each part saves.",
        ],
        "quantify": ["At your volume that saves you roughly 10% a year; I will send you the calculation to check."],
        "after_probe": ["Once I understand that, I will come back with a proposal built around what matters most to you."],
        "fix": ["Today I will find the cause and send you the corrective steps with firm dates; we can agree compensation tomorrow morning."],
        "defer": ["I would rather not promise that on the spot; give me a day to check with our engineers and I will answer by tomorrow morning."],
        "close": [
            "I'll send you the proposal with the details tomorrow morning; could we go through it on Wednesday afternoon?",
            "Shall we meet to go through it, Thursday morning or Thursday afternoon?",
        ],
        "slow": ["There is no need to decide today; take your time and try it first."],
        "professor": ["I will send the detailed data and a comparison table so you can check each item."],
        "checker": ["I will send the detailed data and a comparison table so you can check each item."],
        "nice-guy": ["I suggest we start with a small pilot in one department, and I can help you present it to your boss."],
        "influencer": ["We could also invite the heads of the departments involved so everyone is heard."],
        "follower": ["Several companies in your industry already use it; I can put you in touch with them."],
        "strategic": ["We could also arrange a meeting between our executives to plan a long-term partnership."],
    },
}

_ORDER = ("probe", "value", "quantify", "defer", "close")
#: What each must move of a rubric needs in the better reply.
_MUST_NEED = {"probe": "probe", "value": "value", "quantify": "quantify", "close": "close", "defer_honestly": "defer"}
#: Moves of the rep's own sentences that are worth keeping, and the need each one already covers.
_KEEP = {"probe": "probe", "value": "value", "quantify": "quantify", "defer_honestly": "defer", "close": "close", "empathise": "ack"}
_BLOCKING = {"grader_instruction", "keyword_list", "echo", "playbook", "off_topic"}
# honesty is not here: an honest deferral answers a blind promise (added below), not a rival attack
_NEED = {"probe": "probe", "empathy": "probe", "value": "value", "adapt": "value", "next-step": "close"}


@lru_cache(maxsize=256)
def _exemplar_sentences(scenario_id: str, texts: tuple[str, ...]) -> list[tuple[str, str, frozenset[str]]]:
    """(sentence, language, moves) for sentences of good exemplars, rule-breaking ones dropped."""
    out: list[tuple[str, str, frozenset[str]]] = []
    for text in texts:
        for sent in _SENT.findall(text):
            sent = sent.strip()
            if len(sent) < 10 or sent.startswith(("是", "还是", "或者", "and ", "or ")):
                continue
            moves = frozenset(analyse(sent).moves)
            if moves & _BAD or not moves:
                continue
            out.append((sent, detect_language(sent), moves))
    return out


def _pick(options: list[str], seed: str) -> str:
    return options[zlib.crc32(seed.encode("utf-8")) % len(options)]


_FILLER = re.compile(r"^(?:说实话|说白了|老实说|其实|哎呀|嗯|好吧|行|那个|我就直说吧|honestly|look|well|ok)\W*$", re.I)


def _phrase(customer: str, banned: frozenset[str] = frozenset()) -> str:
    """The customer's most telling clause (the longest that is not a filler), to quote back.

    A clause that would read as a rule-breaking move when repeated (a demanded price cut quoted
    back is still "降价") is not quoted.
    """
    clauses = [c.strip() for c in re.split(r"[，,。！？!?；;…]", customer.strip()) if c.strip()]
    clauses = [c for c in clauses if not _FILLER.match(c)] or clauses
    clauses = [c for c in clauses if not set(analyse(c).moves) & banned]
    if not clauses:
        return ""
    best = max(clauses, key=len)
    return best if len(best) <= 24 else best[:24] + "…"


_COMPLAINT = re.compile(r"延误|晚了|断货|损失|出错|坏了|故障|投诉|不满|生气|怎么回事|没准|交代|赔|delay|late|broke|lost|complain|again")


def _ack(customer: str, key: str, banned: frozenset[str] = frozenset(), apologise: bool = False) -> str:
    phrase = _phrase(customer, banned)
    if apologise:
        sorry = "非常抱歉，给您添了麻烦，这是我们的责任。" if key == "zh" else "I am sorry for the trouble; this is on us."
        return sorry if not phrase else (
            f"{sorry}您说“{phrase}”，我完全理解您的心情。" if key == "zh" else f"{sorry} You said \"{phrase}\"; I understand."
        )
    if not phrase:
        return "我理解您的想法。" if key == "zh" else "I understand where you're coming from."
    return f"您说“{phrase}”，我能理解。" if key == "zh" else f"You said \"{phrase}\"; I understand."


def _from_exemplars(
    need: str, scenario: Scenario, key: str, words: set[str], used: set[str]
) -> str | None:
    wanted = {"probe": {"probe"}, "value": {"value", "quantify"}, "quantify": {"quantify"}, "defer": {"defer_honestly"},
              "close": {"close"}}[need]
    texts = tuple(t for band in (5, 4) for t in scenario.exemplars.get(band, []))
    best: tuple[int, str] | None = None
    for sent, lang, moves in _exemplar_sentences(scenario.id, texts):
        if (lang == "en") != (key == "en") or not moves & wanted or sent in used:
            continue
        if need == "close" and not (analyse(sent).alternative_close or lx.ASSUMPTIVE.search(fold(sent))):
            continue  # a next step in the better reply must ask for the commitment
        overlap = len(words & set(tokens(sent)))
        if overlap >= 2 and (best is None or overlap > best[0]):  # must share words with this moment
            best = (overlap, sent)
    return best[1] if best else None


def _remedy_sentence(motive: Motive, key: str) -> str | None:
    """The hidden motive's remedy turned into the rep's own next move ("接下来我会…")."""
    text = motive.remedy.get(key)
    first = re.split(r"[，,；;。.]", text.strip())[0].strip()
    if not first or first.startswith(("不", "别", "Do not", "Don't")) or (key == "en") != (detect_language(first) == "en"):
        return None
    if key == "en":
        return f"Next, I will {first[0].lower()}{first[1:]}."
    return f"接下来我会{first.removeprefix('先')}。"


def _kept(reply: str, flags: list[str], banned: set[str]) -> list[tuple[str, set[str]]]:
    """The rep's own sentences worth keeping (a good move, nothing that breaks a rule), with their moves."""
    if not reply or _BLOCKING & set(flags):
        return []
    out: list[tuple[str, set[str]]] = []
    for sent in _sentences(reply):
        a = analyse(sent)
        moves = set(a.moves)
        if len(sent) < 4 or not moves & set(_KEEP) or moves & banned or a.pressure or a.cornering:
            continue
        out.append((sent, moves))
    return out[:3]


def _sentences(text: str) -> list[str]:
    """Sentences of zh and en text ("." ends an English sentence, not a decimal)."""
    parts = re.split(r"(?<=[。！？!?；;])\s*|(?<=[a-zA-Z)\]\"'%]\.)\s+", text.strip())
    return [p.strip() for p in parts if p and p.strip()]


def compose_better_reply(
    scenario: Scenario,
    customer: str,
    analysis: Analysis,
    weak: list[str],
    motive: Motive | None,
    lang: str,
    *,
    motive_known: bool = False,
    reply: str = "",
    flags: list[str] | None = None,
    early: bool = False,
) -> str:
    """An improved reply answering ``customer``: the rep's good sentences kept, what is missing added.

    The result acknowledges the customer, keeps what the rep did well, contains the rubric's
    must moves and none of its must-nots, and fits the persona's type.  ``early`` means the
    right move now is to ask (value and next step come after the customer's answer).
    """
    key = "en" if lang == "en" else "zh"
    banned = _BAD | {r.move for r in scenario.rubric.must_nots}
    words = {t for t in tokens(customer) if len(t) >= 2}
    if motive is not None:
        words |= {t for t in tokens(motive.remedy.get(key)) if len(t) >= 2}
    kept = _kept(reply, flags or [], banned) if (lang == "en") == (detect_language(reply or customer) == "en") else []
    covered = {_KEEP[m] for _, moves in kept for m in moves if m in _KEEP}
    needs = {_NEED[c] for c in weak if c in _NEED}
    needs |= {_MUST_NEED[r.move] for r in scenario.rubric.musts if r.move in _MUST_NEED}
    if analysis.blind_promise or analysis.defer or analysis.pressure:
        needs.add("defer")
    if not analysis.probes or "probe" in needs:
        needs.add("probe")
    if motive_known:  # the customer has said what matters; answer it instead of asking again
        needs.discard("probe")
    if early:
        needs -= {"value", "close", "quantify"}
    elif not needs - {"probe"} - covered:
        needs.add("close")
    needs -= covered
    if "quantify" in covered:
        needs.discard("value")
    apologise = any(r.move == "empathise" for r in scenario.rubric.musts) and bool(_COMPLAINT.search(fold(customer)))
    if apologise:  # a complaint opens with a full apology and ownership, not the rep's bare "sorry"
        kept = [(sent, moves) for sent, moves in kept if moves - {"empathise"}]
        covered.discard("ack")
    parts = [] if "ack" in covered else [_ack(customer, key, frozenset(banned), apologise)]
    parts += [sent for sent, _ in kept]
    used: set[str] = set(parts)
    for need in _ORDER:
        if need not in needs:
            continue
        sentence = None
        if need in ("value", "quantify") and motive is not None and motive_known and need == "value":
            sentence = _remedy_sentence(motive, key)
        if need == "value" and apologise:  # a complaint is answered by a fix with dates, not a pitch
            sentence = TEMPLATES[key]["fix"][0]
        if sentence is None and need != "defer":
            sentence = _from_exemplars(need, scenario, key, words, used)
        sentence = sentence or _pick(TEMPLATES[key][need], customer + need)
        used.add(sentence)
        parts.append(sentence)
        if need == "value":
            parts.extend(_persona_sentence(scenario, key))
    if early:
        parts.append(TEMPLATES[key]["after_probe"][0])
    if scenario.persona.personality == "actor" and "close" in needs:
        parts.insert(len(parts) - 1, TEMPLATES[key]["slow"][0])
    return _finish(parts, customer, key, banned, scenario, waived={"probe"} if motive_known else set())


def _persona_sentence(scenario: Scenario, key: str) -> list[str]:
    p = scenario.persona
    kinds = [k for k in (p.personality, p.decision_style, p.value_type) if k and k in TEMPLATES[key]]
    return [TEMPLATES[key][kinds[0]][0]] if kinds else []


def _finish(
    parts: list[str], customer: str, key: str, banned: set[str], scenario: Scenario, waived: set[str]
) -> str:
    """Join the parts, drop any that breaks a must-not, and add a must that is still missing."""
    sep = " " if key == "en" else ""

    def join(ps: list[str]) -> str:
        return sep.join(p if p[-1] in "。！？!?.;；" else p + ("." if key == "en" else "。") for p in ps if p)

    parts = [p for i, p in enumerate(parts) if i == 0 or not set(analyse(p).moves) & banned]
    moves = set(analyse(join(parts)).moves)
    for rule in scenario.rubric.musts:
        need = _MUST_NEED.get(rule.move) or ("probe" if rule.move == "empathise" else None)
        if rule.move not in moves and need and rule.move not in waived:
            parts.append(_pick(TEMPLATES[key][need], customer + need))
    text = join(parts)
    return text if fold(text) != fold(customer) else text + sep
