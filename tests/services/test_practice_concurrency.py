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
