"""The repository on real SQLite and real PostgreSQL: users, sessions, messages, scores, reviews, assignments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import Message, Score
from app.db.repository import Repository
from app.domain import CriterionScore, RoleplaySession, ScoreResult, Turn


@pytest.fixture
def repo(db_url: str) -> Iterator[Repository]:
    database = Database(db_url)
    database.migrate()
    with database.session() as s:
        yield Repository(s)
    database.dispose()


def _state(done: bool = False) -> RoleplaySession:
    return RoleplaySession(
        scenario_id="price-objection",
        seed=7,
        motive_id="discount",
        state_id="opening",
        transcript=[Turn(role="customer", text="太贵了")],
        done=done,
        outcome="deal" if done else None,
    )


def _score(value: int) -> ScoreResult:
    return ScoreResult(
        score=value,
        band=4,
        criteria=[CriterionScore(id="probe", score=value, comment="问得好")],
        feedback="不错",
        better_reply="可以再问一句",
        citations=[],
    )


def test_get_or_create_user_is_idempotent(repo: Repository) -> None:
    a = repo.get_or_create_user("local", "本地用户", role="trainer")
    b = repo.get_or_create_user("local", "其他名字")
    assert a.id == b.id and b.display_name == "本地用户" and b.role == "trainer"


def test_session_keeps_engine_state_messages_and_scores(repo: Repository) -> None:
    user = repo.get_or_create_user("rep1", "小王")
    ps = repo.create_session(user.id, _state())
    repo.add_message(ps, "customer", "太贵了")
    rep = repo.add_message(ps, "rep", "您主要和哪家比较？")
    repo.add_score(rep, _score(72))
    repo.db.commit()
    repo.db.expunge_all()

    loaded = repo.session(ps.id)
    assert loaded is not None
    assert RoleplaySession.model_validate(loaded.state).seed == 7
    assert [(m.seq, m.role) for m in loaded.messages] == [(0, "customer"), (1, "rep")]
    assert loaded.messages[1].score is not None and loaded.messages[1].score.score == 72
    assert loaded.messages[1].score.result["criteria"][0]["comment"] == "问得好"


def test_finished_state_sets_status_and_outcome(repo: Repository) -> None:
    ps = repo.create_session(repo.get_or_create_user("rep1", "小王").id, _state())
    repo.save_state(ps, _state(done=True))
    repo.db.commit()
    assert (ps.status, ps.outcome) == ("done", "deal") and ps.ended_at is not None


def test_sessions_list_is_per_user_newest_first(repo: Repository) -> None:
    a, b = repo.get_or_create_user("a", "A"), repo.get_or_create_user("b", "B")
    first = repo.create_session(a.id, _state())
    repo.db.commit()
    second = repo.create_session(a.id, _state())
    repo.create_session(b.id, _state())
    repo.db.commit()
    assert [s.id for s in repo.sessions(user_id=a.id)] == [second.id, first.id]
    assert len(repo.sessions()) == 3


def test_review_upsert_replaces_the_same_reviewers_review(repo: Repository) -> None:
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    ps = repo.create_session(repo.get_or_create_user("rep1", "小王").id, _state())
    msg = repo.add_message(ps, "rep", "hi")
    repo.upsert_review(ps.id, trainer.id, None, 60, "整体还行")
    repo.upsert_review(ps.id, trainer.id, msg.id, 40, "这句太急")
    repo.db.commit()
    repo.upsert_review(ps.id, trainer.id, None, 70, "改了")
    repo.db.commit()
    reviews = {r.message_id: (r.score, r.comment) for r in repo.reviews(ps.id)}
    assert reviews == {None: (70, "改了"), msg.id: (40, "这句太急")}
    assert repo.reviewed_session_ids() == {ps.id}


def test_assignments_upsert_and_remove(repo: Repository) -> None:
    rep = repo.get_or_create_user("rep1", "小王")
    a = repo.assign(rep.id, "price-objection", None, "先练这个", "2026-12-01")
    repo.db.commit()
    again = repo.assign(rep.id, "price-objection", None, "改备注", None)
    repo.db.commit()
    assert again.id == a.id and [x.note for x in repo.assignments(rep.id)] == ["改备注"]
    repo.unassign(a.id)
    repo.db.commit()
    assert repo.assignments() == []


def test_deleting_a_session_cascades_to_messages_and_scores(repo: Repository) -> None:
    ps = repo.create_session(repo.get_or_create_user("rep1", "小王").id, _state())
    repo.add_score(repo.add_message(ps, "rep", "hi"), _score(50))
    repo.db.commit()
    repo.db.delete(ps)
    repo.db.commit()
    assert repo.db.scalar(select(func.count()).select_from(Message)) == 0
    assert repo.db.scalar(select(func.count()).select_from(Score)) == 0


def test_review_keeps_per_criterion_grades_and_replaces_them(repo: Repository) -> None:
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    ps = repo.create_session(repo.get_or_create_user("rep1", "小王").id, _state())
    msg = repo.add_message(ps, "rep", "hi")
    repo.upsert_review(ps.id, trainer.id, msg.id, 40, "", {"probe": 80, "next-step": 20})
    repo.db.commit()
    repo.db.expunge_all()
    (r,) = repo.reviews(ps.id)
    assert r.criteria == {"probe": 80, "next-step": 20}
    repo.upsert_review(ps.id, trainer.id, msg.id, 45, "")
    repo.db.commit()
    assert repo.reviews(ps.id)[0].criteria is None


def test_dispute_opens_once_and_a_review_resolves_it(repo: Repository) -> None:
    rep = repo.get_or_create_user("rep1", "小王")
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    ps = repo.create_session(rep.id, _state())
    repo.add_message(ps, "customer", "太贵了")
    msg = repo.add_message(ps, "rep", "您和哪家比？")
    repo.add_score(msg, _score(30))
    repo.db.commit()
    first = repo.dispute(msg, rep.id, "我问了问题")
    again = repo.dispute(msg, rep.id, "追问是对的")
    repo.db.commit()
    assert first.id == again.id and again.reason == "追问是对的"
    assert [d.id for d in repo.open_disputes()] == [first.id]
    assert repo.open_disputes()[0].message.session.user.display_name == "小王"
    repo.upsert_review(ps.id, trainer.id, None, 60, "整体")  # a session review resolves nothing
    repo.db.commit()
    assert len(repo.open_disputes()) == 1
    repo.upsert_review(ps.id, trainer.id, msg.id, 70, "确实不错")
    repo.db.commit()
    assert repo.open_disputes() == []
    (d,) = repo.disputes(ps.id)
    assert d.resolved_at is not None
    reopened = repo.dispute(msg, rep.id, "还是不对")
    repo.db.commit()
    assert reopened.id != d.id and len(repo.disputes(ps.id)) == 2


def test_reviewed_replies_are_scored_reviews_of_one_reply(repo: Repository) -> None:
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    ps = repo.create_session(repo.get_or_create_user("rep1", "小王").id, _state())
    repo.add_message(ps, "customer", "太贵了")
    msg = repo.add_message(ps, "rep", "您和哪家比？")
    other = repo.add_message(ps, "rep", "还有呢？")
    repo.upsert_review(ps.id, trainer.id, None, 60, "整体")
    repo.upsert_review(ps.id, trainer.id, msg.id, 70, "好")
    repo.upsert_review(ps.id, trainer.id, other.id, None, "只有评语")
    repo.db.commit()
    rows = repo.reviewed_replies()
    assert [(r.message_id, r.score, s.id) for r, s in rows] == [(msg.id, 70, ps.id)]
    assert [m.seq for m in rows[0][1].messages] == [0, 1, 2]


def test_deleting_a_session_cascades_to_disputes(repo: Repository) -> None:
    from app.db.models import ScoreDispute

    rep = repo.get_or_create_user("rep1", "小王")
    ps = repo.create_session(rep.id, _state())
    msg = repo.add_message(ps, "rep", "hi")
    repo.add_score(msg, _score(50))
    repo.dispute(msg, rep.id, "")
    repo.db.commit()
    repo.db.expunge_all()
    loaded = repo.session(ps.id)
    repo.db.delete(loaded)
    repo.db.commit()
    assert repo.db.scalar(select(func.count()).select_from(ScoreDispute)) == 0
