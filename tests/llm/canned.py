"""Canned conversation pieces and judge answers shared by the LLM tests."""

from __future__ import annotations

import json

from app.domain import CRITERIA

CUSTOMER = "太贵了，别家便宜两成。"
GOOD = "理解您的顾虑，价格确实要认真比较。方便说说您主要拿哪几项在和别家比吗？"


def verdict_json(score: int = 100, flags: list[str] | None = None, feedback: str = "追问得好。") -> str:
    return json.dumps(
        {
            "criteria": [{"id": c, "reason": "理由", "score": score} for c in CRITERIA],
            "flags": flags or [],
            "feedback": feedback,
            "better_reply": "您最看重哪几项？我们按项对比一下。",
        },
        ensure_ascii=False,
    )
