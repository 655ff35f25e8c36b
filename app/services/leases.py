"""One reply at a time per session, across threads, workers and machines, without holding a lock.

Playing a reply reads the engine's position, scores (hundreds of milliseconds), and writes the
new position. Two replies to one session at once must not both read the old position (one scored
reply would be lost), but holding a database lock or a pooled connection while scoring starved
the pool: twenty waiting requests each held a connection while the holder waited for one.

So a reply first takes the session's *lease*: one atomic ``UPDATE … WHERE lease is free or
expired`` that records a token and an expiry, in the transaction that stores the reply
(``PracticeService._store``). Whoever gets it plays the reply and gives it back in the transaction
that stores the outcome; the others wait *without* a connection (asyncio sleeps in the web app,
between :meth:`Leases.pauses`), then play in turn. A worker killed mid-reply leaves a lease that
expires after ``ttl``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy.orm import Session

from app.db.engine import Database
from app.db.models import PracticeSession, utcnow
from app.db.repository import Repository
from app.services.errors import SessionBusyError, SessionNotFoundError


class Leases:
    """Take and give back per-session leases in the database."""

    def __init__(self, database: Database, *, ttl_s: float = 120.0, wait_s: float = 90.0) -> None:
        self.database = database
        self.ttl = timedelta(seconds=ttl_s)
        self.wait_s = wait_s

    def take(self, db: Session, session_id: str, token: str) -> bool:
        """One attempt inside the caller's write transaction (the lease is taken when it commits,
        and not at all if it rolls back); True when it is ours. An unknown session raises."""
        if Repository(db).claim(session_id, token, utcnow(), self.ttl):
            return True
        if db.get(PracticeSession, session_id) is None:
            raise SessionNotFoundError(session_id)
        return False

    def try_claim(self, session_id: str, token: str) -> bool:
        """One attempt in a transaction of its own; True when the lease is ours."""
        with self.database.write() as db:
            return self.take(db, session_id, token)

    @staticmethod
    def give_back(db: Session, session_id: str, token: str) -> None:
        """Release inside the caller's write transaction (with the reply's outcome, in one commit)."""
        Repository(db).release(session_id, token)

    def release(self, session_id: str, token: str) -> None:
        """Give the lease back (a no-op if it expired and someone else holds it now)."""
        with self.database.write() as db:
            self.give_back(db, session_id, token)

    @staticmethod
    def new_token() -> str:
        """A random lease token."""
        return secrets.token_hex(16)

    def pauses(self) -> Iterator[float]:
        """Growing waits between attempts until the wait budget is spent; then SessionBusyError."""
        deadline, pause = time.monotonic() + self.wait_s, 0.01
        while time.monotonic() <= deadline:
            yield pause
            pause = min(pause * 1.5, 0.2)
        raise SessionBusyError("another reply to this session is still being scored; send again shortly")
