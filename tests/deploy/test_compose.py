"""docker-compose.yml and the Dockerfile, checked by parsing (Docker cannot run here)."""

from __future__ import annotations

import re

import yaml

from app.config import REPO_ROOT, Settings


def compose() -> dict[str, dict[str, dict[str, object]]]:
    data: dict[str, dict[str, dict[str, object]]] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def test_app_runs_on_postgres_and_redis_with_auth_after_migrating() -> None:
    services = compose()["services"]
    assert {"db", "redis", "migrate", "app"} <= set(services)
    app = services["app"]
    env = app["environment"]
    assert isinstance(env, dict)
    assert str(env["COACH_DATABASE_URL"]).startswith("postgresql+psycopg://") and "@db:5432/" in str(env["COACH_DATABASE_URL"])
    assert str(env["COACH_REDIS_URL"]).startswith("redis://redis:")
    assert env["COACH_AUTH"] == "password" and ":?" in str(env["COACH_SECRET_KEY"])  # refuses to start without one
    assert services["migrate"]["command"] == ["coach", "db", "upgrade"]
    assert app["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}, "redis": {"condition": "service_healthy"}}
    assert "--workers" in list(app["command"])  # type: ignore[arg-type]
    assert all(str(p).startswith("127.0.0.1:") for p in app["ports"])  # type: ignore[attr-defined]


def test_every_setting_the_compose_file_passes_exists() -> None:
    env = compose()["services"]["app"]["environment"]
    assert isinstance(env, dict)
    fields = {f"COACH_{name.upper()}" for name in Settings.model_fields}
    unknown = [k for k in env if k not in fields and not k.startswith(("COACH_LLM_", "COACH_ENGINE"))]
    assert not unknown


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck_and_a_prebuilt_index() -> None:
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    assert re.search(r"^USER coach$", text, re.M) and "HEALTHCHECK" in text
    assert "COACH_AUTH=password" in text and ".retriever" in text
