"""The current request's id, as a context variable: set by the request-id middleware, read by logging.

Here, at the bottom of the layers, so that logging (and anything else) can read it without
importing the web layer; threads started for a request copy the context.
"""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
