"""Index errors the CLI and the service turn into one clear line.

Each message ends with a rebuild hint, because the fix is always the same:
run ``coach ingest`` again.
"""

from __future__ import annotations

from pathlib import Path


def rebuild_hint(index_dir: Path | str) -> str:
    """The command that fixes any index problem."""
    return f"rebuild it with: coach ingest PATH... --index {index_dir} (请重新运行 coach ingest 重建索引)"


class CoachIndexError(Exception):
    """Base class: the search index cannot be used as it is."""

    def __init__(self, index_dir: Path | str, problem: str) -> None:
        super().__init__(f"search index {index_dir}: {problem}; {rebuild_hint(index_dir)}")
        self.index_dir = Path(index_dir)
        self.problem = problem


class IndexNotFoundError(CoachIndexError):
    """No index at that path."""


class IndexCorruptError(CoachIndexError):
    """Files missing, unreadable or inconsistent with each other."""


class IndexMismatchError(CoachIndexError):
    """Built with another embedding model or an older format."""


class IngestError(Exception):
    """Input that cannot be ingested (bad path, empty folder, bad file)."""
