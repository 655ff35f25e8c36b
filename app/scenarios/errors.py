"""Scenario validation errors in the trainer's language, naming the state or motive, not a list index.

Pydantic reports ``states.2.lines: List should have at least 2 items``; a trainer thinks in
states and fields ("状态「price_pushback」的台词：至少需要 2 句"). :func:`explain` turns one
``ValidationError`` of :class:`~app.scenarios.schema.Scenario` into such messages, looking the
ids up in the submitted data, so the form editor and the YAML editor (:func:`explain_yaml`)
show the same words for the same mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from app.scenarios.loader import SAFE_LOADER
from app.scenarios.schema import Scenario

#: Field names as a trainer reads them: (zh, en).
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("ID", "ID"), "mode": ("模式", "mode"), "title": ("标题", "title"), "difficulty": ("难度", "difficulty"),
    "practises": ("练习要点", "what is practised"), "persona": ("客户", "customer"), "name": ("姓名", "name"),
    "company": ("公司", "company"), "role": ("职位", "role"), "personality": ("性格", "personality"),
    "decision_style": ("决策风格", "decision style"), "value_type": ("价值类型", "value type"),
    "background": ("背景", "background"), "motives": ("隐藏动机", "motives"), "weight": ("权重", "weight"),
    "description": ("说明", "description"), "reveal": ("透露台词", "reveal lines"), "remedy": ("应对要点", "remedy"),
    "openings": ("开场白", "openings"), "initial_state": ("初始状态", "initial state"), "states": ("状态", "states"),
    "lines": ("台词", "lines"), "reveal_motive": ("透露动机", "reveal motive"), "transitions": ("转移", "transitions"),
    "ending": ("结局", "ending"), "turn_limit": ("回合上限", "turn limit"),
    "turn_limit_lines": ("到达回合上限时的台词", "turn-limit lines"), "script": ("脚本台词", "script lines"),
    "script_ending": ("脚本结束时的结局", "script ending"), "rubric": ("评分标准", "rubric"),
    "weights": ("权重", "weights"), "musts": ("必须做到", "musts"), "must_nots": ("不能做", "must-nots"),
    "move": ("动作", "move"), "criterion": ("评分项", "criterion"), "text": ("说明", "text"),
    "exemplars": ("示例回复", "exemplars"), "cite": ("引用的手册章节", "cited playbook sections"),
    "next": ("后续场景", "next scenarios"), "zh": ("中文", "Chinese"), "en": ("英文", "English"),
}  # fmt: skip
#: Lists of sentences count in 句 ("lines"), everything else in 项 ("items").
_SENTENCES = {"lines", "openings", "script", "reveal", "turn_limit_lines", "exemplars"}

#: The schema's own messages (app/scenarios/schema.py) and their translations, matched in order.
_KNOWN: list[tuple[str, str, str]] = [
    (r"a non-terminal state needs a 'default' transition", "非结束状态需要一个 default（默认）转移",
     "a state that does not end the conversation needs a 'default' transition"),
    (r"a terminal state \(ending set\) cannot have transitions", "结束状态（设置了结局）不能再有转移",
     "a terminal state (ending set) cannot have transitions"),
    (r"state ids must be unique, got (.*)", "状态 ID 不能重复：{0}", "state ids must be unique: {0}"),
    (r"motive ids must be unique, got (.*)", "动机 ID 不能重复：{0}", "motive ids must be unique: {0}"),
    (r"initial_state '(.*)' is not a state", "初始状态「{0}」不存在", "initial state '{0}' is not a state"),
    (r"state '(.*)': transition '(.*)' goes to unknown state '(.*)'",
     "状态「{0}」的转移「{1}」指向不存在的状态「{2}」", "state '{0}', transition '{1}': unknown state '{2}'"),
    (r"needs a terminal state with ending 'deal' or 'next_meeting'",
     "需要一个结局为 deal（成交）或 next_meeting（约下次见面）的结束状态",
     "needs a terminal state with ending 'deal' or 'next_meeting'"),
    (r"needs a terminal state with ending 'walkaway'", "需要一个结局为 walkaway（客户离开）的结束状态",
     "needs a terminal state with ending 'walkaway'"),
    (r"band (\d) needs at least 3 exemplar replies", "第 {0} 档至少需要 3 句示例回复",
     "band {0} needs at least 3 exemplar replies"),
    (r"unknown bands (.*); bands are 1-5", "档位只能是 1-5，多了 {0}", "unknown bands {0}; bands are 1-5"),
    (r"weights must be non-negative and not all zero", "权重不能为负，也不能全为 0",
     "weights must be non-negative and not all zero"),
    (r"motives: at least 1 motive is needed", "隐藏动机：至少需要 1 个（脚本模式除外）",
     "motives: at least 1 is needed (except in scripted mode)"),
]  # fmt: skip


def _field(name: str, lang: str) -> str:
    zh, en = FIELDS.get(name, (name, name))
    return en if lang == "en" else zh


def _item_id(data: Any, key: str, index: int) -> str | None:
    """The ``id`` of ``data[key][index]`` when the trainer gave one."""
    items = data.get(key) if isinstance(data, dict) else None
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], dict):
        found = items[index].get("id")
        return str(found) if found not in (None, "") else None
    return None


def where(loc: Sequence[int | str], data: Any, lang: str) -> str:
    """The location as words: ``states.2.lines`` -> 状态「price_pushback」的台词 / state 'price_pushback', lines."""
    parts: list[str] = []
    node, i = data, 0
    while i < len(loc):
        key, nxt = loc[i], loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(key, str) and isinstance(nxt, int) and key in ("states", "motives"):
            ident = _item_id(node, key, nxt)
            kind = ("状态", "state") if key == "states" else ("动机", "motive")
            label = ident or (f"第 {nxt + 1} 个" if lang != "en" else f"#{nxt + 1}")
            parts.append(f"{kind[0]}「{label}」" if lang != "en" else f"{kind[1]} '{label}'")
            items = node.get(key) if isinstance(node, dict) else None
            node = items[nxt] if isinstance(items, list) and nxt < len(items) else None
            i += 2
            continue
        if isinstance(key, int):
            parts.append(f"第 {key + 1} 项" if lang != "en" else f"item {key + 1}")
            node = None
        elif key == "persona" and len(loc) > i + 1:
            node = node.get(key) if isinstance(node, dict) else None  # "persona" adds nothing to "motive 'x'"
        else:
            if not (key == "rubric" and len(loc) > i + 1):
                parts.append(_field(str(key), lang))
            node = node.get(key) if isinstance(node, dict) else None
        i += 1
    if not parts:
        return "整个场景" if lang != "en" else "the scenario"
    return "的".join(parts) if lang != "en" else ", ".join(parts)


def problem(err: dict[str, Any], lang: str) -> str:
    """The problem of one pydantic error in ``lang`` (pydantic's English when it is not one we know)."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    field = next((str(p) for p in reversed(err.get("loc", ())) if isinstance(p, str)), "")
    unit = ("句", "") if field in _SENTENCES else ("项", "")
    en = lang == "en"
    simple: dict[str, Callable[[], str]] = {
        "too_short": lambda: f"at least {ctx.get('min_length')} are needed" if en else f"至少需要 {ctx.get('min_length')} {unit[0]}",
        "too_long": lambda: f"at most {ctx.get('max_length')} are allowed" if en else f"最多 {ctx.get('max_length')} {unit[0]}",
        "missing": lambda: "required" if en else "必填",
        "extra_forbidden": lambda: "unknown field (check the spelling)" if en else "不认识的字段（请检查拼写）",
        "literal_error": lambda: f"must be one of {ctx.get('expected')}" if en else f"只能是 {ctx.get('expected')} 之一",
        "string_pattern_mismatch": lambda: "use lowercase letters, digits and hyphens" if en else "只能用小写字母、数字和连字符",
        "string_too_short": lambda: "must not be empty" if en else "不能为空",
        "string_too_long": lambda: f"at most {ctx.get('max_length')} characters" if en else f"最多 {ctx.get('max_length')} 个字符",
        "greater_than_equal": lambda: f"must be at least {ctx.get('ge')}" if en else f"不能小于 {ctx.get('ge')}",
        "greater_than": lambda: f"must be more than {ctx.get('gt')}" if en else f"必须大于 {ctx.get('gt')}",
        "less_than_equal": lambda: f"must be at most {ctx.get('le')}" if en else f"不能大于 {ctx.get('le')}",
        "int_parsing": lambda: "must be a whole number" if en else "必须是整数",
        "float_parsing": lambda: "must be a number" if en else "必须是数字",
    }  # fmt: skip
    if kind in simple:
        return simple[kind]()
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    for pattern, zh, en_text in _KNOWN:
        m = re.search(pattern, msg)
        if m:
            return (en_text if en else zh).format(*m.groups())
    return msg


def explain(exc: ValidationError, data: Any, lang: str = "zh") -> list[str]:
    """One message per error, e.g. 状态「price_pushback」的台词：至少需要 2 句."""
    sep = ": " if lang == "en" else "："
    out: list[str] = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, int | str)]
        text = problem(dict(err), lang)
        out.append(f"{where(loc, data, lang)}{sep}{text}" if loc else text)
    return list(dict.fromkeys(out))


def explain_yaml(text: str, lang: str = "zh") -> list[str] | None:
    """:func:`explain` for YAML text; None when the YAML itself does not parse to a mapping.

    For the YAML editor, after :func:`app.scenarios.loader.parse_scenario` has already
    checked the size and nesting limits and reported the syntax error.
    """
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return explain(exc, data, lang)
    return []
