"""A circuit breaker, so a dead LLM endpoint costs one timeout, not one per reply.

Closed: calls go through. After ``threshold`` consecutive failures it opens: calls are refused at
once and the embedded engine answers. After ``cooldown_s`` one call (the half-open probe) is let
through; its success closes the breaker, its failure opens it for another cool-down. Shared by
the voice and the judge, which talk to the same endpoint. Thread-safe: the web app serves replies
from a thread pool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.ports import BreakerState

State = BreakerState


class CircuitBreaker:
    """Counts consecutive failures of one endpoint and decides whether to call it at all."""

    def __init__(
        self, threshold: int = 3, cooldown_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        """closed, open, or half_open (the cool-down is over: the next call is a probe)."""
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether to call the endpoint now; in half-open, only the first caller (the probe) may."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "open" or self._probing:
                return False
            self._probing = True
            return True

    def success(self) -> None:
        """The call worked: close the breaker."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def failure(self) -> None:
        """The call failed: count it; open (again) at the threshold or when the probe failed."""
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self.threshold:
                self._opened_at = self._clock()
                self._probing = False
