"""Wiring: builds each component once, lazily, from the settings.

Every client (CLI, web app, bots) asks a :class:`Services` for what it
needs; tests pass their own components (fake embeddings, a prepared
registry) to the constructor instead of patching modules.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.scenarios.loader import ScenarioRegistry

if TYPE_CHECKING:
    from app.retrieval.embeddings import CoachEmbeddings


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
    def scorer(self) -> Any:
        """The embedded reply scorer."""
        from app.coach.scorer import ReplyScorer

        return ReplyScorer(
            self.scenarios, self.embeddings, self.retriever, max_chars=self.settings.max_message_chars
        )

    @cached_property
    def roleplay(self) -> Any:
        """The role-play engine."""
        from app.coach.roleplay import RoleplayService

        return RoleplayService(self.scenarios, self.scorer)
