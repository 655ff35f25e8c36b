"""Per-criterion scores (GUIDE §3) from the detector output.

Each criterion gets 0-100 plus a short reason code; the reason codes are
rendered into zh-CN or English comments by :mod:`app.coach.messages`.  The
numbers are deliberately coarse levels (what the material teaches, what it
tolerates, what it warns against) so a trainer can read why a reply got its
score; the blend with the semantic signal happens in the scorer.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.coach import lexicon as lx
from app.coach.detectors import Analysis, persona_fit
from app.scenarios.schema import Scenario
from app.text.fold import fold


@dataclass(frozen=True)
class Context:
    """What the criteria need besides the reply itself."""

    relevance: float
    """0-1: how much the reply addresses the customer's line (words and meaning)."""
    persona_kinds: tuple[str, ...]
    remedy_overlap: float = 0.0
    """0-1: share of the motive remedy's key words the reply uses."""


Scored = tuple[int, str]


def probe(a: Analysis) -> Scored:
    """Asks open questions that uncover the real need."""
    if a.rhetorical:
        return 10, "rhetorical"
    if a.need_probes and a.open_questions:
        return (95 if a.need_probes >= 2 else 90), "need_probe"
    if a.need_probes or a.open_questions:
        return 75, "open_probe"
    if a.probes:
        return 55, "closed_probe"
    return 20, "no_probe"


def empathy(a: Analysis) -> Scored:
    """Acknowledges the customer's concern (and owns a failure)."""
    if a.cornering:
        return 5, "cornering"
    if a.apology and a.ownership:
        return 95, "ownership"
    if a.empathy >= 2 or (a.empathy and a.apology):
        return 85, "empathy"
    if a.empathy or a.apology:
        return 72, "empathy_light"
    return 25, "no_empathy"


def value(a: Analysis) -> Scored:
    """Benefit for this customer, quantified where possible; a price cut is not value."""
    if a.concede and not a.concede_conditional and a.value < 2:
        return 15, "price_not_value"
    if a.quantify and (a.value >= 2 or a.benefit_link):
        return 92, "quantified"
    if a.quantify:
        return 82, "quantified_light"
    if a.benefit_link and a.value >= 2:
        return 78, "benefit"
    if a.value >= 3:
        return 68, "value"
    if a.value == 2:
        return 55, "value_light"
    if a.value == 1:
        return 40, "value_thin"
    return 20, "no_value"


def honesty(a: Analysis) -> Scored:
    """No attack on rivals, no blind promise, no pressure; honest deferral earns most."""
    if a.attack_rival:
        return 5, "attack_rival"
    if a.blind_promise:
        return 15, "blind_promise"
    if a.pressure:
        return 25, "pressure"
    if a.defer:
        return 95, "defer"
    if a.ownership:
        return 90, "ownership"
    return 80, "honest"


def adapt(a: Analysis, ctx: Context) -> Scored:
    """Fits the persona's type and answers what this customer actually said."""
    base = 25 + 45 * ctx.relevance + 20 * ctx.remedy_overlap
    fit = persona_fit(a.folded, list(ctx.persona_kinds)) if ctx.persona_kinds else 0
    base += min(fit, 3) * 8
    code = "fit" if fit else ("relevant" if ctx.relevance >= 0.5 else "generic")
    if "actor" in ctx.persona_kinds and a.close_time and not fit:
        base -= 20
        code = "actor_rushed"
    if ("results" in ctx.persona_kinds or "leader" in ctx.persona_kinds) and a.length > 150:
        base -= 15
        code = "too_long"
    if "nice-guy" in ctx.persona_kinds and lx.SLOW.search(a.folded) and not a.close:
        base = min(base, 25)
        code = "nice_guy_drift"
    if ({"leader", "results", "intrinsic"} & set(ctx.persona_kinds)) and lx.RELATIONSHIP.search(a.folded):
        base = min(base, 30)
        code = "relationship_misfit"
    if ctx.relevance < 0.15:
        code = "generic"
    return int(max(5, min(95, base))), code


def next_step(a: Analysis) -> Scored:
    """Asks for a concrete commitment, ideally with a date."""
    if a.close_time:
        return 92, "close_time"
    if a.close:
        return 80, "close"
    if a.defer_time:
        return 78, "defer_time"
    if a.next_step_soft:
        return 55, "soft"
    if a.probes:
        return 40, "probe_only"
    return 20, "no_next"


