"""A daily LLM token budget per user, so one rep (or a script) cannot spend the team's quota.

``COACH_LLM_DAILY_TOKENS`` (0: no limit) bounds the tokens the judge and the customer voice spend
on one user's behalf per calendar day (UTC). Tokens are counted from the model's own usage
report; the counters live with the rate limits (Redis when ``COACH_REDIS_URL`` is set, so every
worker shares them). Over budget, the embedded engine answers, with the ``llm_budget`` notice.
The user is taken from a context variable the practice service sets around each reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from langchain_core.callbacks import UsageMetadataCallbackHandler
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

#: Whose budget LLM calls spend (None: no user, e.g. an offline evaluation: unlimited).
BUDGET_USER: ContextVar[str | None] = ContextVar("llm_budget_user", default=None)
EXHAUSTED = "llm_budget"


@contextmanager
def spending_for(user_id: int | str | None) -> Iterator[None]:
    """LLM calls inside spend ``user_id``'s budget."""
    token = BUDGET_USER.set(None if user_id is None else str(user_id))
    try:
        yield
    finally:
        BUDGET_USER.reset(token)


class TokenBudget:
    """Tokens per user per day, in a fixed daily window."""

    def __init__(self, per_day: int, storage_url: str = "memory://") -> None:
        self.per_day = per_day
        self.item = parse(f"{max(per_day, 1)}/day")
        storage = storage_from_string(storage_url)
        if not isinstance(storage, Storage):
            raise ValueError(f"{storage_url!r} must be a synchronous storage (redis://…)")
        self.strategy = FixedWindowRateLimiter(storage)

    def exhausted(self) -> bool:
        """True when the current user has no tokens left today."""
        user = BUDGET_USER.get()
        if user is None or self.per_day <= 0:
            return False
        return not self.strategy.test(self.item, "llm-tokens", user)

    def spend(self, usage: UsageMetadataCallbackHandler) -> None:
        """Charge the tokens the model reported to the current user."""
        user = BUDGET_USER.get()
        if user is None or self.per_day <= 0:
            return
        tokens = sum(int(m.get("total_tokens", 0)) for m in usage.usage_metadata.values())
        if tokens > 0:
            self.strategy.hit(self.item, "llm-tokens", user, cost=tokens)
