"""Channels over the one practice service: a collecting output channel, identities, notices.

Real components: the composition root on a temporary SQLite data dir, the real engine with the
deterministic fake embeddings, the real web app for the comparison with a web session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.channels.base import CollectingChannel, IncomingMessage, ScoreCard
from app.channels.gateway import Conversations
from app.config import load_settings
from app.db.repository import Repository
from app.domain import Scorecard
from app.main import create_app
from app.services.container import Services

REPLIES = [
    "理解您的顾虑。方便说说您主要拿哪几项在比较吗？",
    "我们的方案包含三年上门维修，算下来每年能省不少停机损失。",
    "除了价格，您最看重的是稳定性还是售后？",
    "上季度我们给同行业客户部署后，故障率降了三成，您看下周二上午我带案例来当面聊？",
]


@pytest.fixture
def services(tmp_path: Path, coach_services: Services) -> Iterator[Services]:
    derived = coach_services.derive(load_settings(data_dir=tmp_path / "data", embedding_backend="fake"))
    derived.database.migrate()
    yield derived
    derived.close()


def msg(text: str, user: str = "U123", conversation: str = "thread-1") -> IncomingMessage:
    return IncomingMessage("slack", user, conversation, text, display_name="小王")


def play_all(conv: Conversations, out: CollectingChannel, texts: list[str], conversation: str = "thread-1") -> None:
    async def run() -> None:
        await conv.start(msg("", conversation=conversation), "price-objection", out, seed=11)
        for text in texts:
            result = await conv.handle(msg(text, conversation=conversation), out)
            if result is not None and result.done:
                return
        await conv.end(msg("", conversation=conversation), out)

    asyncio.run(run())


def test_a_full_roleplay_through_the_collecting_channel_reaches_a_scorecard(services: Services) -> None:
    out = CollectingChannel()
    play_all(Conversations(services.practice), out, REPLIES)
    kinds = [k for k, _ in out.events]
    assert kinds[0] == "customer" and kinds[-1] == "scorecard"
    cards = [c for c in out.of("score") if isinstance(c, ScoreCard)]
    assert cards and all(0 <= c.score.score <= 100 for c in cards)
    assert [c.seq for c in cards] == [2 * i + 1 for i in range(len(cards))]
    scorecard = out.of("scorecard")[0]
    assert isinstance(scorecard, Scorecard) and scorecard.turns == len(cards)


def test_the_channel_stores_the_same_rows_as_a_web_session(services: Services, tmp_path: Path, coach_services: Services) -> None:
    play_all(Conversations(services.practice), CollectingChannel(), REPLIES[:2])
    with services.database.session() as db:
        repo = Repository(db)
        (ps,) = repo.sessions()
        channel_rows = [(m.role, m.text, m.score.result if m.score else None) for m in ps.messages]
        assert (ps.channel, ps.conversation, ps.user.name) == ("slack", "thread-1", "slack:U123")
    web = coach_services.derive(load_settings(data_dir=tmp_path / "web", embedding_backend="fake"))
    with TestClient(create_app(web)) as client:
        sid = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 11}).json()["id"]
        for text in REPLIES[:2]:
            assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": text}).status_code == 200
        client.post(f"/api/v1/sessions/{sid}/finish")
    with web.database.session() as db:
        ps_web = Repository(db).session(sid)
        assert ps_web is not None
        web_rows = [(m.role, m.text, m.score.result if m.score else None) for m in ps_web.messages]
    assert channel_rows == web_rows


def test_an_identity_maps_to_one_user_and_one_practice_per_conversation(services: Services) -> None:
    conv = Conversations(services.practice)
    out = CollectingChannel()
    play_all(conv, out, REPLIES[:1], conversation="thread-a")
    play_all(conv, out, REPLIES[:1], conversation="thread-b")
    with services.database.session() as db:
        sessions = Repository(db).sessions()
        assert {ps.conversation for ps in sessions} == {"thread-a", "thread-b"}
        assert len({ps.user_id for ps in sessions}) == 1


def test_problems_become_notices_in_the_reps_language(services: Services) -> None:
    conv = Conversations(services.practice)
    out = CollectingChannel()

    async def run() -> None:
        await conv.handle(msg("你好", conversation="nothing-here"), out)
        await conv.start(msg(""), "no-such-scenario", out)
        await conv.start(msg(""), "price-objection", out, seed=1)
        await conv.handle(msg("   "), out)
        await conv.handle(msg("好" * 5000), out)

    asyncio.run(run())
    assert out.of("notice") == ["no_session", "unknown_scenario", "empty", "too_long"]
    with services.database.session() as db:
        (ps,) = Repository(db).sessions()
        assert [m.role for m in ps.messages] == ["customer"]  # rejected input is never stored


def test_a_scoring_failure_keeps_the_reply_and_says_so(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    conv = Conversations(services.practice)
    out = CollectingChannel()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scorer crashed")

    async def run() -> None:
        await conv.start(msg(""), "price-objection", out, seed=1)
        monkeypatch.setattr(services.roleplay, "reply", boom)
        await conv.handle(msg(REPLIES[0]), out)

    asyncio.run(run())
    assert out.of("notice") == ["scoring_failed"]
    with services.database.session() as db:
        (ps,) = Repository(db).sessions()
        assert [(m.role, m.score) for m in ps.messages][1] == ("rep", None)
