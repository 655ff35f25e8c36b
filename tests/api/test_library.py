"""The knowledge library over HTTP: upload (GBK text, HTML, DOCX, PDF), build, cite, replace, remove."""

from __future__ import annotations

import io
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from app.config import Settings, load_settings
from app.main import create_app
from app.services.container import Services

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from corpus_factory import write_docx, write_pdf  # noqa: E402

CUSTOMER = "你们太贵了，别家便宜多了。"
GBK_PRICE = (
    "价格异议的处理\n\n"
    "客户说你们太贵了、别家便宜多了的时候，不要急着降价。先问清楚客户在和哪一家比较，比较的是哪几项，"
    "再用总成本和交付保障说明差别。\n"
)
HTML_PAGE = (
    "<html><head><title>大客户回访</title></head><body><nav>菜单</nav>"
    "<h1>大客户回访</h1><p>每季度回访一次关键客户，记录客户提出的新需求和投诉。</p></body></html>"
)


@pytest.fixture
def lib_settings(tmp_path: Path) -> Settings:
    """Built-ins off, so every citation comes from the library."""
    return load_settings(data_dir=tmp_path / "data", embedding_backend="fake", builtin_knowledge=False)


@pytest.fixture
def lib_client(lib_settings: Settings, coach_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(coach_services.derive(lib_settings))) as c:
        yield c


def upload(client: TestClient, *files: tuple[str, bytes]) -> list[dict[str, object]]:
    """PUT each file under its name, as a script would; the queued documents."""
    queued = []
    for name, data in files:
        r = client.put(f"/api/v1/library/documents/{name}", content=data)
        assert r.status_code == 202, r.text
        queued.append(r.json())
    return queued


