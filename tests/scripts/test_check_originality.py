"""The originality check catches corpus copies however they are disguised.

Each test builds its own tiny corpus in a temp folder (the real one in
``../shared`` is not part of a clone) and runs the script as CI does, through
a subprocess, so argument parsing and exit codes are covered too.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_originality.py"

# An invented training sentence, stored in Traditional script as the corpus files are.
CORPUS_TRADITIONAL = "業務員第一次拜訪倉儲客戶時,應該先請對方談談旺季出貨最頭痛的環節,再介紹我們的調度系統。"
# The same sentence in Simplified script, re-punctuated and re-spaced.
PLANTED_SIMPLIFIED = "业务员 第一次拜访仓储客户时——应该先请对方谈谈旺季出货最头痛的环节；再介绍我们的调度系统!"


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False
    )


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_originality", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus" / "nested"
    folder.mkdir(parents=True)
    (folder / "article.txt").write_text("前言\n" + CORPUS_TRADITIONAL + "\n結語", encoding="utf-8")
    (folder / "ignored.md").write_text("這個檔案不是語料,所以不應該被當作語料來讀取和比對的內容", encoding="utf-8")
    return tmp_path / "corpus"


def test_planted_simplified_copy_of_traditional_corpus_fails(corpus: Path, tmp_path: Path) -> None:
    docs = tmp_path / "knowledge" / "playbooks"
    docs.mkdir(parents=True)
    (docs / "clean.md").write_text("# 自己写的\n先问清楚客户的顾虑，再谈方案。\n", encoding="utf-8")
    planted = docs / "planted.md"
    planted.write_text("## 开场\n" + PLANTED_SIMPLIFIED + "\n", encoding="utf-8")

    result = _run("--corpus", corpus, tmp_path / "knowledge")

    assert result.returncode == 1
    assert "planted.md" in result.stdout
    assert "clean.md" not in result.stdout
    assert "业务员第一次拜访仓储" in result.stdout  # the sample run, normalised


def test_clean_text_passes(corpus: Path, tmp_path: Path) -> None:
    own = tmp_path / "prompts"
    own.mkdir()
    (own / "customer.md").write_text(
        "你扮演一位物流公司的采购主管，语气直接，关心到货准时率和总成本。", encoding="utf-8"
    )
    (own / "logo.bin").write_bytes(b"\x00\x01" + CORPUS_TRADITIONAL.encode("utf-8"))  # binary: skipped

    result = _run("--corpus", corpus, own)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_short_shared_phrases_below_the_window_pass(corpus: Path, tmp_path: Path) -> None:
    # 19 characters of the corpus sentence, then our own words: legitimate reuse of a phrase.
    text = tmp_path / "short.md"
    text.write_text("业务员第一次拜访仓储客户时应该先请对方，然后我们换个话题。", encoding="utf-8")
    assert _run("--corpus", corpus, text).returncode == 0
    # The same text with a shorter window is caught: the threshold is what decides.
    assert _run("--corpus", corpus, "--window", "12", text).returncode == 1


def test_missing_corpus_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("--corpus", tmp_path / "nope", tmp_path)

    assert result.returncode == 2
    assert "corpus folder not found" in result.stderr


def test_normalise_drops_punctuation_space_and_folds_script() -> None:
    module = _load()
    simplify = module._simplifier()

    assert module.normalise("業務 員，ＡＢＣ！\n拜訪", simplify) == "业务员abc拜访"
    assert module.normalise(CORPUS_TRADITIONAL, simplify) == module.normalise(PLANTED_SIMPLIFIED, simplify)
    # Pinyin annotations that some scraped pages carry do not hide a copy.
    assert module.normalise("營(yíng)銷顧問", simplify) == "营销顾问"
