"""Plain domain objects returned by the services.

The web API, the CLI and the chat bots all speak these; they are the
public contract of GUIDE §3 (``ScoreResult.public()`` is exactly the JSON
that ``coach score --json`` prints and ``POST /api/v1/score`` returns).
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

#: How readily the simulated customer moves (app/coach/data/difficulty.yaml).
Difficulty = Literal["easy", "normal", "hard"]

#: GUIDE §3 criteria, in display order.
CriterionId = Literal["probe", "empathy", "value", "honesty", "adapt", "next-step", "composure"]
CRITERIA: tuple[str, ...] = get_args(CriterionId)

#: What a rep reply can do, as the role-play engine sees it.
Move = Literal[
    "probe",
    "empathise",
    "concede",
    "attack_rival",
    "blind_promise",
    "value",
    "quantify",
    "close",
    "defer_honestly",
    "off_topic",
]
MOVES: tuple[str, ...] = get_args(Move)


def band_for(score: int) -> int:
    """GUIDE §3 bands: 1 (0-20), 2 (21-40), 3 (41-60), 4 (61-80), 5 (81-100)."""
    if score <= 20:
        return 1
    if score <= 40:
        return 2
    if score <= 60:
        return 3
    if score <= 80:
        return 4
    return 5


class Citation(BaseModel):
    """A passage the feedback relied on."""

    source: str = Field(description="Where the passage comes from, e.g. 'playbooks/02-price.md#price-objection'.")
    text: str
    section: str | None = Field(default=None, description="Stable section id of the playbook, when known.")


class CriterionScore(BaseModel):
    """One criterion's 0-100 score and why; ``None`` when the reply shows nothing either way."""

    id: str
    score: int | None = Field(
        default=None, ge=0, le=100, description="0-100, or null when the reply shows no evidence either way (unknown, never praised)."
    )
    comment: str


class MoveEvidence(BaseModel):
    """A move the coach read in the reply, with the sentence that made it."""

    move: str = Field(description="Move id (app/coach/data/moves.yaml), e.g. 'probe', 'rival_attack'.")
    label: str = Field(description="The move's name in the feedback language.")
    sentence: str = Field(description="The sentence of the reply that makes the move.")
    probability: float = Field(ge=0, le=1)
    polarity: str = Field(description="good, weak, bad, gaming or neutral.")


class ContextTurn(BaseModel):
    """One earlier turn of the conversation (oldest first in a ``context`` list)."""

    role: Literal["customer", "rep"]
    text: str = Field(max_length=4000)


class ScoreResult(BaseModel):
    """The score of one rep reply (GUIDE §3 score object plus extras)."""

    score: int = Field(ge=0, le=100)
    band: int = Field(ge=1, le=5)
    criteria: list[CriterionScore]
    feedback: str
    better_reply: str
    citations: list[Citation]
    engine: str = "embedded"
    moves: list[str] = Field(default_factory=list, description="Moves detected in the reply.")
    flags: list[str] = Field(default_factory=list, description="Gaming or rule flags, e.g. 'grader_instruction'.")
    evidence: list[MoveEvidence] = Field(default_factory=list, description="Moves read in the reply, with their sentences.")
    language: str = "zh"

    def public(self) -> dict[str, object]:
        """The stable JSON contract of GUIDE §3 plus ``engine``."""
        return self.model_dump(
            include={"score", "band", "criteria", "feedback", "better_reply", "citations", "engine"}
        )


class SearchHit(BaseModel):
    """A retrieved passage (GUIDE §3 retrieval contract plus citation details)."""

    text: str = Field(description="Original passage, artefacts cleaned, for display.")
    source: str
    score: float
    title: str | None = None
    section: str | None = None
    start: int | None = None
    end: int | None = None
    chunk_id: str | None = None

    def public(self) -> dict[str, object]:
        """``{"text","source","score"}`` as the CLI contract prints."""
        return {"text": self.text, "source": self.source, "score": round(self.score, 6)}


class Turn(BaseModel):
    """One line of a role-play transcript."""

    role: Literal["customer", "rep"]
    text: str
    state: str | None = Field(default=None, description="Customer state after this line (customer turns).")
    score: ScoreResult | None = Field(default=None, description="The coach's score (rep turns).")


class RoleplaySession(BaseModel):
    """Everything needed to continue or replay a role-play: serialisable as JSON.

    Replaying the same rep replies with the same ``seed`` gives the same
    customer lines and scores.
    """

    scenario_id: str
    seed: int
    motive_id: str
    state_id: str
    turn: int = Field(default=0, description="Rep replies so far.")
    used_lines: list[str] = Field(default_factory=list, description="Customer lines already said.")
    transcript: list[Turn] = Field(default_factory=list)
    done: bool = False
    outcome: Literal["deal", "next_meeting", "walkaway", "turn_limit"] | None = None
    language: str = "zh"
    difficulty: Difficulty = Field(default="normal", description="How readily the customer moves.")
    held: list[str] = Field(default_factory=list, description="States where the customer already resisted (difficulty).")


class TurnResult(BaseModel):
    """What one rep reply produced."""

    customer: str = Field(description="The customer's next line.")
    score: ScoreResult
    done: bool
    outcome: str | None = None
    session: RoleplaySession


class CriterionAverage(BaseModel):
    """A criterion's average over a session (``None`` when no reply showed it either way)."""

    id: str
    score: int | None = None


class Scorecard(BaseModel):
    """The end-of-session summary."""

    scenario_id: str
    outcome: str | None
    turns: int
    average: int = Field(description="Mean reply score, 0-100.")
    band: int
    criteria: list[CriterionAverage]
    best: Turn | None = None
    weakest: Turn | None = None
    summary: str = Field(description="Two or three sentences of overall feedback.")
    next_scenario: str | None = None
