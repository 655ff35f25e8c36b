"""Request and response models of the API, with the examples shown at /docs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain import ContextTurn

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


class CitationOut(BaseModel):
    """A passage the feedback relies on."""

    source: str
    text: str
    section: str | None = None


class CriterionOut(BaseModel):
    """One criterion's score and why (null: the reply shows nothing either way; never praised)."""

    id: str
    score: int | None = Field(default=None, ge=0, le=100)
    comment: str


class ScoreOut(BaseModel):
    """The GUIDE §3 score object."""

    model_config = ConfigDict(json_schema_extra={"example": SCORE_EXAMPLE})

    score: int = Field(ge=0, le=100)
    band: int = Field(ge=1, le=5)
    criteria: list[CriterionOut]
    feedback: str
    better_reply: str
    citations: list[CitationOut]
    engine: str = "embedded"


class MessageOut(BaseModel):
    """A transcript line."""

    role: Literal["customer", "rep"]
    text: str


class CreateSessionIn(BaseModel):
    """Start a role-play."""

    model_config = ConfigDict(json_schema_extra={"example": {"scenario": "price-objection"}})

    scenario: str = Field(description="Scenario id, see GET /api/v1/scenarios.")
    lang: Literal["zh", "en"] | None = Field(default=None, description="Language of the session; zh by default.")
    seed: int | None = Field(
        default=None, description="Fix the customer's hidden motive and line choices (replays give the same session)."
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

    text: str = Field(description="The rep's reply; not empty, at most COACH_MAX_MESSAGE_CHARS characters.")


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
    created_at: datetime
    score: ScoreOut | None = None


class ReviewOut(BaseModel):
    """A trainer's score and comment (on the session, or on one message)."""

    message_seq: int | None
    score: int | None
    comment: str
    updated_at: datetime


class SessionOut(BaseModel):
    """A session with its transcript and scores."""

    id: str
    scenario: str
    status: Literal["active", "done", "ended"]
    done: bool
    outcome: str | None
    created_at: datetime
    messages: list[TranscriptLine]
    reviews: list[ReviewOut] = Field(default_factory=list)


class SessionListItem(BaseModel):
    """One of my sessions."""

    id: str
    scenario: str
    status: str
    outcome: str | None
    created_at: datetime
    replies: int
    average: int | None


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

    scenario: str = Field(max_length=80)
    customer: str = Field(default="", max_length=2000, description="The customer's line being answered.")
    reply: str = Field(description="The rep's reply (empty is an error; longer than COACH_MAX_MESSAGE_CHARS is 413).")
    lang: Literal["zh", "en"] | None = None
    context: list[ContextTurn] = Field(
        default_factory=list, max_length=40, description="Earlier turns, oldest first; without it the reply is scored as an opening reply."
    )


class ReviewIn(BaseModel):
    """A trainer's review of a session (``message_seq`` null) or of one rep reply."""

    model_config = ConfigDict(json_schema_extra={"example": {"score": 70, "comment": "追问得好，收尾要约具体时间。"}})

    message_seq: int | None = None
    score: int | None = Field(default=None, ge=0, le=100)
    comment: str = Field(default="", max_length=4000)


class AssignmentIn(BaseModel):
    """Assign a scenario to a rep (the rep is created when new)."""

    model_config = ConfigDict(json_schema_extra={"example": {"rep": "张伟", "scenario": "price-objection"}})

    rep: str = Field(min_length=1, max_length=100)
    scenario: str
    note: str = ""
    due: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class AssignmentOut(BaseModel):
    """An assignment."""

    id: int
    rep: str
    scenario: str
    note: str
    due: str | None


class ScenarioYamlIn(BaseModel):
    """A trainer's scenario as YAML text."""

    model_config = ConfigDict(json_schema_extra={"example": {"yaml": "id: my-price-objection\ntitle: {zh: ...}\n..."}})

    yaml: str = Field(max_length=200_000, description="The whole scenario file; its id decides the file name.")


class ScenarioCheckOut(BaseModel):
    """Whether the YAML is a valid scenario, the error naming the field, and a preview."""

    ok: bool
    error: str | None = None
    scenario: dict[str, Any] | None = None


class Health(BaseModel):
    """Liveness / readiness."""

    status: Literal["ok", "starting", "error"]
    checks: dict[str, bool] = Field(default_factory=dict)
