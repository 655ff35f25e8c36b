"""Errors the coach raises; clients map them to exit codes and HTTP statuses."""

from __future__ import annotations


class EmptyReplyError(ValueError):
    """The reply is empty or only whitespace: there is nothing to score (CLI exit 2, HTTP 422)."""

    def __init__(self) -> None:
        super().__init__("the reply is empty")


class ReplyTooLongError(ValueError):
    """The reply is longer than the configured limit (HTTP 413/422)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the reply has {length} characters; the limit is {limit}")
        self.length = length
        self.limit = limit


class SessionDoneError(ValueError):
    """A reply was sent to a role-play session that has already ended."""

    def __init__(self, outcome: str | None) -> None:
        super().__init__(f"the session has ended (outcome: {outcome}); start a new one")
        self.outcome = outcome
