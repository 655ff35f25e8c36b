"""Liveness and readiness probes.

Readiness means "can serve a practice session", which writes: a database that answers but is
read-only (a read-only mount, a file owned by someone else, a PostgreSQL standby) is not ready. The
write check is a real write, rolled back, with a short lock wait so a busy writer cannot stall the
probe; why it failed goes to the log, the answer keeps its three checks.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.schemas import Health
from app.db.engine import Database
from app.deps import DatabaseDep, ServicesDep
from app.services.container import Services

log = logging.getLogger("app.api")

router = APIRouter(tags=["health"])

#: How long the write probe waits for a lock held by a real writer.
PROBE_LOCK_WAIT_MS = 1000


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


def index_ready(services: Services) -> bool:
    """The knowledge index is loaded, or built on disk and loadable on first use."""
    if services.is_built("retriever"):
        return True
    from app.retrieval.errors import CoachIndexError
    from app.retrieval.manifest import Manifest

    try:
        Manifest.load(services.settings.index_path)
    except CoachIndexError:
        return False
    return True


def database_writable(database: Database) -> bool:
    """True when a write to the database succeeds (it is rolled back): a no-op update of Alembic's row."""
    try:
        with database.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            previous = None
            if sqlite:
                previous = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
                conn.exec_driver_sql(f"PRAGMA busy_timeout={PROBE_LOCK_WAIT_MS}")
                conn.rollback()
            try:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {PROBE_LOCK_WAIT_MS}")
                conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
            finally:
                conn.rollback()
                if previous is not None:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={previous}")
                    conn.rollback()
        return True
    except Exception as exc:
        log.warning("readiness: the database is not writable: %s", exc)
        return False


@router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "Not ready (yet)"}})
def readyz(database: DatabaseDep, services: ServicesDep) -> JSONResponse:
    """Ready to serve: the database answers and takes writes, scenarios load, knowledge index present."""
    try:
        scenarios_ok = len(services.scenarios) > 0
    except Exception:
        scenarios_ok = False
    checks = {
        "database": database.ping() and database_writable(database),
        "scenarios": scenarios_ok,
        "index": index_ready(services),
    }
    ok = all(checks.values())
    breaker = services.engine.breaker if services.is_built("engine") else None
    llm = breaker() if breaker is not None else None
    body = Health(status="ok" if ok else "starting", checks=checks, llm=llm)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
