"""`coach scenarios`: list the role-play scenarios and validate trainers' files.

Listing loads the built-in scenarios plus the trainer directory
(``COACH_SCENARIOS_DIR``, or ``DATA_DIR/scenarios``), exactly as the web app
and the bots do, so a trainer sees here what every client will serve. A
broken trainer file or an id clash is reported as a one-line error instead of
being skipped: a scenario that silently disappears is worse than a loud one.

``validate`` checks files *before* a trainer drops them into the directory:
one line per file, ``OK`` or the loader's precise message (file, field,
problem), exit status 1 when any file fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, print_json, settings_from_cli

if TYPE_CHECKING:
    from app.config import Settings
    from app.scenarios.schema import Scenario

_LANGS = ("zh", "en")
_SECTION_ID = re.compile(r"\{#([a-z0-9][a-z0-9-]*)\}")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of titles and texts: zh or en (default: settings).")
]
DirOpt = Annotated[
    Path | None,
    typer.Option("--scenarios-dir", help="Trainer scenario directory (default: COACH_SCENARIOS_DIR)."),
]


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
        help="List role-play scenarios (built-in + trainer directory) or validate scenario files.",
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
        from app.services.container import Services

        settings = settings_from_cli(scenarios_dir=scenarios_dir)
        language = _lang(settings, lang)
        try:
            registry = Services(settings).scenarios
        except ScenarioError as exc:
            fail(str(exc))
        summaries = [s.summary(language) for s in registry]
        if as_json:
            print_json(summaries)
        else:
            _print_table(summaries, language)

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
