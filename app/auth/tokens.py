"""Signed, expiring credentials: the web session cookie and the API bearer token.

Both are itsdangerous signatures over ``{user id, password fingerprint}`` with
``COACH_SECRET_KEY`` (the same key in every worker, so any worker accepts them), under different
salts so a cookie is not a token and vice versa. Nothing is stored server-side: the fingerprint
of the password hash makes ``coach users reset`` sign everyone out of that account, and
``coach users disable`` is checked on every request. The cookie also carries the CSRF token that
page forms must echo.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import Settings
from app.db.models import User

SESSION_COOKIE = "coach_session"
_SESSION_SALT = "coach.session.v1"
_TOKEN_SALT = "coach.api-token.v1"


@dataclass(frozen=True)
class Principal:
    """Who a request's credential names, before the account is looked up."""

    user_id: int
    fingerprint: str
    via: Literal["cookie", "bearer"]
    csrf: str | None = None


def password_fingerprint(password_hash: str | None) -> str:
    """A short digest of the stored hash: changes when the password does."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


class Signer:
    """Issues and checks the cookie and the bearer token for one secret key."""

    def __init__(self, settings: Settings) -> None:
        assert settings.secret_key is not None, "password mode is checked at start"
        self._serializer = URLSafeTimedSerializer(settings.secret_key.get_secret_value())
        self.session_max_age = int(settings.session_hours * 3600)
        self.token_max_age = int(settings.token_minutes * 60)

    def session_cookie(self, user: User) -> str:
        """The cookie value for a fresh sign-in, with a new CSRF token."""
        payload = {"u": user.id, "f": password_fingerprint(user.password_hash), "c": secrets.token_urlsafe(24)}
        return self._serializer.dumps(payload, salt=_SESSION_SALT)

    def read_session(self, value: str) -> Principal | None:
        """The principal of a valid, unexpired cookie, else None."""
        data = self._load(value, _SESSION_SALT, self.session_max_age)
        csrf = data.get("c") if data is not None else None
        if data is None or not isinstance(csrf, str):
            return None
        return Principal(_int(data["u"]), str(data["f"]), "cookie", csrf)

    def api_token(self, user: User) -> str:
        """A bearer token for API clients (``Authorization: Bearer …``)."""
        return self._serializer.dumps({"u": user.id, "f": password_fingerprint(user.password_hash)}, salt=_TOKEN_SALT)

    def read_token(self, value: str) -> Principal | None:
        """The principal of a valid, unexpired bearer token, else None."""
        data = self._load(value, _TOKEN_SALT, self.token_max_age)
        return None if data is None else Principal(_int(data["u"]), str(data["f"]), "bearer")

    def _load(self, value: str, salt: str, max_age: int) -> dict[str, object] | None:
        """The signed payload, or None when forged, expired or not ours."""
        try:
            data = self._serializer.loads(value, salt=salt, max_age=max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("f"), str):
            return None
        return data


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value
