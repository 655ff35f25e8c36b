"""Start-up checks of the account settings: one line saying what is wrong, or None."""

from __future__ import annotations

from app.config import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Values copied from examples rather than generated.
PLACEHOLDER_KEYS = {"", "change-me", "changeme", "secret", "secret-key", "your-secret-key", "xxx"}
MIN_KEY_CHARS = 32


def secret_key_problem(settings: Settings) -> str | None:
    """Why COACH_SECRET_KEY cannot sign sessions (password mode only), or None."""
    if settings.auth != "password":
        return None
    key = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    if key.strip().lower() in PLACEHOLDER_KEYS or len(key) < MIN_KEY_CHARS:
        return (
            f"COACH_AUTH=password needs COACH_SECRET_KEY: {MIN_KEY_CHARS}+ random characters, not a placeholder "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    return None


def serve_problem(settings: Settings) -> str | None:
    """Why ``coach serve`` must not start with these settings, or None.

    Without accounts anyone who reaches the port is the trainer, so ``off`` stays on loopback.
    """
    if settings.auth == "off" and settings.host not in LOOPBACK:
        return (
            f"refusing to listen on {settings.host} with COACH_AUTH=off (no login: anyone reaching the port "
            "would be the trainer); set COACH_AUTH=password and COACH_SECRET_KEY, or listen on 127.0.0.1"
        )
    return secret_key_problem(settings)
