"""Concurrency in the database, not in the process: leases, row-locked ``seq``, race-free get-or-create.

Each test runs on real SQLite and real PostgreSQL, with threads standing in for workers: every
thread uses its own connections, as separate processes would.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from app.config import load_settings
from app.db.models import utcnow
from app.db.repository import Repository
from app.services.container import Services
from app.services.errors import SessionNotFoundError

GOOD = "理解您的顾虑。方便说说您主要拿哪几项在比较吗？"


@pytest.fixture
def services(db_url: str, tmp_path: Path, coach_services: Services) -> Iterator[Services]:
    s = coach_services.derive(load_settings(data_dir=tmp_path / "data", embedding_backend="fake", database_url=db_url))
    s.database.migrate()
    yield s
    s.close()


def test_two_replies_to_one_session_at_once_are_both_stored_in_order(services: Services) -> None:
    with services.database.session() as db:
        user = Repository(db).get_or_create_user("rep", "小王")
    ps = services.practice.start(user, "price-objection", seed=4)
    texts = [GOOD, "我们的方案包含三年上门维修，每年能省不少停机损失。"]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda t: services.practice.reply(user, ps.id, t), texts))
    stored = services.practice.load(ps.id).messages
    assert [m.seq for m in stored] == [0, 1, 2, 3, 4]
    assert [m.role for m in stored] == ["customer", "rep", "customer", "rep", "customer"]
    assert {m.text for m in stored if m.role == "rep"} == set(texts)
    assert all(m.score is not None for m in stored if m.role == "rep")
    assert sorted(o.rep_message.seq for o in outcomes) == [1, 3]


def test_get_or_create_user_and_identity_are_race_free(services: Services) -> None:
    def user_id(i: int) -> tuple[int, int]:
        with services.database.session() as db:
            repo = Repository(db)
            return repo.get_or_create_user("same", "同一个人").id, repo.user_for_identity("wecom", "zhangsan", "张三").id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(user_id, range(16)))
    assert len(set(ids)) == 1


def test_a_lease_is_exclusive_until_released_or_expired(services: Services) -> None:
    with services.database.session() as db:
        user = Repository(db).get_or_create_user("rep", "小王")
    ps = services.practice.start(user, "price-objection", seed=4)
    leases = services.practice.leases
    assert leases.try_claim(ps.id, "a") and not leases.try_claim(ps.id, "b")
    leases.release(ps.id, "b")  # not b's to release
    assert not leases.try_claim(ps.id, "b")
    leases.release(ps.id, "a")
    assert leases.try_claim(ps.id, "b")
    with services.database.write() as db:  # a crashed worker's lease runs out
        assert Repository(db).claim(ps.id, "c", utcnow() + timedelta(hours=1), timedelta(seconds=1))
    with pytest.raises(SessionNotFoundError):
        leases.try_claim("no-such-session", "a")


def _lease(services: Services, session_id: str) -> str | None:
    from app.db.models import PracticeSession

    with services.database.session() as db:
        ps = db.get(PracticeSession, session_id)
        assert ps is not None
        return ps.lease_token


def test_a_turn_takes_two_commits_and_leaves_the_lease_free(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lease is taken with the stored reply and given back with the outcome: two write
    transactions a turn, not four (under load a turn's writes queue for SQLite's one writer)."""
    with services.database.session() as db:
        user = Repository(db).get_or_create_user("rep", "小王")
    ps = services.practice.start(user, "price-objection", seed=4)
    writes = services.database.write
    commits: list[object] = []

    def counted() -> object:
        commits.append(1)
        return writes()

    monkeypatch.setattr(services.database, "write", counted)
    services.practice.reply(user, ps.id, GOOD)
    assert len(commits) == 2
    assert _lease(services, ps.id) is None


def test_a_refused_or_failed_reply_leaves_no_lease_behind(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.services.errors import ScoringFailedError, SessionClosedError

    with services.database.session() as db:
        repo = Repository(db)
        user, other = repo.get_or_create_user("rep", "小王"), repo.get_or_create_user("rep2", "小李")
    ps = services.practice.start(user, "price-objection", seed=4)
    with pytest.raises(SessionNotFoundError):  # someone else's session: rolled back with its lease
        services.practice.reply(other, ps.id, GOOD)
    assert _lease(services, ps.id) is None

    def broken(*_: object) -> None:
        raise RuntimeError("engine down")

    monkeypatch.setattr(services.practice.engine, "reply", broken)
    with pytest.raises(ScoringFailedError):
        services.practice.reply(user, ps.id, GOOD)
    assert _lease(services, ps.id) is None  # given back on its own, the rep's message kept
    assert [m.role for m in services.practice.load(ps.id).messages] == ["customer", "rep"]
    monkeypatch.undo()
    services.practice.finish(user, ps.id)
    with pytest.raises(SessionClosedError):
        services.practice.reply(user, ps.id, GOOD)
    assert _lease(services, ps.id) is None
