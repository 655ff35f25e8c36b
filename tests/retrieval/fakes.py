"""Test doubles shared by the retrieval tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.retrieval.embeddings import FakeEmbeddings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


class CountingFake(FakeEmbeddings):
    """Fake embeddings that count how many texts were encoded (to prove caching)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def _encode(self, texts, kind):  # type: ignore[no-untyped-def]
        self.encoded += len(texts)
        return super()._encode(texts, kind)


def make_knowledge(tmp_path: Path) -> Path:
    """A small knowledge dir with two fixture playbooks (Chinese and English)."""
    root = tmp_path / "knowledge"
    (root / "playbooks").mkdir(parents=True)
    shutil.copy(FIXTURES / "price-playbook.md", root / "playbooks" / "02-price.md")
    shutil.copy(FIXTURES / "closing-en.md", root / "playbooks" / "01-closing.md")
    return root
