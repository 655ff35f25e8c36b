"""Start-up checks of the data directory and the database, and the data-directory lock.

Why: without them a broken deployment fails late and obscurely: a full disk or a read-only
mount shows up as a 500 on the first reply, a corrupt ``coach.db`` as a traceback from the
migrations, and two servers on one SQLite file fight over its write lock. ``coach serve`` calls
:func:`preflight` and :func:`acquire_data_dir_lock` before it listens, and each problem becomes
one :class:`StartupError` line (English, then Chinese) saying what to do.

Decisions:

* A **zero-byte** ``coach.db`` is refused, not silently initialised: it is what a failed copy,
  restore or disk-full truncation leaves behind, and starting on it would show an empty product
  where the team's history should be. A new install has no file at all (the server creates it);
  to start afresh on purpose, remove the file (or run ``coach db upgrade``, which initialises it).
* Corruption is checked cheaply (the file header and reading the schema), not with
  ``PRAGMA integrity_check``, which reads the whole file on every start.
* Writability is checked with real writes (a probe file, fsynced, so a full disk reports
  ``ENOSPC``; a table created in a rolled-back transaction), because permission bits say nothing
  when running as root or on a read-only mount.
* The lock (``DATA_DIR/.coach.lock``, an OS file lock: released by the kernel when the process
  dies, so a crash never leaves a stale lock) is taken by the server's parent process only;
  workers it starts inherit nothing to do. PostgreSQL handles concurrent servers itself, so
  there the lock is a no-op.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout
from sqlalchemy.engine import make_url

from app.config import Settings

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
LOCK_NAME = ".coach.lock"
#: Bytes written by the disk probe: enough to notice a full disk, too few to matter.
PROBE_BYTES = 64 * 1024


class StartupError(RuntimeError):
    """Why the server cannot start, as one line for the operator."""


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite database file of ``settings``, or None (PostgreSQL, in-memory, URI form)."""
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)


def _not_writable(what: str, path: Path, exc: OSError | sqlite3.Error) -> StartupError:
    code = exc.errno if isinstance(exc, OSError) else None
    if code in (errno.ENOSPC, errno.EDQUOT):
        return StartupError(
            f"the disk of {what} {path} is full ({exc}): free some space, then start again"
            f" / {path} 所在磁盘已满：请清理空间后再启动"
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in str(exc) or "read-only" in str(exc):
        return StartupError(
            f"{what} {path} is read-only or not writable by this user ({exc}): the server must write there"
            f" / {path} 只读或当前用户无写权限：服务需要写入该位置"
        )
    return StartupError(f"cannot write to {what} {path} ({exc}) / 无法写入 {path}")


def _write_probe(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = memoryview(b"\0" * PROBE_BYTES)
        while block:
            block = block[os.write(fd, block) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def check_writable_dir(directory: Path, what: str = "the data directory (COACH_DATA_DIR)") -> None:
    """Create ``directory`` if needed and write, fsync and delete a probe file in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _not_writable(what, directory, exc) from exc
    probe = directory / f".coach-preflight-{os.getpid()}"
    try:
        _write_probe(probe)
    except OSError as exc:
        raise _not_writable(what, directory, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)


def check_sqlite_file(path: Path) -> None:
    """Refuse a zero-byte, foreign, corrupt or read-only SQLite file (a missing one is fine)."""
    if not path.exists():
        return
    if path.stat().st_size == 0:
        raise StartupError(
            f"the database file {path} is empty (0 bytes), not an initialised coach database: restore it from a backup, "
            "or to start afresh remove it or run `coach db upgrade`"
            f" / 数据库文件 {path} 为空（0 字节）：请从备份恢复；如要重新开始，请删除它或运行 `coach db upgrade`"
        )
    with path.open("rb") as f:
        header = f.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StartupError(
            f"the database file {path} is not a SQLite database (corrupt or another file): restore it from a backup or move it away"
            f" / {path} 不是 SQLite 数据库（已损坏或是别的文件）：请从备份恢复或把它移走"
        )
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE coach_preflight_probe (x INTEGER)")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise _not_writable("the database file", path, exc) from exc
        if "locked" in text or "busy" in text:
            raise StartupError(
                f"the database file {path} is locked by another process ({exc}); is another coach running?"
                f" / 数据库 {path} 被其他进程锁定：是否已有 coach 在运行？"
            ) from exc
        raise StartupError(f"cannot use the database file {path}: {exc} / 无法使用数据库文件 {path}") from exc
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed", "file is not a database"
        raise StartupError(
            f"the database file {path} is corrupt ({exc}): restore it from a backup"
            f" / 数据库文件 {path} 已损坏：请从备份恢复"
        ) from exc
    finally:
        conn.close()


def preflight(settings: Settings) -> None:
    """Check the data directory and (SQLite) the database file; :class:`StartupError` on a problem."""
    check_writable_dir(settings.data_dir)
    path = sqlite_path(settings)
    if path is not None:
        if path.parent.resolve() != settings.data_dir.resolve():
            check_writable_dir(path.parent, "the database directory")
        check_sqlite_file(path)


class DataDirLock:
    """The data-directory lock held by one server process (``held`` is False for PostgreSQL)."""

    def __init__(self, lock: FileLock | None = None) -> None:
        self._lock = lock

    @property
    def held(self) -> bool:
        """True while this process holds the lock."""
        return self._lock is not None and self._lock.is_locked

    def release(self) -> None:
        """Let another server use the data directory (also done by the OS when the process exits)."""
        if self._lock is not None and self._lock.is_locked:
            self._lock.release(force=True)

    def __enter__(self) -> DataDirLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def acquire_data_dir_lock(settings: Settings) -> DataDirLock:
    """Lock ``DATA_DIR/.coach.lock`` for this server process when the database is SQLite.

    A second server on the same data directory gets :class:`StartupError` at once (no waiting).
    """
    if sqlite_path(settings) is None:
        return DataDirLock()
    path = settings.data_dir / LOCK_NAME
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, timeout=0, thread_local=False, preserve_lock_file=True)
        lock.acquire()
    except Timeout as exc:
        raise StartupError(
            f"another coach server is using DATA_DIR {settings.data_dir} (lock {path}); stop it first, "
            "or give this one its own COACH_DATA_DIR"
            f" / 另一个 coach 服务正在使用数据目录 {settings.data_dir}：请先停止它，或为本服务指定另一个 COACH_DATA_DIR"
        ) from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOLCK):
            log.warning("cannot lock %s (%s): a second server on this data directory will not be refused", path, exc)
            return DataDirLock()
        raise _not_writable("the data directory (COACH_DATA_DIR)", settings.data_dir, exc) from exc
    return DataDirLock(lock)
