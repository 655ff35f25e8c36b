"""`coach score` and `coach roleplay`: the GUIDE §3 contract and exit codes.

Runs the real CLI in-process on a temporary data dir with the deterministic
fake embeddings (the contract does not depend on the model; the scorer's
quality is tested in tests/coach with the real one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli.main import build_cli

CUSTOMER = "你们的电脑太贵了！同样的配置，别家便宜一大截。"
GOOD = "理解您的顾虑。方便说说您主要是跟哪家比、觉得差在哪几项吗？"
KEYS = {"score", "band", "criteria", "feedback", "better_reply", "citations", "engine"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = Path(tmp_path_factory.mktemp("cli-coach"))
    return {"COACH_DATA_DIR": str(data), "COACH_EMBEDDING_BACKEND": "fake"}


def run(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(build_cli(), list(args), input=input, env=env)


def test_score_json(env: dict[str, str]) -> None:
    result = run(env, "score", "--scenario", "price-objection", "--customer", CUSTOMER, "--reply", GOOD, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == KEYS and data["engine"] == "embedded"
    assert 0 <= data["score"] <= 100 and 1 <= data["band"] <= 5
    assert all(set(c) == {"id", "score", "comment"} for c in data["criteria"])
    assert all(set(c) >= {"source", "text"} for c in data["citations"])


def test_score_readable(env: dict[str, str]) -> None:
    result = run(env, "score", "--scenario", "price-objection", "--customer", CUSTOMER, "--reply", GOOD)
    assert result.exit_code == 0
    assert "探询需求" in result.stdout and "更好的回复" in result.stdout


@pytest.mark.parametrize("reply", ["", "   "])
def test_empty_reply_exits_2(env: dict[str, str], reply: str) -> None:
    result = run(env, "score", "--scenario", "price-objection", "--customer", CUSTOMER, "--reply", reply, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_unknown_scenario_exits_2(env: dict[str, str]) -> None:
    result = run(env, "score", "--scenario", "nope", "--customer", CUSTOMER, "--reply", GOOD, "--json")
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_jsonl_batch_keeps_order_and_reports_bad_lines(env: dict[str, str]) -> None:
    lines = [
        json.dumps({"scenario": "price-objection", "customer": CUSTOMER, "reply": GOOD}, ensure_ascii=False),
        "not json",
        json.dumps({"scenario": "price-objection", "customer": CUSTOMER, "reply": "  "}),
        json.dumps({"scenario": "nope", "customer": CUSTOMER, "reply": GOOD}, ensure_ascii=False),
        json.dumps({"scenario": "closing", "customer": "行吧", "reply": "那我周三上午带合同过来，您看方便吗？"}, ensure_ascii=False),
    ]
    result = run(env, "score", "--jsonl", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(out) == 5
    assert set(out[0]) == KEYS and set(out[4]) == KEYS
    assert [o.get("code") for o in out[1:4]] == ["bad_line", "empty_reply", "unknown_scenario"]


def test_jsonl_all_good_exits_0(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"scenario": "price-objection", "customer": CUSTOMER, "reply": GOOD}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = run(env, "score", "--jsonl", str(path))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["engine"] == "embedded"


def test_roleplay_piped_session_ends_with_a_scorecard(env: dict[str, str]) -> None:
    replies = [GOOD, "", "我们可以把上门培训写进方案，每年帮您省下两百个小时。", "/quit"]
    result = run(env, "roleplay", "price-objection", "--seed", "3", input="\n".join(replies) + "\n")
    assert result.exit_code == 0, result.output
    assert "客户" in result.stdout and "回复不能为空" in result.stdout
    assert "成绩单" in result.stdout and "共 2 轮" in result.stdout


def test_roleplay_same_seed_same_transcript(env: dict[str, str]) -> None:
    first = run(env, "roleplay", "price-objection", "--seed", "8", input=GOOD + "\n")
    again = run(env, "roleplay", "price-objection", "--seed", "8", input=GOOD + "\n")
    assert first.exit_code == 0 and first.stdout == again.stdout


def test_roleplay_unknown_scenario_exits_2(env: dict[str, str]) -> None:
    assert run(env, "roleplay", "nope", input="/quit\n").exit_code == 2


def test_roleplay_session_is_stored_and_listed_by_the_api(tmp_path: Path, coach_services: Any) -> None:
    from fastapi.testclient import TestClient

    from app.config import load_settings
    from app.main import create_app

    env = {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_EMBEDDING_BACKEND": "fake"}
    result = run(env, "roleplay", "price-objection", "--seed", "5", input=GOOD + "\n/quit\n")
    assert result.exit_code == 0, result.output
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as client:
        listed = client.get("/api/v1/sessions").json()
        assert len(listed) == 1 and listed[0]["scenario"] == "price-objection"
        detail = client.get(f"/api/v1/sessions/{listed[0]['id']}").json()
    assert [m["role"] for m in detail["messages"]][:2] == ["customer", "rep"]
    assert detail["messages"][1]["text"] == GOOD and detail["messages"][1]["score"] is not None
