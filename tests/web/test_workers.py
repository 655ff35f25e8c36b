"""`coach serve --workers 2` on one database (SQLite and PostgreSQL), under concurrent load.

Real processes on loopback: two uvicorn workers behind one socket, the same database, httpx
clients in threads. Every acknowledged reply must be stored, in order, with ``seq`` numbered
without gaps or duplicates, and nothing may answer 5xx.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db.engine import Database
from app.db.models import Message, PracticeSession

if TYPE_CHECKING:
    from tests.web.conftest import Server

REPLIES = [
    "理解您的顾虑。方便说说您主要拿哪几项在比较吗？",
    "我们的方案包含三年上门维修，算下来每年能省不少停机损失。",
    "除了价格，您最看重的是稳定性还是售后？",
    "上季度我们给同行业客户部署后，故障率降了三成。",
]


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path, make_server: type[Server]) -> Iterator[tuple[Server, str]]:
    """Two workers on ``db_url``; yields the server and the URL its data lives at."""
    url = None if db_url.startswith("sqlite") else db_url
    server = make_server(tmp_path / "data", workers=2, database_url=url)
    server.start(timeout=180)
    try:
        yield server, db_url if url else f"sqlite:///{(tmp_path / 'data' / 'coach.db').resolve()}"
    finally:
        server.stop()


def _start(http: httpx.Client) -> str:
    r = http.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 7})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _reply(base: str, sid: str, text: str) -> tuple[int, str]:
    with httpx.Client(base_url=base, timeout=120) as http:  # a new connection each: either worker may answer
        r = http.post(f"/api/v1/sessions/{sid}/messages", json={"text": text})
        return r.status_code, text


def _stored(url: str, session_ids: list[str]) -> dict[str, list[Message]]:
    database = Database(url)
    try:
        with database.session() as db:
            rows = db.scalars(
                select(Message)
                .where(Message.session_id.in_(session_ids))
                .options(selectinload(Message.score))
                .order_by(Message.seq)
            ).all()
            return {sid: [m for m in rows if m.session_id == sid] for sid in session_ids}
    finally:
        database.dispose()


def test_ten_sessions_times_ten_replies_at_once(two_workers: tuple[Server, str]) -> None:
    server, url = two_workers
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sids = [_start(http) for _ in range(10)]
    jobs = [(sid, f"{REPLIES[i % len(REPLIES)]}（第{i}条）") for sid in sids for i in range(10)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda j: (j[0], *_reply(server.url, *j)), jobs))
    statuses = [status for _, status, _ in results]
    assert not [s for s in statuses if s >= 500], statuses
    acknowledged = [(sid, text) for sid, status, text in results if status == 200]
    # A session may reach its ending before all ten replies: those answer 409 and store nothing.
    assert all(s in (200, 409) for s in statuses) and len(acknowledged) >= 10
    # GET /metrics adds up both workers: one turn per acknowledged reply, whichever worker played it.
    metrics = httpx.get(server.url + "/metrics", timeout=30).text
    turns = sum(
        s.value for f in text_string_to_metric_families(metrics) for s in f.samples if s.name == "coach_turn_seconds_count"
    )
    assert turns == len(acknowledged)
    server.stop()  # both workers stop; what was acknowledged must be in the database
    stored = _stored(url, sids)
    for sid in sids:
        seqs = [m.seq for m in stored[sid]]
        assert seqs == list(range(len(seqs))), (sid, seqs)
    rep_texts = {(sid, m.text) for sid in sids for m in stored[sid] if m.role == "rep"}
    assert set(acknowledged) <= rep_texts
    for sid in sids:  # every stored reply was scored and answered: nothing half-played
        msgs = stored[sid]
        for m in msgs:
            if m.role == "rep":
                assert m.score is not None and msgs[m.seq + 1].role == "customer", (sid, m.seq)


def test_a_scenario_saved_through_one_worker_is_served_by_the_other(two_workers: tuple[Server, str]) -> None:
    server, _ = two_workers
    with httpx.Client(base_url=server.url, timeout=60) as http:
        text = http.get("/trainer/scenarios/editor", params={"from": "price-objection"}).text
        assert "price-objection" in text
    from app.config import REPO_ROOT

    source = (REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text(encoding="utf-8")
    new_id = f"team-{uuid.uuid4().hex[:8]}"
    body = source.replace("id: price-objection", f"id: {new_id}", 1)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        saved = http.post("/trainer/scenarios/editor", data={"yaml": body, "action": "save"})
        assert saved.status_code in (200, 303), saved.text[:500]
    seen = []
    for _ in range(20):  # new connections: the kernel spreads them over both workers
        with httpx.Client(base_url=server.url, timeout=30) as http:
            seen.append(any(s["id"] == new_id for s in http.get("/api/v1/scenarios").json()))
    assert all(seen), seen
    with httpx.Client(base_url=server.url, timeout=30) as http:
        r = http.post("/api/v1/sessions", json={"scenario": new_id})
        assert r.status_code == 201, r.text


def test_sessions_of_the_two_workers_share_one_history(two_workers: tuple[Server, str]) -> None:
    server, url = two_workers
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sids = {_start(http) for _ in range(6)}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        listed = {s["id"] for s in http.get("/api/v1/sessions").json()}
    assert sids <= listed
    database = Database(url)
    try:
        with database.session() as db:
            assert len(db.scalars(select(PracticeSession.id)).all()) == len(sids)
    finally:
        database.dispose()


def test_forty_five_replies_to_one_session_at_once(two_workers: tuple[Server, str]) -> None:
    """The probe that once gave 25 × 500: all wait their turn, none holds a connection meanwhile."""
    server, url = two_workers
    with httpx.Client(base_url=server.url, timeout=60) as http:
        r = http.post("/api/v1/sessions", json={"scenario": "closing", "seed": 3})
        assert r.status_code == 201, r.text
        sid = str(r.json()["id"])
    texts = [f"好的，我记下了第{i}点。" for i in range(45)]
    with ThreadPoolExecutor(max_workers=45) as pool:
        results = list(pool.map(lambda t: _reply(server.url, sid, t), texts))
        # Meanwhile another rep's reply is not stuck behind them.
        with httpx.Client(base_url=server.url, timeout=60) as http:
            other = _start(http)
        assert _reply(server.url, other, REPLIES[0])[0] == 200
    statuses = [status for status, _ in results]
    assert not [s for s in statuses if s >= 500], statuses
    assert all(s in (200, 409) for s in statuses), statuses
    stored = _stored(url, [sid])[sid]
    assert [m.seq for m in stored] == list(range(len(stored)))
    roles = [m.role for m in stored]
    assert roles == ["customer", *["rep", "customer"] * ((len(stored) - 1) // 2)]  # strictly alternating
    assert {t for s, t in results if s == 200} == {m.text for m in stored if m.role == "rep"}


def test_shutdown_under_load_is_bounded_and_loses_no_acknowledged_reply(
    tmp_path: Path, make_server: type[Server]
) -> None:
    server = make_server(tmp_path / "data")
    server.start(timeout=180)
    url = f"sqlite:///{(tmp_path / 'data' / 'coach.db').resolve()}"
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sids = [_start(http) for _ in range(8)]

    def safe_reply(job: tuple[str, str]) -> tuple[str, int, str]:
        try:
            return (job[0], *_reply(server.url, *job))
        except httpx.HTTPError:
            return job[0], 0, job[1]  # cut off by the shutdown: never acknowledged

    jobs = [(sid, f"{REPLIES[i % len(REPLIES)]}（{i}）") for sid in sids for i in range(4)]
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(safe_reply, j) for j in jobs]
        time.sleep(0.5)
        assert server.proc is not None
        started = time.monotonic()
        server.proc.terminate()
        server.proc.wait(timeout=60)
        stopped_in = time.monotonic() - started
        results = [f.result() for f in futures]
    server.proc = None
    assert stopped_in < 30
    acknowledged = {(sid, text) for sid, status, text in results if status == 200}
    stored = _stored(url, sids)
    assert acknowledged <= {(sid, m.text) for sid in sids for m in stored[sid] if m.role == "rep"}
    for sid in sids:
        assert [m.seq for m in stored[sid]] == list(range(len(stored[sid])))


def test_a_second_server_on_the_same_sqlite_data_dir_is_refused(tmp_path: Path, make_server: type[Server]) -> None:
    first = make_server(tmp_path / "data")
    first.start(timeout=180)
    try:
        second = make_server(tmp_path / "data")
        with pytest.raises(RuntimeError, match="another coach server|DATA_DIR"):
            second.start(timeout=60)
    finally:
        first.stop()
