"""The web chat's output channel: server-sent events for the chat page's stream endpoint.

The route plays the reply first (so errors still arrive as JSON with their status code), with
this channel buffering what the gateway sends; the response then streams the buffer: the
customer's line in small pieces (the typing effect), the score, and a ``done`` event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field

from app.channels.base import ScoreCard
from app.domain import Scorecard, ScoreResult


def sse(event: str, data: object) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def chunks(text: str, size: int = 3) -> list[str]:
    """The customer's line in small pieces, for the typing effect."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class SSEChannel:
    """Buffers the gateway's output as server-sent events.

    ``score_view`` turns a score into the API's JSON (the web page reads the same object as
    ``POST .../messages`` returns). The scorecard is not sent: the page links to it when the
    conversation ends.
    """

    score_view: Callable[[ScoreResult], object]
    pace_s: float = 0.02
    _line: list[str] = field(default_factory=list)
    _tail: list[str] = field(default_factory=list)

    async def customer_line(self, text: str) -> None:
        """Queue the line, to be sent in pieces."""
        self._line.extend(chunks(text))

    async def customer_stream(self, pieces: AsyncIterable[str]) -> None:
        """Queue the pieces as they come."""
        async for piece in pieces:
            self._line.append(piece)

    async def score_card(self, card: ScoreCard) -> None:
        """Queue the ``score`` and ``done`` events."""
        self._tail.append(sse("score", self.score_view(card.score)))
        self._tail.append(sse("done", {"done": card.done, "outcome": card.outcome, "text": card.customer}))

    async def scorecard(self, card: Scorecard) -> None:
        """Not sent: the chat page offers the scorecard page when the session ends."""

    async def notice(self, key: str, text: str) -> None:
        """Queue a notice event."""
        self._tail.append(sse("notice", {"key": key, "text": text}))

    async def events(self) -> AsyncIterator[str]:
        """The buffered events, the customer's line paced like typing."""
        for piece in self._line:
            yield sse("customer", {"delta": piece})
            await asyncio.sleep(self.pace_s)
        for event in self._tail:
            yield event
