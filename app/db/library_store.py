"""SQL for the knowledge library (``library_documents``, ``library_index``), in one place.

Like :class:`app.db.scenario_store.ScenarioStore` a :class:`LibraryStore` wraps one ORM session
and never commits: :mod:`app.library.service` decides when a write is done. The build lease is
one conditional ``UPDATE`` (the row is free or its lease expired), so exactly one process
builds the shared index at a time, whichever worker or host it runs on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import CursorResult, Result, delete, or_, select, update
from sqlalchemy.orm import Session

from app.db.models import LibraryDocument, LibraryIndexState, utcnow

STATE_ID = 1


@dataclass(frozen=True)
class DocumentRow:
    """One document, detached from the session."""

    name: str
    sha256: str
    size: int
    status: str
    error: str | None
    progress: int
    staged: str | None
    uploaded_at: datetime
    uploaded_by: int | None


@dataclass(frozen=True)
class IndexState:
    """Library changes asked for, the last one built, and the index version."""

    requested: int
    built: int
    version: int


def _rowcount(result: Result[tuple[()]]) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


def _row(d: LibraryDocument) -> DocumentRow:
    stamp = d.uploaded_at if d.uploaded_at.tzinfo is not None else d.uploaded_at.replace(tzinfo=UTC)
    return DocumentRow(d.name, d.sha256, d.size, d.status, d.error, d.progress, d.staged, stamp, d.uploaded_by)


class LibraryStore:
    """Reads and writes of the library tables over one ORM session."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def documents(self) -> list[DocumentRow]:
        """Every document, by name."""
        return [_row(d) for d in self.db.scalars(select(LibraryDocument).order_by(LibraryDocument.name))]

    def get(self, name: str) -> DocumentRow | None:
        """The document called ``name``, or None."""
        found = self.db.scalars(select(LibraryDocument).where(LibraryDocument.name == name)).one_or_none()
        return _row(found) if found is not None else None

    def queue(self, name: str, sha256: str, size: int, staged: str, user_id: int | None) -> DocumentRow | None:
        """Insert or replace the document as queued with a new staged file; the row it replaced."""
        existing = self.db.scalars(select(LibraryDocument).where(LibraryDocument.name == name)).one_or_none()
        if existing is None:
            self.db.add(LibraryDocument(name=name, sha256=sha256, size=size, status="queued", progress=0,
                                        staged=staged, uploaded_at=utcnow(), uploaded_by=user_id))
            self.db.flush()
            return None
        previous = _row(existing)
        existing.sha256, existing.size, existing.staged = sha256, size, staged
        existing.status, existing.error, existing.progress = "queued", None, 0
        existing.uploaded_at, existing.uploaded_by = utcnow(), user_id
        self.db.flush()
        return previous

    def delete(self, name: str) -> DocumentRow | None:
        """Delete the document's row; what it was, or None."""
        row = self.get(name)
        if row is not None:
            self.db.execute(delete(LibraryDocument).where(LibraryDocument.name == name)
                            .execution_options(synchronize_session=False))
        return row

    def mark(self, names: list[str], status: str, progress: int, error: str | None = None,
             *, staged: bool = True) -> None:
        """Set status/progress/error of these documents; ``staged=False`` also forgets the staged file."""
        if not names:
            return
        values: dict[str, object] = {"status": status, "progress": progress, "error": error}
        if not staged:
            values["staged"] = None
        self.db.execute(update(LibraryDocument).where(LibraryDocument.name.in_(names)).values(**values)
                        .execution_options(synchronize_session=False))

    def fail_if_staged(self, name: str, staged: str, error: str) -> bool:
        """Mark the document failed if it still waits with this upload (not re-sent meanwhile)."""
        result = self.db.execute(
            update(LibraryDocument).where(LibraryDocument.name == name, LibraryDocument.staged == staged)
            .values(status="failed", progress=0, error=error, staged=None)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) > 0

    def progress(self, names: list[str], progress: int) -> None:
        """Move the bar of documents still being indexed."""
        self.db.execute(update(LibraryDocument)
                        .where(LibraryDocument.name.in_(names), LibraryDocument.status == "indexing")
                        .values(progress=progress).execution_options(synchronize_session=False))

    # -- the shared build ------------------------------------------------------
    def state(self) -> IndexState:
        """The coordination row (created if a database predates it)."""
        row = self.db.get(LibraryIndexState, STATE_ID)
        if row is None:
            return IndexState(0, 0, 0)
        return IndexState(row.requested, row.built, row.version)

    def version(self) -> int:
        """The index version alone: the cheap check each worker runs before citing."""
        return int(self.db.scalar(select(LibraryIndexState.version).where(LibraryIndexState.id == STATE_ID)) or 0)

    def request(self) -> None:
        """Record a library change that the next build must take in."""
        self.db.execute(update(LibraryIndexState).where(LibraryIndexState.id == STATE_ID)
                        .values(requested=LibraryIndexState.requested + 1))

    def claim(self, token: str, ttl_s: float) -> bool:
        """Take the build lease when it is free or expired; True when this caller now builds."""
        now = utcnow()
        result = self.db.execute(
            update(LibraryIndexState)
            .where(LibraryIndexState.id == STATE_ID,
                   or_(LibraryIndexState.lease_token.is_(None), LibraryIndexState.lease_until < now))
            .values(lease_token=token, lease_until=now + timedelta(seconds=ttl_s))
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    def renew(self, token: str, ttl_s: float) -> None:
        """Extend our lease while the build makes progress."""
        self.db.execute(update(LibraryIndexState)
                        .where(LibraryIndexState.id == STATE_ID, LibraryIndexState.lease_token == token)
                        .values(lease_until=utcnow() + timedelta(seconds=ttl_s)))

    def finish(self, token: str, requested: int, *, bump: bool) -> None:
        """A build took in the changes up to ``requested``; ``bump`` when a new index is in place."""
        values: dict[str, object] = {"built": requested}
        if bump:
            values["version"] = LibraryIndexState.version + 1
        self.db.execute(update(LibraryIndexState)
                        .where(LibraryIndexState.id == STATE_ID, LibraryIndexState.lease_token == token)
                        .values(**values))

    def release(self, token: str) -> None:
        """Give the lease back."""
        self.db.execute(update(LibraryIndexState)
                        .where(LibraryIndexState.id == STATE_ID, LibraryIndexState.lease_token == token)
                        .values(lease_token=None, lease_until=None))
