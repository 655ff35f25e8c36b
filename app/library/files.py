"""Where library documents live on disk, and what a document may be called.

``DATA_DIR/library/files/<name>`` holds exactly the originals the knowledge index was built
from (so a rebuild on any worker, or at start, reads the same set); a new upload waits in
``DATA_DIR/library/incoming/`` until a build has taken it in. A document is cited as
``library/<name>`` so it can never be confused with a built-in playbook.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from pathlib import Path

from app.config import Settings
from app.knowledge.loaders import SUPPORTED_SUFFIXES
from app.retrieval.builder import InputFile

SOURCE_PREFIX = "library/"
NAME_MAX = 200
_BAD_NAME = re.compile(r"[\\/#?%\x00-\x1f]")


class LibraryNameError(ValueError):
    """A document name the library cannot take (the message is shown to the trainer)."""


def files_dir(settings: Settings) -> Path:
    """The indexed originals."""
    return settings.library_dir / "files"


def incoming_dir(settings: Settings) -> Path:
    """Uploads waiting for a build."""
    return settings.library_dir / "incoming"


def source_of(name: str) -> str:
    """How the index cites document ``name``."""
    return SOURCE_PREFIX + name


def name_of(source: str) -> str | None:
    """The library document a cited source belongs to, or None for a built-in one."""
    base = source.split("#", 1)[0]
    return base[len(SOURCE_PREFIX):] if base.startswith(SOURCE_PREFIX) else None


def check_name(raw: str) -> str:
    """The document name for an uploaded file name (its last path part), or :class:`LibraryNameError`."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name.startswith(".") or len(name) > NAME_MAX or _BAD_NAME.search(name):
        raise LibraryNameError(f"{raw!r}: not a usable file name (文件名不可用)")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise LibraryNameError(
            f"{name}: unsupported file type (不支持的文件类型); expected " + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    return name


def stage(settings: Settings, name: str, data: bytes) -> tuple[Path, str]:
    """Write an upload to its own folder under incoming/ (keeping its name); (path, sha256)."""
    folder = incoming_dir(settings) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def unstage(path: str | Path | None) -> None:
    """Remove a staged upload and its folder (missing is fine)."""
    if not path:
        return
    staged = Path(path)
    staged.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        staged.parent.rmdir()


def library_inputs(settings: Settings) -> list[InputFile]:
    """The indexed originals, cited as ``library/<name>``."""
    folder = files_dir(settings)
    if not folder.is_dir():
        return []
    return [InputFile(p, source_of(p.name)) for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES]
