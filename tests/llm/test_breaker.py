"""The circuit breaker: opens after N consecutive failures, probes once after the cool-down."""

from __future__ import annotations

from app.llm.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_refuses_calls() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=Clock())
    for _ in range(2):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state == "closed"
    breaker.success()  # a success in between resets the count
    for _ in range(3):
        breaker.failure()
    assert breaker.state == "open" and not breaker.allow()


def test_half_open_probe_closes_on_success() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=clock)
    breaker.failure()
    clock.now = 9.9
    assert not breaker.allow()
    clock.now = 10.0
    assert breaker.state == "half_open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one probe at a time
    breaker.success()
    assert breaker.state == "closed" and breaker.allow()


def test_failed_probe_opens_for_another_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cooldown_s=5, clock=clock)
    breaker.failure()
    breaker.failure()
    clock.now = 5.0
    assert breaker.allow()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now = 10.0
    assert breaker.allow()
