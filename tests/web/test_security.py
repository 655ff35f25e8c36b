"""Hosts, origins and security headers on the real app (the probes: DNS rebinding, CSRF, no CSP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import REPO_ROOT, load_settings
from app.main import create_app
from app.services.container import Services


@pytest.fixture
def app_client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as c:
        yield c


def scenario_yaml(new_id: str) -> str:
    text = (REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text(encoding="utf-8")
    return text.replace("id: price-objection", f"id: {new_id}", 1)


def test_a_foreign_host_is_refused_so_dns_rebinding_reads_nothing(app_client: TestClient) -> None:
    for path in ("/api/v1/sessions", "/trainer/analytics.csv", "/"):
        r = app_client.get(path, headers={"Host": "evil.example"})
        assert r.status_code == 400, path
    assert app_client.get("/api/v1/sessions", headers={"Host": "localhost:8000"}).status_code == 200


def test_a_cross_site_form_cannot_save_a_scenario(app_client: TestClient) -> None:
    body = {"yaml": scenario_yaml("csrf-made"), "action": "save"}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        r = app_client.post("/trainer/scenarios/editor", data=body, headers=headers)
        assert r.status_code == 403, headers
    assert "csrf-made" not in {s["id"] for s in app_client.get("/api/v1/scenarios").json()}
    same = app_client.post(
        "/trainer/scenarios/editor", data=body, headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    )
    assert same.status_code == 200
    assert "csrf-made" in {s["id"] for s in app_client.get("/api/v1/scenarios").json()}


def test_cross_site_api_writes_are_refused_and_non_browser_clients_are_not(app_client: TestClient) -> None:
    r = app_client.post("/api/v1/sessions", json={"scenario": "price-objection"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "detail" in r.json()
    assert app_client.post("/api/v1/sessions", json={"scenario": "price-objection"}).status_code == 201


def test_pages_carry_a_csp_and_the_usual_headers(app_client: TestClient) -> None:
    page = app_client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"
    assert "unsafe-inline" in app_client.get("/docs").headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    api = app_client.get("/api/v1/scenarios")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" not in api.headers


def test_no_page_has_an_inline_script_or_handler_the_csp_would_block() -> None:
    import re

    for path in (REPO_ROOT / "app" / "web" / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+=", text), path
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
