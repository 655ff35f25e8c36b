"""Web page fixtures: the same app as the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import load_settings
from app.main import create_app
from app.services.container import Services


@pytest.fixture
def client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    """A client of the real app on a fresh data dir."""
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(settings, coach_services)) as c:
        yield c
