"""The scorer uses an adopted calibration (DATA_DIR/calibration/grade.json) and survives a bad one."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from app.coach.grading import GradeModel
from app.config import Settings, load_settings
from app.services.container import Services, calibration_file, load_calibration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", embedding_backend="fake")


def test_no_file_means_the_shipped_model(settings: Settings) -> None:
    assert load_calibration(settings) is None
    assert calibration_file(settings) == settings.data_dir / "calibration" / "grade.json"


def test_an_adopted_model_is_passed_to_the_scorer(settings: Settings, coach_services: Services) -> None:
    shipped = GradeModel.load()
    adopted = GradeModel(shipped.names, -shipped.weights, shipped.mean, shipped.scale, 3.0, {"source": "coach calibrate"})
    path = calibration_file(settings)
    path.parent.mkdir(parents=True)
    path.write_text(adopted.to_json(), encoding="utf-8")
    services = Services(settings, embeddings=coach_services.embeddings, retriever=coach_services.retriever)
    model = services.scorer.model
    assert model.meta == {"source": "coach calibrate"} and np.allclose(model.weights, -shipped.weights, atol=1e-5)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"names": ["a"], "weights": [1, 2], "mean": [0], "scale": [1], "bias": 3}',
        '{"names": ["only_this"], "weights": [1], "mean": [0], "scale": [1], "bias": 3}',
        '["a list"]',
    ],
)
def test_a_corrupt_or_stale_file_is_ignored_with_a_warning(
    settings: Settings, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = calibration_file(settings)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="app.services.container"):
        assert load_calibration(settings) is None
    assert "shipped model" in caplog.text and str(path) in caplog.text
