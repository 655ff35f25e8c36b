"""Markup typed by users is shown as text on every page, never run (messages, names, scenario fields).

Payloads go in through every way user text enters: a rep's reply, a dispute reason, a trainer's
review comment, an assignment's rep name and note, and a trainer's scenario (title, persona,
customer lines). Then every page that shows them is fetched and must contain no live markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import REPO_ROOT, load_settings
from app.main import create_app
from app.services.container import Services

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "<svg onload=alert(3)>"]
EVIL = " ".join(PAYLOADS)


@pytest.fixture
def client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as c:
        yield c


def evil_scenario() -> str:
    text = (REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text(encoding="utf-8")
    text = text.replace("id: price-objection", "id: evil-one", 1)
    text = text.replace("  zh: 价格异议：“你们太贵了”", f"  zh: '价格 {EVIL}'", 1)
    return text.replace("  name: 王建明", f"  name: '王 {EVIL}'", 1)


def test_user_text_never_becomes_markup_on_any_page(client: TestClient) -> None:
    saved = client.post("/api/v1/trainer/scenarios", json={"yaml": evil_scenario()})
    assert saved.status_code == 201, saved.text
    sid = client.post("/api/v1/sessions", json={"scenario": "evil-one", "seed": 3}).json()["id"]
    reply = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": f"您好 {EVIL}"})
    assert reply.status_code == 200
    assert client.post(f"/api/v1/sessions/{sid}/messages/1/dispute", json={"reason": EVIL}).status_code == 201
    review = {"message_seq": 1, "score": 40, "comment": EVIL}
    assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json=review).status_code == 200
    assigned = client.post("/api/v1/trainer/assignments", json={"rep": f"rep {PAYLOADS[1]}", "scenario": "evil-one", "note": EVIL})
    assert assigned.status_code == 201, assigned.text
    pages = [
        "/", f"/sessions/{sid}/chat", f"/sessions/{sid}", f"/sessions/{sid}/scorecard", "/history",
        "/trainer/analytics", "/trainer/reviews", f"/trainer/reviews/{sid}", "/trainer/assignments",
        "/trainer/scenarios", "/trainer/scenarios/editor?edit=evil-one", "/trainer/library",
    ]  # fmt: skip
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        for payload in PAYLOADS:
            assert payload not in r.text, (path, payload)
        assert "alert(" not in r.text or "&lt;" in r.text, path  # shown, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/sessions/{sid}").text  # visible as text


def test_sql_metacharacters_are_data(client: TestClient) -> None:
    nasty = "'; DROP TABLE messages; -- \" OR 1=1 /* 价格 */"
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 1}).json()["id"]
    assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": nasty}).status_code == 200
    assert client.get(f"/api/v1/sessions/{sid}").json()["messages"][1]["text"] == nasty
    assert client.get(f"/api/v1/sessions/{nasty}").status_code == 404
    assert client.post("/api/v1/trainer/assignments", json={"rep": nasty[:90], "scenario": "price-objection"}).status_code == 201


def test_malformed_json_and_invalid_utf8_are_clear_client_errors(client: TestClient) -> None:
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection"}).json()["id"]
    headers = {"Content-Type": "application/json"}
    for body in (b'{"text": "unterminated', b"\xff\xfe\x00garbage", b'{"text": "\xe4\xbd"}', b"[1,2,3]"):
        r = client.post(f"/api/v1/sessions/{sid}/messages", content=body, headers=headers)
        assert r.status_code in (400, 422), (body, r.status_code, r.text[:200])  # undecodable bytes: 400
        assert r.json()["detail"] and r.headers["X-Request-ID"]
