"""Fixtures: the generated test corpus (text fixtures + GBK, Big5, DOCX, PDF)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from corpus_factory import build_corpus  # noqa: E402


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every fixture document."""
    return build_corpus(tmp_path_factory.mktemp("corpus"))
