"""The channel interface: what comes in, and what an output channel must be able to send."""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from app.domain import Scorecard, ScoreResult


@dataclass(frozen=True)
class IncomingMessage:
    """A rep's message as any channel receives it.

    ``conversation`` is where the practice runs: a Slack thread, a WeCom chat, a terminal run, a
    web session id. One practice runs per conversation.
    """

    channel: str
    external_user: str
    conversation: str
    text: str
    display_name: str = ""


@dataclass(frozen=True)
class ScoreCard:
    """The coach's verdict on one reply, with where the conversation stands after it."""

    score: ScoreResult
    seq: int
    done: bool
    outcome: str | None
    customer: str


class OutputChannel(Protocol):
    """Sends the coach's side of a practice in one platform's format."""

    #: True when the platform shows text as it arrives (a terminal); others get whole lines.
    streams: bool

    async def customer_line(self, text: str) -> None:
        """The customer's next line, whole."""
        ...

    async def customer_stream(self, pieces: AsyncIterable[str]) -> None:
        """The customer's next line as it is produced (a channel that cannot stream joins it)."""
        ...

    async def score_card(self, card: ScoreCard) -> None:
        """The score of the rep's reply: score, band, criteria, feedback, better reply, citations."""
        ...

    async def scorecard(self, card: Scorecard) -> None:
        """The end-of-session summary."""
        ...

    async def notice(self, key: str, text: str) -> None:
        """A short message to the rep (an error or a hint about commands), already in their language."""
        ...


class WholeLineChannel:
    """Base for channels that cannot stream: a streamed line is sent once it is complete."""

    streams = False

    async def customer_line(self, text: str) -> None:
        """Implemented by subclasses."""
        raise NotImplementedError

    async def customer_stream(self, pieces: AsyncIterable[str]) -> None:
        """Join the pieces and send the whole line."""
        await self.customer_line("".join([p async for p in pieces]))


EventKind = Literal["customer", "score", "scorecard", "notice"]


@dataclass
class CollectingChannel(WholeLineChannel):
    """The test double: records everything sent, in order."""

    events: list[tuple[EventKind, object]] = field(default_factory=list)

    async def customer_line(self, text: str) -> None:
        """Record the line."""
        self.events.append(("customer", text))

    async def score_card(self, card: ScoreCard) -> None:
        """Record the card."""
        self.events.append(("score", card))

    async def scorecard(self, card: Scorecard) -> None:
        """Record the scorecard."""
        self.events.append(("scorecard", card))

    async def notice(self, key: str, text: str) -> None:
        """Record the notice by its key."""
        self.events.append(("notice", key))

    def of(self, kind: EventKind) -> list[object]:
        """The payloads of one kind, in order."""
        return [payload for k, payload in self.events if k == kind]
