"""The shipped scenario library: every file loads, hangs together and teaches the material.

Beyond schema validity these tests walk each scenario's state graph: every
state must be reachable, a session must be able to end from anywhere, a rep
who only uses good moves can win and one who only breaks the rules cannot.
A few persona-specific walks pin down the reactions GUIDE §1 describes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from app.config import REPO_ROOT
from app.scenarios.loader import ScenarioRegistry, load_scenario_file
from app.scenarios.schema import GUIDE_SCENARIO_IDS, Scenario

SCENARIO_DIR = REPO_ROOT / "knowledge" / "scenarios"
PLAYBOOK_DIR = REPO_ROOT / "knowledge" / "playbooks"
FILES = sorted(SCENARIO_DIR.glob("*.yaml"))

GUIDE_IDS = GUIDE_SCENARIO_IDS
GOOD_MOVES = ("probe", "empathise", "value", "quantify", "close", "defer_honestly")
BAD_MOVES = ("attack_rival", "blind_promise", "off_topic", "concede", "default")
SUCCESS = {"deal", "next_meeting"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def _load(path: Path) -> Scenario:
    return load_scenario_file(path)


def _step(scenario: Scenario, state_id: str, move: str) -> str:
    """Where ``move`` leads from ``state_id``: its transition, else ``default``."""
    transitions = scenario.state(state_id).transitions
    return transitions.get(move, transitions["default"])  # type: ignore[call-overload,no-any-return]


def _reachable(scenario: Scenario, start: str, moves: Iterable[str] | None = None) -> set[str]:
    """States reachable from ``start`` using only ``moves`` (all moves when None)."""
    allowed = None if moves is None else set(moves)
    seen, todo = {start}, deque([start])
    while todo:
        state = scenario.state(todo.popleft())
        if state.ending:
            continue
        if allowed is None:
            targets = set(state.transitions.values())
        else:
            targets = {_step(scenario, state.id, m) for m in allowed}
        for t in targets - seen:
            seen.add(t)
            todo.append(t)
    return seen


def _walk(scenario: Scenario, moves: Iterable[str]) -> str:
    """The state after replaying ``moves`` from the initial state, stopping at an ending."""
    state = scenario.initial_state
    for m in moves:
        if scenario.state(state).ending:
            break
        state = _step(scenario, state, m)
    return state


def _ending(scenario: Scenario, state_id: str) -> str | None:
    return scenario.state(state_id).ending


def test_library_has_every_guide_scenario() -> None:
    present = {p.stem for p in FILES}
    missing = sorted(set(GUIDE_IDS) - present)
    assert not missing, f"scenarios missing from {SCENARIO_DIR}: {missing}"


def test_registry_loads_the_whole_directory() -> None:
    registry = ScenarioRegistry.from_dirs(SCENARIO_DIR)
    assert registry.ids() == [p.stem for p in FILES]


@pytest.fixture(params=FILES, ids=lambda p: p.stem)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return _load(request.param)


def test_id_matches_file_name(scenario: Scenario) -> None:
    assert (SCENARIO_DIR / f"{scenario.id}.yaml").is_file()


def test_transition_targets_exist(scenario: Scenario) -> None:
    known = {s.id for s in scenario.states}
    for s in scenario.states:
        for key, target in s.transitions.items():
            assert target in known, f"{scenario.id}: state '{s.id}' {key} -> unknown '{target}'"


def test_every_state_reachable_from_initial(scenario: Scenario) -> None:
    unreachable = {s.id for s in scenario.states} - _reachable(scenario, scenario.initial_state)
    assert not unreachable, f"{scenario.id}: unreachable states {sorted(unreachable)}"


def test_every_state_can_still_end(scenario: Scenario) -> None:
    for s in scenario.states:
        endings = {_ending(scenario, t) for t in _reachable(scenario, s.id)} - {None}
        assert endings, f"{scenario.id}: no ending reachable from state '{s.id}'"


def test_good_moves_can_win(scenario: Scenario) -> None:
    endings = {_ending(scenario, t) for t in _reachable(scenario, scenario.initial_state, GOOD_MOVES)}
    assert endings & SUCCESS, f"{scenario.id}: good moves never reach a deal or next meeting"


def test_rule_breaking_never_wins(scenario: Scenario) -> None:
    reached = _reachable(scenario, scenario.initial_state, BAD_MOVES)
    wins = sorted(t for t in reached if _ending(scenario, t) in SUCCESS)
    assert not wins, f"{scenario.id}: only rule-breaking moves reach {wins}"
    assert any(_ending(scenario, t) == "walkaway" for t in reached), (
        f"{scenario.id}: a rep who keeps breaking the rules never loses the customer"
    )


def test_probing_reveals_the_hidden_motive(scenario: Scenario) -> None:
    """GUIDE §1: asking further questions brings out the real need."""
    first = _step(scenario, scenario.initial_state, "probe")
    second = _step(scenario, first, "probe") if not _ending(scenario, first) else first
    assert scenario.state(first).reveal_motive or scenario.state(second).reveal_motive, (
        f"{scenario.id}: probing from the start does not reach a reveal_motive state"
    )


def test_enough_lines_for_a_session(scenario: Scenario) -> None:
    """The engine does not repeat a line verbatim, so each state needs variants."""
    assert len(scenario.openings) >= 4
    assert len(set(scenario.openings)) == len(scenario.openings)
    for s in scenario.states:
        minimum = 2 if s.ending else 3
        assert len(set(s.lines)) >= minimum, f"{scenario.id}: state '{s.id}' has {len(set(s.lines))} lines"
    for m in scenario.persona.motives:
        assert len(m.reveal) >= 2, f"{scenario.id}: motive '{m.id}' has fewer than 2 reveal lines"
        assert m.description.en and m.remedy.en, f"{scenario.id}: motive '{m.id}' lacks English text"


def test_customer_speaks_chinese(scenario: Scenario) -> None:
    lines = [*scenario.openings, *scenario.turn_limit_lines, *(ln for s in scenario.states for ln in s.lines)]
    not_zh = [ln for ln in lines if not _CJK.search(ln)]
    assert not not_zh, f"{scenario.id}: customer lines without Chinese: {not_zh[:3]}"


def test_exemplars_cover_every_band_without_duplicates(scenario: Scenario) -> None:
    texts = [t for band in range(1, 6) for t in scenario.exemplars[band]]
    assert all(len(scenario.exemplars[b]) >= 4 for b in range(1, 6)), f"{scenario.id}: a band has < 4"
    assert all(t.strip() for t in texts)
    dupes = {t for t in texts if texts.count(t) > 1}
    assert not dupes, f"{scenario.id}: exemplar in several places: {sorted(dupes)[:2]}"


def test_length_does_not_predict_band(scenario: Scenario) -> None:
    """Long bad and short good replies keep the scorer honest about length."""
    good = [len(t) for b in (4, 5) for t in scenario.exemplars[b]]
    bad = [len(t) for b in (1, 2) for t in scenario.exemplars[b]]
    assert min(good) < max(bad), f"{scenario.id}: every good exemplar is longer than every bad one"


def test_rubric_rules_are_consistent(scenario: Scenario) -> None:
    musts = {r.move for r in scenario.rubric.musts}
    must_nots = {r.move for r in scenario.rubric.must_nots}
    assert not musts & must_nots, f"{scenario.id}: moves both required and forbidden: {musts & must_nots}"
    assert "attack_rival" in must_nots, f"{scenario.id}: attacking rivals must be a must-not (GUIDE §3)"
    assert all(r.text.zh and r.text.en for r in [*scenario.rubric.musts, *scenario.rubric.must_nots])


def test_next_ids_are_known_scenarios(scenario: Scenario) -> None:
    known = {p.stem for p in FILES} | set(GUIDE_IDS)
    assert 1 <= len(scenario.next) <= 3
    assert scenario.id not in scenario.next
    unknown = [n for n in scenario.next if n not in known]
    assert not unknown, f"{scenario.id}: next names unknown scenarios {unknown}"


def _playbook_ids() -> set[str]:
    ids: set[str] = set()
    for md in PLAYBOOK_DIR.glob("*.md"):
        for line in md.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                ids.update(re.findall(r"\{#([a-z0-9-]+)\}", line))
    return ids


def test_cite_ids_are_playbook_sections(scenario: Scenario) -> None:
    sections = _playbook_ids()
    if not sections:
        pytest.skip("knowledge/playbooks/*.md has no {#id} headings yet (written in parallel)")
    unknown = [c for c in scenario.cite if c not in sections]
    assert not unknown, f"{scenario.id}: cite ids without a playbook heading: {unknown}"


# --- Persona-specific reactions (GUIDE §1); each walk replays rep moves from the opening. ---

REACTIONS = [
    # Conceding at once invites more pressure; conceding again and again loses the deal.
    ("price-objection", ["concede"], "pushing"),
    ("price-objection", ["concede", "concede", "concede"], "walkaway"),
    ("price-objection", ["probe", "value", "close"], "deal"),
    ("price-objection", ["attack_rival"], "defensive"),
    ("price-objection", ["blind_promise"], "suspicious"),
    # A blind promise to fit the card slot comes back as anger; asking why and deferring works.
    ("ic-card-request", ["blind_promise", "default"], "angry"),
    ("ic-card-request", ["probe", "defer_honestly"], "meeting"),
    ("ic-card-request", ["probe", "value", "close"], "deal"),
    # The actor rushes: closing at once overheats, closing again turns into regret.
    ("persona-actor", ["close", "close"], "regret"),
    ("persona-actor", ["empathise", "probe", "value", "close"], "deal"),
    # Results: numbers first; vague talk runs out the clock.
    ("persona-results", ["quantify", "close"], "deal"),
    ("persona-results", ["empathise", "empathise", "empathise"], "walkaway"),
    # The professor respects honest deferral and data; vague value does not move him.
    ("persona-professor", ["value"], "unconvinced"),
    ("persona-professor", ["defer_honestly", "close"], "meeting"),
    ("persona-professor", ["quantify", "quantify", "close"], "deal"),
    # The nice guy drifts away unless helped to decide.
    ("persona-nice-guy", ["empathise", "value", "value"], "walkaway"),
    ("persona-nice-guy", ["probe", "close", "close"], "deal"),
    # A complaint: apologise, fix the root cause, close on a clear next step.
    ("complaint-delivery", ["empathise", "value", "close"], "deal"),
    ("complaint-delivery", ["concede", "concede"], "walkaway"),
    ("complaint-delivery", ["blind_promise", "blind_promise"], "walkaway"),
    # Closing: an assumptive or alternative close settles it; re-selling cools the customer.
    ("closing", ["close"], "deal"),
    ("closing", ["value", "value", "value"], "walkaway"),
]


@pytest.mark.parametrize(("scenario_id", "moves", "expected"), REACTIONS)
def test_customer_reacts_as_the_material_says(scenario_id: str, moves: list[str], expected: str) -> None:
    path = SCENARIO_DIR / f"{scenario_id}.yaml"
    if not path.is_file():
        pytest.skip(f"{scenario_id}.yaml not present")
    assert _walk(_load(path), moves) == expected


def test_self_looping_states_have_spare_lines(scenario: Scenario) -> None:
    """A state the customer stays in by default is revisited, so it needs more variants."""
    for s in scenario.states:
        if s.transitions.get("default") == s.id:
            assert len(set(s.lines)) >= 4, f"{scenario.id}: state '{s.id}' loops on default with < 4 lines"
