"""Pages for trainer grades as data: the 有异议 button and form, disputed replies first in the
trainer's review list, per-criterion review inputs and the agreement panel on the analytics page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.test_pages import new_session

GOOD = "您主要是和哪家在比较呢？"
HTML = {"accept": "text/html"}


def replied(client: TestClient, n: int = 1) -> str:
    sid = new_session(client)
    for _ in range(n):
        assert client.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD}).status_code == 200
    return sid


def test_transcript_has_a_dispute_button_per_scored_reply(client: TestClient) -> None:
    sid = replied(client)
    page = client.get(f"/sessions/{sid}").text
    assert page.count('class="dispute"') == 1  # the rep's reply only, not the customer's lines
    assert f'action="/sessions/{sid}/messages/1/dispute"' in page and "有异议" in page
    assert "Dispute" in client.get(f"/sessions/{sid}?lang=en").text


def test_dispute_form_saves_and_shows_the_badge(client: TestClient) -> None:
    sid = replied(client)
    r = client.post(f"/sessions/{sid}/messages/1/dispute", data={"reason": "追问是对的", "back": "transcript"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/sessions/{sid}?disputed=1#m-1"
    page = client.get(r.headers["location"]).text
    assert "已提交，培训师复盘时会看到。" in page
    assert 'class="tag tag-dispute"' in page and "追问是对的" in page
    assert 'class="dispute"' not in page  # no second dispute while one is open
    assert client.get("/api/v1/sessions/" + sid).json()["disputes"][0]["reason"] == "追问是对的"


def test_chat_page_dispute_returns_to_the_chat(client: TestClient) -> None:
    sid = replied(client)
    chat = client.get(f"/sessions/{sid}/chat").text
    assert f'action="/sessions/{sid}/messages/1/dispute"' in chat and 'name="back" value="chat"' in chat
    r = client.post(f"/sessions/{sid}/messages/1/dispute", data={"back": "chat"}, follow_redirects=False)
    assert r.headers["location"].startswith(f"/sessions/{sid}/chat?disputed=1")
    r = client.post(f"/sessions/{sid}/messages/1/dispute", data={"back": "https://evil.example"}, follow_redirects=False)
    assert r.headers["location"].startswith(f"/sessions/{sid}?")


def test_disputing_a_customer_line_is_an_error_in_the_users_language(client: TestClient) -> None:
    sid = replied(client)
    r = client.post(f"/sessions/{sid}/messages/0/dispute", data={}, headers=HTML)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html") and "客户的话没有评分" in r.text
    r = client.post(f"/sessions/{sid}/messages/0/dispute?lang=en", data={}, headers=HTML)
    assert r.status_code == 422 and "customer lines have no score" in r.text


def test_trainer_list_shows_disputed_replies_first_and_a_review_resolves_them(client: TestClient) -> None:
    disputed = replied(client)
    newer = replied(client)
    client.post(f"/sessions/{disputed}/messages/1/dispute", data={"reason": "分数太低"})
    page = client.get("/trainer/reviews").text
    assert 'id="disputed"' in page and "有异议的回复" in page and "分数太低" in page
    assert f'href="/trainer/reviews/{disputed}#m-1"' in page
    order = re.findall(r'data-session="([0-9a-f]{32})"', page)
    assert order == [disputed, newer]
    review = client.get(f"/trainer/reviews/{disputed}").text
    assert 'class="tag tag-dispute"' in review and "分数太低" in review
    assert 'class="dispute"' not in review  # no rep form nested inside the trainer's form

    r = client.post(f"/trainer/reviews/{disputed}", data={"score_1": "75", "comment_1": "确实偏低"}, follow_redirects=False)
    assert r.status_code == 303
    assert 'id="disputed"' not in client.get("/trainer/reviews").text
    assert "异议已处理" in client.get(f"/sessions/{disputed}").text


def test_review_form_takes_optional_per_criterion_grades(client: TestClient) -> None:
    sid = replied(client)
    form = client.get(f"/trainer/reviews/{sid}").text
    assert all(f'name="crit_1_{c}"' in form for c in ("probe", "empathy", "value", "honesty", "adapt", "next-step", "composure"))
    assert "各项评分（可选）" in form and "Per-criterion grades (optional)" in client.get(f"/trainer/reviews/{sid}?lang=en").text
    data = {"score_1": "70", "crit_1_probe": "90", "crit_1_next-step": "30", "crit_1_value": "", "crit_1_honesty": "abc"}
    client.post(f"/trainer/reviews/{sid}", data=data)
    review = {x["message_seq"]: x for x in client.get(f"/api/v1/sessions/{sid}").json()["reviews"]}[1]
    assert review["score"] == 70 and review["criteria"] == {"probe": 90, "next-step": 30}
    again = client.get(f"/trainer/reviews/{sid}").text
    assert 'name="crit_1_probe" value="90"' in again
    # Only grades, no score or comment: still a review of that reply.
    client.post(f"/trainer/reviews/{sid}", data={"crit_1_empathy": "40"})
    reviews = {x["message_seq"]: x for x in client.get(f"/api/v1/sessions/{sid}").json()["reviews"]}
    assert reviews[1]["criteria"] == {"empathy": 40} and reviews[1]["score"] is None


def test_analytics_page_shows_the_agreement_table(client: TestClient) -> None:
    page = client.get("/trainer/analytics").text
    assert "教练与培训师评分一致性" in page and 'id="agreement-table"' in page and "—" in page
    assert "Coach-trainer agreement" in client.get("/trainer/analytics?lang=en").text
    for _ in range(5):
        sid = replied(client)
        client.post(f"/trainer/reviews/{sid}", data={"score_1": "70", "crit_1_probe": "80"})
    page = client.get("/trainer/analytics").text
    row = re.search(r'<tr class="agr-overall" data-key="overall">(.*?)</tr>', page, re.S)
    assert row and '<td class="num">5</td>' in row.group(1)
    assert re.search(r'data-key="price-objection"><td>[^<]+</td><td class="num">5</td>', page)


def test_dispute_reason_is_escaped_everywhere(client: TestClient) -> None:
    sid = replied(client)
    client.post(f"/sessions/{sid}/messages/1/dispute", data={"reason": "<script>alert('d')</script>"})
    for path in (f"/sessions/{sid}", f"/sessions/{sid}/chat", "/trainer/reviews", f"/trainer/reviews/{sid}"):
        text = client.get(path).text
        assert "<script>alert('d')" not in text and "&lt;script&gt;alert(&#39;d&#39;)&lt;/script&gt;" in text, path
