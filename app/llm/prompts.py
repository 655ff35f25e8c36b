"""Prompt templates (prompts/*.j2) rendered by name into chat messages.

Each template defines a ``system`` block and, when it is sent on its own, a ``user`` block
(``better_reply.j2`` is included by ``judge.j2`` and has only the former). Undefined variables are errors
(``StrictUndefined``): a prompt with a hole in it is a bug, not something to send. Text written
by the rep (or quoted from a conversation) goes through the ``data`` filter, which escapes
``<`` and ``>`` so it cannot close the tag that declares it data and smuggle in instructions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.config import REPO_ROOT, Settings

PROMPTS_DIR = REPO_ROOT / "prompts"

#: The templates the engine renders; a missing one is caught by the tests, not at a rep's turn.
NAMES = ("customer", "judge", "better_reply")


def prompts_dir(settings: Settings) -> Path:
    """``prompts/`` beside the knowledge directory (the Docker image's /app), else the checkout's."""
    beside = settings.knowledge_dir.parent / "prompts"
    return beside if (beside / "customer.j2").is_file() else PROMPTS_DIR


def as_data(text: object) -> str:
    """``text`` made safe to sit between data tags: no tag of its own can open or close."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Prompt:
    """A rendered prompt: the system message (role and rules) and the user message (the data)."""

    system: str
    user: str

    def messages(self) -> list[BaseMessage]:
        """The chat messages to send."""
        return [SystemMessage(self.system), HumanMessage(self.user)]


class PromptRenderer:
    """Renders ``prompts/<name>.j2``; one instance is shared (Jinja caches compiled templates)."""

    def __init__(self, directory: Path = PROMPTS_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text prompts; rep text is escaped by the ``data`` filter
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["data"] = as_data

    def render(self, name: str, variables: Mapping[str, object]) -> Prompt:
        """The ``system`` and ``user`` blocks of ``<name>.j2`` filled with ``variables``."""
        template = self.env.get_template(f"{name}.j2")
        context = template.new_context(dict(variables))
        parts = {block: "".join(render(context)).strip() for block, render in template.blocks.items()}
        if "system" not in parts:
            raise ValueError(f"prompt {name!r} has no system block")
        return Prompt(parts["system"], parts.get("user", ""))
