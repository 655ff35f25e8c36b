"""`coach ingest` and `coach search`: the retrieval contract of GUIDE §3.

Errors (bad input, a damaged or mismatched index) end in one line on stderr
naming the file and a non-zero exit, never a traceback; the previous index
stays intact because builds are atomic.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, print_json, settings_from_cli

if TYPE_CHECKING:
    from app.ports import Retriever as Searcher

IndexOpt = Annotated[
    Path | None, typer.Option("--index", help="Index directory (default: COACH_DATA_DIR/index).")
]


def _show_progress(json_output: bool) -> bool:
    """A progress bar only for a person at a terminal."""
    return not json_output and not os.environ.get("CI") and sys.stderr.isatty()


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    # On stderr, so piping stdout never captures the bar.
    with Progress("嵌入 embedding", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("embed", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .docx .pdf).")],
    index: IndexOpt = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary; no progress bar.")] = False,
) -> None:
    """Build the search index from files and folders (导入资料，建立检索索引)."""
    import time

    from app.knowledge.errors import DocumentError
    from app.retrieval.builder import build_index, collect_inputs
    from app.retrieval.errors import CoachIndexError, IngestError
    from app.services.container import Services

    services = Services(settings_from_cli(index_dir=index))
    settings = services.settings
    started = time.perf_counter()
    try:
        inputs = collect_inputs(paths)
        embeddings = services.batch_embeddings
        with _progress_bar(_show_progress(json_output)) as progress:
            report = build_index(inputs, settings.index_path, embeddings, progress=progress)
    except (DocumentError, IngestError, CoachIndexError) as exc:
        fail(str(exc))
    except (RuntimeError, ValueError) as exc:  # e.g. embeddings backend not installed / misconfigured
        fail(str(exc))
    summary = {
        "index": str(report.index_dir),
        "files": report.files,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "reused": report.reused,
        "seconds": round(time.perf_counter() - started, 3),
    }
    if json_output:
        print_json(summary)
    else:
        print(
            f"已建立索引 indexed {summary['files']} files → {summary['chunks']} chunks "
            f"({summary['embedded']} embedded, {summary['reused']} reused) in {summary['seconds']}s: {summary['index']}"
        )


def search(
    query: Annotated[str | None, typer.Argument(help="What to look for (中文/繁體/English).")] = None,
    index: IndexOpt = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="How many passages.")] = 5,
    json_output: Annotated[bool, typer.Option("--json", help="Print [{text, source, score}].")] = False,
    jsonl: Annotated[
        str | None, typer.Option("--jsonl", help="Read {\"q\": ...} lines from this file ('-' = stdin).")
    ] = None,
) -> None:
    """Search the index (检索资料)."""
    from app.retrieval.errors import CoachIndexError
    from app.services.container import Services

    if (query is None) == (jsonl is None):
        fail("give either a QUERY or --jsonl FILE (请提供查询语句或 --jsonl)", code=2)
    services = Services(settings_from_cli(index_dir=index))
    try:
        retriever = services.open_index()
    except CoachIndexError as exc:
        fail(str(exc))
    except (RuntimeError, ValueError) as exc:
        fail(str(exc))
    if jsonl is not None:
        _search_jsonl(retriever, jsonl, k)
        return
    assert query is not None
    hits = retriever.search(query, k=k)
    if json_output:
        print_json([h.public() for h in hits])
        return
    if not hits:
        print("没有找到相关内容 (no results)")
    for rank, hit in enumerate(hits, 1):
        where = hit.source + (f"#{hit.section}" if hit.section else "")
        print(f"{rank}. [{hit.score:.4f}] {where}\n   {hit.text.replace(chr(10), ' ')}")


def _search_jsonl(retriever: Searcher, source: str, k: int) -> None:
    """One JSON list per input line, in order; a bad line is an error naming its number."""
    stream = sys.stdin if source == "-" else None
    try:
        handle = stream or open(source, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        fail(f"{source}: cannot read ({exc.strerror or exc})")
    try:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                query = item["q"] if isinstance(item, dict) else None
            except (ValueError, KeyError):
                query = None
            if not isinstance(query, str):
                fail(f"{source}: line {number}: expected a JSON object like {{\"q\": \"...\"}}", code=2)
            print(json.dumps([h.public() for h in retriever.search(query, k=k)], ensure_ascii=False), flush=True)
    finally:
        if handle is not sys.stdin:
            handle.close()


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and ``search`` to the CLI."""
    app.command("ingest")(ingest)
    app.command("search")(search)
