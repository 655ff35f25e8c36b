"""The knowledge library's use cases: add, replace, remove and list documents, and build.

Every client (the console, the JSON API, ``coach knowledge``) goes through one
:class:`KnowledgeLibrary`, built by the composition root; the database row and the files under
``DATA_DIR/library`` change together, and each change is recorded for the next build, which
runs in the background (:mod:`app.library.jobs`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from app.config import Settings
from app.db.engine import Database
from app.db.library_store import DocumentRow, IndexState, LibraryStore
from app.library.files import LibraryNameError, check_name, files_dir, stage, unstage
from app.library.jobs import IndexBuilder
from app.library.live import LiveIndex
from app.ports import Retriever as Searcher
from app.retrieval.embeddings import CoachEmbeddings


class KnowledgeLibrary:
    """The company's documents and the live knowledge index the coach cites from."""

    def __init__(self, settings: Settings, database: Database, embeddings: Callable[[], CoachEmbeddings],
                 *, build_embeddings: Callable[[], CoachEmbeddings] | None = None,
                 shared: Searcher | None = None) -> None:
        self.settings = settings
        self.database = database
        self._embeddings = embeddings
        self._build_embeddings = build_embeddings or embeddings
        self._shared = shared

    @cached_property
    def retriever(self) -> LiveIndex:
        """Search over the current index, reopened after every build (in any process)."""
        live = LiveIndex(self.settings, self._embeddings(), self._version, shared=self._shared)
        live.current()  # open (or build) it now, as the coach's first use always did
        return live

    @cached_property
    def builder(self) -> IndexBuilder:
        """This process's builds of the shared index."""
        return IndexBuilder(self.settings, self.database, self._build_embeddings, self._built)

    def _built(self) -> None:
        """A build of this process finished: the live index (when open) looks again at once."""
        live = self.__dict__.get("retriever")
        if isinstance(live, LiveIndex):
            live.invalidate()

    def _version(self) -> int:
        with self.database.session() as db:
            return LibraryStore(db).version()

    def add(self, filename: str, data: bytes, user_id: int | None = None) -> DocumentRow:
        """Queue a document (a new one, or a new version of one); the build is left to :meth:`kick`.

        An unchanged re-upload of a ready document changes nothing.
        """
        name = check_name(filename)
        if not data:
            raise LibraryNameError(f"{name}: the file is empty (文件为空)")
        path, sha = stage(self.settings, name, data)
        try:
            with self.database.write() as db:
                store = LibraryStore(db)
                existing = store.get(name)
                if existing is not None and existing.status == "ready" and existing.sha256 == sha:
                    unstage(path)
                    return existing
                previous = store.queue(name, sha, len(data), str(path), user_id)
                store.request()
                row = store.get(name)
        except BaseException:
            unstage(path)
            raise
        if previous is not None and previous.status == "queued":
            unstage(previous.staged)  # no build took it yet; an indexing one is swept after its build
        assert row is not None
        return row

    def remove(self, name: str) -> DocumentRow | None:
        """Delete a document and its original; the next build drops its passages. None when unknown."""
        with self.database.write() as db:
            store = LibraryStore(db)
            row = store.delete(name)
            if row is None:
                return None
            store.request()
            (files_dir(self.settings) / row.name).unlink(missing_ok=True)
        if row.status == "queued":
            unstage(row.staged)
        return row

    def documents(self) -> list[DocumentRow]:
        """Every document, by name."""
        with self.database.session() as db:
            return LibraryStore(db).documents()

    def get(self, name: str) -> DocumentRow | None:
        """One document, or None."""
        with self.database.session() as db:
            return LibraryStore(db).get(name)

    def state(self) -> IndexState:
        """Changes requested, built, and the index version."""
        with self.database.session() as db:
            return LibraryStore(db).state()

    def kick(self) -> None:
        """Start a background build when a change waits (no-op while another process builds)."""
        if self.builder.pending():
            self.builder.kick()
