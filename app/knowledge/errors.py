"""Errors raised while reading input documents.

They carry the offending path so the CLI can print one line naming the
file instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class DocumentError(Exception):
    """A file that cannot be ingested (missing, binary, unknown encoding, unparsable)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason
