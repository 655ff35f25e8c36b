"""Every scenario of a deployment: built-in files, an optional read-only directory, the database.

Several worker processes (possibly on several hosts) share one database, so trainers'
scenarios live there (table ``trainer_scenarios``, YAML text) and each worker's
:class:`ScenarioCatalog` keeps a parsed copy. :meth:`ScenarioCatalog.refresh` costs one
aggregate query and reloads only when the table changed, so calling it at the start of every
request makes a save in one worker visible in all of them at once, without a restart.

The built-in scenarios (``knowledge/scenarios``) and a company directory named by
``COACH_SCENARIOS_DIR`` are read once, at construction, and never written: a broken file or an
id clash there raises, as it always did, because a deployment should not start with a
scenario silently missing. A broken *row* only costs that scenario: it is logged and left out,
and the editor shows its error when a trainer opens it.

Files in the legacy trainer directory (``DATA_DIR/scenarios``, where the console used to save)
are imported into the table on the first load that reaches the database, and renamed to
``<name>.imported`` so a scenario deleted later is not imported again.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.db.engine import Database
from app.db.scenario_store import Fingerprint, ScenarioStore, StoredScenario
from app.scenarios.loader import ScenarioError, ScenarioRegistry, load_dir_files, parse_scenario
from app.scenarios.schema import SCENARIO_ID_MAX, SCENARIO_ID_PATTERN, Scenario

log = logging.getLogger(__name__)

Origin = Literal["builtin", "company", "trainer"]
_ID = re.compile(SCENARIO_ID_PATTERN)


class ScenarioCatalog(ScenarioRegistry):
    """A :class:`ScenarioRegistry` (same read interface) whose trainer scenarios are in the database.

    Reads (``get``, ``in``, iteration) use the in-memory copy and never touch the database;
    call :meth:`refresh` first to pick up other workers' edits. Safe to share between threads.
    """

    def __init__(
        self,
        builtin_dir: Path,
        readonly_dir: Path | None,
        database: Database,
        *,
        legacy_dir: Path | None = None,
    ) -> None:
        files = load_dir_files([builtin_dir, readonly_dir])
        super().__init__([s for s, _ in files])
        builtin = builtin_dir.resolve()
        self._database = database
        self._files: dict[str, Scenario] = {s.id: s for s, _ in files}
        self._paths: dict[str, Path] = {s.id: p for s, p in files}
        self._origins: dict[str, Origin] = {
            s.id: "builtin" if p.parent.resolve() == builtin else "company" for s, p in files
        }
        same_as_readonly = readonly_dir is not None and legacy_dir is not None and _same(readonly_dir, legacy_dir)
        self._legacy_dir = None if same_as_readonly else legacy_dir
        self._imported = False
        self._rows: dict[str, tuple[str, Scenario | str]] = {}  # id -> (yaml, scenario or its error)
        self._broken: dict[str, str] = {}
        self._fingerprint: Fingerprint | None = None
        self._db_down = False
        self._lock = threading.Lock()
        self._reload()

    # -- keeping up with the table --------------------------------------------
    def refresh(self) -> None:
        """Reload when the table changed since the last load (one small query otherwise).

        When the database cannot be reached the catalog keeps serving what it has.
        """
        try:
            with self._database.session() as db:
                current = ScenarioStore(db).fingerprint()
        except SQLAlchemyError as exc:
            self._database_down(exc)
            return
        if current != self._fingerprint:
            self._reload()

    def reload(self) -> None:
        """Reload from the database now (the files are only read at construction)."""
        self._reload()

    def _reload(self) -> None:
        with self._lock:
            try:
                with self._database.session() as db:
                    store = ScenarioStore(db)
                    if not self._imported:
                        self._import_legacy(db, store)
                    # Fingerprint first: a write between the two reads only causes one more reload.
                    fingerprint = store.fingerprint()
                    rows = store.all()
            except SQLAlchemyError as exc:
                self._database_down(exc)
                return
            if self._db_down:
                log.info("trainer scenarios: database reachable again")
                self._db_down = False
            self._install(rows)
            self._fingerprint = fingerprint

    def _database_down(self, exc: SQLAlchemyError) -> None:
        """Log once per outage (not once per request) and keep the current scenarios."""
        if not self._db_down:
            log.warning("trainer scenarios unavailable, serving the last loaded set: %s", exc)
            self._db_down = True

    def _install(self, rows: list[StoredScenario]) -> None:
        """Parse changed rows (unchanged YAML reuses its parse) and swap in the new set."""
        parsed: dict[str, tuple[str, Scenario | str]] = {}
        for row in rows:
            cached = self._rows.get(row.id)
            if cached is not None and cached[0] == row.yaml:
                parsed[row.id] = cached
                continue
            result = self._parse_row(row)
            if isinstance(result, str):
                log.error("trainer scenario '%s' (version %d) is broken and was skipped: %s", row.id, row.version, result)
            parsed[row.id] = (row.yaml, result)
        by_id = dict(self._files)
        broken: dict[str, str] = {}
        origins: dict[str, Origin] = {sid: o for sid, o in self._origins.items() if sid in self._files}
        for sid, (_, result) in parsed.items():
            if isinstance(result, str):
                broken[sid] = result
            else:
                by_id[sid] = result
                origins[sid] = "trainer"
        self._rows, self._broken, self._origins = parsed, broken, origins
        self._by_id = by_id

    def _parse_row(self, row: StoredScenario) -> Scenario | str:
        """The scenario of a row, or the message saying why it cannot be used."""
        if row.id in self._files:
            return f"id: '{row.id}' 已是{_origin_zh(self._origins[row.id])}场景 (already a {self._origins[row.id]} scenario)"
        try:
            scenario = parse_scenario(row.yaml, "yaml")
        except ScenarioError as exc:
            return str(exc).removeprefix("yaml: ")
        if scenario.id != row.id:
            return f"id: '{scenario.id}' 与保存时的 id '{row.id}' 不同 (differs from the saved id '{row.id}')"
        return scenario

    def _import_legacy(self, db: Session, store: ScenarioStore) -> None:
        """Copy ``DATA_DIR/scenarios/*.yaml`` into the table once; idempotent across workers."""
        legacy = self._legacy_dir
        if legacy is not None and legacy.is_dir():
            for path in sorted([*legacy.glob("*.yaml"), *legacy.glob("*.yml")]):
                sid = path.stem
                if not _valid_id(sid) or sid in self._files:
                    log.warning("legacy scenario file %s not imported: its name is not a free scenario id", path)
                    continue
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    log.warning("legacy scenario file %s not imported: %s", path, exc)
                    continue
                try:
                    inserted = store.insert_if_missing(sid, text)
                    db.commit()
                except IntegrityError:  # another worker imported it first
                    db.rollback()
                    inserted = False
                if inserted:
                    log.info("imported legacy trainer scenario '%s' from %s into the database", sid, path)
                _mark_imported(path)
        self._imported = True

    # -- the registry interface, database-aware ----------------------------------
    def check_new(self, scenario: Scenario, *, replacing: bool = False) -> None:
        """Raise :class:`ScenarioError` when ``scenario`` would clash with a file or (unless replacing) a row."""
        sid = scenario.id
        if sid in self._files:
            where = _origin_zh(self._origins[sid])
            raise ScenarioError(
                f"{sid}: id: {where}场景已使用 '{sid}'，请换一个 id"
                f" (a {self._origins[sid]} scenario already uses '{sid}', choose another id)"
            )
        if not replacing and (sid in self._by_id or sid in self._broken):
            raise ScenarioError(f"{sid}: id: a scenario with id '{sid}' already exists")

    def origin(self, scenario_id: str) -> Origin | None:
        """Where a scenario comes from: shipped, the company directory, or a trainer (None: unknown)."""
        found = self._origins.get(scenario_id)
        return found if found is not None or scenario_id not in self._broken else "trainer"

    def owned(self, scenario_id: str) -> bool:
        """True for a trainer's scenario (in the database, not shadowed by a file): only those can be edited."""
        return scenario_id in self._rows and scenario_id not in self._files

    def broken(self) -> dict[str, str]:
        """Trainer scenarios left out because they do not load: id -> error message."""
        return dict(self._broken)

    # -- writes and sources ----------------------------------------------------
    def save(self, yaml_text: str, user_id: int | None) -> Scenario:
        """Validate and store a trainer's scenario (new, or replacing the trainer's own); visible at once.

        Raises :class:`ScenarioError` for invalid YAML and for the id of a built-in or company scenario.
        """
        scenario = parse_scenario(yaml_text, "yaml")
        self.check_new(scenario, replacing=True)
        for attempt in (1, 2):
            with self._database.session() as db:
                try:
                    ScenarioStore(db).save(scenario.id, yaml_text, user_id)
                    db.commit()
                    break
                except IntegrityError:  # a concurrent first save of the same id won: update it instead
                    db.rollback()
                    if attempt == 2:
                        raise
        self._reload()
        return scenario

    def delete(self, scenario_id: str) -> bool:
        """Delete a trainer's scenario; False when no row has this id (files are never deleted).

        Also removes a row shadowed by a built-in or company file of the same id (listed as broken).
        """
        with self._database.session() as db:
            deleted = ScenarioStore(db).delete(scenario_id)
            db.commit()
        self._reload()
        return deleted

    def source(self, scenario_id: str) -> str | None:
        """The YAML of a scenario (also of a broken row), or None for an unknown id.

        Ids are looked up, never joined onto a path, so no other file can be read through here.
        """
        path = self._paths.get(scenario_id)
        if path is not None:
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
        if not _valid_id(scenario_id):
            return None
        with self._database.session() as db:
            row = ScenarioStore(db).get(scenario_id)
        return row.yaml if row is not None else None


def _valid_id(scenario_id: str) -> bool:
    return len(scenario_id) <= SCENARIO_ID_MAX and _ID.fullmatch(scenario_id) is not None


def _origin_zh(origin: Origin) -> str:
    return {"builtin": "内置", "company": "公司场景库的", "trainer": "培训师自建"}[origin]


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _mark_imported(path: Path) -> None:
    """Rename an imported file so a later delete in the console is not undone by a re-import."""
    try:
        path.rename(path.with_name(path.name + ".imported"))
    except FileNotFoundError:  # another worker renamed it
        pass
    except OSError as exc:
        log.warning("could not rename imported scenario file %s (%s); it stays in the database either way", path, exc)

