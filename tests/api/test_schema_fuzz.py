"""Schemathesis over the served OpenAPI document: the schema is what the server does.

For every operation, generated requests (valid and invalid ones) against the real app must get
no 5xx, a documented status code and content type, a body that matches the documented schema,
the documented ``X-Request-ID`` header, and a 4xx for data the schema says is invalid. The
number of examples is bounded so the whole file stays well under a minute on a small machine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import load_settings
from app.main import create_app
from app.services.container import Services

#: Examples per operation (each operation is one test).
EXAMPLES = 40

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


#: A 413 (body over COACH_MAX_BODY_BYTES, reply over COACH_MAX_MESSAGE_CHARS) rejects invalid data too.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": ["400", "404", "405", "409", "413", "415", "422"]}}}
)


def served_spec() -> dict[str, Any]:
    """The document an app on default settings serves (building an app loads nothing)."""
    unused = Path(tempfile.mkdtemp(prefix="coach-spec-"))
    return create_app(Services(load_settings(data_dir=unused, embedding_backend="fake"))).openapi()


SPEC = served_spec()
# Collected from the document at import (schemathesis's lazy fixture loader does not run on pytest 9);
# the test then checks that the app under test serves this very document.
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory, coach_services: Services) -> Iterator[FastAPI]:
    """One real app for every operation's examples (sessions created by one are found by the next)."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("fuzz"), embedding_backend="fake")
    with TestClient(create_app(coach_services.derive(settings))) as client:
        assert client.get("/openapi.json").json() == SPEC
        yield client.app  # type: ignore[misc]


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_answers_as_documented(case: Case, fuzzed_app: FastAPI) -> None:
    case.call_and_validate(app=fuzzed_app, checks=CHECKS)
