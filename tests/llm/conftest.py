"""A loopback OpenAI-compatible stub per test, and the LLM engine's services pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.services.container import Services
from tests.llm.stub import StubLLM

API_KEY = "sk-test-SECRET-0123456789"


@pytest.fixture
def stub() -> Iterator[StubLLM]:
    server = StubLLM().start()
    yield server
    server.stop()


@pytest.fixture
def llm_services(tmp_path: Path, stub: StubLLM, coach_services: Services) -> Services:
    """Services with COACH_ENGINE=llm against the stub (embeddings and index shared, fast timeout)."""
    settings = load_settings(
        data_dir=tmp_path / "data", embedding_backend="fake", engine="llm",
        llm_base_url=stub.url, llm_model="stub-model", llm_api_key=API_KEY, llm_timeout_s=1.0,
        llm_max_tokens=256,
    )  # fmt: skip
    return coach_services.derive(settings)
