"""Trainer API: reviews, assignments, analytics, CSV export and scenario authoring."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings, load_settings
from app.main import create_app
from app.services.container import Services

GOOD = "理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？"


def played(client: TestClient, replies: int = 2) -> str:
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection"}).json()["id"]
    for _ in range(replies):
        client.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD})
    return str(sid)


def test_review_of_session_and_of_one_reply(client: TestClient) -> None:
    sid = played(client)
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": 65, "comment": "整体不错"})
    assert r.status_code == 200
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 1, "score": 50, "comment": "再具体些"})
    reviews = {x["message_seq"]: (x["score"], x["comment"]) for x in r.json()["reviews"]}
    assert reviews == {None: (65, "整体不错"), 1: (50, "再具体些")}
    assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 0, "score": 1}).status_code == 404
    assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": 101}).status_code == 422
    assert client.get(f"/api/v1/sessions/{sid}").json()["reviews"]


def test_assignments_create_the_rep_and_list(client: TestClient) -> None:
    r = client.post("/api/v1/trainer/assignments", json={"rep": "张伟", "scenario": "price-objection", "due": "2026-12-01"})
    assert r.status_code == 201
    assert client.post("/api/v1/trainer/assignments", json={"rep": "张伟", "scenario": "nope"}).status_code == 404
    items = client.get("/api/v1/trainer/assignments").json()
    assert [(i["rep"], i["scenario"], i["due"]) for i in items] == [("张伟", "price-objection", "2026-12-01")]


def test_analytics_per_rep_and_per_criterion(client: TestClient) -> None:
    sid = played(client, replies=2)
    scores = [m["score"] for m in client.get(f"/api/v1/sessions/{sid}").json()["messages"] if m["score"]]
    stats = client.get("/api/v1/trainer/analytics").json()
    (rep,) = stats["reps"]
    assert rep["sessions"] == 1 and rep["replies"] == 2
    assert rep["average"] == round(sum(s["score"] for s in scores) / 2)
    probe = [c["score"] for s in scores for c in s["criteria"] if c["id"] == "probe"]
    assert stats["criteria"]["probe"] == round(sum(probe) / len(probe))
    assert len(stats["trend"]["labels"]) == 1


def test_csv_has_one_row_per_scored_reply_and_defuses_formulas(client: TestClient) -> None:
    sid = played(client, replies=1)
    client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "=HYPERLINK(\"http://x\") 您比较的是哪家？"})
    client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 1, "score": 70, "comment": "好"})
    r = client.get("/api/v1/trainer/analytics.csv")
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[0]["reply"] == GOOD and rows[0]["trainer_score"] == "70" and rows[0]["rep"] == "本地用户"
    assert rows[1]["reply"].startswith("'=")


@pytest.fixture
def author(tmp_path: Path, coach_services: Services) -> Iterator[tuple[TestClient, Settings]]:
    """An app whose trainer scenario directory is private to the test."""
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake", scenarios_dir=tmp_path / "mine")
    services = Services(settings, embeddings=coach_services.embeddings, retriever=coach_services.retriever)
    with TestClient(create_app(settings, services)) as c:
        yield c, settings


def builtin_yaml(settings: Settings, new_id: str) -> str:
    text = (settings.builtin_scenarios_dir / "price-objection.yaml").read_text(encoding="utf-8")
    return text.replace("id: price-objection", f"id: {new_id}", 1)


def test_check_reports_the_field(author: tuple[TestClient, Settings]) -> None:
    client, settings = author
    ok = client.post("/api/v1/trainer/scenarios/check", json={"yaml": builtin_yaml(settings, "my-price")}).json()
    assert ok["ok"] and ok["scenario"]["id"] == "my-price"
    bad = builtin_yaml(settings, "my-price").replace("difficulty:", "difficulty: 9\nold_difficulty:", 1)
    out = client.post("/api/v1/trainer/scenarios/check", json={"yaml": bad}).json()
    assert not out["ok"] and "difficulty" in out["error"]
    broken = client.post("/api/v1/trainer/scenarios/check", json={"yaml": "id: [unclosed"}).json()
    assert not broken["ok"] and "line" in broken["error"]


def test_saved_scenario_is_playable_at_once(author: tuple[TestClient, Settings]) -> None:
    client, settings = author
    r = client.post("/api/v1/trainer/scenarios", json={"yaml": builtin_yaml(settings, "my-price")})
    assert r.status_code == 201
    assert (settings.trainer_scenarios_path / "my-price.yaml").is_file()
    assert "my-price" in {s["id"] for s in client.get("/api/v1/scenarios").json()}
    assert client.post("/api/v1/sessions", json={"scenario": "my-price"}).status_code == 201


def test_cannot_overwrite_a_builtin_scenario(author: tuple[TestClient, Settings]) -> None:
    client, settings = author
    r = client.post("/api/v1/trainer/scenarios", json={"yaml": builtin_yaml(settings, "price-objection")})
    assert r.status_code == 422 and "price-objection" in r.json()["detail"]
    assert not (settings.trainer_scenarios_path / "price-objection.yaml").exists()


def test_trend_is_daily_for_a_new_team_and_weekly_later() -> None:
    from datetime import datetime, timedelta

    from app.services.analytics import trend

    day = datetime(2026, 11, 2, 9, 0)
    assert trend([(day, 40), (day + timedelta(hours=3), 60), (day + timedelta(days=1), 90)]) == {
        "labels": ["2026-11-02", "2026-11-03"],
        "average": [50, 90],
    }
    weekly = trend([(day, 40), (day + timedelta(days=20), 80)])
    assert weekly["labels"] == ["2026-W45", "2026-W47"]
    assert trend([]) == {"labels": [], "average": []}
