"""Whole role-play sessions, played well and badly, end the way the material says they should.

A good session (acknowledge and probe → value for the motive the customer revealed → a next
step with a time) ends in a deal or a next meeting for every hidden motive; a bad one
(instant discount, attacking the rival, a blind promise) ends in a walk-away.  Seeds are
found by scanning, so each motive is played; replies are fixed, so the sessions replay.
"""

from __future__ import annotations

import pytest

from app.coach.roleplay import RoleplayService, effective_moves
from app.domain import RoleplaySession
from app.scenarios.loader import ScenarioRegistry

GOOD_ENDS = {"deal", "next_meeting"}


def seeds_by_motive(roleplay: RoleplayService, scenario_id: str) -> dict[str, int]:
    """The first seed that draws each of the scenario's motives."""
    found: dict[str, int] = {}
    for seed in range(200):
        found.setdefault(roleplay.start(scenario_id, seed=seed).motive_id, seed)
    return found


def play(roleplay: RoleplayService, scenario_id: str, seed: int, replies: list[str]) -> RoleplaySession:
    session = roleplay.start(scenario_id, seed=seed)
    for reply in replies:
        if session.done:
            break
        session = roleplay.reply(session, reply).session
    return session


def path(session: RoleplaySession) -> list[str | None]:
    return [t.state for t in session.transcript if t.role == "customer"]


# -- price objection: every motive ---------------------------------------------------------------

PO_PROBE = "理解您的压力，预算确实要精打细算。方便说说您主要是跟哪家比、觉得差在哪几项吗？"
PO_VALUE = {
    "discount": "明白，预算上限是硬杠杠。我们可以把配置按用途分两档、分两批交付，让总价落在预算内，上门保修照样保留，帮您跟老板交代。",
    "breakdown": "好的，我把报价拆成硬件、上门保修、预装部署和备机四块逐项给您看，每一块能帮您省下多少人力一目了然。",
    "accessories": "分拨中心缺扩展坞的话，我们可以把扩展坞和延长一年保修打包进方案、写进合同，帮您给使用部门一个完整交代。",
    "training": "我们把上门培训和远程答疑写进方案，能帮您的IT部门每年省下两百多个小时。",
    "competitor": "我们不评价别家，只把两家的配置、保修响应、交付周期和三年总成本逐项对比给您看，帮您跟老板讲清楚差在哪。",
}
PO_CLOSE = "那我明天上午把方案发给您，周三下午带合同过来当面过一遍，您看方便吗？"


def test_good_price_objection_session_agrees_for_every_motive(
    roleplay: RoleplayService, registry: ScenarioRegistry
) -> None:
    seeds = seeds_by_motive(roleplay, "price-objection")
    assert set(seeds) == {m.id for m in registry.get("price-objection").persona.motives}
    for motive, seed in seeds.items():
        session = play(roleplay, "price-objection", seed, [PO_PROBE, PO_VALUE[motive], PO_CLOSE])
        assert session.outcome in GOOD_ENDS, (motive, path(session))
        assert path(session)[1] == "revealed" and path(session)[2] == "interested", (motive, path(session))


def test_value_with_a_proposed_time_after_the_reveal_is_not_pushy(roleplay: RoleplayService) -> None:
    """The web engineer's report: value + a time after the customer opened up read as pressure."""
    value_and_time = "我们把上门培训和远程答疑写进方案，能帮您的IT部门每年省下两百多个小时，周三下午我带方案过来给您过一遍？"
    session = play(roleplay, "price-objection", 2, [PO_PROBE, value_and_time, "那就周三下午两点，我带合同过来，您看方便吗？"])
    assert "pressured" not in path(session)
    assert session.outcome in GOOD_ENDS, path(session)


def test_value_backed_close_is_read_as_value_only_where_a_close_would_push(registry: ScenarioRegistry) -> None:
    po = registry.get("price-objection")
    moves = ["close", "quantify", "value"]
    revealed = {str(k): v for k, v in po.state("revealed").transitions.items()}
    interested = {str(k): v for k, v in po.state("interested").transitions.items()}
    assert "close" not in effective_moves(moves, revealed, po)  # close → pressured → walkaway: a push
    assert effective_moves(moves, interested, po) == moves  # close → deal: a real close
    assert effective_moves(["close"], revealed, po) == ["close"]  # a bare push stays a push


BAD_PO = [
    "那我给您打个九折吧。",
    "那家便宜是因为用的都是翻新货，谁买谁后悔。",
    "没问题，我们保证绝对不会出任何问题，一定让您满意。",
    "再给您降五个点。",
]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bad_price_objection_session_walks_away(roleplay: RoleplayService, seed: int) -> None:
    session = play(roleplay, "price-objection", seed, BAD_PO)
    assert session.outcome == "walkaway", path(session)
    assert path(session)[1:3] == ["pushing", "defensive"]


# -- four more scenarios, good and bad ------------------------------------------------------------

