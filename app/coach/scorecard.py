"""The end-of-session scorecard: averages, best and weakest reply, outcome, what next.

The suggested next scenario steers towards the weakest criterion: among the
scenario's ``next`` list, the one whose rubric weights that criterion most.
"""

from __future__ import annotations

from app.coach.wording import lang_key, table
from app.domain import CRITERIA, CriterionAverage, RoleplaySession, Scorecard, Turn, band_for
from app.ports import ScenarioSource
from app.scenarios.schema import Scenario

OUTCOMES: dict[str, dict[str | None, str]] = {
    "zh": {
        "deal": "客户同意成交",
        "next_meeting": "约定了下一次沟通",
        "walkaway": "客户离开了",
        "turn_limit": "到了轮数上限，客户结束了谈话",
        None: "还没谈出结果（对话未到结局）",
    },
    "en": {
        "deal": "the customer agreed to the deal",
        "next_meeting": "a next meeting was agreed",
        "walkaway": "the customer walked away",
        "turn_limit": "the turn limit was reached",
        None: "no outcome yet (the conversation did not reach an ending)",
    },
}


def _next_scenario(registry: ScenarioSource, scenario: Scenario, weakest: str | None) -> str | None:
    options = [s for s in scenario.next if s in registry]
    if not options:
        return None
    if weakest is None:
        return options[0]
    return max(options, key=lambda sid: (registry.get(sid).weight(weakest), -options.index(sid)))


def build_scorecard(registry: ScenarioSource, session: RoleplaySession) -> Scorecard:
    """Summarise ``session``; the language follows the session."""
    scenario = registry.get(session.scenario_id)
    key = lang_key(session.language)
    reps: list[Turn] = [t for t in session.transcript if t.role == "rep" and t.score is not None]
    criteria = [c for c in CRITERIA if scenario.weight(c) > 0]
    averages: list[CriterionAverage] = []
    for c in criteria:
        found = [next((x.score for x in t.score.criteria if x.id == c), None) for t in reps if t.score]
        values = [v for v in found if v is not None]  # unknown (nothing shown either way) is not averaged
        averages.append(CriterionAverage(id=c, score=round(sum(values) / len(values)) if values else None))
    total = round(sum(t.score.score for t in reps if t.score) / len(reps)) if reps else 0
    best = max(reps, key=lambda t: t.score.score if t.score else 0) if reps else None
    weakest = min(reps, key=lambda t: t.score.score if t.score else 0) if reps else None
    known = [a for a in averages if a.score is not None]
    weak_c = min(known, key=lambda a: (a.score or 0, -scenario.weight(a.id))).id if known else None
    strong_c = max(known, key=lambda a: (a.score or 0, scenario.weight(a.id))).id if known else None
    nxt = _next_scenario(registry, scenario, weak_c)
    nxt_title = registry.get(nxt).title.get(key) if nxt else ""
    outcome = OUTCOMES[key].get(session.outcome, str(session.outcome))
    names = table(key, "criteria")
    if not reps:
        summary = "还没有任何回复。" if key == "zh" else "No replies yet."
    elif key == "zh":
        summary = (
            f"共 {len(reps)} 轮，平均 {total} 分（第 {band_for(total)} 档），结果：{outcome}。"
            f"做得最好的是“{names[strong_c or 'probe']}”，最需要加强的是“{names[weak_c or 'probe']}”。"
            + (f"建议接着练习“{nxt_title}”，重点练{names[weak_c or 'probe']}。" if nxt else "")
        )
    else:
        summary = (
            f"{len(reps)} replies, average {total} (band {band_for(total)}); outcome: {outcome}. "
            f"Strongest: {names[strong_c or 'probe']}; needs most work: {names[weak_c or 'probe']}."
            + (f" Next, practise \"{nxt_title}\" with a focus on {names[weak_c or 'probe']}." if nxt else "")
        )
    return Scorecard(
        scenario_id=scenario.id,
        outcome=session.outcome,
        turns=len(reps),
        average=total,
        band=band_for(total),
        criteria=averages,
        best=best,
        weakest=weakest,
        summary=summary,
        next_scenario=nxt,
    )
