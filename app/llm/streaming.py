"""Where the customer's line goes while the model writes it: a sink set around one reply.

The web chat streams the line as tokens arrive. The practice service sets a sink for the reply it
is playing (in the worker thread that plays it); the LLM voice, when a sink is set, streams from
the model and hands each piece to it. Engines that do not stream ignore it, and the channel then
sends the whole line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Sink = Callable[[str], None]

PIECES: ContextVar[Sink | None] = ContextVar("customer_line_pieces", default=None)


@contextmanager
def streaming_to(sink: Sink | None) -> Iterator[None]:
    """Pieces of the customer's line written inside go to ``sink``."""
    token = PIECES.set(sink)
    try:
        yield
    finally:
        PIECES.reset(token)
