"""Schemathesis over the served OpenAPI document: the schema is what the server does.

For every operation, generated requests (valid and invalid ones) against the real app must get
no 5xx, a documented status code and content type, a body that matches the documented schema,
the documented ``X-Request-ID`` header, and a 4xx for data the schema says is invalid. The
number of examples is bounded so the whole file stays well under a minute on a small machine.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Examples per operation (each operation is one test).
EXAMPLES = 12

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_schema(client: TestClient) -> BaseSchema:
    """The schema the app serves, bound to that app (its database migrated by ``client``)."""
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_answers_as_documented(case: Case) -> None:
    case.call_and_validate(checks=CHECKS)
