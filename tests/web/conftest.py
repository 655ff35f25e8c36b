"""Web fixtures: an in-process app client, and `coach serve` as a real child process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import REPO_ROOT, load_settings
from app.main import create_app
from app.services.container import Services


@pytest.fixture
def client(tmp_path: Path, coach_services: Services) -> Iterator[TestClient]:
    """A client of the real app on a fresh data dir."""
    settings = load_settings(data_dir=tmp_path / "data", embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as c:
        yield c


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`coach serve` in a child process on a loopback port with a private data dir."""

    def __init__(
        self,
        data_dir: Path,
        *,
        embeddings: str = "fake",
        index_dir: Path | None = None,
        knowledge_dir: Path | None = None,
        workers: int = 1,
        database_url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.database_url = database_url
        self.extra_env = extra_env or {}
        self.embeddings = embeddings
        self.index_dir = index_dir
        self.knowledge_dir = knowledge_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        """Start and wait for /readyz to answer 200."""
        env = {**os.environ, "COACH_EMBEDDING_BACKEND": self.embeddings, "HF_HUB_OFFLINE": "1"}
        if self.index_dir is not None:
            env["COACH_INDEX_DIR"] = str(self.index_dir)
        if self.knowledge_dir is not None:
            env["COACH_KNOWLEDGE_DIR"] = str(self.knowledge_dir)
        if self.database_url is not None:
            env["COACH_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        cmd = [sys.executable, "-m", "app.cli.main", "serve", "--port", str(self.port),
               "--data-dir", str(self.data_dir), "--log-level", "warning"]  # fmt: skip
        if self.workers > 1:
            cmd += ["--workers", str(self.workers), "--migrate"]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"coach serve exited: {err}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("coach serve did not become ready")

    def stop(self) -> None:
        """Stop the child process (SIGTERM: uvicorn shuts down cleanly)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
            if self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the JSON API."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())


@pytest.fixture(scope="session")
def make_server() -> Iterator[type[Server]]:
    """The Server class, for tests that stop and restart their own."""
    yield Server
