"""The web app keeps a conversation across a restart on the same database URL (SQLite and PostgreSQL).

This is the end-to-end check that the whole stack (migrations at startup,
repository writes from the API, reads after a rebuild) works on each backend,
not just the repository in isolation.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.config import load_settings
from app.main import create_app
from app.services.container import Services

OPENING_REPLY = "理解您的顾虑，我们先把要比较的几项列出来好吗？您最看重哪一项？"


def test_session_survives_an_app_rebuild(db_url: str, tmp_path: Path, coach_services: Services) -> None:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake", database_url=db_url)
    with TestClient(create_app(coach_services.derive(settings))) as first:
        created = first.post("/api/v1/sessions", json={"scenario": "price-objection"})
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        posted = first.post(f"/api/v1/sessions/{sid}/messages", json={"text": OPENING_REPLY})
        assert posted.status_code == 200, posted.text
        before = first.get(f"/api/v1/sessions/{sid}").json()
    assert [m["role"] for m in before["messages"]][:2] == ["customer", "rep"]
    with TestClient(create_app(Services(settings))) as second:
        after = second.get(f"/api/v1/sessions/{sid}").json()
    assert after == before
    # The app used db_url, not the default SQLite file under the data dir.
    assert not (tmp_path / "data" / "coach.db").exists()
    assert (tmp_path / "coach.db").exists() == db_url.startswith("sqlite")
    assert after["messages"][1]["text"] == OPENING_REPLY
    assert after["messages"][2]["text"] == posted.json()["reply"]["text"]
