"""The Slack bot end to end: signed requests into the real app, Slack's Web API as a loopback stub.

Requests are signed like Slack signs them (the HMAC that ``slack_sdk.signature.SignatureVerifier``
checks, over a current timestamp); the bot's calls to chat.postMessage / chat.postEphemeral land
in a stub HTTP server on 127.0.0.1 that records them. ``with TestClient(app)`` keeps the event
loop alive, so the work bolt does after the ack runs; tests wait for the stub to see it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from app.config import load_settings
from app.db.repository import Repository
from app.main import create_app
from app.services.container import Services

SECRET = "test-signing-secret"
Call = tuple[str, dict[str, object]]


class SlackStub:
    """Slack's Web API on loopback: answers ok, records (method, body)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.auth_tests = 0
        self._ts = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                body: dict[str, object] = {}
                if raw.startswith("{"):
                    body = json.loads(raw)
                elif raw:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                path, _, query = self.path.partition("?")
                body.update({k: v[0] for k, v in parse_qs(query).items()})  # some methods send query params
                method = path.rsplit("/", 1)[-1]
                stub._ts += 1
                answer: dict[str, object] = {"ok": True, "channel": body.get("channel"), "ts": f"{stub._ts}.0001"}
                if method == "conversations.open":
                    answer = {"ok": True, "channel": {"id": f"D-{body.get('users')}"}}
                if method == "auth.test":
                    stub.auth_tests += 1
                    answer = {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "coach"}
                else:
                    stub.calls.append((method, body))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def wait(self, count: int, timeout: float = 30.0) -> list[Call]:
        """The calls once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.calls) >= count, self.calls
        return list(self.calls)


def sign(body: str, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack sends: timestamp and v0 signature."""
    stamp = str(int(time.time()) if ts is None else ts)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}
    if ts is None:  # the same HMAC as slack_sdk's verifier
        assert SignatureVerifier(SECRET).is_valid(body, stamp, headers["X-Slack-Signature"]) == (secret == SECRET)
    return headers


def event(text: str, event_id: str, *, kind: str = "message", channel: str = "D1", **extra: str) -> str:
    inner = {"type": kind, "channel": channel, "user": "U1", "text": text, "ts": f"{time.time():.4f}", **extra}
    if kind == "message":
        inner["channel_type"] = "im"
    return json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                       "event_id": event_id, "event_time": int(time.time()), "event": inner})


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    s = SlackStub()
    yield s
    s.server.shutdown()


@pytest.fixture
def bot_services(tmp_path: Path, coach_services: Services, stub: SlackStub) -> Iterator[Services]:
    settings = load_settings(
        data_dir=tmp_path / "data", embedding_backend="fake",
        slack_signing_secret=SECRET, slack_bot_token="xoxb-test", slack_api_base=stub.url,
    )
    derived = coach_services.derive(settings)
    yield derived
    derived.close()


@pytest.fixture
def client(bot_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(bot_services)) as c:
        yield c


def post_event(client: TestClient, body: str, **headers: str) -> int:
    r = client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body), **headers})
    return r.status_code


def blocks_text(body: dict[str, object]) -> str:
    return json.dumps(body.get("blocks") or [], ensure_ascii=False)


def button_value(body: dict[str, object], action_id: str) -> str:
    """The value of a card's button, read from the posted blocks."""
    blocks: list[dict[str, list[dict[str, str]]]] = json.loads(blocks_text(body))
    return next(e["value"] for b in blocks for e in b.get("elements", []) if e.get("action_id") == action_id)


def test_url_verification_and_signatures(client: TestClient, stub: SlackStub) -> None:
    assert stub.auth_tests == 0  # the app started without calling Slack
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    r = client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body)})
    assert r.status_code == 200 and "abc123" in r.text
    bad = client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body, secret="wrong")})
    stale = client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body, int(time.time()) - 600)})
    unsigned = client.post("/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert (bad.status_code, stale.status_code, unsigned.status_code) == (401, 401, 401)


def test_a_dm_practice_is_played_scored_and_stored_like_a_web_session(
    client: TestClient, stub: SlackStub, bot_services: Services
) -> None:
    assert post_event(client, event("练习 价格异议", "Ev1")) == 200
    calls = stub.wait(2)  # the "started" notice and the customer's opening
    assert [m for m, _ in calls] == ["chat.postMessage", "chat.postMessage"] and calls[1][1]["channel"] == "D1"
    assert post_event(client, event("理解您的顾虑，方便说说主要和哪家比吗？", "Ev2")) == 200
    calls = stub.wait(4)
    card = calls[3][1]
    assert "coach_feedback" in blocks_text(card) and "coach_hint" in blocks_text(card) and "得分" in blocks_text(card)
    ref = button_value(card, "coach_feedback")
    payload = {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "D1"}, "team": {"id": "T1"},
               "actions": [{"action_id": "coach_feedback", "block_id": "b", "value": ref, "type": "button"}]}
    form = urlencode({"payload": json.dumps(payload)})
    r = client.post("/slack/events", content=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded", **sign(form)})
    assert r.status_code == 200
    full = stub.wait(5)[4][1]
    assert "更好的回复" in blocks_text(full) and "参考资料" in blocks_text(full)
    assert post_event(client, event("结束", "Ev3")) == 200
    scorecard = stub.wait(6)[5][1]
    assert "成绩单" in blocks_text(scorecard)
    with bot_services.database.session() as db:
        repo = Repository(db)
        user = repo.user_by_name("slack:U1")
        assert user is not None
        (ps,) = repo.sessions(user_id=user.id)
        assert (ps.channel, ps.conversation, ps.status, ps.scenario_id) == ("slack", "D1", "ended", "price-objection")
        assert [m.role for m in ps.messages] == ["customer", "rep", "customer"] and ps.messages[1].score is not None


def test_a_retried_event_is_played_once(client: TestClient, stub: SlackStub) -> None:
    body = event("练习 价格异议", "EvRetry")
    assert post_event(client, body) == 200
    stub.wait(2)
    assert post_event(client, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}) == 200
    time.sleep(1.0)
    assert len(stub.calls) == 2


