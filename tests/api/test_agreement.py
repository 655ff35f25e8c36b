"""`GET /api/v1/trainer/agreement`: the coach against the trainers' own review scores."""

from __future__ import annotations

from fastapi.testclient import TestClient

REPLIES = ["理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？", "那我给您打九折吧。", "我们的产品就是最好的。"]


def test_agreement_empty_then_filled(client: TestClient) -> None:
    empty = client.get("/api/v1/trainer/agreement").json()
    assert empty["min_n"] == 5 and empty["overall"]["n"] == 0 and empty["overall"]["spearman"] is None
    assert [r["key"] for r in empty["criteria"]] == ["probe", "empathy", "value", "honesty", "adapt", "next-step", "composure"]

    coach: list[int] = []
    for seed in (1, 2):
        sid = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": seed}).json()["id"]
        for text in REPLIES:
            r = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": text})
            if r.status_code != 200:
                break
            seq = max(m["seq"] for m in client.get(f"/api/v1/sessions/{sid}").json()["messages"] if m["role"] == "rep")
            score = r.json()["score"]["score"]
            coach.append(score)
            trainer = {"message_seq": seq, "score": max(0, min(100, score + 5)), "criteria": {"probe": 60}}
            assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json=trainer).status_code == 200
        client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": 50, "comment": "session-level: not counted"})

    out = client.get("/api/v1/trainer/agreement?boot=20").json()
    assert out["overall"]["n"] == len(coach) >= 5
    assert out["overall"]["within_one"] == 1.0  # the trainer was never more than 5 points off
    assert out["overall"]["spearman"] is None or out["overall"]["spearman"] > 0.5
    assert [(r["key"], r["n"]) for r in out["scenarios"]] == [("price-objection", len(coach))]
    probe = next(r for r in out["criteria"] if r["key"] == "probe")
    assert 0 <= probe["n"] <= len(coach)
    assert client.get("/api/v1/trainer/agreement?boot=-1").status_code == 422
