"""Engine and session factory for the configured database.

SQLite gets WAL (readers never block the writer, so the chat stays responsive while analytics
run), ``foreign_keys=ON`` (SQLite ignores foreign keys otherwise) and a busy timeout on every new
connection. Write sessions (:meth:`Database.write`) go through a second engine whose
transactions begin ``IMMEDIATE``: they take SQLite's write lock up front, which is SQLite's
form of a row lock (PostgreSQL gets ``SELECT … FOR UPDATE`` instead, see
:meth:`app.db.repository.Repository.lock_session`). A deferred transaction that reads and then
writes can fail with "database is locked" without waiting; an immediate one waits its turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from app.config import Settings

#: Seconds a SQLite writer waits for the write lock before giving up ("database is locked").
SQLITE_BUSY_S = 30


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_S * 1000}")
    cur.close()


def _driver_begins_nothing(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    dbapi_conn.isolation_level = None  # the "begin" listener below emits BEGIN IMMEDIATE


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    """An engine for ``url``; SQLite URLs get the pragmas above.

    ``immediate`` (SQLite only): every transaction begins IMMEDIATE, taking the write lock first.
    The ordinary engine keeps the driver's own behaviour (a transaction starts at the first
    write, so reads never hold a lock).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        if immediate:
            event.listen(engine, "connect", _driver_begins_nothing)
            event.listen(engine, "begin", _begin_immediate)
        return engine
    # Requests wait for a session's lease without a connection, so the pool only needs to cover
    # the threads that run queries at once (FastAPI's thread pool has 40).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30, pool_timeout=30)


class Database:
    """The engine plus session factories for one configuration."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = make_engine(url, immediate=True) if self.is_sqlite else self.engine
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite database (one writer at a time, a file under DATA_DIR)."""
        return self.url.startswith("sqlite")

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database of ``settings``, creating the data directory for SQLite."""
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.sqlalchemy_url)

    def session(self) -> Session:
        """A new ORM session (the caller closes it)."""
        return self.sessionmaker()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction, committed on success and rolled back on error.

        On SQLite it begins IMMEDIATE (the write lock is taken first, so read-then-write never
        deadlocks); keep the work inside small: scoring never happens in here.
        """
        with self._writer() as db, db.begin():
            yield db

    def migrate(self) -> None:
        """Bring the schema to the latest migration."""
        from app.db.migrate import upgrade

        upgrade(self.engine)

    def is_current(self) -> bool:
        """True when the schema is at the latest migration."""
        from app.db.migrate import current_revision, head_revision

        return current_revision(self.engine) == head_revision()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        """Close pooled connections (on shutdown and in tests)."""
        self.engine.dispose()
        if self._write_engine is not self.engine:
            self._write_engine.dispose()
