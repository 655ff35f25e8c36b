"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.schemas import Health
from app.deps import DatabaseDep, ServicesDep
from app.services.container import Services

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


def index_ready(services: Services) -> bool:
    """The knowledge index is loaded, or built on disk and loadable on first use."""
    if "retriever" in services.__dict__:
        return True
    from app.retrieval.errors import CoachIndexError
    from app.retrieval.manifest import Manifest

    try:
        Manifest.load(services.settings.index_path)
    except CoachIndexError:
        return False
    return True


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(database: DatabaseDep, services: ServicesDep) -> JSONResponse:
    """Ready to serve: database answers, scenarios load, knowledge index present."""
    try:
        scenarios_ok = len(services.scenarios) > 0
    except Exception:
        scenarios_ok = False
    checks = {"database": database.ping(), "scenarios": scenarios_ok, "index": index_ready(services)}
    ok = all(checks.values())
    body = Health(status="ok" if ok else "starting", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
