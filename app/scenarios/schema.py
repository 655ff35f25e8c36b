"""The scenario file format (knowledge/scenarios/*.yaml).

Every model forbids unknown keys so a trainer's typo is an error that names
the field instead of a setting silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.domain import CRITERIA, MOVES, CriterionId, Move

#: GUIDE §2: the fifteen built-in scenario ids, a stable contract for the web, bots and checks.
GUIDE_SCENARIO_IDS: tuple[str, ...] = (
    "price-objection",
    "ic-card-request",
    "persona-actor",
    "persona-results",
    "persona-professor",
    "persona-nice-guy",
    "decision-leader",
    "decision-influencer",
    "decision-checker",
    "decision-follower",
    "value-intrinsic",
    "value-extrinsic",
    "value-strategic",
    "complaint-delivery",
    "closing",
)

#: Scenario ids: lowercase letters, digits and hyphens, at most ``SCENARIO_ID_MAX`` characters.
SCENARIO_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SCENARIO_ID_MAX = 100

Personality = Literal["actor", "results", "professor", "nice-guy"]
DecisionStyle = Literal["leader", "influencer", "checker", "follower"]
ValueType = Literal["intrinsic", "extrinsic", "strategic"]
Outcome = Literal["deal", "next_meeting", "walkaway"]
TransitionKey = Literal[Move, "default"]
#: ``states``: the state machine picks the customer's move; ``scripted``: the trainer's lines in order.
Mode = Literal["states", "scripted"]
#: The longest script: the same bound as ``turn_limit``, so a scripted session is no longer than any other.
SCRIPT_MAX = 30


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    """A text in Chinese (required) and English (optional)."""

    zh: str = Field(min_length=1)
    en: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to Chinese."""
        return self.en if lang == "en" and self.en else self.zh


class Motive(_Strict):
    """A hidden reason behind the customer's words, drawn once per session."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    weight: float = Field(default=1.0, gt=0)
    description: Localized
    reveal: list[str] = Field(min_length=1, description="Lines the customer says when the rep probes well.")
    remedy: Localized = Field(description="What answers this motive well (used for the better reply).")


class Persona(_Strict):
    """Who the simulated customer is."""

    name: str
    company: str
    role: str
    personality: Personality | None = None
    decision_style: DecisionStyle | None = None
    value_type: ValueType | None = None
    background: Localized
    motives: list[Motive] = Field(
        default_factory=list, description="At least one in state-machine mode; optional in scripted mode."
    )

    @field_validator("motives")
    @classmethod
    def _unique_motives(cls, v: list[Motive]) -> list[Motive]:
        ids = [m.id for m in v]
        if len(ids) != len(set(ids)):
            raise ValueError(f"motive ids must be unique, got {ids}")
        return v


class CustomerState(_Strict):
    """A state of the customer: what they say there and where each rep move leads."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    lines: list[str] = Field(min_length=2, description="Variants the customer says on entering this state.")
    reveal_motive: bool = Field(
        default=False, description="On entering, the customer voices the session's hidden motive."
    )
    transitions: dict[TransitionKey, str] = Field(default_factory=dict)
    ending: Outcome | None = Field(default=None, description="Set on terminal states.")

    @model_validator(mode="after")
    def _terminal_or_default(self) -> CustomerState:
        if self.ending is None and "default" not in self.transitions:
            raise ValueError("a non-terminal state needs a 'default' transition")
        if self.ending is not None and self.transitions:
            raise ValueError("a terminal state (ending set) cannot have transitions")
        return self


class Rule(_Strict):
    """A must or must-not of the rubric, tied to a detectable move."""

    move: Move
    criterion: CriterionId
    text: Localized


class Rubric(_Strict):
    """How replies in this scenario are weighted and what they must (not) do."""

    weights: dict[CriterionId, float]
    musts: list[Rule] = Field(default_factory=list)
    must_nots: list[Rule] = Field(default_factory=list)

    @field_validator("weights")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        return v


