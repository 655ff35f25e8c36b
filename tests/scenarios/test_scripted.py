"""Scripted scenarios: the trainer's exact lines in order, every reply still scored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from app.config import REPO_ROOT, load_settings
from app.main import create_app
from app.scenarios.loader import ScenarioError, parse_scenario
from app.services.container import Services

OPENING = "你好，我是恒远物流的王经理。听说你们的笔记本要涨价？"
SCRIPT = ["涨多少？我们今年预算已经定了。", "那培训和上门保修包含在里面吗？", "好，下周二你带方案来公司详谈。"]
REPLY = "理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？"


def scripted_data(new_id: str = "my-script", **changes: Any) -> dict[str, Any]:
    """The price-objection scenario turned into a script: one opening, three lines, no states or motives."""
    text = (REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    for key in ("states", "initial_state", "turn_limit", "turn_limit_lines"):
        data.pop(key, None)
    data["persona"].pop("motives")
    data.update({"id": new_id, "mode": "scripted", "openings": [OPENING], "script": list(SCRIPT), **changes})
    return data


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture
def client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as c:
        yield c


def test_scripted_scenario_needs_exactly_one_opening_and_a_script() -> None:
    s = parse_scenario(dump(scripted_data()))
    assert s.mode == "scripted" and s.script == SCRIPT and s.script_ending == "next_meeting"
    assert s.summary()["opening"] == OPENING and s.summary()["mode"] == "scripted"
    with pytest.raises(ScenarioError, match="openings: List should have at most 1 item"):
        parse_scenario(dump(scripted_data(openings=[OPENING, "另一句"])))
    with pytest.raises(ScenarioError, match="script: List should have at least 1 item"):
        parse_scenario(dump(scripted_data(script=[])))


def test_state_machine_scenarios_keep_their_minimums() -> None:
    data = scripted_data()
    data["mode"] = "states"
    with pytest.raises(ScenarioError) as err:
        parse_scenario(dump(data))
    msg = str(err.value)
    assert "openings: List should have at least 3 items" in msg and "states: List should have at least 2" in msg
    assert "persona: motives: at least 1 motive is needed" in msg and "script: List should have at most 0" in msg


def test_saved_script_plays_in_order_scores_every_reply_and_ends(client: TestClient) -> None:
    r = client.post("/api/v1/trainer/scenarios", json={"yaml": dump(scripted_data(script_ending="deal"))})
    assert r.status_code == 201 and r.json()["scenario"]["opening"] == OPENING
    listed = {s["id"]: s for s in client.get("/api/v1/scenarios").json()}
    assert listed["my-script"]["opening"] == OPENING
    for _ in range(2):  # every session opens with the one opening and says the same lines
        created = client.post("/api/v1/sessions", json={"scenario": "my-script"}).json()
        assert [m["text"] for m in created["messages"]] == [OPENING]
        said = []
        for n, expected in enumerate(SCRIPT, start=1):
            out = client.post(f"/api/v1/sessions/{created['id']}/messages", json={"text": REPLY}).json()
            said.append(out["reply"]["text"])
            assert out["score"]["score"] >= 0 and out["score"]["criteria"]
            assert out["done"] is (n == len(SCRIPT)) and out["outcome"] == ("deal" if n == len(SCRIPT) else None)
            assert out["reply"]["text"] == expected
        assert said == SCRIPT
        session = client.get(f"/api/v1/sessions/{created['id']}").json()
        assert session["done"] and session["outcome"] == "deal"
        rep = [m for m in session["messages"] if m["role"] == "rep"]
        assert len(rep) == len(SCRIPT) and all(m["score"] for m in rep)
        late = client.post(f"/api/v1/sessions/{created['id']}/messages", json={"text": REPLY})
        assert late.status_code >= 400
