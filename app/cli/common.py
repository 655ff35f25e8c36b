"""Helpers shared by CLI commands: settings, clean error exits, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from app.config import Settings, load_settings


def settings_from_cli(**overrides: Any) -> Settings:
    """Settings from the environment with the non-None CLI options on top."""
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


#: ``--engine`` of the commands that score: the CLI form of ``COACH_ENGINE``.
ENGINE_HELP = "embedded (offline), llm (COACH_LLM_BASE_URL), or auto (llm when configured); default COACH_ENGINE."


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a one-line error (no traceback) to stderr and exit."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def print_json(obj: Any, *, pretty: bool = False) -> None:
    """Print JSON with Chinese left readable."""
    print(json.dumps(obj, ensure_ascii=False, indent=2 if pretty else None))