class Scenario(_Strict):
    """One role-play: persona, states, rubric and calibration exemplars."""

    #: Stored as the primary key of ``trainer_scenarios`` (String(100)) and used in URLs, so
    #: a longer or odd id must be a validation error rather than a database failure.
    id: str = Field(max_length=SCENARIO_ID_MAX, pattern=SCENARIO_ID_PATTERN)
    #: Declared before the fields whose rules depend on it, so their validators can read it.
    mode: Mode = Field(default="states", description="'scripted': the customer says `script` in order.")
    title: Localized
    difficulty: int = Field(ge=1, le=5)
    practises: Localized = Field(description="What the rep practises, shown on the scenario card.")
    persona: Persona
    openings: list[str] = Field(description="At least 3 (drawn at random); exactly 1 in scripted mode.")
    initial_state: str = "opening"
    states: list[CustomerState] = Field(
        default_factory=list, validate_default=True, description="At least 2 unless scripted."
    )
    turn_limit: int = Field(default=8, ge=2, le=30)
    turn_limit_lines: list[str] = Field(
        default_factory=list, validate_default=True, description="At least 1 unless scripted."
    )
    script: list[str] = Field(
        default_factory=list,
        validate_default=True,
        max_length=SCRIPT_MAX,
        description="Scripted mode: the line after each reply, in order.",
    )
    script_ending: Outcome = Field(
        default="next_meeting", description="Scripted mode: the outcome after the last line."
    )
    rubric: Rubric
    exemplars: dict[int, list[str]] = Field(description="Replies for each band 1-5, at least 3 each.")
    cite: list[str] = Field(min_length=1, description="Playbook section ids this scenario teaches.")
    cite_topics: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list,
        max_length=10,
        description="What to look up in the company's own library for this scenario (e.g. 价格政策).",
    )
    next: list[str] = Field(default_factory=list, description="Scenarios to suggest after this one.")

    @field_validator("persona")
    @classmethod
    def _motives_for_states(cls, v: Persona, info: ValidationInfo) -> Persona:
        if not _scripted(info) and not v.motives:
            raise PydanticCustomError("motives_needed", "motives: at least 1 motive is needed")
        return v

    @field_validator("openings", "states", "turn_limit_lines", "script")
    @classmethod
    def _counts_by_mode(cls, v: list[object], info: ValidationInfo) -> list[object]:
        """The minimum counts: a state machine draws variants, a script has exactly what the trainer wrote.

        Raised as pydantic's own ``too_short``/``too_long`` so every error carries its field's
        location and the editors translate them one way (``app/scenarios/errors.py``).
        """
        field = str(info.field_name)
        scripted = _scripted(info)
        least = {"openings": 1 if scripted else 3, "states": 0 if scripted else 2,
                 "turn_limit_lines": 0 if scripted else 1, "script": 1 if scripted else 0}[field]  # fmt: skip
        if len(v) < least:
            raise PydanticCustomError(
                "too_short",
                "List should have at least {min_length} items after validation, not {actual_length}",
                {"field_type": "List", "min_length": least, "actual_length": len(v)},
            )
        most = 1 if scripted and field == "openings" else (0 if not scripted and field == "script" else None)
        if most is not None and len(v) > most:
            raise PydanticCustomError(
                "too_long",
                "List should have at most {max_length} items after validation, not {actual_length}",
                {"field_type": "List", "max_length": most, "actual_length": len(v)},
            )
        return v

    @field_validator("exemplars")
    @classmethod
    def _all_bands(cls, v: dict[int, list[str]]) -> dict[int, list[str]]:
        for band in range(1, 6):
            if len(v.get(band, [])) < 3:
                raise ValueError(f"band {band} needs at least 3 exemplar replies")
        extra = set(v) - set(range(1, 6))
        if extra:
            raise ValueError(f"unknown bands {sorted(extra)}; bands are 1-5")
        return v

    @model_validator(mode="after")
    def _states_consistent(self) -> Scenario:
        if self.mode == "scripted" and not self.states:
            return self  # a script needs no state machine; states given anyway must still be sound
        ids = [s.id for s in self.states]
        if len(ids) != len(set(ids)):
            raise ValueError(f"state ids must be unique, got {ids}")
        known = set(ids)
        if self.initial_state not in known:
            raise ValueError(f"initial_state '{self.initial_state}' is not a state")
        for s in self.states:
            for key, target in s.transitions.items():
                if target not in known:
                    raise ValueError(f"state '{s.id}': transition '{key}' goes to unknown state '{target}'")
        endings = {s.ending for s in self.states if s.ending}
        if not endings & {"deal", "next_meeting"}:
            raise ValueError("needs a terminal state with ending 'deal' or 'next_meeting'")
        if "walkaway" not in endings:
            raise ValueError("needs a terminal state with ending 'walkaway'")
        return self

    def state(self, state_id: str) -> CustomerState:
        """The state with this id."""
        for s in self.states:
            if s.id == state_id:
                return s
        raise KeyError(state_id)

    def weight(self, criterion: str) -> float:
        """Normalised weight of a criterion (0 when the rubric leaves it out)."""
        total = sum(self.rubric.weights.values())
        return self.rubric.weights.get(criterion, 0.0) / total  # type: ignore[call-overload]

    def summary(self, lang: str = "zh") -> dict[str, object]:
        """The listing of ``coach scenarios --json`` and ``GET /api/v1/scenarios``."""
        p = self.persona
        return {
            "id": self.id,
            "title": self.title.get(lang),
            "title_zh": self.title.zh,
            "title_en": self.title.en,
            "difficulty": self.difficulty,
            "practises": self.practises.get(lang),
            "mode": self.mode,
            "opening": self.openings[0],  # a scripted scenario has exactly this one
            "openings": list(self.openings),
            "persona": {
                "name": p.name,
                "company": p.company,
                "role": p.role,
                "personality": p.personality,
                "decision_style": p.decision_style,
                "value_type": p.value_type,
                "background": p.background.get(lang),
            },
            "criteria": [c for c in CRITERIA if self.rubric.weights.get(c, 0) > 0],  # type: ignore[call-overload]
        }


def _scripted(info: ValidationInfo) -> bool:
    return info.data.get("mode") == "scripted"


__all__ = [
    "MOVES",
    "CRITERIA",
    "Scenario",
    "CustomerState",
    "Persona",
    "Motive",
    "Rubric",
    "Rule",
    "Localized",
]
