"""Trainer overrides count: the three labelled averages, the CSV columns and the pages that show them.

The service tests run on real SQLite and real PostgreSQL (``db_url``): which review "was saved
last" compares timestamps that SQLite hands back naive and PostgreSQL aware. The app tests go
through the real app, API and pages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import load_settings
from app.db.engine import Database
from app.db.models import PracticeSession, utcnow
from app.db.repository import Repository
from app.domain import CriterionScore, RoleplaySession, ScoreResult, Turn
from app.main import create_app
from app.services import analytics
from app.services.analytics import Averages, Overrides
from app.services.container import Services

#: The CSV's columns before overrides were exported; they keep their names and order.
OLD_COLUMNS = [
    "rep", "session_id", "scenario", "started_at", "status", "outcome", "seq", "reply", "score", "band",
    "probe", "empathy", "value", "honesty", "adapt", "next-step", "composure", "trainer_score", "trainer_comment",
]  # fmt: skip


@pytest.fixture
def repo(db_url: str) -> Iterator[Repository]:
    database = Database(db_url)
    database.migrate()
    with database.session() as s:
        yield Repository(s)
    database.dispose()


def _score(value: int) -> ScoreResult:
    return ScoreResult(
        score=value, band=3, criteria=[CriterionScore(id="probe", score=value, comment="")],
        feedback="", better_reply="", citations=[],
    )  # fmt: skip


def _session(repo: Repository, user_id: int, scores: list[int]) -> tuple[PracticeSession, list[int]]:
    """A session with a scored rep reply per score; returns it and its rep replies' message ids."""
    state = RoleplaySession(
        scenario_id="price-objection", seed=1, motive_id="discount", state_id="opening",
        transcript=[Turn(role="customer", text="太贵了")],
    )  # fmt: skip
    ps = repo.create_session(user_id, state)
    repo.add_message(ps, "customer", "太贵了")
    ids = []
    for i, value in enumerate(scores):
        msg = repo.add_message(ps, "rep", f"回复{i}")
        repo.add_score(msg, _score(value))
        ids.append(msg.id)
    return ps, ids


def _team(repo: Repository) -> dict[str, str]:
    """Four sessions of one rep; returns their ids by name.

    a: coach 40, 60; reply 2 overridden to 80 (two trainers: the one who saved last wins)
       -> coach 50, trainer none, with overrides 60
    b: coach 70, 90; overall 50; a comment-only review of a reply -> 80, 50, 50
    c: no scored reply; overall 70                                 -> none, 70, 70
    d: coach 32, not reviewed                                      -> 32, none, 32
    """
    rep = repo.get_or_create_user("rep1", "小王")
    t1 = repo.get_or_create_user("t1", "李老师", role="trainer")
    t2 = repo.get_or_create_user("t2", "周老师", role="trainer")
    (a, a_replies), (b, b_replies), (c, _), (d, _) = (_session(repo, rep.id, s) for s in ([40, 60], [70, 90], [], [32]))
    first = repo.upsert_review(a.id, t1.id, a_replies[1], 80, "其实不错")
    second = repo.upsert_review(a.id, t2.id, a_replies[1], 10, "")
    repo.db.flush()
    first.updated_at = utcnow() + timedelta(minutes=5)  # t1 edited after t2 reviewed (t1's id is lower)
    second.updated_at = utcnow()
    repo.upsert_review(b.id, t1.id, None, 50, "整体偏弱")
    repo.upsert_review(b.id, t1.id, b_replies[0], None, "只是点评")
    repo.upsert_review(c.id, t1.id, None, 70, "")
    repo.db.commit()
    return {"a": a.id, "b": b.id, "c": c.id, "d": d.id}


def test_session_averages_follow_the_definitions(repo: Repository) -> None:
    ids = _team(repo)
    sessions = repo.sessions()
    ov = Overrides.of(analytics.reviews_of(repo, sessions))
    by_id = {ps.id: analytics.session_stats(ps, ov) for ps in sessions}
    got = {name: by_id[sid].averages for name, sid in ids.items()}
    assert got == {
        "a": Averages(coach=50, trainer=None, coach_with_overrides=60),
        "b": Averages(coach=80, trainer=50, coach_with_overrides=50),
        "c": Averages(coach=None, trainer=70, coach_with_overrides=70),
        "d": Averages(coach=32, trainer=None, coach_with_overrides=32),
    }
    assert by_id[ids["a"]].overridden == 1 and by_id[ids["b"]].overridden == 0
    plain = analytics.session_stats(next(ps for ps in sessions if ps.id == ids["a"]))
    assert plain.averages == Averages(coach=50, trainer=None, coach_with_overrides=50)


