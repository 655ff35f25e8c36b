"""Password mode (COACH_AUTH=password): sign-in, cookies, bearer tokens, throttling, CSRF, visibility."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.auth.passwords import hash_password
from app.config import load_settings
from app.db.repository import Repository
from app.main import create_app
from app.services.container import Services

KEY = "k" * 16 + "0123456789abcdef-test-key"
HTML = {"Accept": "text/html"}
PASSWORD = "correct horse 1"


@pytest.fixture
def client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    """A password-mode app with reps ann and ben (team east), cat (team west), trainers tim (east) and
    tess (west), and admin ada."""
    settings = load_settings(
        data_dir=tmp_path / "data", embedding_backend="fake", auth="password", secret_key=KEY
    )
    with TestClient(create_app(coach_services.derive(settings))) as c:
        hashed = hash_password(PASSWORD)
        with c.app.state.services.database.write() as db:  # type: ignore[attr-defined]
            repo = Repository(db)
            for name, role, team in [("ann", "rep", "east"), ("ben", "rep", "east"), ("cat", "rep", "west"),
                                     ("tim", "trainer", "east"), ("tess", "trainer", "west"), ("ada", "admin", None)]:  # fmt: skip
                repo.add_user(name, name.title(), role, team, hashed)
        yield c


def token(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    res = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    return {"Authorization": f"Bearer {body['access_token']}"}


def sign_in(client: TestClient, name: str) -> str:
    """Sign in through the login page; the CSRF token of the new session."""
    res = client.post("/login", data={"name": name, "password": PASSWORD, "next": "/history"}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/history"
    page = client.get("/", headers=HTML)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "pages carry the CSRF field"
    return found.group(1)


def start(client: TestClient, headers: dict[str, str]) -> str:
    res = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 1}, headers=headers)
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


def test_pages_redirect_to_login_and_api_answers_401(client: TestClient) -> None:
    res = client.get("/history", headers=HTML, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login?next=/history"
    login = client.get("/login", headers=HTML)
    assert login.status_code == 200 and "登录" in login.text and 'name="password"' in login.text
    assert "Sign in" in client.get("/login?lang=en", headers=HTML).text
    api = client.get("/api/v1/sessions")
    assert api.status_code == 401 and api.json()["detail"] and api.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/sessions", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_login_sets_a_signed_httponly_lax_cookie(client: TestClient) -> None:
    res = client.post("/login", data={"name": "ann", "password": PASSWORD}, follow_redirects=False)
    cookie = res.headers["set-cookie"].lower()
    assert res.status_code == 303 and "coach_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert client.get("/", headers=HTML).status_code == 200
    bad = client.post("/login", data={"name": "ann", "password": "wrong password"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text


def test_cookie_is_secure_behind_tls(client: TestClient) -> None:
    tls = TestClient(client.app, base_url="https://testserver")
    res = tls.post("/login", data={"name": "ann", "password": PASSWORD}, follow_redirects=False)
    assert res.status_code == 303 and "secure" in res.headers["set-cookie"].lower()


def test_next_is_never_another_site(client: TestClient) -> None:
    res = client.post("/login", data={"name": "ann", "password": PASSWORD, "next": "//evil.example/x"},
                      follow_redirects=False)  # fmt: skip
    assert res.headers["location"] == "/"


def test_bearer_token_flow_and_wrong_password(client: TestClient) -> None:
    auth = token(client, "ann")
    assert client.get("/api/v1/sessions", headers=auth).json() == []
    wrong = client.post("/api/v1/auth/token", data={"username": "ann", "password": "nope nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "nope nope"})
    assert unknown.status_code == 401 and unknown.json() == wrong.json()


def test_failed_logins_are_throttled_in_the_database(client: TestClient) -> None:
    for _ in range(5):
        assert client.post("/api/v1/auth/token", data={"username": "ben", "password": "guess guess"}).status_code == 401
    locked = client.post("/api/v1/auth/token", data={"username": "ben", "password": PASSWORD})
    assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 15 * 60
    page = client.post("/login", data={"name": "ben", "password": PASSWORD}, follow_redirects=False)
    assert page.status_code == 429 and page.headers["retry-after"]
    token(client, "ann")  # another name is not locked


def test_rep_sees_only_own_sessions(client: TestClient) -> None:
    ann, ben = token(client, "ann"), token(client, "ben")
    sid = start(client, ann)
    assert client.get(f"/api/v1/sessions/{sid}", headers=ann).status_code == 200
    assert client.get(f"/api/v1/sessions/{sid}", headers=ben).status_code == 404
    assert client.get(f"/api/v1/sessions/{sid}/scorecard", headers=ben).status_code == 404
    assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您好"}, headers=ben).status_code == 404
    assert [s["id"] for s in client.get("/api/v1/sessions", headers=ben).json()] == []


def test_trainer_sees_own_team_admin_everyone(client: TestClient) -> None:
    east, west = start(client, token(client, "ann")), start(client, token(client, "cat"))
    tim, tess, ada = token(client, "tim"), token(client, "tess"), token(client, "ada")
    assert client.get(f"/api/v1/sessions/{east}", headers=tim).status_code == 200
    assert client.get(f"/api/v1/sessions/{west}", headers=tim).status_code == 404
    assert client.get(f"/api/v1/sessions/{west}", headers=tess).status_code == 200
    assert client.get(f"/api/v1/sessions/{east}", headers=ada).status_code == 200
    assert client.get(f"/api/v1/sessions/{west}", headers=ada).status_code == 200


def test_reps_get_403_from_trainer_endpoints(client: TestClient) -> None:
    ann = token(client, "ann")
    assert client.get("/api/v1/trainer/sessions", headers=ann).status_code == 403
    assert client.get("/api/v1/trainer/analytics", headers=ann).status_code == 403
    assert client.get("/api/v1/trainer/sessions", headers=token(client, "tim")).status_code == 200
    sign_in(client, "ann")
    assert client.get("/trainer/analytics", headers=HTML).status_code == 403


def test_page_forms_need_the_csrf_token(client: TestClient) -> None:
    csrf = sign_in(client, "ann")
    refused = client.post("/practice", data={"scenario": "price-objection"}, follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post("/practice", data={"scenario": "price-objection", "csrf_token": "x" + csrf},
                        follow_redirects=False)  # fmt: skip
    assert wrong.status_code == 403
    ok = client.post("/practice", data={"scenario": "price-objection", "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].endswith("/chat")
    # The JSON API with a bearer token needs no CSRF token.
    assert client.post("/api/v1/sessions", json={"scenario": "price-objection"}, headers=token(client, "ben")).status_code == 201


def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = sign_in(client, "ann")
    assert client.post("/logout", follow_redirects=False).status_code == 403  # without the token
    res = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_disabled_account_and_reset_password_revoke_tokens(client: TestClient) -> None:
    ann = token(client, "ann")
    database = client.app.state.services.database  # type: ignore[attr-defined]
    with database.write() as db:
        user = Repository(db).user_by_name("ann")
        assert user is not None
        user.password_hash = hash_password("another password")
    assert client.get("/api/v1/sessions", headers=ann).status_code == 401
    ben = token(client, "ben")
    with database.write() as db:
        user = Repository(db).user_by_name("ben")
        assert user is not None
        user.disabled = True
    assert client.get("/api/v1/sessions", headers=ben).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "ben", "password": PASSWORD}).status_code == 401


def test_a_placeholder_secret_key_refuses_to_build_the_app(tmp_path: Path, coach_services: Services) -> None:
    settings = load_settings(data_dir=tmp_path / "d", embedding_backend="fake", auth="password", secret_key="change-me")
    with pytest.raises(RuntimeError, match="COACH_SECRET_KEY"):
        create_app(coach_services.derive(settings))


def test_routes_without_a_user_dependency_are_closed_too(client: TestClient) -> None:
    """Deny by default: the scenario catalog and cited library passages need a sign-in as well."""
    assert client.get("/api/v1/scenarios").status_code == 401
    res = client.get("/knowledge/passages/x", headers=HTML, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/scenarios", headers=token(client, "ann")).status_code == 200


def test_a_disabled_account_with_a_live_cookie_sees_the_login_form(client: TestClient) -> None:
    sign_in(client, "ann")
    with client.app.state.services.database.write() as db:  # type: ignore[attr-defined]
        user = Repository(db).user_by_name("ann")
        assert user is not None
        user.disabled = True
    res = client.get("/", headers=HTML, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"
    assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 200


def test_trainer_lists_show_only_their_teams_work(client: TestClient) -> None:
    ann, cat = token(client, "ann"), token(client, "cat")
    ann_sid, cat_sid = start(client, ann), start(client, cat)
    for sid, who in ((ann_sid, ann), (cat_sid, cat)):
        r = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您主要拿哪几项在比较？"}, headers=who)
        assert r.status_code == 200
        assert client.post(f"/api/v1/sessions/{sid}/messages/1/dispute", json={"reason": "x"}, headers=who).status_code == 201

    def seen(name: str) -> tuple[set[str], set[str], set[str], str]:
        h = token(client, name)
        sessions = {s["id"] for s in client.get("/api/v1/trainer/sessions", headers=h).json()}
        disputes = {d["session_id"] for d in client.get("/api/v1/trainer/disputes", headers=h).json()}
        reps = {r["name"] for r in client.get("/api/v1/trainer/analytics", headers=h).json()["reps"]}
        csv = client.get("/api/v1/trainer/analytics.csv", headers=h).text
        return sessions, disputes, reps, csv

    tim = seen("tim")
    assert tim[0] == {ann_sid} and tim[1] == {ann_sid} and cat_sid not in tim[3] and ann_sid in tim[3]
    tess = seen("tess")
    assert tess[0] == {cat_sid} and tess[1] == {cat_sid} and ann_sid not in tess[3]
    assert seen("ada")[0] == {ann_sid, cat_sid}
