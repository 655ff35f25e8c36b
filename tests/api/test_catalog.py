"""Scenario list, one-off scoring (GUIDE §3 contract) and the health probes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services.container import Services


def test_scenarios_list_has_ids_titles_and_openings(client: TestClient, coach_services: Services) -> None:
    items = client.get("/api/v1/scenarios").json()
    assert {i["id"] for i in items} == set(coach_services.scenarios.ids())
    assert all(i["title"] and i["opening"] and i["persona"]["name"] for i in items)


def test_scenarios_list_follows_the_language(client: TestClient) -> None:
    zh = {i["id"]: i["title"] for i in client.get("/api/v1/scenarios").json()}
    en = {i["id"]: i["title"] for i in client.get("/api/v1/scenarios?lang=en").json()}
    assert zh["price-objection"] != en["price-objection"]


def test_score_endpoint_matches_the_cli_contract(client: TestClient, coach_services: Services) -> None:
    body = {"scenario": "price-objection", "customer": "你们太贵了", "reply": "理解您的顾虑，您主要和哪家比较呢？"}
    r = client.post("/api/v1/score", json=body)
    assert r.status_code == 200
    got = r.json()
    assert set(got) == {"score", "band", "criteria", "feedback", "better_reply", "citations", "engine"}
    expected = coach_services.scorer.score("price-objection", body["customer"], body["reply"]).public()
    assert got["score"] == expected["score"] and got["band"] == expected["band"]


def test_score_errors(client: TestClient) -> None:
    base = {"scenario": "price-objection", "customer": "太贵了"}
    assert client.post("/api/v1/score", json={**base, "reply": "  "}).status_code == 422
    assert client.post("/api/v1/score", json={**base, "reply": "好" * 2001}).status_code == 413
    r = client.post("/api/v1/score", json={**base, "scenario": "nope", "reply": "您好"})
    assert r.status_code == 404 and r.json()["detail"] == "unknown scenario 'nope'"


def test_health_and_readiness(app_settings: Settings) -> None:
    fresh = Services(app_settings)
    with TestClient(create_app(fresh)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["index"] is False
        _ = fresh.retriever  # what `coach serve` does before listening: build or open the index
        r = client.get("/readyz")
        assert r.status_code == 200 and r.json()["checks"] == {"database": True, "scenarios": True, "index": True}


def test_openapi_documents_the_contract_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/sessions", "/api/v1/sessions/{session_id}/messages", "/api/v1/score", "/readyz"):
        assert path in spec["paths"]
    assert "example" in spec["components"]["schemas"]["MessageIn"]
    assert client.get("/docs").status_code == 200