def test_team_averages_are_labelled_with_and_without_overrides(repo: Repository) -> None:
    _team(repo)
    sessions = repo.sessions()
    stats = analytics.team_stats(sessions, Overrides.of(analytics.reviews_of(repo, sessions)))
    (rep,) = stats.reps
    # Sessions weigh the same; a session without a number is left out of that average only.
    expected = Averages(
        coach=round((50 + 80 + 32) / 3), trainer=round((50 + 70) / 2), coach_with_overrides=round((60 + 50 + 70 + 32) / 4)
    )
    assert rep.averages == expected == stats.averages
    assert (rep.sessions, rep.replies, rep.overridden) == (4, 5, 1)
    assert stats.trend["basis"] == "coach_with_overrides" and stats.trend["average"] == [53]
    bare = analytics.team_stats(sessions)
    assert bare.averages == Averages(coach=54, trainer=None, coach_with_overrides=54)
    assert analytics.progress_chart(sessions)["average"] == [50, 80, 32]


def test_csv_exports_overall_and_reply_overrides(repo: Repository) -> None:
    ids = _team(repo)
    sessions = repo.sessions()
    text = analytics.export_csv(sessions, analytics.reviews_of(repo, sessions))
    header, *body = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == [*OLD_COLUMNS, "overall_override", "reply_override", "effective_score"]
    rows = [dict(zip(header, r, strict=True)) for r in body]
    cells = [(r["session_id"], r["seq"], r["score"], r["overall_override"], r["reply_override"], r["effective_score"]) for r in rows]
    assert sorted(cells) == sorted(
        [
            (ids["a"], "1", "40", "", "", "40"),
            (ids["a"], "2", "60", "", "80", "80"),
            (ids["b"], "1", "70", "50", "", "70"),
            (ids["b"], "2", "90", "50", "", "90"),
            (ids["c"], "", "", "70", "", ""),  # a session scored only overall still has its row
            (ids["d"], "1", "32", "", "", "32"),
        ]
    )
    comments = {(r["session_id"], r["seq"]): (r["trainer_score"], r["trainer_comment"]) for r in rows}
    assert comments[(ids["a"], "2")] == ("80", "其实不错") and comments[(ids["b"], "1")] == ("", "只是点评")


@pytest.fixture
def client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as c:
        yield c


GOOD = "理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？"


def _played(client: TestClient) -> tuple[str, list[int]]:
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection"}).json()["id"]
    for _ in range(2):
        client.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD})
    msgs = client.get(f"/api/v1/sessions/{sid}").json()["messages"]
    return str(sid), [m["score"]["score"] for m in msgs if m["score"]]


def test_overrides_reach_the_api_csv_and_pages(client: TestClient) -> None:
    sid, scores = _played(client)
    coach = round(sum(scores) / 2)
    before = client.get("/api/v1/trainer/analytics").json()
    assert before["averages"] == {"coach": coach, "trainer": None, "coach_with_overrides": coach}

    client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 1, "score": 5})
    mid = client.get("/api/v1/trainer/analytics").json()["reps"][0]["averages"]
    assert mid == {"coach": coach, "trainer": None, "coach_with_overrides": round((5 + scores[1]) / 2)}

    overall = 97 if coach < 90 else 3
    client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": overall, "comment": "整体"})
    after = client.get("/api/v1/trainer/analytics").json()
    assert after["reps"][0]["averages"] == {"coach": coach, "trainer": overall, "coach_with_overrides": overall}
    assert after["reps"][0]["overridden"] == 1 and after["trend"]["average"] == [overall]

    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/trainer/analytics.csv").text.lstrip("\ufeff"))))
    assert [(r["overall_override"], r["reply_override"], r["effective_score"]) for r in rows] == [
        (str(overall), "5", "5"),
        (str(overall), "", str(scores[1])),
    ]

    page = client.get("/trainer/reviews").text
    row = re.search(rf'<tr data-session="{sid}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert f'data-average="coach">{coach}</td>' in row.group(1)
    assert f'data-average="trainer">{overall}</td>' in row.group(1)
    assert "教练平均分" in page and "培训师整体评分" in page


def test_analytics_page_names_each_average(client: TestClient) -> None:
    _played(client)
    zh = client.get("/trainer/analytics").text
    assert all(label in zh for label in ("教练平均分", "培训师整体评分", "含培训师修正的平均分"))
    assert "趋势按“含培训师修正的平均分”计算。" in zh and "按评分项（教练评分）" in zh
    assert re.search(r'<th class="num" data-average="coach_with_overrides">含培训师修正的平均分</th>', zh)
    en = client.get("/trainer/analytics?lang=en").text
    assert "Coach average" in en and "Coach with trainer overrides" in en
    assert "The trend plots the coach with trainer overrides average." in en
