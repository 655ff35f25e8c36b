"""Wiring: builds each component once, lazily, from the settings.

Every client (CLI, web app, bots) asks a :class:`Services` for what it
needs; tests pass their own components (fake embeddings, a prepared
registry) to the constructor instead of patching modules.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.scenarios.loader import ScenarioRegistry

if TYPE_CHECKING:
    from app.coach.grading import GradeModel
    from app.retrieval.embeddings import CoachEmbeddings

log = logging.getLogger(__name__)


def calibration_file(settings: Settings) -> Path:
    """Where ``coach calibrate`` puts the grade model refitted on this deployment's reviews."""
    return settings.data_dir / "calibration" / "grade.json"


def load_calibration(settings: Settings) -> GradeModel | None:
    """The adopted calibration, or None for the shipped model.

    A missing file is the normal case.  A corrupt file, or one fitted on another version of the
    scorer's features (an upgrade since ``coach calibrate`` ran), is logged and ignored: a
    deployment keeps scoring with the shipped model rather than failing or scoring wrongly.
    """
    from app.coach.grading import GradeModel

    path = calibration_file(settings)
    if not path.is_file():
        return None
    try:
        model = GradeModel.load(path)
        if not model.names or not (len(model.names) == len(model.weights) == len(model.mean) == len(model.scale)):
            raise ValueError("feature names and weights differ in length")
        if set(model.names) != set(GradeModel.load().names):
            raise ValueError("fitted on another version of the scorer's features; run `coach calibrate` again")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the calibration %s (%s); scoring with the shipped model", path, exc)
        return None
    return model


class Services:
    """Lazily-built components for one configuration."""

    def __init__(
        self,
        settings: Settings,
        *,
        scenarios: ScenarioRegistry | None = None,
        embeddings: CoachEmbeddings | None = None,
        retriever: Any | None = None,
    ) -> None:
        self.settings = settings
        if scenarios is not None:
            self.__dict__["scenarios"] = scenarios
        if embeddings is not None:
            self.__dict__["embeddings"] = embeddings
        if retriever is not None:
            self.__dict__["retriever"] = retriever

    @cached_property
    def scenarios(self) -> ScenarioRegistry:
        """Built-in scenarios plus the trainer's directory."""
        return ScenarioRegistry.from_dirs(
            self.settings.builtin_scenarios_dir, self.settings.trainer_scenarios_path
        )

    @cached_property
    def embeddings(self) -> CoachEmbeddings:
        """The configured embedding model."""
        from app.retrieval.embeddings import make_embeddings

        return make_embeddings(self.settings, threads=self.settings.encoder_threads)

    @cached_property
    def retriever(self) -> Any:
        """Search over the knowledge base index, built on first use when missing."""
        from app.retrieval.knowledge_index import ensure_knowledge_index

        return ensure_knowledge_index(self.settings, self.embeddings)

    @cached_property
    def grade_model(self) -> GradeModel | None:
        """This deployment's calibrated grade model (``coach calibrate``), or None for the shipped one."""
        return load_calibration(self.settings)

    @cached_property
    def scorer(self) -> Any:
        """The embedded reply scorer, on the calibrated grade model when one was adopted."""
        from app.coach.scorer import ReplyScorer

        return ReplyScorer(
            self.scenarios,
            self.embeddings,
            self.retriever,
            max_chars=self.settings.max_message_chars,
            grade_model=self.grade_model,
        )

    @cached_property
    def roleplay(self) -> Any:
        """The role-play engine."""
        from app.coach.roleplay import RoleplayService

        return RoleplayService(self.scenarios, self.scorer)
