"""Shared fixtures: settings on a temporary data dir, one warmed Services, test databases.

``db_url`` runs a test on real SQLite and on a real, throwaway PostgreSQL
cluster. Tests must run on a fresh clone with only loopback networking, so the
fixture runs ``initdb``/``pg_ctl`` itself (Debian's ``postgresql`` package,
installed by ``scripts/setup.sh --test``); postgres refuses to run as root, so
under root the cluster runs as the ``postgres`` user.

Kept minimal on purpose; package-specific fixtures live in tests/<pkg>/conftest.py.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.services.container import Services


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data dir with the deterministic fake embeddings."""
    return load_settings(data_dir=tmp_path / "data", embedding_backend="fake")


@pytest.fixture(scope="session")
def coach_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """Real services (scenarios, fake embeddings, real index and coach), built once per run."""
    root = tmp_path_factory.mktemp("coach")
    return Services(load_settings(data_dir=root, embedding_backend="fake"))


def _bin_dir() -> str | None:
    """The directory holding initdb/pg_ctl: PATH first, then Debian's versioned dirs."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return os.path.dirname(found)
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """Yield a server URL (no database part), or None when no server can be had.

    ``COACH_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://u:p@host:5432``)
    points at an existing server instead of starting one.
    """
    env_url = os.environ.get("COACH_TEST_POSTGRES_URL")
    if env_url:
        yield env_url.rstrip("/")
        return
    bindir = _bin_dir()
    if bindir is None:
        yield None
        return
    prefix: list[str] = []
    tmp = tempfile.mkdtemp(prefix="coach-pg-")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(tmp, "data"), _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "coach", "-E", "UTF8", "--locale=C")
    opts = f"-k {tmp} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(tmp, "log"), "-o", opts, "-w", "start")
    try:
        yield f"postgresql+psycopg://coach@127.0.0.1:{port}"
    finally:
        run(f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty, uniquely named database on ``server_url`` and return its URL."""
    from sqlalchemy import create_engine, text

    name = f"coach_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    finally:
        admin.dispose()
    return f"{server_url}/{name}"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str | None]:
    """The test PostgreSQL server for the whole run (None when unavailable)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coach.db'}"
    pytest.importorskip("psycopg", reason="PostgreSQL driver missing: pip install -e '.[pg]'")
    server = request.getfixturevalue("postgres_server_url")
    if server is None:
        pytest.skip("PostgreSQL server binaries (initdb/pg_ctl) not found and COACH_TEST_POSTGRES_URL unset")
    return fresh_database(server)
