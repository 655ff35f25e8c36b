"""Trainer API: reviews, assignments, analytics, CSV export and scenario authoring."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import REPO_ROOT, Settings, load_settings
from app.db.engine import Database
from app.db.models import TrainerScenario
from app.db.scenario_store import ScenarioStore
from app.main import create_app
from app.services import authoring
from app.services.container import Services

GOOD = "理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？"


def played(client: TestClient, replies: int = 2) -> str:
    sid = client.post("/api/v1/sessions", json={"scenario": "price-objection"}).json()["id"]
    for _ in range(replies):
        client.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD})
    return str(sid)


def test_review_of_session_and_of_one_reply(client: TestClient) -> None:
    sid = played(client)
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": 65, "comment": "整体不错"})
    assert r.status_code == 200
    r = client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 1, "score": 50, "comment": "再具体些"})
    reviews = {x["message_seq"]: (x["score"], x["comment"]) for x in r.json()["reviews"]}
    assert reviews == {None: (65, "整体不错"), 1: (50, "再具体些")}
    assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 0, "score": 1}).status_code == 404
    assert client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"score": 101}).status_code == 422
    assert client.get(f"/api/v1/sessions/{sid}").json()["reviews"]


def test_assignments_create_the_rep_and_list(client: TestClient) -> None:
    r = client.post("/api/v1/trainer/assignments", json={"rep": "张伟", "scenario": "price-objection", "due": "2026-12-01"})
    assert r.status_code == 201
    assert client.post("/api/v1/trainer/assignments", json={"rep": "张伟", "scenario": "nope"}).status_code == 404
    items = client.get("/api/v1/trainer/assignments").json()
    assert [(i["rep"], i["scenario"], i["due"]) for i in items] == [("张伟", "price-objection", "2026-12-01")]


def test_analytics_per_rep_and_per_criterion(client: TestClient) -> None:
    sid = played(client, replies=2)
    scores = [m["score"] for m in client.get(f"/api/v1/sessions/{sid}").json()["messages"] if m["score"]]
    stats = client.get("/api/v1/trainer/analytics").json()
    (rep,) = stats["reps"]
    assert rep["sessions"] == 1 and rep["replies"] == 2
    coach = round(sum(s["score"] for s in scores) / 2)
    unreviewed = {"coach": coach, "trainer": None, "coach_with_overrides": coach}
    assert rep["averages"] == unreviewed and stats["averages"] == unreviewed and rep["overridden"] == 0
    probe = [c["score"] for s in scores for c in s["criteria"] if c["id"] == "probe"]
    assert stats["criteria"]["probe"] == round(sum(probe) / len(probe))
    assert len(stats["trend"]["labels"]) == 1 and stats["trend"]["basis"] == "coach_with_overrides"


def test_csv_has_one_row_per_scored_reply_and_defuses_formulas(client: TestClient) -> None:
    sid = played(client, replies=1)
    client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "=HYPERLINK(\"http://x\") 您比较的是哪家？"})
    client.post(f"/api/v1/trainer/sessions/{sid}/reviews", json={"message_seq": 1, "score": 70, "comment": "好"})
    r = client.get("/api/v1/trainer/analytics.csv")
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[0]["reply"] == GOOD and rows[0]["trainer_score"] == "70" and rows[0]["rep"] == "本地用户"
    assert rows[1]["reply"].startswith("'=")


class Author:
    """A client of an app whose data dir, database and company scenario directory are private to the test."""

    def __init__(self, client: TestClient, settings: Settings, services: Services) -> None:
        self.client, self.settings, self.services = client, settings, services

    def rows(self) -> dict[str, tuple[str, int, int | None]]:
        """``trainer_scenarios`` as ``{id: (yaml, version, created_by)}``, read straight from the database."""
        database = Database(self.settings.sqlalchemy_url)
        try:
            with database.session() as s:
                return {r.id: (r.yaml, r.version, r.created_by) for r in s.scalars(select(TrainerScenario))}
        finally:
            database.dispose()

    def yaml_files(self) -> list[Path]:
        """Scenario files anywhere under the data dir (saving must not write any)."""
        return sorted(self.settings.data_dir.rglob("*.y*ml"))


@pytest.fixture
def author(tmp_path: Path, coach_services: Services) -> Iterator[Author]:
    company = tmp_path / "company"
    company.mkdir()
    (company / "our-way.yaml").write_text(builtin_yaml_text("our-way"), encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake", scenarios_dir=company)
    services = coach_services.derive(settings)
    with TestClient(create_app(services)) as c:
        yield Author(c, settings, services)


def builtin_yaml_text(new_id: str) -> str:
    text = (REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text(encoding="utf-8")
    return text.replace("id: price-objection", f"id: {new_id}", 1)


def test_check_reports_the_field(author: Author) -> None:
    client = author.client
    ok = client.post("/api/v1/trainer/scenarios/check", json={"yaml": builtin_yaml_text("my-price")}).json()
    assert ok["ok"] and ok["scenario"]["id"] == "my-price"
    bad = builtin_yaml_text("my-price").replace("difficulty:", "difficulty: 9\nold_difficulty:", 1)
    out = client.post("/api/v1/trainer/scenarios/check", json={"yaml": bad}).json()
    assert not out["ok"] and "difficulty" in out["error"]
    broken = client.post("/api/v1/trainer/scenarios/check", json={"yaml": "id: [unclosed"}).json()
    assert not broken["ok"] and "line" in broken["error"]
    deep = client.post("/api/v1/trainer/scenarios/check", json={"yaml": "[" * 10_000 + "]" * 10_000}).json()
    assert not deep["ok"] and "nested more than 20 levels" in deep["error"]
    long_id = client.post("/api/v1/trainer/scenarios/check", json={"yaml": builtin_yaml_text("a" * 101)}).json()
    assert not long_id["ok"] and "at most 100 characters" in long_id["error"]


def test_saved_scenario_is_stored_in_the_database(author: Author) -> None:
    text = builtin_yaml_text("my-price")
    r = author.client.post("/api/v1/trainer/scenarios", json={"yaml": text})
    assert r.status_code == 201 and r.json()["scenario"]["id"] == "my-price"
    ((yaml, version, created_by),) = author.rows().values()
    assert (yaml, version) == (text, 1) and created_by is not None  # the trainer who saved it
    assert author.yaml_files() == []
    assert authoring.catalog(author.services).source("my-price") == text


def test_saved_scenario_is_playable_at_once(author: Author) -> None:
    """Every request refreshes the catalog, so the saved scenario is listed and playable at once."""
    client = author.client
    assert client.post("/api/v1/trainer/scenarios", json={"yaml": builtin_yaml_text("my-price")}).status_code == 201
    assert "my-price" in {s["id"] for s in client.get("/api/v1/scenarios").json()}
    assert client.post("/api/v1/sessions", json={"scenario": "my-price"}).status_code == 201


def test_cannot_overwrite_a_builtin_or_company_scenario(author: Author) -> None:
    for taken in ("price-objection", "our-way"):
        r = author.client.post("/api/v1/trainer/scenarios", json={"yaml": builtin_yaml_text(taken)})
        assert r.status_code == 422 and taken in r.json()["detail"]
    assert author.rows() == {}


def test_web_editor_saves_edits_and_deletes_in_the_database(author: Author) -> None:
    client = author.client
    text = builtin_yaml_text("my-price")
    r = client.post("/trainer/scenarios/editor", data={"yaml": text, "action": "save"})
    assert r.status_code == 200 and 'class="check good"' in r.text and "my-price" in r.text
    ((yaml, version, created_by),) = author.rows().values()
    assert yaml == text and version == 1 and created_by is not None
    page = client.get("/trainer/scenarios").text
    assert "/trainer/scenarios/editor?edit=my-price" in page and "/trainer/scenarios/editor?edit=our-way" not in page

    edit = client.get("/trainer/scenarios/editor?edit=my-price")
    assert edit.status_code == 200 and "id: my-price" in edit.text
    client.post("/trainer/scenarios/editor", data={"yaml": text.replace("difficulty: 2", "difficulty: 3"), "action": "save"})
    assert author.rows()["my-price"][1] == 2

    export = client.get("/trainer/scenarios/my-price/yaml")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    assert export.text == author.rows()["my-price"][0]

    assert client.post("/trainer/scenarios/my-price/delete", follow_redirects=False).status_code == 303
    assert author.rows() == {}
    assert client.post("/trainer/scenarios/price-objection/delete").status_code == 404


def test_editor_opens_templates_by_id_only(author: Author) -> None:
    client = author.client
    assert "id: price-objection" in client.get("/trainer/scenarios/editor?from=price-objection").text
    assert "id: our-way" in client.get("/trainer/scenarios/editor?from=our-way").text
    html = {"accept": "text/html"}
    for query in (
        "from=/etc/passwd",
        "from=../../etc/passwd",
        "from=../scenarios/price-objection",
        "edit=../x",
        "edit=/etc/passwd",
        "edit=price-objection",  # built-in: use it as a template instead
        "edit=no-such-id",
    ):
        r = client.get(f"/trainer/scenarios/editor?{query}", headers=html)
        assert r.status_code == 404, query
        assert "root:" not in r.text and "persona:" not in r.text
    assert client.get("/trainer/scenarios/..%2F..%2Fetc%2Fpasswd/yaml").status_code == 404


def test_a_broken_stored_scenario_is_listed_and_opens_with_its_error(author: Author) -> None:
    client = author.client
    assert client.post("/api/v1/trainer/scenarios", json={"yaml": builtin_yaml_text("my-price")}).status_code == 201
    bad = builtin_yaml_text("my-price").replace("difficulty: 2", "difficulty: 9")
    database = Database(author.settings.sqlalchemy_url)
    with database.session() as s:  # e.g. saved by an older version with looser checks
        ScenarioStore(s).save("my-price", bad, None)
        s.commit()
    database.dispose()
    page = client.get("/trainer/scenarios").text
    assert 'id="broken-scenarios"' in page and "difficulty" in page
    r = client.get("/trainer/scenarios/editor?edit=my-price")
    assert r.status_code == 200 and 'class="check bad"' in r.text and "difficulty" in r.text and "difficulty: 9" in r.text


def test_trend_is_daily_for_a_new_team_and_weekly_later() -> None:
    from datetime import datetime, timedelta

    from app.services.analytics import trend

    day = datetime(2026, 11, 2, 9, 0)
    assert trend([(day, 40), (day + timedelta(hours=3), 60), (day + timedelta(days=1), 90)]) == {
        "labels": ["2026-11-02", "2026-11-03"],
        "average": [50, 90],
    }
    weekly = trend([(day, 40), (day + timedelta(days=20), 80)])
    assert weekly["labels"] == ["2026-W45", "2026-W47"]
    assert trend([]) == {"labels": [], "average": []}


def test_yaml_editor_errors_name_the_state_in_the_ui_language(author: Author) -> None:
    text = builtin_yaml_text("my-price")
    start = text.index("  - id: opening")
    lines_at = text.index("    lines:\n", start)
    end = text.index("    transitions:", lines_at)
    broken = text[:lines_at] + "    lines:\n      - 我还是那句话，价格太高了。\n" + text[end:]
    zh = author.client.post("/trainer/scenarios/editor", data={"yaml": broken, "action": "validate"})
    assert zh.status_code == 422 and "状态「opening」" in zh.text
    en = author.client.post("/trainer/scenarios/editor?lang=en", data={"yaml": broken, "action": "validate"})
    assert en.status_code == 422 and ("state &#39;opening&#39;" in en.text or "state 'opening'" in en.text)
