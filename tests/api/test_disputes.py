"""Disputes (有异议) and per-criterion review grades over HTTP: shapes, status codes, resolution, ordering."""

from __future__ import annotations

from fastapi.testclient import TestClient

GOOD = "理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？"


def played(client: TestClient, replies: int = 2) -> str:
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 3}).json()["id"]
    for _ in range(replies):
        assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD}).status_code == 200
    return str(sid)


def test_review_with_per_criterion_grades(client: TestClient) -> None:
    sid = played(client, 1)
    body = {"message_seq": 1, "score": 40, "comment": "先别急着报价", "criteria": {"probe": 80, "next-step": 20}}
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json=body)
    assert r.status_code == 200
    (review,) = r.json()["reviews"]
    assert review["criteria"] == {"probe": 80, "next-step": 20} and review["score"] == 40
    assert client.get(f"/api/v1/sessions/{sid}").json()["reviews"][0]["criteria"] == {"probe": 80, "next-step": 20}
    # Replacing the review without grades clears them; a session review has none.
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 1, "score": 45})
    assert r.json()["reviews"][0]["criteria"] is None


def test_per_criterion_grades_are_validated(client: TestClient) -> None:
    sid = played(client, 1)
    url = f"/api/v1/trainer/sessions/{sid}/reviews"
    for criteria in ({"charm": 50}, {"probe": 101}, {"probe": -1}, {"probe": "high"}):
        r = client.post(url, json={"message_seq": 1, "score": 50, "criteria": criteria})
        assert r.status_code == 422, criteria
        assert "criteria" in r.json()["detail"]
    r = client.post(url, json={"score": 50, "criteria": {"probe": 50}})
    assert r.status_code == 422 and "message_seq" in r.json()["detail"]
    assert client.get(f"/api/v1/sessions/{sid}").json()["reviews"] == []


def test_dispute_a_reply_then_a_review_resolves_it(client: TestClient) -> None:
    sid = played(client, 2)
    r = client.post(f"/api/v1/sessions/{sid}/messages/3/dispute", json={"reason": "我先共情再追问了"})
    assert r.status_code == 201
    d = r.json()
    assert d["message_seq"] == 3 and d["reason"] == "我先共情再追问了" and d["resolved_at"] is None
    # Disputing again while open only replaces the reason.
    again = client.post(f"/api/v1/sessions/{sid}/messages/3/dispute", json={"reason": "分数太低"}).json()
    assert again["id"] == d["id"] and again["reason"] == "分数太低"
    assert client.post(f"/api/v1/sessions/{sid}/messages/1/dispute").status_code == 201  # reason optional
    session = client.get(f"/api/v1/sessions/{sid}").json()
    assert sorted(x["message_seq"] for x in session["disputes"]) == [1, 3]

    opened = client.get("/api/v1/trainer/disputes").json()
    assert [(x["session_id"], x["message_seq"]) for x in opened] == [(sid, 3), (sid, 1)]
    assert opened[0]["reply"] == GOOD and opened[0]["coach_score"] is not None and opened[0]["rep"] == "本地用户"

    client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 3, "score": 80, "comment": "同意，分数偏低"})
    assert [x["message_seq"] for x in client.get("/api/v1/trainer/disputes").json()] == [1]
    resolved = {x["message_seq"]: x["resolved_at"] for x in client.get(f"/api/v1/sessions/{sid}").json()["disputes"]}
    assert resolved[3] is not None and resolved[1] is None


def test_dispute_errors(client: TestClient) -> None:
    sid = played(client, 1)
    r = client.post(f"/api/v1/sessions/{sid}/messages/0/dispute", json={"reason": "x"})
    assert r.status_code == 422 and "客户" in r.json()["detail"]
    r = client.post(f"/api/v1/sessions/{sid}/messages/0/dispute?lang=en", json={})
    assert r.status_code == 422 and "customer" in r.json()["detail"]
    assert client.post(f"/api/v1/sessions/{sid}/messages/99/dispute", json={}).status_code == 404
    assert client.post("/api/v1/sessions/nope/messages/1/dispute", json={}).status_code == 404
    long = client.post(f"/api/v1/sessions/{sid}/messages/1/dispute", json={"reason": "长" * 2001})
    assert long.status_code == 422
    assert client.get(f"/api/v1/sessions/{sid}").json()["disputes"] == []


def test_trainer_session_list_puts_disputed_sessions_first(client: TestClient) -> None:
    disputed = played(client, 1)
    newer = played(client, 1)
    items = client.get("/api/v1/trainer/sessions").json()
    assert [i["id"] for i in items] == [newer, disputed]
    client.post(f"/api/v1/sessions/{disputed}/messages/1/dispute", json={"reason": "?"})
    items = client.get("/api/v1/trainer/sessions").json()
    assert [(i["id"], i["open_disputes"]) for i in items] == [(disputed, 1), (newer, 0)]