SESSIONS: dict[str, tuple[list[str], list[str]]] = {
    "complaint-delivery": (
        [
            "黄总，真的对不起，这次延误是我们的责任，给您添了大麻烦。哪几家店断货最严重？",
            "我先从广州仓调货补上最急的三家店，今天下午三点前给您确切到货时间，这样促销期能少损失一大半。",
            "补偿方案我明天上午十点带过来当面跟您定，您看方便吗？",
        ],
        ["好的，下批货给您降五个点。", "都是船公司和那家物流公司太烂，跟我们没关系。", "我保证以后一次都不会延误。", "再降五个点。"],
    ),
    "persona-nice-guy": (
        [
            "谢谢您的认可！想请教一下，这件事最后要经过哪几位点头，您最担心的是什么？",
            "我建议先从一个部门小范围试点一个月，效果数据出来我陪您一起向领导汇报，您也好交代。",
            "那我们就这么定：下周三上午我带试点方案过来，您看方便吗？",
        ],
        ["没关系，您慢慢考虑，我们不着急，随时等您消息。", "好的，您再想想，多比较比较也好。", "没问题，我们保证绝对让您满意。", "那家公司的东西都是垃圾。"],
    ),
    "decision-leader": (
        [
            "王总，直接说结论：按三个厂区的规模，改造后电耗能降两到三成，每年省约一百五十万，十四到十八个月回本。您最看重的是回本期还是停产风险？",
            "明白。改造分厂区夜间切换，不停产；按您的用电数据，回本期能压到十六个月以内，下周二我给您一页测算，您看可以吗？",
            "那就下周二上午十点，我带合同和测算过来，十分钟讲完，您来定。",
            "好的，下周二上午十点见，我把合同准备好。",
        ],
        ["王总，我们公司实力雄厚，您放心，保证没问题。", "那家的设备都是垃圾，根本不行。", "价格好说，我直接给您降一成。", "那您看下个月能签吗？"],
    ),
    "value-intrinsic": (
        [
            "明白，单价您最清楚。想请教一下，除了单价，您这边每年换刀、停机和采购流程上大概花多少？",
            "按您现在的用量，我们的刀片寿命长四成，换刀次数每年少三百多次，折合每年能节省约十二万元。",
            "具体算下来单件加工成本能降低8%左右，这张测算表您可以逐项核对。",
            "那我周三上午把测算和报价单一起带过来，您看方便吗？",
        ],
        ["我们的刀片质量好，服务也好，您放心用。", "那我再给您便宜五个点。", "别家的刀片都是翻新货，谁用谁后悔。", "好的好的。"],
    ),
}


_LONG_SENTENCE = pytest.mark.xfail(
    strict=True,
    reason="known miss of the learned reader (issue 8 follow-up): a corrective action inside one long comma-spliced sentence is not read as value",
)


@pytest.mark.parametrize(
    "scenario_id",
    [pytest.param(s, marks=_LONG_SENTENCE) if s == "complaint-delivery" else s for s in sorted(SESSIONS)],
)
def test_good_session_agrees_for_every_motive(roleplay: RoleplayService, scenario_id: str) -> None:
    good, _ = SESSIONS[scenario_id]
    for motive, seed in seeds_by_motive(roleplay, scenario_id).items():
        session = play(roleplay, scenario_id, seed, good)
        assert session.outcome in GOOD_ENDS, (scenario_id, motive, path(session))


@pytest.mark.parametrize("scenario_id", sorted(SESSIONS))
def test_bad_session_walks_away(roleplay: RoleplayService, scenario_id: str) -> None:
    _, bad = SESSIONS[scenario_id]
    session = play(roleplay, scenario_id, 0, bad)
    assert session.outcome == "walkaway", (scenario_id, path(session))
    scores = [t.score.score for t in session.transcript if t.role == "rep" and t.score]
    assert max(scores) <= 50, scores


@pytest.mark.xfail(strict=True, reason="known miss of the learned reader (issue 8 follow-up): value or a corrective action inside one long comma-spliced sentence is read by its other clause only")
def test_after_the_reveal_a_missing_probe_is_not_held_against_the_rep(roleplay: RoleplayService) -> None:
    session = play(roleplay, "price-objection", 1, [PO_PROBE])
    assert path(session)[-1] == "revealed"
    result = roleplay.reply(session, PO_VALUE["breakdown"]).score
    crit = {c.id: c for c in result.criteria}
    assert crit["probe"].score is None  # not asked again, and not held against the rep
    assert result.band >= 4
    assert "本场景要求" not in result.feedback  # the must (probe first) is behind us
    assert "？" not in result.better_reply and "?" not in result.better_reply  # answers, does not re-ask


# -- sessions played with replies written by the corpus authors ------------------------------------


def _by_author(corpus: list[object], scenario: str, grade: int) -> dict[str, list[str]]:
    """Each author's opening replies (no context) of ``grade`` in ``scenario``."""
    out: dict[str, list[str]] = {}
    for it in corpus:
        if it.scenario == scenario and it.grade == grade and not it.context:  # type: ignore[attr-defined]
            out.setdefault(it.author, []).append(it.reply)  # type: ignore[attr-defined]
    return out


_PRESSURE_DEAL = pytest.mark.xfail(
    strict=True,
    reason="known miss (docs/scoring.md): one author's grade-1 closing replies, an ultimatum after a blind "
    "promise read at 0.4 (below the engine's 0.5 for moves that turn the customer), count as two closes and win the deal",
)


@pytest.mark.parametrize(
    "scenario",
    ["price-objection", "complaint-delivery", "decision-checker", pytest.param("closing", marks=_PRESSURE_DEAL), "value-strategic"],
)
def test_best_replies_of_other_authors_never_drive_the_customer_away(
    roleplay: RoleplayService, corpus: list[object], scenario: str
) -> None:
    """Authors' grade-5 replies, played in a row: whatever their wording, the customer does not walk out."""
    best = _by_author(corpus, scenario, 5)
    worst = _by_author(corpus, scenario, 1)
    authors = sorted(best)  # every author: adding one must not drop another from the test
    assert len(authors) >= 3
    for author in authors:
        session = play(roleplay, scenario, 11, best[author][:3])
        assert session.outcome != "walkaway", (author, path(session))
    bad_ends = {a: play(roleplay, scenario, 11, worst[a][:4]).outcome for a in sorted(worst)}
    assert "deal" not in bad_ends.values(), bad_ends
