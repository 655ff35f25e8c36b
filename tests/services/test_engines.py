"""The engine is chosen by ``settings.engine``: embedded works, llm needs an endpoint, auto follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import load_settings
from app.services.container import Services
from app.services.engines import EngineUnavailableError


def test_embedded_engine_scores_and_speaks(tmp_path: Path, coach_services: Services) -> None:
    services = coach_services.derive(load_settings(data_dir=tmp_path, embedding_backend="fake", engine="embedded"))
    assert services.engine.name == "embedded"
    result = services.scorer.score("price-objection", "太贵了", "您主要拿哪几项在比较？")
    assert result.engine == "embedded" and 0 <= result.score <= 100
    session = services.roleplay.start("price-objection", seed=1)
    assert session.transcript[0].role == "customer"


def test_llm_engine_without_an_endpoint_is_not_silently_ignored(tmp_path: Path, coach_services: Services) -> None:
    services = coach_services.derive(load_settings(data_dir=tmp_path, embedding_backend="fake", engine="llm"))
    with pytest.raises(EngineUnavailableError, match="COACH_ENGINE=llm needs COACH_LLM_BASE_URL"):
        _ = services.scorer


def test_llm_engine_with_an_endpoint_is_built(tmp_path: Path, coach_services: Services) -> None:
    settings = load_settings(
        data_dir=tmp_path, embedding_backend="fake", engine="llm", llm_base_url="http://127.0.0.1:9/v1"
    )
    services = coach_services.derive(settings)
    assert services.engine.name == "llm"  # nothing is sent until a reply is scored


def test_auto_uses_the_embedded_engine_until_an_llm_is_configured(tmp_path: Path, coach_services: Services) -> None:
    services = coach_services.derive(load_settings(data_dir=tmp_path, embedding_backend="fake", engine="auto"))
    assert services.engine.name == "embedded"
    configured = load_settings(
        data_dir=tmp_path, embedding_backend="fake", engine="auto", llm_base_url="http://127.0.0.1:9/v1"
    )
    assert coach_services.derive(configured).engine.name == "llm"


def test_unknown_engine_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError):
        load_settings(engine="gpt")
