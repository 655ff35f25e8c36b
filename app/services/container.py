"""The composition root: builds each component once, lazily, from the settings.

Every client (CLI, web app, channels) asks a :class:`Services` for what it needs; tests pass
their own components (fake embeddings, a prepared registry) to the constructor instead of
patching modules. Nothing is built at import or construction time.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Settings
from app.ports import Retriever, RoleplayEngine, Scorer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from app.channels.commands import ChatBot
    from app.channels.slack import SlackBot
    from app.channels.wecom import WecomBot
    from app.coach.grading import GradeModel
    from app.db.engine import Database
    from app.library.service import KnowledgeLibrary
    from app.retrieval.embeddings import CoachEmbeddings
    from app.retrieval.retriever import Retriever as StandaloneIndex
    from app.scenarios.catalog import ScenarioCatalog
    from app.services.engines import Engine
    from app.services.ratelimit import RateLimiter
    from app.services.sessions import PracticeService

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
    """Lazily-built components for one configuration: the one composition root.

    Everything a client needs is built here, once, from ``settings``: the database, the
    scenarios, the embeddings and retriever, the engine (scorer + customer voice, chosen by
    ``settings.engine``), the role-play engine, the practice service. The web app, the CLI and the
    channels ask for components; none constructs its own. Tests pass prepared components (fake
    embeddings, a prepared registry) to the constructor, or :meth:`derive` a container for new
    settings that shares the expensive, settings-independent parts.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        scenarios: ScenarioCatalog | None = None,
        embeddings: CoachEmbeddings | None = None,
        retriever: Retriever | None = None,
        database: Database | None = None,
        reader_embeddings: CoachEmbeddings | None = None,
    ) -> None:
        self.settings = settings
        for name, value in (
            ("scenarios", scenarios),
            ("embeddings", embeddings),
            ("reader_embeddings", reader_embeddings),
            ("retriever", retriever),
            ("database", database),
        ):
            if value is not None:
                self.__dict__[name] = value

    def is_built(self, name: str) -> bool:
        """True when the component ``name`` was already built (so a probe need not build it)."""
        return name in self.__dict__

    def derive(self, settings: Settings) -> Services:
        """A container for ``settings`` (its own database and scenarios) sharing this one's
        embeddings and retriever, when the knowledge and the embedding model are the same."""
        same_model = (settings.embedding_backend, settings.embedding_model, settings.knowledge_dir) == (
            self.settings.embedding_backend,
            self.settings.embedding_model,
            self.settings.knowledge_dir,
        )
        reader = self.reader_embeddings if settings.embedding_backend == self.settings.embedding_backend else None
        if not same_model:
            return Services(settings, reader_embeddings=reader)
        return Services(settings, embeddings=self.embeddings, retriever=self.retriever, reader_embeddings=reader)

    @cached_property
    def database(self) -> Database:
        """The configured database (SQLite under DATA_DIR unless COACH_DATABASE_URL is set)."""
        from app.db.engine import Database

        return Database.from_settings(self.settings)

    @cached_property
    def scenarios(self) -> ScenarioCatalog:
        """Built-in scenarios, a company's read-only directory, and the trainers' own in the database."""
        from app.scenarios.catalog import ScenarioCatalog

        return ScenarioCatalog(
            self.settings.builtin_scenarios_dir,
            self.settings.scenarios_dir,
            self.database,
            legacy_dir=self.settings.data_dir / "scenarios",
        )

    @cached_property
    def embeddings(self) -> CoachEmbeddings:
        """The configured embedding model."""
        from app.retrieval.embeddings import make_embeddings

        return make_embeddings(self.settings, threads=self.settings.encoder_threads)

    @cached_property
    def reader_embeddings(self) -> CoachEmbeddings:
        """The coach's fine-tuned sentence encoder, which the scorer's move heads were trained on.

        Separate from :attr:`embeddings` (retrieval), which a company may point at its own model.
        """
        from app.retrieval.onnx_e5 import make_reader_embeddings

        return make_reader_embeddings(self.settings, threads=self.settings.encoder_threads)

    @cached_property
    def batch_embeddings(self) -> CoachEmbeddings:
        """The embedding model on every core, for indexing and batch search (``coach ingest``/``search``)."""
        from app.retrieval.embeddings import make_embeddings

        return make_embeddings(self.settings, threads=None)

    def open_index(self) -> StandaloneIndex:
        """The index at ``settings.index_path`` as a standalone search (``coach search``); no building."""
        from app.retrieval.retriever import Retriever as IndexRetriever

        return IndexRetriever.open(self.settings.index_path, self.batch_embeddings)

    @property
    def retriever(self) -> Retriever:
        """Search over the knowledge index (built-ins + the company's library), built on first use
        when missing, and reopened whenever a library build finishes in any worker."""
        return self.library.retriever

    @cached_property
    def library(self) -> KnowledgeLibrary:
        """The company's knowledge library and its shared index builds.

        A retriever given to the constructor (``derive``) serves the built-ins while this
        deployment's library is empty, so derived containers do not rebuild the same index.
        """
        from app.library.service import KnowledgeLibrary

        shared = self.__dict__.get("retriever")
        return KnowledgeLibrary(self.settings, self.database, lambda: self.embeddings, shared=shared)

    @cached_property
    def grade_model(self) -> GradeModel | None:
        """This deployment's calibrated grade model (``coach calibrate``), or None for the shipped one."""
        return load_calibration(self.settings)

    @cached_property
    def engine(self) -> Engine:
        """The scorer and customer voice that ``settings.engine`` names."""
        from app.services.engines import build_engine

        return build_engine(self)

    @cached_property
    def chat_model(self) -> BaseChatModel:
        """The one chat model of the LLM engine (``COACH_LLM_*``); raises when none is configured."""
        from app.llm.chat import make_chat_model

        return make_chat_model(self.settings)

    @property
    def scorer(self) -> Scorer:
        """The engine's reply scorer."""
        return self.engine.scorer

    @cached_property
    def roleplay(self) -> RoleplayEngine:
        """The role-play engine: the scenario's state machine over the engine's scorer and voice."""
        from app.coach.roleplay import RoleplayService

        return RoleplayService(self.scenarios, self.engine.scorer, self.engine.voice)

    @cached_property
    def practice(self) -> PracticeService:
        """Practice sessions stored in the database: what every channel plays through."""
        from app.services.leases import Leases
        from app.services.sessions import PracticeService

        leases = Leases(self.database, ttl_s=self.settings.reply_lease_s, wait_s=self.settings.reply_wait_s)
        return PracticeService(self.database, self.roleplay, max_chars=self.settings.max_message_chars, leases=leases)

    @cached_property
    def chat_bot(self) -> ChatBot:
        """The chat commands every bot (Slack, WeCom) plays through the one practice service."""
        from app.channels.commands import ChatBot
        from app.channels.gateway import Conversations

        return ChatBot(Conversations(self.practice), self.scenarios)

    @cached_property
    def slack(self) -> SlackBot | None:
        """The Slack bot when SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set; built offline."""
        if self.settings.slack_signing_secret is None or self.settings.slack_bot_token is None:
            return None
        from app.channels.slack import SlackBot

        return SlackBot(self.settings, lambda: self.chat_bot, self.database)

    @cached_property
    def wecom(self) -> WecomBot | None:
        """The WeCom bot when every WECOM_* credential is set; built offline (tokens come on first send)."""
        s = self.settings
        if not (s.wecom_token and s.wecom_encoding_aes_key and s.wecom_corp_id and s.wecom_corp_secret) or (
            s.wecom_agent_id is None
        ):
            return None
        from app.channels.wecom import WecomBot

        return WecomBot(s, lambda: self.chat_bot, self.database)

    @cached_property
    def rate_limiter(self) -> RateLimiter | None:
        """The per-user limit on scoring (``COACH_RATE_LIMIT``), counted in Redis when configured."""
        from app.services.ratelimit import RateLimiter

        if not self.settings.rate_limit:
            return None
        return RateLimiter(self.settings.rate_limit, self.settings.redis_url or "memory://")

    def warm(self) -> None:
        """Build the expensive parts now (index, models), so the first rep never waits for them."""
        _ = self.retriever
        _ = self.roleplay
        _ = self.practice
        self.reader_embeddings.embed_symmetric(["你好"])  # the scorer's encoder and its tokenizer
        self._preload_lines()

    def _preload_lines(self) -> None:
        """The built-in customer lines' stored vectors, so the first turns cost what later ones do."""
        from app.services.line_vectors import LINE_VECTORS, preload

        loaded = preload(LINE_VECTORS, {"reader": self.reader_embeddings, "retrieval": self.embeddings})
        log.info("customer-line vectors loaded: %s", loaded)

    def close(self) -> None:
        """Release what the container holds open (database connections)."""
        if self.is_built("database"):
            self.database.dispose()
