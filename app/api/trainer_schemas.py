"""Request and response models of the trainer API (reviews, assignments, authoring, agreement).

Apart from :mod:`app.api.schemas` to keep each module small; the same rules hold: every request
string is bounded and valid Unicode, timestamps are timezone-aware.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.schemas import SCENARIO_ID_MAX, CriterionGrade, Text, UtcDatetime
from app.domain import CriterionId, Difficulty


class ReviewIn(BaseModel):
    """A trainer's review of a session (``message_seq`` null) or of one rep reply."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "message_seq": 1,
                "score": 70,
                "comment": "追问得好，收尾要约具体时间。",
                "criteria": {"probe": 85, "next-step": 40},
            }
        }
    )

    message_seq: int | None = Field(default=None, strict=True)
    score: int | None = Field(default=None, ge=0, le=100, strict=True)
    comment: Text = Field(default="", max_length=4000)
    criteria: dict[CriterionId, CriterionGrade] | None = Field(
        default=None,
        description="Optional grade per criterion (probe, empathy, value, honesty, adapt, next-step, composure), 0-100; "
        "only for a review of one reply (``message_seq`` set).",
    )

    @model_validator(mode="after")
    def _criteria_need_a_reply(self) -> ReviewIn:
        if self.criteria and self.message_seq is None:
            raise ValueError("criteria grades belong to one reply: give message_seq")
        return self


class AssignmentIn(BaseModel):
    """Assign a scenario to a rep (the rep is created when new)."""

    model_config = ConfigDict(json_schema_extra={"example": {"rep": "张伟", "scenario": "price-objection"}})

    rep: Text = Field(min_length=1, max_length=100)
    scenario: Text = Field(max_length=SCENARIO_ID_MAX)
    note: Text = Field(default="", max_length=2000)
    due: str | None = Field(default=None, max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$")
    difficulty: Difficulty = Field(default="normal", description="How hard the customer is when the rep practises it.")


class AssignmentOut(BaseModel):
    """An assignment."""

    id: int
    rep: str
    scenario: str
    note: str
    due: str | None
    difficulty: Difficulty = "normal"


class ScenarioYamlIn(BaseModel):
    """A trainer's scenario as YAML text."""

    model_config = ConfigDict(json_schema_extra={"example": {"yaml": "id: my-price-objection\ntitle: {zh: ...}\n..."}})

    yaml: Text = Field(
        max_length=200_000,
        description="The whole scenario file; its id decides the file name (the body, in bytes, is also bounded: 413).",
    )


class ScenarioCheckOut(BaseModel):
    """Whether the YAML is a valid scenario, the error naming the field, and a preview."""

    ok: bool
    error: str | None = None
    scenario: dict[str, Any] | None = None


class OpenDisputeOut(BaseModel):
    """An open dispute in the trainer's list: which reply, its coach score, the rep's reason."""

    session_id: str
    message_seq: int
    scenario: str
    rep: str
    reply: str
    coach_score: int | None
    reason: str
    created_at: UtcDatetime


class AgreementRowOut(BaseModel):
    """Agreement over one slice of the reviewed replies; metrics are null below ``min_n`` replies or when undefined."""

    key: str = Field(description="'overall', a scenario id or a criterion id.")
    n: int
    enough: bool = Field(description="Whether n reaches min_n (else the metrics are null).")
    spearman: float | None = None
    exact: float | None = Field(default=None, description="Share of replies whose coach band equals the trainer's band.")
    within_one: float | None = Field(default=None, description="Share within one band of the trainer's.")
    pairwise: float | None = Field(
        default=None, description="Within one customer line, share of pairs (trainer bands 2+ apart) the coach orders the same way."
    )
    ci: dict[str, list[float | None]] = Field(default_factory=dict, description="95% bootstrap intervals.")


class AgreementOut(BaseModel):
    """Coach-trainer agreement (教练与培训师评分一致性): overall, per scenario, per criterion."""

    min_n: int
    overall: AgreementRowOut
    scenarios: list[AgreementRowOut]
    criteria: list[AgreementRowOut]
