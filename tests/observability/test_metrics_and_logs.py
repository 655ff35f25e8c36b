"""``GET /metrics`` on the real app, and JSON log lines carrying the request id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import load_settings
from app.main import create_app
from app.observability.context import REQUEST_ID
from app.observability.logs import configure_logging
from app.services.container import Services

GOOD = "理解您的顾虑。方便说说您主要拿哪几项在比较吗？"


@pytest.fixture
def app_and_settings(tmp_path: Path, coach_services: Services) -> Iterator[tuple[TestClient, Services]]:
    services = coach_services.derive(
        load_settings(data_dir=tmp_path / "data", embedding_backend="fake", metrics_token="t0ken-for-scrapers")
    )
    with TestClient(create_app(services)) as c:
        yield c, services


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_metrics_count_requests_turns_and_scores(app_and_settings: tuple[TestClient, Services]) -> None:
    client, _ = app_and_settings
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 1}).json()["id"]
    assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD}).status_code == 200
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    requests = samples(r.text, "coach_http_request_seconds_count")
    key = (("method", "POST"), ("route", "/api/v1/sessions/{session_id}/messages"), ("status", "200"))
    assert requests.get(key, 0) >= 1  # by route template, never by raw path
    assert not any(sid in str(k) for k in requests)
    assert sum(samples(r.text, "coach_turn_seconds_count").values()) >= 1
    assert sum(samples(r.text, "coach_reply_score_count").values()) >= 1


def test_metrics_need_loopback_or_the_token(app_and_settings: tuple[TestClient, Services]) -> None:
    _, services = app_and_settings
    with TestClient(create_app(services), client=("203.0.113.9", 5000)) as remote:
        assert remote.get("/metrics").status_code == 403
        assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert remote.get("/metrics", headers={"Authorization": "Bearer t0ken-for-scrapers"}).status_code == 200


def test_json_log_lines_carry_the_request_id(capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("json")
        token = REQUEST_ID.set("req-42")
        try:
            logging.getLogger("app.test").error("scoring failed", exc_info=RuntimeError("boom"))
        finally:
            REQUEST_ID.reset(token)
    finally:
        root.handlers, root.level = saved[0], saved[1]
    line = capfd.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["request_id"] == "req-42" and entry["level"] == "ERROR" and entry["message"] == "scoring failed"
    assert "RuntimeError: boom" in entry["exc_info"]
