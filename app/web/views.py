"""View models for templates: plain dicts built from rows and scenarios."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.db.models import PracticeSession, ScoreDispute, TrainerReview
from app.services.analytics import score_of, session_stats
from app.services.container import Services
from app.web.i18n import translate


def scenario_view(services: Services, scenario_id: str, lang: str) -> dict[str, Any]:
    """The scenario's summary, or a stub when it no longer exists."""
    if scenario_id in services.scenarios:
        return services.scenarios.get(scenario_id).summary(lang)
    return {"id": scenario_id, "title": scenario_id, "persona": {}, "difficulty": 0, "practises": "", "criteria": []}


def persona_tags(summary: dict[str, Any], lang: str) -> list[str]:
    """Personality / decision style / value type labels of a scenario's customer."""
    p = summary.get("persona") or {}
    keys = [p.get("personality"), p.get("decision_style"), p.get("value_type")]
    return [translate(k, lang) for k in keys if k]


def _dispute_view(disputes: Sequence[ScoreDispute]) -> dict[str, Any] | None:
    """The dispute to show on a line: the open one, else the latest resolved one."""
    if not disputes:
        return None
    d = next((x for x in disputes if x.resolved_at is None), disputes[-1])
    return {"reason": d.reason, "open": d.resolved_at is None, "created_at": d.created_at}


def messages_view(
    ps: PracticeSession, reviews: list[TrainerReview] | None = None, disputes: Sequence[ScoreDispute] = ()
) -> list[dict[str, Any]]:
    """Transcript lines with the coach's score, any trainer review and any dispute of each."""
    by_msg = {r.message_id: r for r in (reviews or []) if r.message_id is not None}
    disputed: dict[int, list[ScoreDispute]] = {}
    for d in disputes:
        disputed.setdefault(d.message_id, []).append(d)
    out = []
    for m in ps.messages:
        s = score_of(m)
        r = by_msg.get(m.id)
        out.append(
            {
                "id": m.id,
                "session_id": ps.id,
                "seq": m.seq,
                "role": m.role,
                "text": m.text,
                "score": s.public() if s is not None else None,
                "review": {"score": r.score, "comment": r.comment, "criteria": r.criteria or {}} if r is not None else None,
                "dispute": _dispute_view(disputed.get(m.id, [])),
            }
        )
    return out


def overall_review(reviews: list[TrainerReview]) -> TrainerReview | None:
    """The session-level review, if any."""
    return next((r for r in reviews if r.message_id is None), None)


def transcript_view(
    services: Services, ps: PracticeSession, reviews: list[TrainerReview], lang: str, disputes: Sequence[ScoreDispute] = ()
) -> dict[str, Any]:
    """What the rep's transcript page and the trainer's review page both show."""
    return {
        "ps": ps,
        "scenario": scenario_view(services, ps.scenario_id, lang),
        "messages": messages_view(ps, reviews, disputes),
        "overall": overall_review(reviews),
        "stats": session_stats(ps),
    }
