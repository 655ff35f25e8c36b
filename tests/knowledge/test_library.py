"""The knowledge library below the web: shared builds across workers (SQLite and PostgreSQL),
built-ins beside the library, and ``coach knowledge add|list|remove``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import build_cli
from app.config import Settings, load_settings
from app.db.library_store import LibraryStore
from app.services.container import Services

PRICE = "客户嫌贵的时候不要急着降价，先问清楚比较的是哪一家、哪几项。".encode("gb18030")


def worker(settings: Settings) -> Services:
    """One worker process's container (its own database engine and live index)."""
    services = Services(settings)
    services.database.migrate()
    return services


@pytest.fixture
def two_workers(tmp_path: Path, db_url: str) -> Iterator[tuple[Services, Services]]:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake", database_url=db_url,
                             builtin_knowledge=False)
    a, b = worker(settings), worker(settings)
    yield a, b
    a.close()
    b.close()


def test_a_build_in_one_worker_is_cited_by_the_other(two_workers: tuple[Services, Services],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two_workers
    monkeypatch.setattr("app.library.live.CHECK_S", 0.0)
    assert b.retriever.search("降价") == []
    a.library.add("价格.txt", PRICE)
    assert b.library.builder.pending()
    assert a.library.builder.run()
    hits = b.retriever.search("客户嫌贵 降价", k=3)
    assert [h.source for h in hits] == ["library/价格.txt"]
    assert b.library.get("价格.txt").status == "ready"  # type: ignore[union-attr]

    b.library.remove("价格.txt")
    assert b.library.builder.run()
    assert a.retriever.search("客户嫌贵 降价") == []


def test_one_build_at_a_time(two_workers: tuple[Services, Services]) -> None:
    a, b = two_workers
    with a.database.write() as db:
        assert LibraryStore(db).claim("worker-a", 60)
    with b.database.write() as db:
        assert not LibraryStore(db).claim("worker-b", 60)
    b.library.add("价格.txt", PRICE)
    assert not b.library.builder.run()  # a holds the lease: b leaves the change to it
    assert b.library.builder.pending()
    with a.database.write() as db:
        LibraryStore(db).release("worker-a")
        assert LibraryStore(db).claim("crashed", -1)  # a lease that has already run out
    assert b.library.builder.run()  # taken over after expiry
    assert not a.library.builder.pending()
    assert b.library.state().version == 1


def test_library_passages_are_cited_beside_the_playbooks(tmp_path: Path) -> None:
    services = worker(load_settings(data_dir=tmp_path / "data", embedding_backend="fake"))
    builtin = len(services.retriever.chunks())  # type: ignore[attr-defined]
    assert builtin > 0
    services.library.add("价格.txt", PRICE)
    services.library.builder.run()
    assert len(services.retriever.chunks()) == builtin + 1  # type: ignore[attr-defined]
    # A scenario's section filter still lets the company's documents through.
    hits = services.retriever.search("客户嫌贵 不要急着降价", k=8, sections=["price-objection"])
    assert "library/价格.txt" in {h.source for h in hits}
    assert all(h.section == "price-objection" or h.source.startswith("library/") for h in hits)
    services.close()


def run(data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {"COACH_EMBEDDING_BACKEND": "fake", "COACH_DATA_DIR": str(data_dir), "COACH_BUILTIN_KNOWLEDGE": "false",
           "CI": "1"}
    return CliRunner().invoke(build_cli(), list(args), env=env)


def test_cli_add_list_remove(corpus_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    files = [corpus_dir / n for n in ("gbk-nice-guy.txt", "big5-professor.txt", "value-types.docx", "complaints.pdf")]
    result = run(data, "knowledge", "add", *map(str, files), "--json")
    assert result.exit_code == 0, result.output
    assert {d["name"]: d["status"] for d in json.loads(result.stdout)} == {
        "gbk-nice-guy.txt": "ready", "big5-professor.txt": "ready", "value-types.docx": "ready", "complaints.pdf": "ready"}

    listed = run(data, "knowledge", "list", "--json")
    assert sorted(d["name"] for d in json.loads(listed.stdout)) == sorted(p.name for p in files)

    # The same library the server cites from: its index has the documents' passages.
    services = worker(load_settings(data_dir=data, embedding_backend="fake", builtin_knowledge=False))
    assert [h.source for h in services.retriever.search("老好人 拍板", k=1)] == ["library/gbk-nice-guy.txt"]

    assert run(data, "knowledge", "remove", "gbk-nice-guy.txt").exit_code == 0
    assert "gbk-nice-guy.txt" not in run(data, "knowledge", "list").stdout
    services.library.retriever.invalidate()
    assert "library/gbk-nice-guy.txt" not in {h.source for h in services.retriever.search("老好人 拍板", k=5)}
    services.close()

    missing = run(data, "knowledge", "remove", "nope.txt")
    assert missing.exit_code == 1 and "nope.txt" in missing.output


def test_cli_names_the_bad_file_and_keeps_the_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good, bad = tmp_path / "good.md", tmp_path / "broken.pdf"
    good.write_text("# 回访\n\n每季度回访一次关键客户。\n", encoding="utf-8")
    bad.write_bytes(b"%PDF-1.4 garbage")
    assert run(data, "knowledge", "add", str(good)).exit_code == 0
    result = run(data, "knowledge", "add", str(bad))
    assert result.exit_code == 1 and "broken.pdf" in result.output
    listed = {d["name"]: d for d in json.loads(run(data, "knowledge", "list", "--json").stdout)}
    assert listed["good.md"]["status"] == "ready" and listed["broken.pdf"]["status"] == "failed"
    unsupported = run(data, "knowledge", "add", str(tmp_path / "good.md"), str(tmp_path / "x.xlsx"))
    assert unsupported.exit_code != 0
    (tmp_path / "notes.xlsx").write_bytes(b"x")
    refused = run(data, "knowledge", "add", str(tmp_path / "notes.xlsx"))
    assert refused.exit_code == 1 and "notes.xlsx" in refused.output
