#!/usr/bin/env python3
"""Fail when our own text contains a run copied from the training corpus.

The corpus in ``../shared/corpus`` is reference material we may learn from
but must not ship.  A copy rarely survives verbatim: it gets re-punctuated,
re-spaced, or converted between Traditional and Simplified script.  So both
sides are *normalised* first — NFKC, Traditional folded to Simplified,
lower-cased, and everything that is not a letter or digit dropped — and then
every window of ``--window`` characters (20 by default) of the corpus is put
in a set.  Any file under the checked paths that contains one of those
windows is reported.

Usage::

    python scripts/check_originality.py --corpus ../shared/corpus knowledge prompts

Exit codes: 0 clean, 1 copies found, 2 bad invocation (e.g. corpus missing).
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WINDOW = 20
_SKIP_DIRS = {".git", "__pycache__", ".venv", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
_BINARY_SNIFF = 8192
# Some scraped pages annotate characters with pinyin, e.g. 個(gè); a copy would not carry it.
_PINYIN_NOTE = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")


@dataclass(frozen=True)
class Finding:
    """One checked file that shares at least one window with the corpus."""

    path: Path
    count: int
    sample: str


def _simplifier() -> Callable[[str], str]:
    """The project's Traditional→Simplified fold, or OpenCC directly.

    Run as ``python scripts/check_originality.py`` the repository root is not
    on ``sys.path``, so it is added; if ``app`` still cannot be imported (the
    script copied elsewhere) OpenCC is used with the same ``t2s`` table.
    """
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        from app.text.fold import to_simplified

        return to_simplified
    except ImportError:
        import opencc

        converter = opencc.OpenCC("t2s")
        return lambda text: str(converter.convert(text))


def _keep(ch: str) -> bool:
    """Letters and digits survive normalisation; punctuation, symbols and spaces do not."""
    return unicodedata.category(ch)[0] in ("L", "N")


def normalise(text: str, simplify: Callable[[str], str]) -> str:
    """The comparison form: NFKC, Simplified, lower-case, letters and digits only."""
    folded = simplify(_PINYIN_NOTE.sub("", unicodedata.normalize("NFKC", text))).lower()
    return "".join(ch for ch in folded if _keep(ch))


def windows(text: str, size: int) -> Iterator[str]:
    """Every run of ``size`` consecutive characters of ``text``."""
    for i in range(len(text) - size + 1):
        yield text[i : i + size]


def _read_text(path: Path) -> str | None:
    """The file as UTF-8 text, or None for binary and undecodable files."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:_BINARY_SNIFF]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _walk(paths: Iterable[Path], pattern: str = "*") -> Iterator[Path]:
    """Files named by ``paths`` or found below them, skipping tool and VCS folders."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob(pattern)):
            if found.is_file() and not _SKIP_DIRS.intersection(found.relative_to(path).parts[:-1]):
                yield found


def corpus_windows(corpus: Path, size: int, simplify: Callable[[str], str]) -> set[str]:
    """All normalised windows of every ``*.txt`` file below ``corpus``."""
    runs: set[str] = set()
    for path in _walk([corpus], "*.txt"):
        text = _read_text(path)
        if text is not None:
            runs.update(windows(normalise(text, simplify), size))
    return runs


def check(paths: Iterable[Path], runs: set[str], size: int, simplify: Callable[[str], str]) -> list[Finding]:
    """Every text file under ``paths`` that contains a corpus window."""
    findings: list[Finding] = []
    for path in _walk(paths):
        text = _read_text(path)
        if text is None:
            continue
        hits = [w for w in windows(normalise(text, simplify), size) if w in runs]
        if hits:
            findings.append(Finding(path=path, count=len(hits), sample=hits[0]))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report files that contain runs copied from the corpus.")
    parser.add_argument("--corpus", required=True, type=Path, help="folder of reference *.txt files")
    parser.add_argument(
        "--window", type=int, default=DEFAULT_WINDOW, help="run length in normalised characters (default 20)"
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders to check")
    args = parser.parse_args(argv)

    if args.window < 1:
        print("check_originality: --window must be at least 1", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"check_originality: corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"check_originality: path not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2

    simplify = _simplifier()
    runs = corpus_windows(args.corpus, args.window, simplify)
    if not runs:
        print(f"check_originality: no *.txt text in corpus folder {args.corpus}", file=sys.stderr)
        return 2
    findings = check(args.paths, runs, args.window, simplify)
    for f in findings:
        print(f"{f.path}: {f.count} run(s) of {args.window} chars shared with the corpus, e.g. {f.sample!r}")
    if findings:
        print(f"check_originality: FAIL — {len(findings)} file(s) copy the corpus", file=sys.stderr)
        return 1
    print(f"check_originality: OK — no {args.window}-character run of the corpus found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
