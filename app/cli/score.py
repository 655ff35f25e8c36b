"""`coach score`: score one rep reply, or a JSON-lines batch (GUIDE §3 contract).

Single mode prints the public score JSON (``--json``) or a readable card.
The conversation so far may come with the line: ``--context-file F`` (a JSON
list of ``{"role": "customer"|"rep", "text"}``, oldest first) or a
``context`` field on a ``--jsonl`` line; without it the reply is scored as an
opening reply.
Exit codes: 0 scored; 2 bad input (empty or too long reply, unknown
scenario, missing option).  Batch mode (``--jsonl -``) prints exactly one
line per input line, in order: the score JSON, or ``{"error": ..., "code":
...}`` for a line that cannot be scored; the exit status is 1 when any line
failed, 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from app.channels.terminal import render_score
from app.cli.common import ENGINE_HELP, fail, print_json, settings_from_cli

if TYPE_CHECKING:
    pass

BATCH = 64


def _read_lines(path: Path) -> Iterator[str]:
    stream: TextIO = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    try:
        yield from stream
    finally:
        if stream is not sys.stdin:
            stream.close()


def parse_context(data: object) -> list[dict[str, str]]:
    """Validate a ``context`` value: earlier turns, oldest first, ``[{"role", "text"}]``."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError("'context' must be a list of {\"role\": \"customer\"|\"rep\", \"text\": ...}")
    out = []
    for turn in data:
        if not isinstance(turn, dict) or turn.get("role") not in ("customer", "rep") or not isinstance(turn.get("text"), str):
            raise ValueError("each context turn needs role 'customer' or 'rep' and a string 'text'")
        out.append({"role": turn["role"], "text": turn["text"]})
    return out


def _item(line: str) -> dict[str, Any]:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    for field in ("scenario", "reply"):
        if not isinstance(data.get(field), str):
            raise ValueError(f"missing or non-string field '{field}'")
    if not isinstance(data.get("customer", ""), str):
        raise ValueError("field 'customer' must be a string")
    data["context"] = parse_context(data.get("context"))
    return data


def _error(exc: Exception) -> dict[str, str]:
    from app.coach.errors import EmptyReplyError, ReplyTooLongError
    from app.scenarios.loader import UnknownScenarioError

    code = {EmptyReplyError: "empty_reply", ReplyTooLongError: "reply_too_long",
            UnknownScenarioError: "unknown_scenario"}.get(type(exc), "bad_line")
    return {"error": str(exc), "code": code}


def _run_batch(scorer: Any, path: Path) -> int:
    failed = 0
    chunk: list[str] = []

    def flush() -> None:
        nonlocal failed
        parsed: list[dict[str, Any] | Exception] = []
        for line in chunk:
            try:
                parsed.append(_item(line))
            except (ValueError, json.JSONDecodeError) as exc:
                parsed.append(exc)
        results = _score_each(scorer, [p for p in parsed if isinstance(p, dict)])
        chunk.clear()
        it = iter(results)
        for p in parsed:
            out = _error(p) if isinstance(p, Exception) else next(it)
            if isinstance(out, Exception):
                out = _error(out)
            if "error" in out:
                failed += 1
            print(json.dumps(out, ensure_ascii=False), flush=False)
        sys.stdout.flush()

    for line in _read_lines(path):
        if not line.strip():
            continue
        chunk.append(line)
        if len(chunk) >= BATCH:
            flush()
    if chunk:
        flush()
    return 1 if failed else 0


def _score_each(scorer: Any, items: list[dict[str, Any]]) -> list[Any]:
    """Scores (public JSON) or exceptions, one per item."""
    from app.coach.errors import EmptyReplyError, ReplyTooLongError
    from app.scenarios.loader import UnknownScenarioError

    out: list[Any] = []
    for r in scorer.score_many(items):
        if isinstance(r, (EmptyReplyError, ReplyTooLongError, UnknownScenarioError)):
            out.append(r)
        elif isinstance(r, Exception):
            raise r
        else:
            out.append(r.public())
    return out


def score(
    scenario: Annotated[str | None, typer.Option("--scenario", help="Scenario id, e.g. price-objection.")] = None,
    customer: Annotated[str, typer.Option("--customer", help="The customer's line being answered.")] = "",
    reply: Annotated[str | None, typer.Option("--reply", help="The rep's reply to score.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the score as JSON.")] = False,
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help="Batch: a JSON-lines file ('-' for stdin) of {scenario, customer, reply}.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Feedback language zh|en (default: the reply's).")] = None,
    engine: Annotated[str | None, typer.Option("--engine", help=ENGINE_HELP)] = None,
    context_file: Annotated[
        Path | None,
        typer.Option("--context-file", help='Earlier turns, oldest first: a JSON list of {"role": "customer"|"rep", "text": ...}.'),
    ] = None,
) -> None:
    """Score a rep reply against a scenario (给销售回复打分). Exit 2 on an empty reply or unknown scenario."""
    from app.coach.errors import EmptyReplyError, ReplyTooLongError
    from app.scenarios.loader import UnknownScenarioError
    from app.services.container import Services
    from app.services.engines import EngineUnavailableError

    try:
        services = Services(settings_from_cli(engine=engine))
        scorer = services.scorer
    except ValueError as exc:  # pydantic: not one of embedded|llm|auto
        fail(f"--engine: {str(exc).splitlines()[-1].strip()}", 2)
    except EngineUnavailableError as exc:
        fail(str(exc), 2)
    if jsonl is not None:
        raise typer.Exit(_run_batch(scorer, jsonl))
    if scenario is None or reply is None:
        fail("give --scenario and --reply (or --jsonl FILE)", 2)
    context: list[dict[str, str]] = []
    if context_file is not None:
        try:
            context = parse_context(json.loads(context_file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            fail(f"{context_file}: not a context file: {exc}", 2)
    try:
        result = scorer.score(scenario, customer, reply, lang=lang, context=context)
    except EmptyReplyError:
        fail("the reply is empty; there is nothing to score", 2)
    except ReplyTooLongError as exc:
        fail(str(exc), 2)
    except UnknownScenarioError as exc:
        fail(f"{exc}; see `coach scenarios` for the ids", 2)
    if json_output:
        print_json(result.public())
    else:
        render_score(result)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("score")(score)
