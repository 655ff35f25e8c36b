"""SQL for trainers' scenarios (the ``trainer_scenarios`` table), in one place.

Like :class:`app.db.repository.Repository` a :class:`ScenarioStore` wraps one ORM
session and never commits: :class:`app.scenarios.catalog.ScenarioCatalog` decides
when a write is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session

from app.db.models import TrainerScenario, utcnow

#: ``(row count, sum of versions, latest updated_at)``: changes with every save and delete.
Fingerprint = tuple[int, int, datetime | None]


@dataclass(frozen=True)
class StoredScenario:
    """One row, detached from the session (the catalog keeps these between requests)."""

    id: str
    yaml: str
    version: int


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _rowcount(result: Result[tuple[()]]) -> int:
    """Rows an UPDATE or DELETE touched (DML results are cursor results)."""
    return result.rowcount if isinstance(result, CursorResult) else 0


class ScenarioStore:
    """Reads and writes of trainer scenarios over one ORM session."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def fingerprint(self) -> Fingerprint:
        """One aggregate row, cheap enough to run before every request.

        A save raises the sum of versions (update) or the count (insert) and moves the latest
        ``updated_at``; a delete lowers the count. :meth:`save` keeps ``updated_at`` strictly
        increasing across the table, so even a delete plus an insert between two looks
        (count and sum unchanged) moves the fingerprint, whatever the hosts' clocks say.
        """
        row = self.db.execute(
            select(
                func.count(TrainerScenario.id),
                func.coalesce(func.sum(TrainerScenario.version), 0),
                func.max(TrainerScenario.updated_at),
            )
        ).one()
        return int(row[0]), int(row[1]), _aware(row[2])

    def all(self) -> list[StoredScenario]:
        """Every row, by id."""
        rows = self.db.execute(
            select(TrainerScenario.id, TrainerScenario.yaml, TrainerScenario.version).order_by(TrainerScenario.id)
        ).all()
        return [StoredScenario(r.id, r.yaml, r.version) for r in rows]

    def get(self, scenario_id: str) -> StoredScenario | None:
        """The row with this id, or None."""
        row = self.db.execute(
            select(TrainerScenario.id, TrainerScenario.yaml, TrainerScenario.version).where(
                TrainerScenario.id == scenario_id
            )
        ).one_or_none()
        return StoredScenario(row.id, row.yaml, row.version) if row is not None else None

    def ids(self) -> set[str]:
        """Every stored id."""
        return set(self.db.scalars(select(TrainerScenario.id)))

    def _next_timestamp(self) -> datetime:
        """Now, or just after the latest ``updated_at`` when another host's clock runs ahead."""
        now = utcnow()
        latest = _aware(self.db.scalar(select(func.max(TrainerScenario.updated_at))))
        return max(now, latest + timedelta(microseconds=1)) if latest is not None else now

    def save(self, scenario_id: str, text: str, user_id: int | None) -> None:
        """Insert the scenario, or replace its YAML and bump its version (flushed, not committed).

        The update is one statement (``version = version + 1``) so two workers saving the same
        scenario at once both count. Two inserts of a new id race on the primary key: the loser
        gets an :class:`sqlalchemy.exc.IntegrityError` at flush and may retry, as an update.
        """
        stamp = self._next_timestamp()
        result = self.db.execute(
            update(TrainerScenario)
            .where(TrainerScenario.id == scenario_id)
            .values(yaml=text, version=TrainerScenario.version + 1, updated_at=stamp)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) == 0:
            self.db.add(
                TrainerScenario(
                    id=scenario_id, yaml=text, version=1, created_at=stamp, updated_at=stamp, created_by=user_id
                )
            )
        self.db.flush()

    def insert_if_missing(self, scenario_id: str, text: str) -> bool:
        """Insert a row unless the id is taken (the legacy import); True when inserted."""
        if self.db.get(TrainerScenario, scenario_id) is not None:
            return False
        stamp = self._next_timestamp()
        self.db.add(TrainerScenario(id=scenario_id, yaml=text, version=1, created_at=stamp, updated_at=stamp))
        self.db.flush()
        return True

    def delete(self, scenario_id: str) -> bool:
        """Delete the row; True when there was one."""
        result = self.db.execute(
            delete(TrainerScenario)
            .where(TrainerScenario.id == scenario_id)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) > 0
