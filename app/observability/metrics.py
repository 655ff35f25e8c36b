"""Prometheus metrics: request latency, turn latency, the score distribution, engine fallbacks.

Operators watch these at ``GET /metrics`` (Prometheus text format). With several workers
(``coach serve --workers N``) each process writes its samples to ``PROMETHEUS_MULTIPROC_DIR``
(``coach serve`` sets it) and the endpoint aggregates them, so a scrape sees the whole server,
not the one worker that happened to answer.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0)


class Metrics:
    """The service's metrics, created once per process."""

    def __init__(self) -> None:
        self.requests = Histogram(
            "coach_http_request_seconds", "HTTP request latency", ["method", "route", "status"], buckets=LATENCY_BUCKETS
        )
        self.turns = Histogram(
            "coach_turn_seconds", "Time to play one rep reply (store, score, answer)", ["engine"], buckets=LATENCY_BUCKETS
        )
        self.scores = Histogram(
            "coach_reply_score", "Scores given to rep replies", ["engine"], buckets=tuple(range(10, 101, 10))
        )
        self.fallbacks = Counter("coach_engine_fallbacks_total", "Replies scored by the embedded engine instead", ["reason"])
        self.llm_seconds = Histogram("coach_llm_seconds", "LLM call latency", ["role"], buckets=LATENCY_BUCKETS)
        self.llm_errors = Counter("coach_llm_errors_total", "Failed LLM calls", ["role", "kind"])


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    """The process's metrics (created on first use, never at import)."""
    return Metrics()


def observe_turn(seconds: float, engine: str, score: int) -> None:
    """Record one played reply."""
    m = metrics()
    m.turns.labels(engine).observe(seconds)
    m.scores.labels(engine).observe(score)


def record_fallback(reason: str) -> None:
    """Record a reply the configured engine could not score (timeout, bad output, open breaker)."""
    metrics().fallbacks.labels(reason).inc()


def observe_llm(role: str, seconds: float) -> None:
    """Record one successful LLM call (``judge``, ``customer``)."""
    metrics().llm_seconds.labels(role).observe(seconds)


def record_llm_error(role: str, kind: str) -> None:
    """Record a failed LLM call by the exception's type (Timeout, APIConnectionError, ValidationError…)."""
    metrics().llm_errors.labels(role, kind[:40]).inc()


def exposition() -> tuple[bytes, str]:
    """The current metrics in Prometheus text format, of all workers when they share a directory."""
    metrics()  # this process's series exist even before the first request
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Times every HTTP request under its route template (never the raw path: ids would explode it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/static/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = ["500"]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = str(getattr(route, "path", "unmatched"))
            metrics().requests.labels(scope.get("method", "?"), template, status[0]).observe(time.perf_counter() - started)
