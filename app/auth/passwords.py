"""Password hashing with argon2 (pwdlib), the algorithm OWASP recommends for new systems."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

#: Shortest password ``coach users`` accepts: the throttle slows guessing, length stops it.
MIN_PASSWORD_CHARS = 8


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not a password of anyone")


def hash_password(password: str) -> str:
    """The argon2 hash to store (salted; the password itself is never stored)."""
    return _hasher().hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``.

    An account without a hash (or an unknown name: pass ``None``) still costs one argon2
    verification, so the answer time does not tell which login names exist.
    """
    if stored is None:
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return _hasher().verify(password, stored)
    except Exception:  # a malformed stored hash is a failed sign-in, not a 500
        return False
