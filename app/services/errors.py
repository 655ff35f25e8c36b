"""Errors of the practice service, mapped to HTTP statuses in app/api/errors.py.

They live apart from the service so the lease and channel modules can raise them too.
"""

from __future__ import annotations


class SessionNotFoundError(LookupError):
    """No session with this id is visible to the user."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id

    def __str__(self) -> str:
        return f"unknown session '{self.session_id}'"


class SessionClosedError(RuntimeError):
    """The session has ended; it takes no more replies."""


class NothingToScoreError(RuntimeError):
    """A scorecard was asked for before the rep replied at all."""


class ScoringFailedError(RuntimeError):
    """The engine failed after the rep's message was saved."""


class SessionBusyError(RuntimeError):
    """Another reply to this session did not finish within the wait budget."""
