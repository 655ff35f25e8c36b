"""Data files shipped inside the package (lexicons, rules, messages), read once on first use.

One loader for every ``<package>/data/<name>.yaml``: nothing is read at import, each file is
parsed once per process, and it works from a wheel as well as from a checkout.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=64)
def load_yaml(package: str, name: str) -> Any:
    """The parsed ``data/<name>`` of ``package`` (e.g. ``load_yaml("app.coach", "difficulty.yaml")``)."""
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)
