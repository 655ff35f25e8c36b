"""An app on a fresh data dir, sharing the session-wide warmed coach services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings, load_settings
from app.main import create_app
from app.services.container import Services


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    """Settings whose data dir (hence database) is private to the test."""
    return load_settings(data_dir=tmp_path / "data", embedding_backend="fake")


@pytest.fixture
def client(app_settings: Settings, coach_services: Services) -> Iterator[TestClient]:
    """A client of the real app (lifespan run, so migrations applied)."""
    with TestClient(create_app(coach_services.derive(app_settings))) as c:
        yield c
