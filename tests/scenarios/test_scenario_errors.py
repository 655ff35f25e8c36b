"""A broken scenario file must say which file, which field and what is wrong.

Each test breaks the minimal fixture in one way a trainer plausibly would and
checks the message points at the spot, so the trainer can fix it without
reading Python tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.scenarios.loader import ScenarioError, load_scenario_file, parse_scenario

FIXTURE = Path(__file__).with_name("printer-upgrade.yaml")


def _text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


def _data() -> dict[str, Any]:
    data = yaml.safe_load(_text())
    assert isinstance(data, dict)
    return data


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _error(text: str, name: str = "trainer/broken.yaml") -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, name)
    return str(info.value)


def test_fixture_is_valid() -> None:
    scenario = load_scenario_file(FIXTURE)
    assert scenario.id == "printer-upgrade"
    assert scenario.state("revealed").reveal_motive


def test_bad_indentation_gives_line_and_column() -> None:
    lines = _text().splitlines()
    idx = next(i for i, ln in enumerate(lines) if ln.startswith("  company:"))
    lines[idx] = "   company: 明达律师事务所"  # one space too many
    msg = _error("\n".join(lines))
    assert msg.startswith("trainer/broken.yaml: invalid YAML")
    assert f"line {idx + 1}," in msg and "column" in msg


def test_tab_indentation_is_reported_with_position() -> None:
    text = _text().replace("  role: 行政主管", "\trole: 行政主管")
    msg = _error(text)
    assert "invalid YAML (line" in msg


def test_unknown_top_level_field_is_named() -> None:
    data = _data()
    data["titel"] = data.pop("title")
    msg = _error(_dump(data))
    assert "titel" in msg and "Extra inputs are not permitted" in msg
    assert "title: Field required" in msg


def test_unknown_nested_field_names_its_path() -> None:
    data = _data()
    data["persona"]["motives"][0]["weigth"] = 2
    msg = _error(_dump(data))
    assert "persona.motives[0].weigth: Extra inputs are not permitted" in msg


def test_bad_transition_target_names_state_and_target() -> None:
    data = _data()
    data["states"][1]["transitions"]["value"] = "nowhere"
    msg = _error(_dump(data))
    assert "state 'revealed'" in msg and "'value'" in msg and "unknown state 'nowhere'" in msg


def test_unknown_transition_move_is_named() -> None:
    data = _data()
    data["states"][0]["transitions"]["flatter"] = "done"
    msg = _error(_dump(data))
    assert "states[0].transitions.flatter" in msg


def test_missing_band_exemplars_names_the_band() -> None:
    data = _data()
    data["exemplars"][3] = data["exemplars"][3][:2]
    msg = _error(_dump(data))
    assert "exemplars" in msg and "band 3 needs at least 3 exemplar replies" in msg


def test_unknown_band_is_rejected() -> None:
    data = _data()
    data["exemplars"][6] = ["太好了", "很好", "不错"]
    msg = _error(_dump(data))
    assert "unknown bands [6]" in msg


def test_non_terminal_state_without_default_names_the_state() -> None:
    data = _data()
    del data["states"][1]["transitions"]["default"]
    msg = _error(_dump(data))
    assert "states[1]" in msg and "needs a 'default' transition" in msg


def test_terminal_state_with_transitions_is_rejected() -> None:
    data = _data()
    data["states"][2]["transitions"] = {"default": "opening"}
    msg = _error(_dump(data))
    assert "states[2]" in msg and "terminal state" in msg


def test_missing_walkaway_ending_is_reported() -> None:
    data = _data()
    data["states"] = [s for s in data["states"] if s["id"] != "gone"]
    data["states"][0]["transitions"].pop("attack_rival")
    msg = _error(_dump(data))
    assert "walkaway" in msg


def test_rubric_rule_with_unknown_move_or_criterion() -> None:
    data = _data()
    data["rubric"]["musts"][0]["move"] = "smile"
    data["rubric"]["weights"]["charm"] = 1
    msg = _error(_dump(data))
    assert "rubric.musts[0].move" in msg and "rubric.weights.charm" in msg


def test_wrong_type_names_field() -> None:
    data = _data()
    data["difficulty"] = 9
    msg = _error(_dump(data))
    assert "difficulty: Input should be less than or equal to 5" in msg


def test_top_level_list_is_rejected() -> None:
    msg = _error("- just\n- a list\n")
    assert "(top level): expected a mapping" in msg


def test_file_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(_text(), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    msg = str(info.value)
    assert str(path) in msg and "'printer-upgrade' must match the file name 'other-name'" in msg


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("标题".encode("gbk"))
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert str(path) in str(info.value) and "cannot read" in str(info.value)