def composure(a: Analysis) -> Scored:
    """Stays calm: no cornering, no arguing, no price given away at once."""
    if a.cornering:
        return 5, "cornering"
    if a.attack_rival:
        return 15, "attack_rival"
    if a.concede and not a.concede_conditional and not a.probes:
        return 18, "instant_concession"
    if a.concede:
        return 45, "concession"
    if a.pressure:
        return 30, "pressure"
    if a.dismissive:
        return 30, "dismissive"
    if a.empathy or a.probes or a.defer:
        return 88, "calm"
    return 70, "neutral"


def score_criteria(a: Analysis, ctx: Context) -> dict[str, Scored]:
    """All seven criteria, keyed by GUIDE §3 id."""
    return {
        "probe": probe(a),
        "empathy": empathy(a),
        "value": value(a),
        "honesty": honesty(a),
        "adapt": adapt(a, ctx),
        "next-step": next_step(a),
        "composure": composure(a),
    }


#: Level shown for a criterion that is not expected yet at this moment (neutral-high, not a reward).
NOT_YET = 75


#: Raw codes that only mean "absent" (not "did it badly"): at the closing stage their absence is fine.
_ABSENT = {
    "probe": ("no_probe", "closed_probe"),
    "empathy": ("no_empathy",),
    "value": ("no_value", "value_thin", "value_light"),
}


def customer_ready(customer: str) -> bool:
    """The customer's line signals interest or agreement, not taken back by a later "but".

    "听起来不错，那就这样" is ready; "听着不错，可每家都这么讲" and "不太感兴趣" are not.
    """
    folded = fold(customer)
    for m in lx.READY.finditer(folded):
        if lx.NEGATION.search(folded[max(0, m.start() - 3) : m.start()]):
            continue
        if not lx.CONTRAST.search(folded[m.end() :]):
            return True
    return False


def closing_state(scenario: Scenario, state_id: object) -> bool:
    """A role-play state whose ``close`` leads straight to a deal or a meeting: the customer is ready."""
    if state_id is None:
        return False
    try:
        state = scenario.state(str(state_id))
        target = state.transitions.get("close")
        return target is not None and scenario.state(str(target)).ending in ("deal", "next_meeting")
    except (KeyError, ValueError):
        return False


def stage_adjust(
    scenario: Scenario,
    a: Analysis,
    scores: dict[str, Scored],
    *,
    state_id: object = None,
    motive_revealed: bool = False,
    ready: bool = False,
) -> dict[str, Scored]:
    """Criteria as a trainer reads them at this moment of the conversation.

    When the scenario requires probing first (a must ``probe``), the customer has not opened up
    yet and the reply asks for the real need, value and next step are not expected yet: they
    show as neutral-high with a comment saying so instead of as failures, so the total and the
    criteria tell the same story.  Only the explanation changes; the score is computed from the
    raw criteria.  When the customer is ``ready`` (interest shown, or a closing state), probe,
    empathy and value that are merely absent show as "not needed now": the close is expected.
    """
    if ready:  # the customer is ready: asking, soothing and pitching again are not expected now
        out = dict(scores)
        for crit, codes in _ABSENT.items():
            if out[crit][1] in codes and out[crit][0] < NOT_YET and not (crit == "value" and a.concede):
                out[crit] = (NOT_YET, f"not_now_{crit}")
        return out
    early_state = state_id is None or state_id == scenario.initial_state
    if state_id is not None and not early_state:
        try:
            state = scenario.state(str(state_id))
        except (KeyError, ValueError):
            return scores
        early_state = not state.reveal_motive and any(
            scenario.state(t).reveal_motive for k, t in state.transitions.items() if k == "probe"
        )
    probing_first = any(r.move == "probe" for r in scenario.rubric.musts)
    asked = a.need_probes > 0 or a.open_questions > 0
    if probing_first and motive_revealed and scores["probe"][0] < NOT_YET and not a.rhetorical:
        return {**scores, "probe": (NOT_YET, "probe_done")}  # the customer has opened up already
    if not (probing_first and early_state and not motive_revealed and asked):
        return scores
    out = dict(scores)
    for crit, code in (("value", "not_yet_value"), ("next-step", "not_yet_next")):
        if out[crit][0] < NOT_YET and not (crit == "value" and a.concede):
            out[crit] = (NOT_YET, code)
    return out


def persona_kinds(scenario: Scenario) -> tuple[str, ...]:
    """The persona's personality, decision style and value type that are set."""
    p = scenario.persona
    return tuple(k for k in (p.personality, p.decision_style, p.value_type) if k)
