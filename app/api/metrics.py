"""``GET /metrics``: Prometheus text format, for loopback scrapers or a bearer token.

The metrics reveal traffic and scores, so they are not public: a scraper on the same host (or
a sidecar) reads them freely; from elsewhere it needs ``Authorization: Bearer
COACH_METRICS_TOKEN``.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.deps import SettingsDep
from app.observability.metrics import exposition

router = APIRouter(tags=["health"])

LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}, 403: {"description": "Not a loopback client and no valid token"}},
)
def prometheus_metrics(request: Request, settings: SettingsDep) -> Response:
    """Request and turn latency, the score distribution, engine fallbacks, LLM latency and errors."""
    client = request.client.host if request.client else ""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if client not in LOOPBACK and not (token and hmac.compare_digest(given, token)):
        raise HTTPException(status_code=403, detail="metrics are for loopback scrapers or COACH_METRICS_TOKEN")
    body, content_type = exposition()
    return Response(body, media_type=content_type)
