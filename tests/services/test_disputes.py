"""The dispute rules shared by the API and the pages: own scored replies only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db.engine import Database
from app.db.repository import Repository
from app.domain import RoleplaySession, ScoreResult
from app.services.disputes import DisputeError, open_counts, open_dispute
from app.services.sessions import SessionNotFoundError


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    database = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    database.migrate()
    with database.session() as s:
        yield Repository(s)
    database.dispose()


def test_only_the_reps_own_scored_replies_can_be_disputed(repo: Repository) -> None:
    rep = repo.get_or_create_user("rep", "小王")
    other = repo.get_or_create_user("other", "小李")
    state = RoleplaySession(scenario_id="price-objection", seed=1, motive_id="m", state_id="s")
    ps = repo.create_session(rep.id, state)
    repo.add_message(ps, "customer", "太贵了")
    scored = repo.add_message(ps, "rep", "您和哪家比？")
    repo.add_score(scored, ScoreResult(score=40, band=2, criteria=[], feedback="", better_reply="", citations=[]))
    repo.add_message(ps, "rep", "评分失败的一句")
    repo.db.commit()

    with pytest.raises(DisputeError) as unscored:
        open_dispute(repo, rep, ps.id, 2, "")
    assert (unscored.value.key, unscored.value.status) == ("err_dispute_unscored", 422)
    with pytest.raises(DisputeError) as customer:
        open_dispute(repo, rep, ps.id, 0, "")
    assert customer.value.status == 422
    with pytest.raises(SessionNotFoundError):
        open_dispute(repo, other, ps.id, 1, "")
    d = open_dispute(repo, rep, ps.id, 1, "  追问是对的  " + "长" * 3000)
    assert d.reason.startswith("追问是对的") and len(d.reason) == 2000
    assert open_counts(repo) == {ps.id: 1}