def test_in_a_channel_the_customer_speaks_in_the_thread_and_scores_are_ephemeral(client: TestClient, stub: SlackStub) -> None:
    assert post_event(client, event("<@UBOT> 练习 价格异议", "EvM1", kind="app_mention", channel="C1", ts="100.1")) == 200
    calls = stub.wait(2)
    assert [m for m, _ in calls] == ["chat.postEphemeral", "chat.postMessage"]
    assert calls[1][1]["thread_ts"] == "100.1"
    reply = event("<@UBOT> 您觉得贵主要是跟哪家比？", "EvM2", kind="app_mention", channel="C1", ts="100.2", thread_ts="100.1")
    assert post_event(client, reply) == 200
    calls = stub.wait(4)
    assert [m for m, _ in calls[2:]] == ["chat.postMessage", "chat.postEphemeral"]
    assert calls[3][1]["user"] == "U1" and "coach_feedback" in blocks_text(calls[3][1])


def test_the_slash_command_offers_a_picker_and_starts_a_thread(client: TestClient, stub: SlackStub) -> None:
    def slash(text: str) -> str:
        form = urlencode({"command": "/roleplay", "text": text, "user_id": "U1", "channel_id": "C1",
                          "team_id": "T1", "response_url": "http://127.0.0.1:9/none", "trigger_id": "t"})
        r = client.post("/slack/events", content=form,
                        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(form)})
        assert r.status_code == 200
        return r.text

    picker = slash("")
    assert "coach_pick" in picker and "price-objection" in picker
    slash("price-objection")
    calls = stub.wait(3)  # the thread's header, the "started" notice, the opening in the thread
    header_ts = calls[0][1]
    assert calls[0][0] == "chat.postMessage" and "<@U1>" in str(header_ts["text"])
    assert calls[2][0] == "chat.postMessage" and calls[2][1]["thread_ts"] is not None
    block_id = next(str(b["block_id"]) for b in json.loads(picker)["blocks"] if b["type"] == "actions")
    payload = {"type": "block_actions", "user": {"id": "U2"}, "channel": {"id": "C1"}, "team": {"id": "T1"},
               "actions": [{"action_id": "coach_pick", "block_id": block_id, "type": "static_select",
                            "selected_option": {"value": "closing"}}]}
    form = urlencode({"payload": json.dumps(payload)})
    r = client.post("/slack/events", content=form, headers={"Content-Type": "application/x-www-form-urlencoded", **sign(form)})
    assert r.status_code == 200
    calls = stub.wait(6)  # a second thread for U2, with its own practice
    assert "<@U2>" in str(calls[3][1]["text"]) and calls[5][1]["thread_ts"] not in (None, calls[2][1]["thread_ts"])


def test_an_assignment_reaches_the_rep_as_a_dm_whose_button_starts_it(client: TestClient, stub: SlackStub) -> None:
    assert post_event(client, event("练习 价格异议", "Ev-assign-1")) == 200  # the rep practised once: linked
    stub.wait(2)
    stub.calls.clear()
    assigned = client.post("/api/v1/trainer/assignments", json={"rep": "slack:U1", "scenario": "closing", "note": "周五前"})
    assert assigned.status_code == 201, assigned.text
    calls = stub.wait(2)
    assert calls[0][0] == "conversations.open" and calls[0][1].get("users") == "U1"
    dm = calls[1][1]
    assert calls[1][0] == "chat.postMessage" and dm["channel"] == "D-U1"
    assert "周五前" in blocks_text(dm) and "coach_start" in blocks_text(dm)
    stub.calls.clear()
    click = {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "D-U1"}, "team": {"id": "T1"},
             "actions": [{"action_id": "coach_start", "value": "closing", "type": "button"}]}  # fmt: skip
    form = urlencode({"payload": json.dumps(click)})
    r = client.post("/slack/events", content=form, headers={"Content-Type": "application/x-www-form-urlencoded", **sign(form)})
    assert r.status_code == 200
    opening = [c for c in stub.wait(1) if c[0] == "chat.postMessage"]
    assert opening and opening[-1][1]["channel"] == "D-U1"
