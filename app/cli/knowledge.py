"""``coach knowledge add|list|remove``: the company's knowledge library from the shell.

It acts on the same library as the trainer console (documents in the database, originals
under ``COACH_DATA_DIR/library``) and feeds the same index the coach cites from. ``add`` and
``remove`` build in the foreground with a progress bar; when a server is building at that
moment, they wait for its build instead of starting a second one. ``coach ingest`` and
``coach search`` keep their own standalone-index contract.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, print_json, settings_from_cli
from app.cli.ingest import _progress_bar, _show_progress

if TYPE_CHECKING:
    from app.db.library_store import DocumentRow
    from app.services.container import Services

#: How long ``add``/``remove`` wait for another process's build before giving up.
WAIT_S = 600.0


def _services() -> Services:
    from app.services.container import Services

    services = Services(settings_from_cli())
    if not services.database.is_current():
        services.database.migrate()  # one process; a server would have run `coach db upgrade`
    return services


def _build(services: Services, json_output: bool) -> None:
    """Build now, or wait for the process that is building (the lease is shared)."""
    builder = services.library.builder
    deadline = time.monotonic() + WAIT_S
    with _progress_bar(_show_progress(json_output)) as progress:
        while True:
            builder.run(progress)
            if not builder.pending():
                return
            if time.monotonic() > deadline:
                fail("another process is still building the knowledge index; try `coach knowledge list` later "
                     "(其他进程仍在建立索引)")
            time.sleep(0.5)


def _row_json(row: DocumentRow) -> dict[str, object]:
    return {"name": row.name, "status": row.status, "progress": row.progress, "size": row.size,
            "sha256": row.sha256, "error": row.error, "uploaded_at": row.uploaded_at.isoformat()}


def _files(paths: list[Path]) -> list[Path]:
    """The files named, and the supported files inside the folders named."""
    from app.retrieval.builder import collect_inputs
    from app.retrieval.errors import IngestError

    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)  # its type is checked with the name, naming the file
            continue
        try:
            found.extend(item.path for item in collect_inputs([path]))
        except IngestError as exc:
            fail(str(exc))
    return found


def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.pdf .docx .html .md .txt).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the documents as JSON; no progress bar.")] = False,
) -> None:
    """Add documents to the library (a file with an existing name replaces it) and index them (添加资料)."""
    from app.library.files import LibraryNameError, check_name

    files = _files(paths)
    for path in files:  # every name is checked before anything is queued
        try:
            check_name(path.name)
        except LibraryNameError as exc:
            fail(f"{path}: {exc}")
    services = _services()
    names: list[str] = []
    for path in files:
        try:
            names.append(services.library.add(path.name, path.read_bytes()).name)
        except (LibraryNameError, OSError) as exc:
            fail(f"{path}: {exc}")
    _build(services, json_output)
    rows = [r for r in services.library.documents() if r.name in names]
    if json_output:
        print_json([_row_json(r) for r in rows])
    else:
        for r in rows:
            print(f"{'✓' if r.status == 'ready' else '✗'} {r.name} ({r.status})")
    failed = [r for r in rows if r.status != "ready"]
    for r in failed:
        print(f"error: {r.error or r.name + ': ' + r.status}", file=sys.stderr)
    if failed:
        raise SystemExit(1)


def list_documents(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the library's documents and their status (列出资料)."""
    rows = _services().library.documents()
    if json_output:
        print_json([_row_json(r) for r in rows])
        return
    if not rows:
        print("资料库为空 (the library is empty)")
    for r in rows:
        print(f"{r.name}\t{r.status}\t{r.size} bytes\t{r.uploaded_at:%Y-%m-%d %H:%M}" + (f"\t{r.error}" if r.error else ""))


def remove(
    name: Annotated[str, typer.Argument(help="The document's name, as `coach knowledge list` shows it.")],
) -> None:
    """Remove a document from the library and its passages from the index (删除资料)."""
    services = _services()
    if services.library.remove(name) is None:
        fail(f"{name}: no such document in the library (资料库中没有该文件)")
    _build(services, json_output=False)
    print(f"已删除 removed {name}")


def register(app: typer.Typer) -> None:
    """Add ``knowledge add|list|remove`` to the CLI."""
    sub = typer.Typer(help="The company's knowledge library, cited by the coach (公司资料库).", no_args_is_help=True)
    sub.command("add")(add)
    sub.command("list")(list_documents)
    sub.command("remove")(remove)
    app.add_typer(sub, name="knowledge")
