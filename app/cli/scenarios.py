"""`coach scenarios`: list the role-play scenarios, export one, and validate scenario files.

Listing loads the built-in scenarios, the company directory (``COACH_SCENARIOS_DIR``)
and, when the database can be opened, the trainers' scenarios stored there, as the
web app and the bots do, so a trainer sees here what every client will serve. Without
a database (none created yet) the legacy trainer directory ``DATA_DIR/scenarios`` is
listed instead. A broken file or an id clash is reported as a one-line error instead
of being skipped: a scenario that silently disappears is worse than a loud one.

``export ID`` prints a scenario's YAML (built-in, company or trainer-made), the
format the console's editor and ``validate`` take.

``validate`` checks files *before* a trainer drops them into the directory:
one line per file, ``OK`` or the loader's precise message (file, field,
problem), exit status 1 when any file fails.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, print_json, settings_from_cli

if TYPE_CHECKING:
    from app.config import Settings
    from app.scenarios.catalog import ScenarioCatalog
    from app.scenarios.loader import ScenarioRegistry
    from app.scenarios.schema import Scenario

_LANGS = ("zh", "en")
_SECTION_ID = re.compile(r"\{#([a-z0-9][a-z0-9-]*)\}")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of titles and texts: zh or en (default: settings).")
]
DirOpt = Annotated[
    Path | None,
    typer.Option("--scenarios-dir", help="Company scenario directory, read-only (default: COACH_SCENARIOS_DIR)."),
]


def _open_catalog(settings: Settings) -> ScenarioCatalog | None:
    """The database-backed catalog, or None when there is no migrated database to read.

    A missing SQLite file is not created (listing must not leave a database behind).
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from app.db.engine import Database
    from app.scenarios.catalog import ScenarioCatalog

    if not settings.database_url and not (settings.data_dir / "coach.db").is_file():
        return None
    database = Database(settings.sqlalchemy_url)
    try:
        if not inspect(database.engine).has_table("trainer_scenarios"):
            database.dispose()
            return None
    except SQLAlchemyError as exc:
        print(f"note: database not readable ({type(exc).__name__}); listing files only", file=sys.stderr)
        database.dispose()
        return None
    return ScenarioCatalog(
        settings.builtin_scenarios_dir, settings.scenarios_dir, database, legacy_dir=settings.data_dir / "scenarios"
    )


def _scenarios(settings: Settings) -> tuple[ScenarioRegistry, ScenarioCatalog | None]:
    """All scenarios, with the catalog when the database could be read (raises ScenarioError)."""
    from app.scenarios.loader import ScenarioRegistry

    catalog = _open_catalog(settings)
    if catalog is not None:
        return catalog, catalog
    legacy = settings.data_dir / "scenarios"
    return ScenarioRegistry.from_dirs(settings.builtin_scenarios_dir, settings.scenarios_dir, legacy), None


def _lang(settings: Settings, lang: str | None) -> str:
    chosen = lang or settings.language
    if chosen not in _LANGS:
        fail(f"--lang must be one of {', '.join(_LANGS)}, got '{chosen}'", code=2)
    return chosen


