"""The web chat's output channel: server-sent events for the chat page's stream endpoint.

The reply is stored before the response starts, so "not found", "ended" and "too long" still
arrive as JSON with their status codes. Then the events stream as the turn is played: the
customer's line as the engine writes it (an LLM's tokens as they arrive; an engine that does not
stream gets its whole line sent in small pieces, the typing effect), the ``score``, and ``done``
with the final line, which replaces what was shown (a streamed line that the role guard rejected
is replaced by the scripted one). A failure after the reply was stored is an ``error`` event: the
reply stays saved, unscored, and the rep can send it again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from app.domain import ScoreResult
from app.services.errors import ScoringFailedError
from app.services.sessions import StreamingReply


def sse(event: str, data: object) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def chunks(text: str, size: int = 3) -> list[str]:
    """The customer's line in small pieces, for the typing effect."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class SSEChannel:
    """Turns one streaming reply into server-sent events.

    ``score_view`` turns a score into the API's JSON (the page reads the same object as
    ``POST .../messages`` returns); ``request_id`` goes into an ``error`` event.
    """

    score_view: Callable[[ScoreResult], object]
    request_id: str = ""
    pace_s: float = 0.02

    async def events(self, reply: StreamingReply) -> AsyncIterator[str]:
        """``customer`` deltas, then ``score`` and ``done``; or an ``error`` event."""
        streamed = False
        try:
            async for piece in reply.pieces():
                streamed = True
                yield sse("customer", {"delta": piece})
        except ScoringFailedError as exc:
            yield sse("error", {"detail": str(exc), "request_id": self.request_id})
            return
        out = reply.outcome
        assert out is not None
        line = out.customer_message.text
        if not streamed:
            for piece in chunks(line):
                yield sse("customer", {"delta": piece})
                await asyncio.sleep(self.pace_s)
        yield sse("score", self.score_view(out.score))
        yield sse("done", {"done": out.done, "outcome": out.outcome, "text": line})
