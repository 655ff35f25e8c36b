"""Building the shared knowledge index from the built-ins and the library, one process at a time.

A build takes the lease in ``library_index`` (one conditional UPDATE), so with several workers
(or a ``coach knowledge add`` beside the server) only one builds while the others keep serving
the index they have. It takes in every change recorded up to its start (``requested``), checks
each waiting upload on its own first (a bad file fails alone, named, and the rest go on), then
builds with the existing builder, which reuses the vectors of unchanged passages and replaces
the index atomically: a failure anywhere leaves the previous index as it was. Only then are the
uploads moved into ``library/files`` and the version bumped, which every worker's
:class:`app.library.live.LiveIndex` notices.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from app.config import Settings
from app.db.engine import Database
from app.db.library_store import DocumentRow, LibraryStore
from app.knowledge.errors import DocumentError
from app.library.files import files_dir, incoming_dir, source_of, unstage
from app.retrieval.builder import InputFile, build_index, prepare
from app.retrieval.embeddings import CoachEmbeddings
from app.retrieval.errors import CoachIndexError, IngestError

log = logging.getLogger(__name__)

#: A build that stops renewing its lease for this long is taken over (its process died).
LEASE_S = 120.0
#: Unreferenced upload folders older than this are swept (an upload that never got its row).
STALE_UPLOAD_S = 3600.0
#: (done, total) of the texts to embed in this build.
Progress = Callable[[int, int], None]


def _reason(exc: Exception) -> str:
    return exc.reason if isinstance(exc, DocumentError) else str(exc)


class IndexBuilder:
    """Runs builds for this process: in a background thread (:meth:`kick`) or in the caller's (:meth:`run`)."""

    def __init__(self, settings: Settings, database: Database, embeddings: Callable[[], CoachEmbeddings],
                 on_built: Callable[[], None]) -> None:
        self.settings = settings
        self.database = database
        self._embeddings = embeddings
        self._on_built = on_built
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def kick(self) -> None:
        """Build in the background unless a build thread already runs here."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run_logged, name="knowledge-build", daemon=True)
            self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for this process's build thread (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run_logged(self) -> None:
        try:
            self.run()
        except Exception:
            log.exception("knowledge index build failed")

    def pending(self) -> bool:
        """True while some library change has not been built yet."""
        with self.database.session() as db:
            state = LibraryStore(db).state()
        return state.built < state.requested

    def run(self, progress: Progress | None = None) -> bool:
        """Build until no change is left, unless another process holds the lease; True if we built."""
        built = False
        while True:
            token = uuid.uuid4().hex
            with self.database.write() as db:
                store = LibraryStore(db)
                state = store.state()
                if state.built >= state.requested or not store.claim(token, LEASE_S):
                    return built
            try:
                self._build(token, state.requested, progress)
                built = True
            finally:
                with self.database.write() as db:
                    LibraryStore(db).release(token)
            self._on_built()
            # A change that arrived during the build found the lease taken: loop to take it in.

    def _build(self, token: str, requested: int, progress: Progress | None) -> None:
        with self.database.write() as db:
            store = LibraryStore(db)
            waiting = [d for d in store.documents() if d.staged and d.status in ("queued", "indexing")]
            store.mark([d.name for d in waiting], "indexing", 5)
        good = self._check(waiting)
        names = [d.name for d in good]
        inputs = {i.source: i for i in _knowledge_inputs(self.settings)}
        for d in good:
            inputs[source_of(d.name)] = InputFile(Path(str(d.staged)), source_of(d.name))
        last = [0.0]

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            if time.monotonic() - last[0] >= 0.5 or done == total:
                last[0] = time.monotonic()
                with self.database.write() as db:
                    store = LibraryStore(db)
                    store.progress(names, 10 + int(85 * done / max(total, 1)))
                    store.renew(token, LEASE_S)

        try:
            from app.retrieval.seed import load_seed, seed_path

            embeddings = self._embeddings()
            seed = load_seed(seed_path(self.settings.knowledge_dir), embeddings.dimension)
            build_index(list(inputs.values()), self.settings.index_path, embeddings, progress=report,
                        allow_empty=True, seed=seed)
        except (DocumentError, IngestError, CoachIndexError, OSError, RuntimeError, ValueError) as exc:
            # Not one upload's fault (a library file vanished, the index folder is unusable):
            # the previous index stays; the uploads wait as failed and may be sent again.
            log.warning("knowledge index build failed: %s", exc)
            with self.database.write() as db:
                store = LibraryStore(db)
                for d in good:
                    self._fail(store, d, f"{d.name}: the index could not be rebuilt ({_reason(exc)}); "
                               "the previous index stays in use (索引重建失败，仍使用原索引)")
                store.finish(token, requested, bump=False)
            return
        self._install(token, requested, good)

    def _check(self, waiting: list[DocumentRow]) -> list[DocumentRow]:
        """The uploads that read and yield text; the others are marked failed, with the reason."""
        good: list[DocumentRow] = []
        for d in waiting:
            try:
                if not prepare([InputFile(Path(str(d.staged)), source_of(d.name))]).chunks:
                    raise IngestError("no text found in the file (文件中没有可用的文本)")
            except (DocumentError, IngestError, OSError) as exc:
                with self.database.write() as db:
                    self._fail(LibraryStore(db), d, f"{d.name}: {_reason(exc)}")
                continue
            good.append(d)
        return good

    def _fail(self, store: LibraryStore, d: DocumentRow, message: str) -> None:
        if (files_dir(self.settings) / d.name).is_file():
            message += " — 上一版本仍在使用 (the previous version stays in use)"
        if store.fail_if_staged(d.name, str(d.staged), message):
            unstage(d.staged)

    def _install(self, token: str, requested: int, good: list[DocumentRow]) -> None:
        """Move the built uploads into files/, mark them ready and publish the new version."""
        target = files_dir(self.settings)
        target.mkdir(parents=True, exist_ok=True)
        with self.database.write() as db:
            store = LibraryStore(db)
            for d in good:
                current = store.get(d.name)
                if current is not None and current.staged == d.staged:
                    os.replace(str(d.staged), target / d.name)
                    unstage(d.staged)
                    store.mark([d.name], "ready", 100, staged=False)
                elif current is None:  # deleted meanwhile: the next build drops its passages
                    unstage(d.staged)
            store.finish(token, requested, bump=True)
        self._sweep()

    def _sweep(self) -> None:
        """Remove upload folders no row points at any more (replaced or abandoned uploads)."""
        folder = incoming_dir(self.settings)
        if not folder.is_dir():
            return
        with self.database.session() as db:
            referenced = {str(Path(d.staged).parent) for d in LibraryStore(db).documents() if d.staged}
        cutoff = time.time() - STALE_UPLOAD_S
        for entry in folder.iterdir():
            if str(entry) not in referenced and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)


def _knowledge_inputs(settings: Settings) -> list[InputFile]:
    from app.retrieval.knowledge_index import knowledge_inputs

    return knowledge_inputs(settings)
