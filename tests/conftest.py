"""Shared fixtures: settings on a temporary data dir and one warmed Services.

Kept minimal on purpose; package-specific fixtures live in tests/<pkg>/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.services.container import Services


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data dir with the deterministic fake embeddings."""
    return load_settings(data_dir=tmp_path / "data", embedding_backend="fake")


@pytest.fixture(scope="session")
def coach_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """Real services (scenarios, fake embeddings, real index and coach), built once per run."""
    root = tmp_path_factory.mktemp("coach")
    return Services(load_settings(data_dir=root, embedding_backend="fake"))
