"""The WeCom bot end to end: encrypted callbacks into the real app, WeCom's API as a loopback stub.

Callbacks are encrypted and signed by :class:`WecomServer`, an implementation written here from
WeCom's published scheme (AES-256-CBC, PKCS#7 to 32 bytes, SHA1 signature) and independent of
wechatpy, which the bot uses to decrypt; so a shared bug cannot hide. the bot's gettoken / message/send / update_template_card calls land in a stub
HTTP server on 127.0.0.1 (WECOM_API_BASE). The first token the stub hands out is answered
"expired" (42001) once, so every test also exercises the refresh.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient

from app.config import load_settings
from app.db.repository import Repository
from app.main import create_app
from app.services.container import Services

TOKEN, AES_KEY, CORP = "test-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "ww0123456789"


class WecomServer:
    """What WeCom's servers do to a callback: encrypt and sign it (from the published scheme)."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str) -> None:
        self.token, self.corp_id = token, corp_id
        self.key = base64.b64decode(encoding_aes_key + "=")
        assert len(self.key) == 32

    def encrypt(self, message: str) -> str:
        """random(16) + length (4 bytes, big-endian) + message + corp id, PKCS#7 to 32, AES-256-CBC, base64."""
        body = message.encode()
        plain = os.urandom(16) + struct.pack(">I", len(body)) + body + self.corp_id.encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """SHA1 of the four values sorted and joined."""
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def encrypt_message(self, xml: str, nonce: str, timestamp: str) -> str:
        """The XML envelope WeCom posts."""
        encrypted = self.encrypt(xml)
        return xmltodict.unparse({"xml": {"Encrypt": encrypted, "MsgSignature": self.sign(timestamp, nonce, encrypted),
                                          "TimeStamp": timestamp, "Nonce": nonce}})  # fmt: skip


CRYPTO = WecomServer(TOKEN, AES_KEY, CORP)
Sent = tuple[str, str, dict[str, object]]


