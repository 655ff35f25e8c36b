"""Start-up checks: corrupt, zero-byte, read-only and full-disk data, and the data-directory lock.

Read-only and full disks are real: a small tmpfs (full), a read-only remount or bind mount when
running as root (root ignores permission bits), ``chmod`` otherwise. A test skips, saying why,
only where neither is possible.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.db import preflight as pf
from app.db.engine import Database
from app.db.preflight import StartupError, acquire_data_dir_lock, preflight

IS_ROOT = os.geteuid() == 0


def settings_for(data_dir: Path, **overrides: object) -> Settings:
    return load_settings(data_dir=data_dir, embedding_backend="fake", **overrides)


def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount here ({r.stderr.strip()}), so this case cannot be made real")


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A real, small filesystem at ``path`` (root only)."""
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or directory) read-only for this process, even as root."""
    if not IS_ROOT:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,ro,bind", str(path))
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def migrated(data_dir: Path) -> Path:
    """A data dir holding a real, migrated coach.db."""
    database = Database.from_settings(settings_for(data_dir))
    database.migrate()
    database.dispose()
    return data_dir / "coach.db"


def test_fresh_and_migrated_data_dirs_pass(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    preflight(settings_for(fresh))
    assert fresh.is_dir() and not (fresh / "coach.db").exists()  # nothing created but the dir
    assert not list(fresh.iterdir())  # the probe file is gone
    migrated(tmp_path / "used")
    preflight(settings_for(tmp_path / "used"))


def test_zero_byte_database_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "coach.db").touch()
    with pytest.raises(StartupError, match=r"empty \(0 bytes\).*coach db upgrade") as info:
        preflight(settings_for(tmp_path))
    assert "\n" not in str(info.value)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    (tmp_path / "coach.db").write_text("id,name\n1,张伟\n", encoding="utf-8")
    with pytest.raises(StartupError, match="not a SQLite database"):
        preflight(settings_for(tmp_path))


def test_a_corrupt_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = migrated(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(db.read_bytes())
    raw[100:4096] = b"\xa5" * (4096 - 100)  # page 1 after the header: the schema is garbage
    db.write_bytes(bytes(raw))
    with pytest.raises(StartupError, match="corrupt"):
        preflight(settings_for(tmp_path))


def test_read_only_data_dir_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with read_only(data), pytest.raises(StartupError, match="read-only or not writable"):
        preflight(settings_for(data))


def test_read_only_database_file_is_refused(tmp_path: Path) -> None:
    db = migrated(tmp_path / "data")
    with read_only(db), pytest.raises(StartupError, match="read-only or not writable"):
        preflight(settings_for(tmp_path / "data"))


def test_full_disk_is_refused(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "256k") as data:
        with (data / "filler").open("wb") as f, pytest.raises(OSError) as filled:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        assert filled.value.errno == errno.ENOSPC
        with pytest.raises(StartupError, match="is full"):
            preflight(settings_for(data))


def test_enospc_from_the_probe_is_reported_as_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check without a mount: the probe write fails as a full disk fails it."""

    def no_space(path: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(pf, "_write_probe", no_space)
    with pytest.raises(StartupError, match="is full"):
        preflight(settings_for(tmp_path))


def test_second_server_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    probe = (
        "import sys; from app.config import load_settings; from app.db.preflight import StartupError, acquire_data_dir_lock\n"
        "try:\n    acquire_data_dir_lock(load_settings(data_dir=sys.argv[1]))\n"
        "except StartupError as e:\n    print(e); sys.exit(3)\n"
    )

    def other_server() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=60)

    with acquire_data_dir_lock(settings) as lock:
        assert lock.held
        refused = other_server()
        assert refused.returncode == 3 and "another coach server is using DATA_DIR" in refused.stdout
        with pytest.raises(StartupError, match="another coach server"):
            acquire_data_dir_lock(settings)  # also within one process
    assert not lock.held
    assert other_server().returncode == 0  # released: the next server may start


def test_lock_is_a_no_op_for_postgresql(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, database_url="postgresql+psycopg://coach@127.0.0.1:1/coach")
    first, second = acquire_data_dir_lock(settings), acquire_data_dir_lock(settings)
    assert not first.held and not second.held
    assert not (tmp_path / ".coach.lock").exists()
    preflight(settings)  # the data dir is still checked (the index lives there); no database file
