"""Request and response models of the API, with the examples shown at /docs.

The models are the contract, so they say what the server enforces: every request string is
bounded (``max_length``; a reply's limit is the ``COACH_MAX_MESSAGE_CHARS`` setting, patched into
the served schema by :mod:`app.api.openapi_docs`) and must be valid Unicode (a lone surrogate such as
``"\\ud800"`` is legal JSON but cannot be stored: it is a 422 here, not a 500 later). Timestamps
are answered timezone-aware: SQLite hands back naive datetimes, which are UTC by construction.
Score parts reuse the domain models (:mod:`app.domain`), whose JSON is the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
)

from app.domain import Citation, ContextTurn, CriterionScore, Difficulty

#: Longest scenario id accepted in a request (the scenario schema's limit).
SCENARIO_ID_MAX = 80
#: The default of ``COACH_MAX_MESSAGE_CHARS``; the served schema shows the configured value.
REPLY_MAX_DEFAULT = 2000
#: Marks a property whose ``maxLength`` is the ``max_message_chars`` setting.
REPLY_LIMIT_MARK = "x-coach-limit"

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _valid_unicode(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError("contains a lone surrogate (e.g. \\ud800), which is not valid Unicode text")
    return value


#: A request string: valid Unicode (no lone surrogates); bound its length with ``Field``.
Text = Annotated[str, AfterValidator(_valid_unicode)]


def _assume_utc(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite drops the offset; every stored time is UTC
    return value


#: A timestamp in a response, always with its UTC offset.
UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_assume_utc)]


#: A rep reply's text. The service checks it (blank: 422 "the reply is empty"; over the limit: 413),
#: so the limits are documented here rather than enforced by pydantic, whose errors would differ.
ReplyText = Annotated[
    Text,
    Field(
        json_schema_extra={
            "minLength": 1,
            "maxLength": REPLY_MAX_DEFAULT,
            "pattern": r"\S",
            REPLY_LIMIT_MARK: "max_message_chars",
        }
    ),
]


class ValidationErrorOut(BaseModel):
    """One invalid field of a request."""

    type: str = Field(description="pydantic's error type, e.g. 'string_too_long'.")
    loc: list[str | int] = Field(description="Where: 'body', then the field path.")
    msg: str
    input: JsonValue = Field(default=None, description="The offending value (long text cut, invalid Unicode escaped).")


class ErrorOut(BaseModel):
    """Every error answer: ``detail`` is a message for people."""

    model_config = ConfigDict(json_schema_extra={"example": {"detail": "unknown session 'x'"}})

    detail: str
    request_id: str | None = Field(
        default=None, description="On 5xx only: quote it when reporting; the server log holds the traceback under this id."
    )
    errors: list[ValidationErrorOut] | None = Field(default=None, description="On a 422 for a malformed request: each invalid field.")


SCORE_EXAMPLE: dict[str, Any] = {
    "score": 78,
    "band": 4,
    "criteria": [
        {"id": "probe", "score": 85, "comment": "用开放式问题了解了客户真正比较的是什么。"},
        {"id": "composure", "score": 80, "comment": "没有急于降价。"},
    ],
    "feedback": "先共情再追问，方向正确；还可以把价值量化到客户的业务上。",
    "better_reply": "理解您对预算的顾虑。方便说说您主要拿哪几项在比较吗？",
    "citations": [{"source": "playbooks/02-price.md#price-objection", "text": "先问清楚再回答……"}],
    "engine": "embedded",
}


class ScoreOut(BaseModel):
    """The GUIDE §3 score object."""

    model_config = ConfigDict(json_schema_extra={"example": SCORE_EXAMPLE})

    score: int = Field(ge=0, le=100)
    band: int = Field(ge=1, le=5)
    criteria: list[CriterionScore]
    feedback: str
    better_reply: str
    citations: list[Citation]
    engine: str = "embedded"


class MessageOut(BaseModel):
    """A transcript line."""

    role: Literal["customer", "rep"]
    text: str


class CreateSessionIn(BaseModel):
    """Start a role-play."""

    model_config = ConfigDict(json_schema_extra={"example": {"scenario": "price-objection"}})

    scenario: Text = Field(max_length=SCENARIO_ID_MAX, description="Scenario id, see GET /api/v1/scenarios.")
    lang: Literal["zh", "en"] | None = Field(default=None, description="Language of the session; zh by default.")
    difficulty: Difficulty | None = Field(
        default=None, description="easy, normal or hard; by default the rep's assignment of this scenario sets it, else normal."
    )
    seed: int | None = Field(
        default=None,
        strict=True,
        description="Fix the customer's hidden motive and line choices (replays give the same session).",
    )


class SessionCreated(BaseModel):
    """A new session and the customer's opening line."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "3f2c9a0b7d1e4f5a8b6c0d9e1f2a3b4c",
                "scenario": "price-objection",
                "messages": [{"role": "customer", "text": "你们的报价比别家贵不少啊。"}],
            }
        }
    )

    id: str
    scenario: str
    messages: list[MessageOut]


