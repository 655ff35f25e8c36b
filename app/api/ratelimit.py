"""The rate-limit dependency for scoring endpoints: 429 with ``Retry-After`` over the limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from app.deps import CurrentUser, LangDep, ServicesDep

MESSAGES = {
    "zh": "操作太频繁了，请 {s} 秒后再试。",
    "en": "Too many requests; try again in {s} seconds.",
}


def rate_limited(user: CurrentUser, services: ServicesDep, lang: LangDep) -> None:
    """Count this request against the user's limit (a no-op when ``COACH_RATE_LIMIT`` is empty)."""
    limiter = services.rate_limiter
    if limiter is None:
        return
    verdict = limiter.hit(str(user.id))
    if not verdict.allowed:
        raise HTTPException(
            status_code=429,
            detail=MESSAGES["en" if lang == "en" else "zh"].format(s=verdict.retry_after_s),
            headers={"Retry-After": str(verdict.retry_after_s)},
        )


RateLimited = Annotated[None, Depends(rate_limited)]