def _scenario_files(paths: list[Path]) -> list[Path]:
    """Expand directories into their YAML files; keep files (even missing ones) as given."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            files.append(p)
    return files


def _builtin_files(settings: Settings) -> dict[str, Path]:
    """Built-in scenario ids by file name (the loader enforces id == file name)."""
    d = settings.builtin_scenarios_dir
    if not d.is_dir():
        return {}
    return {p.stem: p.resolve() for p in sorted([*d.glob("*.yaml"), *d.glob("*.yml")])}


def playbook_section_ids(playbooks_dir: Path) -> set[str]:
    """Every ``{#id}`` heading anchor in the playbooks, for checking ``cite``."""
    ids: set[str] = set()
    if playbooks_dir.is_dir():
        for md in playbooks_dir.glob("*.md"):
            for line in md.read_text(encoding="utf-8").splitlines():
                if line.lstrip().startswith("#"):
                    ids.update(_SECTION_ID.findall(line))
    return ids


def _warnings(scenario: Scenario, known_ids: set[str], sections: set[str]) -> list[str]:
    """Problems that do not stop the scenario from running but a trainer should fix."""
    out = [f"next: unknown scenario '{n}'" for n in scenario.next if n not in known_ids]
    if sections:
        out += [f"cite: no playbook section '{c}'" for c in scenario.cite if c not in sections]
    return out


def _validate_files(settings: Settings, paths: list[Path]) -> list[dict[str, object]]:
    """Validate each file; the results say ok/error/warnings per file."""
    from app.scenarios.loader import ScenarioError, load_scenario_file

    builtin = _builtin_files(settings)
    sections = playbook_section_ids(settings.playbooks_dir)
    loaded: list[tuple[Path, Scenario]] = []
    results: list[dict[str, object]] = []
    seen: dict[str, Path] = {}
    for path in _scenario_files(paths):
        entry: dict[str, object] = {"path": str(path), "ok": False, "id": None, "error": None, "warnings": []}
        results.append(entry)
        try:
            scenario = load_scenario_file(path)
        except ScenarioError as exc:
            entry["error"] = str(exc)
            continue
        entry["id"] = scenario.id
        clash_builtin = builtin.get(scenario.id)
        if clash_builtin is not None and clash_builtin != path.resolve():
            entry["error"] = f"{path}: id: '{scenario.id}' clashes with the built-in scenario {clash_builtin}"
            continue
        if scenario.id in seen:
            entry["error"] = f"{path}: id: '{scenario.id}' is already defined in {seen[scenario.id]}"
            continue
        seen[scenario.id] = path
        entry["ok"] = True
        loaded.append((path, scenario))
    known = set(builtin) | set(seen)
    for (_, scenario), entry in zip(loaded, [r for r in results if r["ok"]], strict=True):
        entry["warnings"] = _warnings(scenario, known, sections)
    return results


def _print_table(summaries: list[dict[str, object]], lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    zh = lang == "zh"
    table = Table(title="场景" if zh else "Scenarios", show_lines=False)
    for header in (
        ("编号", "id"),
        ("标题", "title"),
        ("难度", "level"),
        ("客户", "customer"),
        ("开场白", "opening"),
    ):
        table.add_column(header[0] if zh else header[1], overflow="fold")
    for s in summaries:
        persona = s["persona"]
        assert isinstance(persona, dict)
        who = (
            f"{persona['name']}（{persona['role']}，{persona['company']}）"
            if zh
            else f"{persona['name']} ({persona['role']}, {persona['company']})"
        )
        table.add_row(str(s["id"]), str(s["title"]), "★" * int(str(s["difficulty"])), who, str(s["opening"]))
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``coach scenarios`` and ``coach scenarios validate`` to the CLI."""
    sub = typer.Typer(
        name="scenarios",
        help="List role-play scenarios (built-in, company directory, trainers'), export one, or validate files.",
        no_args_is_help=False,
        add_completion=False,
    )

    @sub.callback(invoke_without_command=True)
    def list_scenarios(
        ctx: typer.Context, as_json: JsonOpt = False, lang: LangOpt = None, scenarios_dir: DirOpt = None
    ) -> None:
        """List every scenario: id, title, persona and opening line."""
        if ctx.invoked_subcommand is not None:
            return
        from app.scenarios.loader import ScenarioError

        settings = settings_from_cli(scenarios_dir=scenarios_dir)
        language = _lang(settings, lang)
        try:
            registry, _ = _scenarios(settings)
        except ScenarioError as exc:
            fail(str(exc))
        summaries = [s.summary(language) for s in registry]
        if as_json:
            print_json(summaries)
        else:
            _print_table(summaries, language)

    @sub.command("export")
    def export(
        scenario_id: Annotated[str, typer.Argument(help="The scenario id, as `coach scenarios` lists it.")],
        scenarios_dir: DirOpt = None,
    ) -> None:
        """Print a scenario's YAML (to edit it, or to keep a copy of a trainer's scenario)."""
        from app.scenarios.loader import ScenarioError, load_dir_files

        settings = settings_from_cli(scenarios_dir=scenarios_dir)
        try:
            _, catalog = _scenarios(settings)
            if catalog is not None:
                text = catalog.source(scenario_id)
            else:
                dirs = [settings.builtin_scenarios_dir, settings.scenarios_dir, settings.data_dir / "scenarios"]
                paths = {s.id: p for s, p in load_dir_files(dirs)}
                text = paths[scenario_id].read_text(encoding="utf-8") if scenario_id in paths else None
        except ScenarioError as exc:
            fail(str(exc))
        if text is None:
            fail(f"unknown scenario '{scenario_id}'; see `coach scenarios` for the ids", 2)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

    @sub.command("validate")
    def validate(
        paths: Annotated[list[Path], typer.Argument(help="Scenario YAML files or directories of them.")],
        as_json: JsonOpt = False,
    ) -> None:
        """Check trainer scenario files: one OK or error line per file; exit 1 if any fail."""
        settings = settings_from_cli()
        results = _validate_files(settings, paths)
        if not results:
            fail("no scenario files found in the given paths")
        if as_json:
            print_json(results)
        else:
            for r in results:
                if r["ok"]:
                    print(f"OK {r['path']} ({r['id']})")
                    for w in r["warnings"]:  # type: ignore[attr-defined]
                        print(f"  warning: {r['path']}: {w}")
                else:
                    print(f"FAIL {r['error']}")
        failed = sum(1 for r in results if not r["ok"])
        if failed:
            raise typer.Exit(code=1)

    app.add_typer(sub, name="scenarios")
