"""Per-user rate limits on the expensive endpoints (scoring), with the ``limits`` library.

``COACH_RATE_LIMIT`` (e.g. ``30/minute``; empty turns it off) bounds how many replies and
one-off scores one user may ask for. The counters live where every worker sees them: Redis when
``COACH_REDIS_URL`` is set (several workers or replicas), else the process's memory (one worker).
A moving window, so a burst at a window's edge cannot double the rate.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Verdict:
    """Whether a hit is allowed, and when to try again if not."""

    allowed: bool
    retry_after_s: int = 0


class RateLimiter:
    """One limit, per identifier (a user id), on one storage."""

    def __init__(self, limit: str, storage_url: str = "memory://") -> None:
        self.item: RateLimitItem = parse(limit)
        storage = storage_from_string(storage_url)
        if not isinstance(storage, Storage):  # an async storage URL (async+redis://) was given
            raise ValueError(f"COACH_REDIS_URL {storage_url!r} must be a synchronous storage (redis://…)")
        self.storage: Storage = storage
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, identifier: str) -> Verdict:
        """Count one request; refused ones are not counted."""
        if self.strategy.hit(self.item, "coach", identifier):
            return Verdict(True)
        stats = self.strategy.get_window_stats(self.item, "coach", identifier)
        return Verdict(False, max(1, math.ceil(stats.reset_time - time.time())))

    def check_storage(self) -> bool:
        """True when the storage answers (Redis reachable)."""
        return bool(self.storage.check())
