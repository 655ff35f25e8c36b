"""Failed sign-ins throttled per login name and client address, counted in the database.

Five failures within fifteen minutes lock that name from that address until the oldest one
leaves the window (429 with ``Retry-After``). The rows live in ``login_attempts``, so several
workers share one count; a successful sign-in clears them.
"""

from __future__ import annotations

import math
from datetime import timedelta

from app.db.engine import Database
from app.db.models import utcnow
from app.db.repository import Repository

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class TooManyAttemptsError(Exception):
    """Sign-in refused without checking the password; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


class LoginThrottle:
    """The throttle over one database."""

    def __init__(self, database: Database, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW) -> None:
        self.database = database
        self.max_failures = max_failures
        self.window = window

    def check(self, name: str, ip: str) -> None:
        """Raise :class:`TooManyAttemptsError` when ``name`` from ``ip`` is locked out now."""
        now = utcnow()
        with self.database.session() as db:
            failures = Repository(db).failed_logins(name, ip, now - self.window)
        if len(failures) >= self.max_failures:
            oldest = failures[-self.max_failures]
            if oldest.tzinfo is None:  # SQLite returns naive UTC
                oldest = oldest.replace(tzinfo=now.tzinfo)
            raise TooManyAttemptsError(max(1, math.ceil((oldest + self.window - now).total_seconds())))

    def failed(self, name: str, ip: str) -> None:
        """Count one failure (committed)."""
        with self.database.write() as db:
            Repository(db).record_failed_login(name, ip, utcnow() - self.window)

    def succeeded(self, name: str, ip: str) -> None:
        """Forget the failures of this name and address (committed)."""
        with self.database.write() as db:
            Repository(db).clear_failed_logins(name, ip)
