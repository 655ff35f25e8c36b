"""No silent 500, bounded work: the findings of the outside probe, each pinned by a test.

Real app, real SQLite (PostgreSQL too where database behaviour matters, via ``db_url``); faults
are real too: a dropped table, a read-only database, a tiny scoring budget.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.api.catalog import ClientDisconnected, within_budget
from app.api.schemas import ErrorOut
from app.config import load_settings
from app.main import create_app
from app.services.container import Services

JSON = {"content-type": "application/json"}


@pytest.fixture
def make_client(tmp_path: Path, coach_services: Services) -> Iterator[Any]:
    """``make_client(**settings)``: a client of the real app on its own data dir."""
    stack: list[TestClient] = []

    def make(migrate: bool = True, **overrides: object) -> TestClient:
        settings = load_settings(**{"data_dir": tmp_path / f"d{len(stack)}", "embedding_backend": "fake", **overrides})
        client = TestClient(create_app(coach_services.derive(settings), migrate=migrate), raise_server_exceptions=False)
        stack.append(client.__enter__())
        return client

    yield make
    for c in stack:
        c.__exit__(None, None, None)


def new_session(client: TestClient) -> str:
    r = client.post("/api/v1/sessions", json={"scenario": "price-objection"})
    assert r.status_code == 201
    return str(r.json()["id"])


def test_unhandled_error_is_logged_and_answered_with_its_request_id(make_client: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = make_client()
    with client.app.state.services.database.engine.begin() as conn:  # a real fault: the table is gone
        conn.execute(text("DROP TABLE sessions"))
    with caplog.at_level(logging.ERROR, logger="app.api"):
        r = client.get("/api/v1/sessions")
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"detail", "request_id"} and body["request_id"] == r.headers["X-Request-ID"]
    logged = [rec for rec in caplog.records if rec.name == "app.api" and body["request_id"] in rec.getMessage()]
    assert logged and logged[0].exc_info is not None  # with the traceback
    page = client.get("/history", headers={"accept": "text/html", "X-Request-ID": "support-42"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert page.headers["X-Request-ID"] == "support-42" and "support-42" in page.text


def test_every_response_carries_a_request_id_honouring_a_sane_incoming_one(client: TestClient) -> None:
    for path in ("/healthz", "/api/v1/sessions/nope", "/static/favicon.svg", "/no-such-page"):
        assert len(client.get(path).headers["X-Request-ID"]) >= 16
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-7f3a.1"}).headers["X-Request-ID"] == "proxy-7f3a.1"
    for insane in ("has spaces", "x" * 65, "<script>"):
        assert client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"] != insane


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_an_invalid_body_are_a_422(client: TestClient, raw: str) -> None:
    sid = new_session(client)
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", content=f'{{"score": {raw}}}', headers=JSON)
    assert r.status_code == 422
    ErrorOut.model_validate(r.json())
    assert r.json()["errors"][0]["input"] == str(float(raw))


def _string_leaves(schema: dict[str, Any], spec: dict[str, Any], path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("anyOf", []):
        yield from _string_leaves(option, spec, path)
    if schema.get("type") == "string":
        yield path, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _string_leaves(prop, spec, (*path, name))
    if schema.get("type") == "array":
        yield from _string_leaves(schema["items"], spec, (*path, 0))


def _request_strings(spec: dict[str, Any]) -> Iterator[tuple[str, tuple[str | int, ...], dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        body = ops.get("post", {}).get("requestBody")
        if body:
            for leaf, schema in _string_leaves(body["content"]["application/json"]["schema"], spec):
                yield path, leaf, schema


def test_every_request_string_is_bounded_in_the_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    leaves = list(_request_strings(spec))
    assert len({(p, leaf) for p, leaf, _ in leaves}) >= 14
    unbounded = [(p, leaf) for p, leaf, s in leaves if "maxLength" not in s and "enum" not in s]
    assert unbounded == []
    assert spec["components"]["schemas"]["ScoreIn"]["properties"]["context"]["maxItems"] == 40


BASES: dict[str, dict[str, Any]] = {
    "/api/v1/sessions": {"scenario": "price-objection"},
    "/api/v1/sessions/{session_id}/messages": {"text": "您好"},
    "/api/v1/sessions/{session_id}/messages/stream": {"text": "您好"},
    "/api/v1/sessions/{session_id}/messages/{message_seq}/dispute": {"reason": "分数太低"},
    "/api/v1/score": {"scenario": "price-objection", "customer": "太贵了", "reply": "您好", "context": [{"role": "customer", "text": "太贵了"}]},
    "/api/v1/trainer/sessions/{session_id}/reviews": {"score": 70, "comment": "好"},
    "/api/v1/trainer/assignments": {"rep": "张伟", "scenario": "price-objection", "note": "", "due": "2030-01-01"},
    "/api/v1/trainer/scenarios/check": {"yaml": "id: x"},
    "/api/v1/trainer/scenarios": {"yaml": "id: x"},
}  # fmt: skip


def test_a_lone_surrogate_in_any_request_string_is_a_422(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    sid = new_session(client)
    for path, leaf, _ in _request_strings(spec):
        body: Any = copy.deepcopy(BASES[path])  # a new endpoint with a body must be added above
        node = body
        for key in leaf[:-1]:
            node = node[key]
        node[leaf[-1]] = "\ud800"
        raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800
        url = path.replace("{session_id}", sid).replace("{message_seq}", "2")
        r = client.post(url, content=raw, headers=JSON)
        assert r.status_code == 422, (path, leaf, r.status_code, r.text[:200])
        errors = r.json()["errors"]
        assert any(tuple(e["loc"][1:]) == leaf for e in errors), (path, leaf, errors)


@pytest.mark.parametrize("url", ["/trainer/assignments/99999999999999999999/delete", "/api/v1/sessions/{sid}/messages/99999999999999999999/dispute"])
def test_integer_overflow_in_a_path_is_not_a_500(make_client: Any, db_url: str, url: str) -> None:
    client = make_client(database_url=db_url)
    r = client.post(url.format(sid=new_session(client)), json={})
    assert r.status_code in (303, 404, 422), r.text
    if db_url.startswith("sqlite") and "assignments" in url:  # SQLite raises OverflowError
        assert r.status_code == 422 and r.json() == {"detail": "请求里的数字超出范围。"}


def test_reply_limits_follow_the_setting_in_schema_and_behaviour(make_client: Any) -> None:
    client = make_client(max_message_chars=300)
    prop = client.get("/openapi.json").json()["components"]["schemas"]["MessageIn"]["properties"]["text"]
    assert (prop["minLength"], prop["maxLength"]) == (1, 300)
    sid = new_session(client)
    long = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "价" * 301})
    assert long.status_code == 413 and "300" in long.json()["detail"]
    empty = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": ""})
    assert empty.status_code == 422 and empty.json() == {"detail": "the reply is empty"}


def test_score_input_is_bounded(client: TestClient) -> None:
    base = {"scenario": "price-objection", "customer": "太贵了", "reply": "您好"}
    assert client.post("/api/v1/score", json={**base, "customer": "贵" * 2001}).status_code == 422
    assert client.post("/api/v1/score", json={**base, "reply": ""}).status_code == 422
    turns = [{"role": "customer", "text": "太贵了"}] * 41
    assert client.post("/api/v1/score", json={**base, "context": turns}).status_code == 422


def test_body_over_the_limit_is_a_413_before_parsing(make_client: Any) -> None:
    client = make_client(max_body_bytes=4096)
    under = client.post("/api/v1/trainer/scenarios/check", json={"yaml": "x" * 4000})
    assert under.status_code == 200
    not_json = b"{" * 5000  # parsing it would be a 422
    r = client.post("/api/v1/trainer/scenarios/check", content=not_json, headers=JSON)
    assert r.status_code == 413 and "4096" in r.json()["detail"]
    chunked = client.post("/api/v1/trainer/scenarios/check", content=iter([b"{" * 3000] * 2), headers=JSON)
    assert "content-length" not in chunked.request.headers and chunked.status_code == 413
    page = client.post("/trainer/scenarios/editor", data={"yaml": "x" * 5000}, headers={"accept": "text/html"})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")


def test_scoring_over_its_budget_is_a_503(make_client: Any) -> None:
    client = make_client(score_budget_s=0.0001)
    r = client.post("/api/v1/score", json={"scenario": "price-objection", "customer": "太贵了", "reply": "您好"})
    assert r.status_code == 503 and "0.0001" in r.json()["detail"] and r.headers["Retry-After"]


def test_budget_stops_waiting_when_the_client_hangs_up() -> None:
    async def scenario() -> None:
        assert await within_budget(asyncio.sleep(0, "scored"), 1, asyncio.Event().wait()) == "scored"
        with pytest.raises(ClientDisconnected):
            await within_budget(asyncio.sleep(0.3), 5, asyncio.sleep(0))
        with pytest.raises(TimeoutError):
            await within_budget(asyncio.sleep(0.3), 0.01, asyncio.Event().wait())
        await asyncio.sleep(0.35)  # the abandoned work finishes on its own

    asyncio.run(asyncio.wait_for(scenario(), 3))


def test_timestamps_are_timezone_aware(client: TestClient) -> None:
    sid = new_session(client)
    assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "理解您的顾虑，您主要和哪家比较呢？"}).status_code == 200
    seq = next(m["seq"] for m in client.get(f"/api/v1/sessions/{sid}").json()["messages"] if m["role"] == "rep")
    assert client.post(f"/api/v1/sessions/{sid}/messages/{seq}/dispute", json={"reason": "太低"}).status_code == 201
    assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": 60}).status_code == 200
    body = client.get(f"/api/v1/sessions/{sid}").json()
    stamps = [body["created_at"], *(m["created_at"] for m in body["messages"]), body["reviews"][0]["updated_at"]]
    stamps += [body["disputes"][0]["created_at"], client.get("/api/v1/sessions").json()[0]["created_at"]]
    assert all(datetime.fromisoformat(s).utcoffset() is not None for s in stamps), stamps


def test_openapi_documents_the_errors_we_return(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            assert responses["500"]["content"]["application/json"]["schema"] == ref, (path, method)
            if "requestBody" in op:
                for status in ("400", "413", "422"):
                    assert responses[status]["content"]["application/json"]["schema"] == ref, (path, method, status)
            assert all(r["headers"]["X-Request-ID"]["required"] for r in responses.values())
    assert "503" in spec["paths"]["/api/v1/score"]["post"]["responses"]
    r = client.post("/api/v1/sessions", json={"scenario": 1})
    assert r.status_code == 422 and set(r.json()) <= set(ErrorOut.model_fields) and isinstance(r.json()["detail"], str)


def test_readiness_needs_a_writable_database(make_client: Any, db_url: str, coach_services: Services) -> None:
    writable = make_client(database_url=db_url)
    assert writable.get("/readyz").json()["checks"] == {"database": True, "scenarios": True, "index": True}
    if db_url.startswith("sqlite"):
        path = make_url(db_url).database
        read_only = make_client(migrate=False, database_url=f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{make_url(db_url).database}" SET default_transaction_read_only = on'))
        admin.dispose()
        writable.app.state.services.database.engine.dispose()
        read_only = writable
    r = read_only.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["database"] is False
    assert r.json()["checks"]["scenarios"] and r.json()["checks"]["index"]
