"""Per-user rate limits: 429 with Retry-After, counted in a real Redis shared by two apps (workers)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import load_settings
from app.main import create_app
from app.services.container import Services
from app.services.ratelimit import RateLimiter

GOOD = "理解您的顾虑。方便说说您主要拿哪几项在比较吗？"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on loopback (Debian's package, installed by scripts/setup.sh --test)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh --test installs it)")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_the_limiter_refuses_over_the_limit_and_says_when_to_retry() -> None:
    limiter = RateLimiter("3/minute")
    assert [limiter.hit("u1").allowed for _ in range(4)] == [True, True, True, False]
    refused = limiter.hit("u1")
    assert not refused.allowed and 1 <= refused.retry_after_s <= 60
    assert limiter.hit("u2").allowed  # per user


def test_two_workers_share_the_count_in_redis(redis_url: str, tmp_path: Path, coach_services: Services) -> None:
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake", rate_limit="3/minute", redis_url=redis_url)
    first, second = coach_services.derive(settings), coach_services.derive(settings)
    assert first.rate_limiter is not None and first.rate_limiter.check_storage()
    first.rate_limiter.storage.reset()
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        sid = a.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 2}).json()["id"]
        codes = [c.post(f"/api/v1/sessions/{sid}/messages", json={"text": GOOD}).status_code for c in (a, b, a)]
        assert codes == [200, 200, 200]
        refused = b.post("/api/v1/score", json={"scenario": "price-objection", "customer": "太贵了", "reply": GOOD})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "秒后再试" in refused.json()["detail"]


def test_no_limit_by_default(tmp_path: Path, coach_services: Services) -> None:
    services = coach_services.derive(load_settings(data_dir=tmp_path / "data", embedding_backend="fake"))
    assert services.rate_limiter is None