def settled(client: TestClient, timeout: float = 60.0) -> dict[str, dict[str, object]]:
    """Poll like the console page until the build is done; the documents by name."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get("/api/v1/library/documents").json()
        docs = {d["name"]: d for d in body["documents"]}
        if not body["building"] and all(d["status"] in ("ready", "failed") for d in docs.values()):
            return docs
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def test_uploads_of_every_format_are_indexed_and_cited(lib_client: TestClient, tmp_path: Path) -> None:
    write_docx(tmp_path / "value.docx")
    write_pdf(tmp_path / "complaints.pdf", ["Complaint handling", "Apologise and own the late delivery problem."])
    body = upload(
        lib_client,
        ("价格异议.txt", GBK_PRICE.encode("gbk")),
        ("回访.html", HTML_PAGE.encode("utf-8")),
        ("value.docx", (tmp_path / "value.docx").read_bytes()),
        ("complaints.pdf", (tmp_path / "complaints.pdf").read_bytes()),
    )
    assert {d["status"] for d in body} <= {"queued", "indexing", "ready"}
    docs = settled(lib_client)
    assert {n: d["status"] for n, d in docs.items()} == dict.fromkeys(docs, "ready")
    assert all(d["progress"] == 100 for d in docs.values())
    sources = {c["source"] for c in services_of(lib_client).library.retriever.chunks()}
    assert sources == {"library/价格异议.txt", "library/回访.html", "library/value.docx", "library/complaints.pdf"}

    r = lib_client.post("/api/v1/score", json={"scenario": "price-objection", "customer": CUSTOMER,
                                               "reply": "理解您的顾虑。方便说说您主要在比较哪几项吗？"})
    assert r.status_code == 200, r.text
    cites = r.json()["citations"]
    assert cites and cites[0]["source"].startswith("library/"), cites
    price = next(c for c in cites if c["source"] == "library/价格异议.txt")

    # The citation's link shows the passage highlighted in the whole (GBK-decoded) document.
    page = lib_client.get("/knowledge/passage", params={"source": price["source"], "text": price["text"][:60]})
    assert page.status_code == 200
    marked = re.search(r'<mark id="cited">(.*?)</mark>', page.text, re.S)
    assert marked is not None and "不要急着降价" in marked.group(1)
    assert "价格异议的处理" in page.text  # the document's context around the passage


def test_chat_and_transcript_link_citations_to_the_passage_page(lib_client: TestClient) -> None:
    upload(lib_client, ("价格异议.txt", GBK_PRICE.encode("gbk")))
    settled(lib_client)
    sid = lib_client.post("/api/v1/sessions", json={"scenario": "price-objection"}).json()["id"]
    lib_client.post(f"/api/v1/sessions/{sid}/messages", json={"text": "您主要在和哪家比较？比较的是价格还是交付？"})
    page = lib_client.get(f"/sessions/{sid}")
    links = re.findall(r'href="(/knowledge/passage\?[^"]+)"', page.text)
    assert links, "the transcript should link its citations"
    target = lib_client.get(links[0].replace("&amp;", "&").split("#", 1)[0])
    assert target.status_code == 200 and '<mark id="cited">' in target.text
    assert "library/" in unquote(links[0])


def test_bad_file_is_named_and_the_previous_index_stays(lib_client: TestClient) -> None:
    upload(lib_client, ("价格异议.txt", GBK_PRICE.encode("gbk")))
    settled(lib_client)
    before = services_of(lib_client).library.retriever.chunks()
    upload(lib_client, ("合同.pdf", b"%PDF-1.4 this is not really a pdf"), ("纪要.docx", b"PK\x03\x04 broken zip"))
    docs = settled(lib_client)
    for name in ("合同.pdf", "纪要.docx"):
        assert docs[name]["status"] == "failed"
        assert str(docs[name]["error"]).startswith(name)
    assert services_of(lib_client).library.retriever.chunks() == before
    assert docs["价格异议.txt"]["status"] == "ready"

    # A bad new version of a good document fails alone; the good version stays cited.
    upload(lib_client, ("价格异议.txt", b"\x00\x01\x02binary"))
    docs = settled(lib_client)
    assert docs["价格异议.txt"]["status"] == "failed"
    assert "previous version" in str(docs["价格异议.txt"]["error"])
    assert services_of(lib_client).library.retriever.chunks() == before


def test_reupload_replaces_and_delete_drops_its_passages(lib_client: TestClient) -> None:
    upload(lib_client, ("话术.md", "# 话术\n\n第一版：先寒暄再谈价格。\n".encode()))
    settled(lib_client)
    upload(lib_client, ("话术.md", "# 话术\n\n第二版：先问需求，再谈方案。\n".encode()))
    settled(lib_client)
    texts = " ".join(c["text"] for c in services_of(lib_client).library.retriever.chunks())
    assert "第二版" in texts and "第一版" not in texts

    assert lib_client.delete("/api/v1/library/documents/话术.md").status_code == 204
    assert settled(lib_client) == {}
    assert services_of(lib_client).library.retriever.chunks() == []
    assert lib_client.delete("/api/v1/library/documents/话术.md").status_code == 404
    assert lib_client.get("/api/v1/library/documents/话术.md").status_code == 404


def test_unsupported_or_empty_files_are_refused_by_name(lib_client: TestClient) -> None:
    r = lib_client.put("/api/v1/library/documents/报价.xlsx", content=b"x")
    assert r.status_code == 422 and "报价.xlsx" in r.json()["detail"]
    r = lib_client.put("/api/v1/library/documents/空.txt", content=b"")
    assert r.status_code == 422 and "空.txt" in r.json()["detail"]
    assert settled(lib_client) == {}


def test_console_page_uploads_lists_and_deletes(lib_client: TestClient) -> None:
    page = lib_client.get("/trainer/library")
    assert page.status_code == 200 and "资料库" in page.text and 'type="file"' in page.text
    r = lib_client.post("/trainer/library", files=[("files", ("回访.html", io.BytesIO(HTML_PAGE.encode())))],
                        follow_redirects=False)
    assert r.status_code == 303
    settled(lib_client)
    page = lib_client.get("/trainer/library?lang=en")
    assert "回访.html" in page.text and "Ready" in page.text
    assert '<mark id="cited">' in lib_client.get("/knowledge/passages/library/回访.html%230").text
    r = lib_client.post("/trainer/library/回访.html/delete", follow_redirects=False)
    assert r.status_code == 303
    assert settled(lib_client) == {}
    assert lib_client.get("/knowledge/passages/library/回访.html%230").status_code == 404


def test_openapi_documents_the_library(lib_client: TestClient) -> None:
    paths = lib_client.get("/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/library/documents"]
    assert {"put", "get", "delete"} <= set(paths["/api/v1/library/documents/{name}"])
    body = paths["/api/v1/library/documents/{name}"]["put"]["requestBody"]
    assert "application/octet-stream" in body["content"]


def test_a_builtin_playbook_citation_links_to_its_passage(client: TestClient) -> None:
    r = client.post("/api/v1/score", json={"scenario": "price-objection", "customer": CUSTOMER, "reply": "您在和哪家比较？"})
    cite = r.json()["citations"][0]
    assert cite["source"].startswith("playbooks/")
    page = client.get("/knowledge/passage", params={"source": cite["source"], "text": cite["text"][:60]})
    assert page.status_code == 200 and "内置手册" in page.text
    marked = re.search(r'<mark id="cited">(.*?)</mark>', page.text, re.S)
    assert marked is not None and cite["text"][:10] in " ".join(marked.group(1).split())
    assert client.get("/knowledge/passage", params={"source": "playbooks/none.md", "text": "x"}).status_code == 404


def test_with_builtins_off_and_an_empty_library_the_service_is_ready(lib_client: TestClient) -> None:
    assert services_of(lib_client).library.retriever.chunks() == []
    assert lib_client.get("/readyz").status_code == 200


def test_a_document_larger_than_an_api_body_can_be_uploaded(lib_client: TestClient) -> None:
    """Uploads have their own limit (COACH_MAX_UPLOAD_BYTES): a 1 MiB document is fine, a 1 MiB JSON body is not."""
    big = ("价格异议的处理：先共情，再追问客户真正比较的是什么。\n" * 20_000).encode("utf-8")
    assert len(big) > 1024 * 1024
    r = lib_client.put("/api/v1/library/documents/大文件.txt", content=big)
    assert r.status_code == 202, r.text[:300]
    assert settled(lib_client, timeout=180)["大文件.txt"]["status"] == "ready"
    too_big = lib_client.post("/api/v1/score", content=b'{"reply": "' + b"x" * (1024 * 1024) + b'"}',
                              headers={"Content-Type": "application/json"})  # fmt: skip
    assert too_big.status_code == 413


POLICY = (
    "公司价格政策\n\n"
    "销售面对客户说太贵了、别家便宜多了，不得自行降价；报价以公司价目表为准，折扣权限在区域经理。"
    "先问清客户在和哪一家比较，再讲总成本和三年上门维修。\n"
)
MENU = "食堂菜单\n\n周一红烧肉，周二清蒸鱼，周三麻婆豆腐，周四宫保鸡丁，周五自助餐。\n"


def test_with_the_playbooks_on_the_companys_own_policy_is_cited_and_an_unrelated_file_is_not(
    tmp_path: Path, coach_services: Services
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")  # built-in playbooks on
    with TestClient(create_app(coach_services.derive(settings))) as client:
        upload(client, ("价格政策.txt", POLICY.encode("utf-8")), ("食堂菜单.txt", MENU.encode("utf-8")))
        assert {d["status"] for d in settled(client).values()} == {"ready"}
        r = client.post("/api/v1/score", json={"scenario": "price-objection", "customer": CUSTOMER,
                                               "reply": "那我给您打个九折吧。"})  # fmt: skip
        assert r.status_code == 200, r.text
        sources = [c["source"] for c in r.json()["citations"]]
    assert any(s.startswith("playbooks/") for s in sources), sources  # the method, from the playbooks
    assert "library/价格政策.txt" in sources, sources  # and the company's own rule beside it
    assert "library/食堂菜单.txt" not in sources