class MessageIn(BaseModel):
    """A rep reply."""

    model_config = ConfigDict(json_schema_extra={"example": {"text": "理解您的顾虑，您主要是和哪家在比较呢？"}})

    text: ReplyText = Field(description="The rep's reply: not blank (else 422), at most COACH_MAX_MESSAGE_CHARS characters (else 413).")


class ReplyOut(BaseModel):
    """The customer's next line, the score of the reply and whether the role-play ended."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "reply": {"role": "customer", "text": "主要是另一家报价低了百分之十五。"},
                "score": SCORE_EXAMPLE,
                "done": False,
                "outcome": None,
            }
        }
    )

    reply: MessageOut
    score: ScoreOut
    done: bool
    outcome: str | None = None


class TranscriptLine(BaseModel):
    """A stored transcript line, with the coach's score on rep lines."""

    seq: int
    role: Literal["customer", "rep"]
    text: str
    created_at: UtcDatetime
    score: ScoreOut | None = None


#: A trainer's grade of one criterion, 0-100. Request integers are strict (a JSON number, not
#: "70" or true), as the schema's ``integer`` says.
CriterionGrade = Annotated[int, Field(ge=0, le=100, strict=True)]


class ReviewOut(BaseModel):
    """A trainer's score and comment (on the session, or on one message), with any per-criterion grades."""

    message_seq: int | None
    score: int | None
    comment: str
    criteria: dict[str, int] | None = None
    updated_at: UtcDatetime


class DisputeIn(BaseModel):
    """A rep's objection to the coach's score of one of their replies."""

    model_config = ConfigDict(json_schema_extra={"example": {"reason": "我先共情再追问了，分数不该这么低。"}})

    reason: Text = Field(default="", max_length=2000, description="Why the score looks wrong (optional).")


class DisputeOut(BaseModel):
    """A dispute ("有异议") of one reply's score; resolved once a trainer reviews that reply."""

    id: int
    message_seq: int
    reason: str
    created_at: UtcDatetime
    resolved_at: UtcDatetime | None = None


class SessionOut(BaseModel):
    """A session with its transcript and scores."""

    id: str
    scenario: str
    status: Literal["active", "done", "ended"]
    done: bool
    outcome: str | None
    created_at: UtcDatetime
    messages: list[TranscriptLine]
    reviews: list[ReviewOut] = Field(default_factory=list)
    disputes: list[DisputeOut] = Field(default_factory=list)


class SessionListItem(BaseModel):
    """One of my sessions."""

    id: str
    scenario: str
    status: str
    outcome: str | None
    created_at: UtcDatetime
    replies: int
    average: int | None
    open_disputes: int = Field(default=0, description="Replies of this session whose score the rep disputes, not yet reviewed.")


class ContextTurnIn(ContextTurn):
    """An earlier turn sent by a client (valid Unicode, bounded)."""

    text: Text = Field(max_length=4000)


class ScoreIn(BaseModel):
    """One reply to score, as in ``coach score``."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "scenario": "price-objection",
                "customer": "你们太贵了，别家便宜多了。",
                "reply": "理解您的顾虑。方便说说您主要在比较哪几项吗？",
            }
        }
    )

    scenario: Text = Field(max_length=SCENARIO_ID_MAX)
    customer: Text = Field(default="", max_length=2000, description="The customer's line being answered.")
    reply: ReplyText = Field(description="The rep's reply: not blank (else 422), at most COACH_MAX_MESSAGE_CHARS characters (else 413).")
    lang: Literal["zh", "en"] | None = None
    context: list[ContextTurnIn] = Field(
        default_factory=list, max_length=40, description="Earlier turns, oldest first; without it the reply is scored as an opening reply."
    )


class Health(BaseModel):
    """Liveness / readiness."""

    status: Literal["ok", "starting", "error"]
    checks: dict[str, bool] = Field(default_factory=dict)
    llm: Literal["closed", "open", "half_open"] | None = Field(
        default=None,
        description="The LLM endpoint's circuit breaker (null without an LLM). Open: the embedded engine answers; not a readiness failure.",
    )
