"""Server-rendered pages: every page renders, language switch, forms, and escaping of rep text."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

XSS = "<script>alert('x')</script>我们便宜"
HTML = {"accept": "text/html"}


def new_session(client: TestClient, scenario: str = "price-objection") -> str:
    r = client.post("/practice", data={"scenario": scenario}, follow_redirects=False)
    assert r.status_code == 303
    m = re.fullmatch(r"/sessions/([0-9a-f]{32})/chat", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def test_picker_lists_scenario_cards_in_chinese(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert 'data-scenario="price-objection"' in r.text and "开始练习" in r.text


def test_english_switch_is_remembered_in_a_cookie(client: TestClient) -> None:
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Pick a scenario" in r.text
    assert client.cookies.get("coach_lang") == "en"
    assert "Pick a scenario" in client.get("/").text
    assert '<html lang="zh-CN">' in client.get("/?lang=zh").text


def test_chat_scorecard_transcript_and_history_pages(client: TestClient) -> None:
    sid = new_session(client)
    chat = client.get(f"/sessions/{sid}/chat")
    assert chat.status_code == 200 and 'id="composer"' in chat.text
    client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您主要是和哪家在比较呢？"})
    card = client.get(f"/sessions/{sid}/scorecard")
    assert card.status_code == 200 and 'data-chart="radar"' in card.text and "/static/vendor/chart.umd.min.js" in card.text
    page = client.get(f"/sessions/{sid}")
    assert page.status_code == 200 and "您主要是和哪家在比较呢？" in page.text and 'class="chip band-' in page.text
    hist = client.get("/history")
    assert hist.status_code == 200 and sid in hist.text and 'data-chart="progress"' in hist.text


@pytest.mark.parametrize(
    "path", ["/trainer/analytics", "/trainer/reviews", "/trainer/assignments", "/trainer/scenarios", "/trainer/scenarios/editor"]
)
def test_trainer_pages_render(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and 'class="tabs"' in r.text


def test_unknown_session_page_is_a_friendly_404(client: TestClient) -> None:
    r = client.get("/sessions/nope", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html") and "nope" in r.text


def test_rep_script_renders_as_text_everywhere(client: TestClient) -> None:
    sid = new_session(client)
    assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": XSS}).status_code == 200
    client.post(f"/trainer/reviews/{sid}", data={"overall_comment": "<img src=x onerror=alert(1)>", "overall_score": "50"})
    client.post("/api/v1/trainer/assignments", json={"rep": "<b>bold</b>", "scenario": "price-objection", "note": "<i>x</i>"})
    pages = [
        f"/sessions/{sid}/chat", f"/sessions/{sid}/scorecard", f"/sessions/{sid}", "/history",
        "/trainer/reviews", f"/trainer/reviews/{sid}", "/trainer/analytics", "/trainer/assignments",
    ]  # fmt: skip
    for path in pages:
        text = client.get(path).text
        assert "<script>alert" not in text, path
        assert "<img src=x" not in text and "<b>bold</b>" not in text and "<i>x</i>" not in text, path
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;我们便宜" in client.get(f"/sessions/{sid}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(f"/trainer/reviews/{sid}").text


def test_review_form_saves_overall_and_per_reply(client: TestClient) -> None:
    sid = new_session(client)
    client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您主要是和哪家在比较呢？"})
    r = client.post(
        f"/trainer/reviews/{sid}",
        data={"overall_score": "72", "overall_comment": "追问到位", "score_1": "80", "comment_1": "好问题"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    reviews = {x["message_seq"]: (x["score"], x["comment"]) for x in client.get(f"/api/v1/sessions/{sid}").json()["reviews"]}
    assert reviews == {None: (72, "追问到位"), 1: (80, "好问题")}
    assert "已保存" in client.get(r.headers["location"]).text


def test_assignment_form_shows_on_the_reps_picker(client: TestClient) -> None:
    r = client.post("/trainer/assignments", data={"rep": "local", "scenario": "ic-card-request", "note": "本周完成"}, follow_redirects=False)
    assert r.status_code == 303
    assert "本周完成" in client.get("/").text and "培训师给你布置的练习" in client.get("/").text


def test_editor_shows_validation_errors_in_place(client: TestClient) -> None:
    r = client.post("/trainer/scenarios/editor", data={"yaml": "id: Bad Id\n", "action": "validate"})
    assert r.status_code == 422
    assert 'class="check bad"' in r.text and "id:" in r.text and "Bad Id" in r.text


def test_api_docs_work_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in r.text and "cdn." not in r.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_responses_carry_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/v1/scenarios"):
        h = client.get(path).headers
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_picker_offers_to_continue_an_unfinished_session(client: TestClient) -> None:
    sid = new_session(client)
    assert f"/sessions/{sid}/chat" in client.get("/").text
    client.post(f"/api/v1/sessions/{sid}/finish")
    assert f"/sessions/{sid}/chat" not in client.get("/").text


def test_assignment_list_shows_what_the_rep_practised_since(client: TestClient) -> None:
    client.post("/trainer/assignments", data={"rep": "local", "scenario": "price-objection"})

    def row() -> re.Match[str] | None:
        return re.search(r"<tr><td>本地用户</td>.*?</tr>", client.get("/trainer/assignments").text, re.S)

    m = row()
    assert m and '<td class="num">0</td>' in m.group(0)
    sid = new_session(client)
    score = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您主要是和哪家在比较呢？"}).json()["score"]["score"]
    m = row()
    assert m and '<td class="num">1</td>' in m.group(0) and f'<td class="num">{score}</td>' in m.group(0)


def test_chat_page_in_english(client: TestClient) -> None:
    sid = new_session(client)
    text = client.get(f"/sessions/{sid}/chat?lang=en").text
    assert '<html lang="en">' in text and "What you practise: " in text and "Send" in text
    assert "练什么" not in text and "发送" not in text