class WecomStub:
    """gettoken, message/send and message/update_template_card on loopback; records what is sent."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.sent: list[Sent] = []
        self.expired = {"tok-1"}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, answer: dict[str, object]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                assert url.path.endswith("/gettoken") and parse_qs(url.query)["corpsecret"] == ["s3cret"]
                stub.tokens.append(f"tok-{len(stub.tokens) + 1}")
                self._answer({"errcode": 0, "access_token": stub.tokens[-1], "expires_in": 7200})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                token = parse_qs(url.query)["access_token"][0]
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
                if token in stub.expired:
                    stub.expired.discard(token)
                    self._answer({"errcode": 42001, "errmsg": "access_token expired"})
                    return
                stub.sent.append((url.path.rsplit("/", 1)[-1], token, body))
                self._answer({"errcode": 0, "errmsg": "ok"})

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"

    def wait(self, count: int, timeout: float = 30.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.sent) >= count, self.sent
        return list(self.sent)


@pytest.fixture
def stub() -> Iterator[WecomStub]:
    s = WecomStub()
    yield s
    s.server.shutdown()


@pytest.fixture
def bot_services(tmp_path: Path, coach_services: Services, stub: WecomStub) -> Iterator[Services]:
    settings = load_settings(
        data_dir=tmp_path / "data", embedding_backend="fake", wecom_token=TOKEN, wecom_encoding_aes_key=AES_KEY,
        wecom_corp_id=CORP, wecom_corp_secret="s3cret", wecom_agent_id=1000002, wecom_api_base=stub.url,
    )
    derived = coach_services.derive(settings)
    yield derived
    derived.close()


@pytest.fixture
def client(bot_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(bot_services)) as c:
        yield c


def callback(client: TestClient, fields: dict[str, str], *, crypto: WecomServer = CRYPTO, age: int = 0) -> tuple[int, str, float]:
    """POST one encrypted callback; (status, body, seconds taken)."""
    stamp, nonce = str(int(time.time()) - age), "nonce42"
    xml = xmltodict.unparse({"xml": {"ToUserName": CORP, "AgentID": "1000002", "CreateTime": stamp, **fields}})
    envelope = crypto.encrypt_message(xml, nonce, stamp)
    sig = xmltodict.parse(envelope)["xml"]["MsgSignature"]
    started = time.monotonic()
    r = client.post(f"/wecom/callback?{urlencode({'msg_signature': sig, 'timestamp': stamp, 'nonce': nonce})}",
                    content=envelope, headers={"Content-Type": "text/xml"})
    return r.status_code, r.text, time.monotonic() - started


def text(content: str, msg_id: str, user: str = "zhangsan") -> dict[str, str]:
    return {"FromUserName": user, "MsgType": "text", "Content": content, "MsgId": msg_id}


def test_url_verification_echoes_the_decrypted_echostr(client: TestClient) -> None:
    stamp, nonce = str(int(time.time())), "n1"
    echostr = CRYPTO.encrypt("echo-7788")
    query = {"msg_signature": CRYPTO.sign(stamp, nonce, echostr), "timestamp": stamp, "nonce": nonce, "echostr": echostr}
    r = client.get(f"/wecom/callback?{urlencode(query)}")
    assert (r.status_code, r.text) == (200, "echo-7788") and r.headers["content-type"].startswith("text/plain")
    assert client.get(f"/wecom/callback?{urlencode({**query, 'msg_signature': '0' * 40})}").status_code == 403
    foreign = WecomServer(TOKEN, AES_KEY, "ww-other")
    other = foreign.encrypt("echo")
    forged = {**query, "echostr": other, "msg_signature": foreign.sign(stamp, nonce, other)}
    assert client.get(f"/wecom/callback?{urlencode(forged)}").status_code == 403


def test_forged_foreign_or_stale_callbacks_are_refused_with_4xx(client: TestClient, stub: WecomStub) -> None:
    assert callback(client, text("你好", "1"), crypto=WecomServer("wrong-token", AES_KEY, CORP))[0] == 403
    assert callback(client, text("你好", "2"), crypto=WecomServer(TOKEN, AES_KEY, "ww-other-corp"))[0] == 403
    assert callback(client, text("你好", "3"), age=600)[0] == 403
    garbage = client.post("/wecom/callback?msg_signature=x&timestamp=1&nonce=n", content=b"<xml><Encrypt>%%</Encrypt>")
    assert garbage.status_code == 400
    time.sleep(0.5)
    assert stub.sent == []


def test_a_practice_over_wecom_with_cards_buttons_dedup_and_token_refresh(
    client: TestClient, stub: WecomStub, bot_services: Services
) -> None:
    status, body, took = callback(client, text("练习 价格异议", "m1"))
    assert (status, body) == (200, "") and took < 5
    sent = stub.wait(2)  # the "started" notice and the customer's opening
    assert stub.tokens == ["tok-1", "tok-2"] and {t for _, t, _ in sent} == {"tok-2"}  # 42001 → refetched
    assert [b["msgtype"] for _, _, b in sent] == ["text", "text"] and sent[0][2]["touser"] == "zhangsan"
    assert callback(client, text("理解您的顾虑，方便说说主要和哪家比吗？", "m2"))[:2] == (200, "")
    sent = stub.wait(4)
    card = sent[3][2]
    assert card["msgtype"] == "template_card" and card["agentid"] == 1000002
    keys = [b["key"] for b in card["template_card"]["button_list"]]  # type: ignore[index]
    assert keys == ["feedback:1", "hint", "end"]
    assert callback(client, text("理解您的顾虑，方便说说主要和哪家比吗？", "m2"))[:2] == (200, "")  # a retry
    time.sleep(1.0)
    assert len(stub.sent) == 4
    click = {"FromUserName": "zhangsan", "MsgType": "event", "Event": "template_card_event",
             "EventKey": "feedback:1", "TaskId": "t1", "CardType": "button_interaction", "ResponseCode": "rc-1"}
    assert callback(client, click)[0] == 200
    sent = stub.wait(6)
    assert "更好的回复" in json.dumps(sent[4][2], ensure_ascii=False)
    assert sent[5][0] == "update_template_card" and sent[5][2]["response_code"] == "rc-1"
    assert callback(client, {**click, "EventKey": "end", "ResponseCode": "rc-2"})[0] == 200
    sent = stub.wait(8)
    assert "成绩单" in json.dumps(sent[6][2], ensure_ascii=False)
    with bot_services.database.session() as db:
        repo = Repository(db)
        user = repo.user_by_name("wecom:zhangsan")
        assert user is not None
        (ps,) = repo.sessions(user_id=user.id)
        assert (ps.channel, ps.conversation, ps.status) == ("wecom", "1000002:zhangsan", "ended")
        assert [m.role for m in ps.messages] == ["customer", "rep", "customer"]


def test_an_assignment_reaches_a_linked_rep_with_how_to_start_it(client: TestClient, stub: WecomStub) -> None:
    assert callback(client, text("练习 价格异议", "m-assign-1", user="lisi"))[0] == 200
    before = len(stub.wait(1))
    assigned = client.post("/api/v1/trainer/assignments", json={"rep": "wecom:lisi", "scenario": "closing", "note": "周五前"})
    assert assigned.status_code == 201, assigned.text
    sent = stub.wait(before + 1)
    notes = [body for kind, _, body in sent if kind == "send" and "练习 closing" in json.dumps(body, ensure_ascii=False)]
    assert notes and notes[-1]["touser"] == "lisi" and "周五前" in json.dumps(notes[-1], ensure_ascii=False)
