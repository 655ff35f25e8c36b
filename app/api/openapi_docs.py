"""Corrections to the generated OpenAPI document, so that the schema says what the server does.

FastAPI documents a 422 body ``{"detail": [ ... ]}`` (``HTTPValidationError``) while every error
here is :class:`~app.api.schemas.ErrorOut` (``{"detail": str, "errors": [...]}``); it knows
nothing of the answers given outside the routes (413 from the body limit, 400 for an unreadable
body, 500 from the error handler, the ``X-Request-ID`` header on every response); and a reply's
length limit is a setting, not a constant. The document is generated once per app, then patched
here; ``tests/api/test_schema_fuzz.py`` checks the result against real answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.api.middleware import REQUEST_ID_HEADER
from app.api.schemas import REPLY_LIMIT_MARK, ErrorOut
from app.config import Settings

#: An OpenAPI document or part of one (free-form JSON, as FastAPI types it).
Spec = dict[str, Any]

ERROR_REF = "#/components/schemas/ErrorOut"
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"

#: Answers every operation may give, besides its own.
_ANY_ROUTE = {"500": "Internal error: logged with the request id, which the body and X-Request-ID carry."}
#: Answers every operation with a request body may give.
_BODY_ROUTE = {
    "400": "The body could not be read (not UTF-8, numbers too long, nested too deep).",
    "413": "The body is larger than COACH_MAX_BODY_BYTES, or a reply longer than COACH_MAX_MESSAGE_CHARS.",
    "422": "Malformed or invalid body: `errors` names each invalid field.",
}


def error_doc(description: str) -> dict[str, object]:
    """A ``responses=`` entry for an error answered as :class:`ErrorOut`."""
    return {"description": description, "model": ErrorOut}


def _error_response(description: str) -> Spec:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}


def _replace_refs(node: object, old: str, new: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and value == old:
                node[key] = new
            else:
                _replace_refs(value, old, new)
    elif isinstance(node, list):
        for item in node:
            _replace_refs(item, old, new)


def _apply_limits(schemas: Spec, settings: Settings) -> None:
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            setting = prop.pop(REPLY_LIMIT_MARK, None)
            if setting is not None:
                prop["maxLength"] = int(getattr(settings, setting))


def correct(spec: Spec, settings: Settings) -> None:
    """Patch ``spec`` in place (see the module docstring)."""
    schemas: Spec = spec.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorOut"] = error_schema
    _replace_refs(spec["paths"], _FASTAPI_422, ERROR_REF)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _apply_limits(schemas, settings)
    header = {
        REQUEST_ID_HEADER: {
            "description": "This request's id (the client's own when it sent a short token): quote it when reporting a problem.",
            "required": True,
            "schema": {"type": "string", "maxLength": 64},
        }
    }
    for operations in spec["paths"].values():
        for operation in operations.values():
            responses: Spec = operation.setdefault("responses", {})
            extra = {**_ANY_ROUTE, **(_BODY_ROUTE if "requestBody" in operation else {})}
            for status, description in extra.items():
                responses.setdefault(status, _error_response(description))
            for response in responses.values():
                response.setdefault("headers", {}).update(header)


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Serve the corrected document at /openapi.json (generated on first use, then cached)."""
    generate = app.openapi

    def openapi() -> Spec:
        if app.openapi_schema is None:
            correct(generate(), settings)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
