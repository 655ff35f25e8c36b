"""`coach serve` as a child process for the benchmark scripts (bench_soak.py, load_test.py).

Starts it on a free loopback port with a private data directory and waits for /readyz.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: Path, port: int, *, workers: int = 1, env: dict[str, str] | None = None, quiet: bool = False
) -> subprocess.Popen[bytes]:
    """`coach serve` (with ``--migrate`` for several workers), once /readyz answers 200."""
    cmd = [sys.executable, "-m", "app.cli.main", "serve", "--port", str(port), "--data-dir", str(data_dir),
           "--log-level", "warning"]  # fmt: skip
    if workers > 1:
        cmd += ["--workers", str(workers), "--migrate"]
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stderr=subprocess.DEVNULL if quiet else None)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("coach serve exited")
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("coach serve did not become ready")
