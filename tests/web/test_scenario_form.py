"""The form-based scenario editor: YAML round trip, translated errors, the scripted variant."""

from __future__ import annotations

from html.parser import HTMLParser

import yaml
from fastapi.testclient import TestClient

from app.config import REPO_ROOT
from app.scenarios.errors import explain_yaml
from app.scenarios.loader import parse_scenario
from app.scenarios.schema import GUIDE_SCENARIO_IDS

HTML = {"accept": "text/html"}


class FormFields(HTMLParser):
    """The fields a browser would submit from ``<form id="scenario-form">`` (buttons left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = a.get("id") == "scenario-form"
        if not self._in_form or "name" not in a and tag != "option":
            return
        if tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, sel in self._options if sel] or [v for v, _ in self._options[:1]]
            self.fields.append((self._select, chosen[0] if chosen else ""))
            self._select = None


def fields_of(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return dict(parser.fields)


def test_a_builtin_round_trips_through_the_form(client: TestClient) -> None:
    page = client.get("/trainer/scenarios/form?from=price-objection", headers=HTML)
    assert page.status_code == 200 and "状态 ID" in page.text
    fields = fields_of(page.text)
    assert fields["id"] == "price-objection-copy"  # a built-in id is taken: the form proposes a free one
    r = client.post("/trainer/scenarios/form", data={**fields, "action": "save"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/trainer/scenarios/form?edit=price-objection-copy&saved=1"
    saved = parse_scenario(client.get("/trainer/scenarios/price-objection-copy/yaml").text)
    original = parse_scenario((REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text("utf-8"))
    assert saved.model_copy(update={"id": original.id}) == original
    again = client.get("/trainer/scenarios/form?edit=price-objection-copy&saved=1", headers=HTML)
    assert again.status_code == 200 and fields_of(again.text) == {**fields, "edit": "price-objection-copy"}


def test_every_builtin_round_trips(client: TestClient) -> None:
    """Every field the built-ins use has an input: none is lost between the YAML and the form."""
    for sid in GUIDE_SCENARIO_IDS:
        fields = fields_of(client.get(f"/trainer/scenarios/form?from={sid}", headers=HTML).text)
        r = client.post("/trainer/scenarios/form", data={**fields, "action": "save"}, follow_redirects=False)
        assert r.status_code == 303, sid
        saved = parse_scenario(client.get(f"/trainer/scenarios/{sid}-copy/yaml").text)
        original = parse_scenario((REPO_ROOT / "knowledge" / "scenarios" / f"{sid}.yaml").read_text("utf-8"))
        assert saved.model_copy(update={"id": sid}) == original, sid


def test_errors_name_the_state_and_field_in_the_page_language(client: TestClient) -> None:
    fields = fields_of(client.get("/trainer/scenarios/form?from=price-objection", headers=HTML).text)
    index = next(k.split(".")[1] for k, v in fields.items() if k.endswith(".id") and v == "softened")
    bad = {**fields, f"states.{index}.lines": "只有一句", "action": "validate"}
    zh = client.post("/trainer/scenarios/form", data=bad)
    assert zh.status_code == 422 and "状态「softened」的台词：至少需要 2 句" in zh.text
    en = client.post("/trainer/scenarios/form?lang=en", data=bad)
    assert "state &#39;softened&#39;, lines: at least 2 are needed" in en.text


def test_explain_yaml_is_shared_with_the_yaml_editor() -> None:
    data = yaml.safe_load((REPO_ROOT / "knowledge" / "scenarios" / "price-objection.yaml").read_text("utf-8"))
    data["states"][2]["lines"] = []
    assert explain_yaml(yaml.safe_dump(data, allow_unicode=True)) == ["状态「revealed」的台词：至少需要 2 句"]
    assert explain_yaml("[unclosed") is None


def test_scripted_form_saves_a_script_that_plays_in_order(client: TestClient) -> None:
    page = client.get("/trainer/scenarios/form?from=price-objection&mode=scripted", headers=HTML)
    fields = fields_of(page.text)
    assert fields["mode"] == "scripted" and "states.0.id" not in fields and "script" in fields
    lines = ["那你说说，贵在哪里？", "好，下周二带方案来详谈。"]
    data = {**fields, "id": "form-script", "openings": "你们的报价比别家高一成。", "script": "\n".join(lines)}
    r = client.post("/trainer/scenarios/form", data={**data, "action": "save"}, follow_redirects=False)
    assert r.status_code == 303
    sid = client.post("/api/v1/sessions", json={"scenario": "form-script"}).json()["id"]
    said = [client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "理解。您主要和哪家比？"}).json() for _ in lines]
    assert [o["reply"]["text"] for o in said] == lines and [o["done"] for o in said] == [False, True]
    assert said[-1]["outcome"] == "next_meeting" and all(o["score"]["criteria"] for o in said)


def test_switch_and_add_rows_need_no_script(client: TestClient) -> None:
    fields = fields_of(client.get("/trainer/scenarios/form", headers=HTML).text)
    added = client.post("/trainer/scenarios/form", data={**fields, "action": "add:states"})
    assert added.status_code == 200 and "states.3.id" in fields_of(added.text)
    switched = fields_of(client.post("/trainer/scenarios/form", data={**fields, "action": "switch"}).text)
    assert switched["mode"] == "scripted" and "script" in switched
    assert client.get("/trainer/scenarios/form?edit=price-objection", headers=HTML).status_code == 404
    assert client.get("/trainer/scenarios/form?from=../etc/passwd", headers=HTML).status_code == 404


TRANSCRIPT = """销售：王经理您好，我是恒信的小李。
客户：你们的报价比别家高了一成，凭什么？
销售：理解您的顾虑，您主要和哪家在比？
客户：华达，他们还送两年维保。
销售：我们三年上门维修，算下来总成本更低。
客户：那你下周把对比表发我，我们再约时间。"""


def test_a_call_transcript_drafts_a_scripted_scenario_that_plays_its_lines(client: TestClient) -> None:
    page = client.post("/trainer/scenarios/form/draft", data={"text": TRANSCRIPT, "base": "price-objection"}, headers=HTML)
    assert page.status_code == 200
    fields = fields_of(page.text)
    assert fields["mode"] == "scripted" and fields["openings"] == "你们的报价比别家高了一成，凭什么？"
    assert fields["script"].splitlines() == ["华达，他们还送两年维保。", "那你下周把对比表发我，我们再约时间。"]
    r = client.post("/trainer/scenarios/form", data={**fields, "id": "from-call", "action": "save"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    sid = client.post("/api/v1/sessions", json={"scenario": "from-call"}).json()["id"]
    out = client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您主要和哪家比？"}).json()
    assert out["reply"]["text"] == "华达，他们还送两年维保。" and out["score"]["criteria"]


def test_a_document_drafts_the_customers_objections_and_nothing_found_is_said(client: TestClient) -> None:
    doc = "产品手册\n本产品支持三年上门维修。客户常问：为什么你们比别家贵？交付能不能保证在月底前？\n"
    files = {"file": ("手册.md", doc.encode("utf-8"), "text/markdown")}
    page = client.post("/trainer/scenarios/form/draft", data={"base": "price-objection"}, files=files, headers=HTML)
    fields = fields_of(page.text)
    assert page.status_code == 200 and "为什么你们比别家贵" in fields["openings"]
    empty = client.post("/trainer/scenarios/form/draft", data={"text": "今天天气晴。", "base": "price-objection"}, headers=HTML)
    assert empty.status_code == 422 and "没有找到客户说的话" in empty.text
