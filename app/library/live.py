"""The knowledge index as every worker cites it: reopened whenever a build anywhere finished.

Builds run in one process at a time (:mod:`app.library.jobs`) and bump a version in the
database; each worker's :class:`LiveIndex` compares that version (one tiny query, at most once
a second) before searching and reopens the index directory when it moved. A search in flight
keeps the index object it started with, so a swap never disturbs it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from app.config import Settings
from app.domain import SearchHit
from app.library.files import SOURCE_PREFIX, library_inputs
from app.ports import Retriever as Searcher
from app.retrieval.embeddings import CoachEmbeddings
from app.retrieval.retriever import Retriever

log = logging.getLogger(__name__)

#: Seconds between two looks at the version (a local build invalidates at once).
CHECK_S = 1.0


class KnowledgeSearch(Retriever):
    """A :class:`Retriever` in which the company's own documents count for every scenario.

    The coach restricts citations to the scenario's playbook sections; library documents have
    no such ids, so a section filter always lets them through, to compete on relevance.
    """

    def __init__(self, data: Any, embeddings: CoachEmbeddings, **options: Any) -> None:
        super().__init__(data, embeddings, **options)
        owned = [str(c.get("source", "")).startswith(SOURCE_PREFIX) for c in data.chunks]
        self._library_rows = np.flatnonzero(np.array(owned, dtype=bool))

    def _allowed(self, sections: list[str] | None) -> np.ndarray | None:
        allowed = super()._allowed(sections)
        if allowed is None or not len(self._library_rows):
            return allowed
        return np.union1d(allowed, self._library_rows).astype(np.int64)


def as_knowledge_search(retriever: Retriever) -> KnowledgeSearch:
    """The same loaded index, searched with library documents always allowed."""
    return KnowledgeSearch(retriever.data, retriever.embeddings)


class LiveIndex:
    """A :class:`app.ports.Retriever` over the current knowledge index (built-ins + library).

    ``shared`` is an already-open index of the same built-ins (a container derived in tests, or
    one process's index reused): it serves while this deployment's library is empty.
    """

    def __init__(self, settings: Settings, embeddings: CoachEmbeddings, version: Callable[[], int],
                 shared: Searcher | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self._read_version = version
        self._shared = shared
        self._lock = threading.Lock()
        self._current: Searcher | None = None
        self._version: int | None = None
        self._checked = 0.0
        self._db_down = False

    def _open(self, *, build: bool) -> Searcher:
        if self._shared is not None and self.settings.builtin_knowledge and not library_inputs(self.settings):
            # Another container's live index: take what it has open (its library is not ours).
            return self._shared.current() if isinstance(self._shared, LiveIndex) else self._shared
        from app.retrieval.builder import build_index
        from app.retrieval.errors import CoachIndexError
        from app.retrieval.knowledge_index import ensure_knowledge_index, is_current, knowledge_inputs

        if not build:
            try:
                return KnowledgeSearch.open(self.settings.index_path, self.embeddings)
            except CoachIndexError:
                log.warning("could not open the rebuilt knowledge index; building it here", exc_info=True)
        if not knowledge_inputs(self.settings):
            # Built-ins off and an empty library: still write an (empty) index, so readiness
            # probes find one and the first upload's build has a previous index to keep.
            if not is_current(self.settings, self.embeddings, []):
                build_index([], self.settings.index_path, self.embeddings, allow_empty=True)
            return KnowledgeSearch.open(self.settings.index_path, self.embeddings)
        return as_knowledge_search(ensure_knowledge_index(self.settings, self.embeddings))

    def _safe_version(self) -> int | None:
        try:
            value = self._read_version()
        except Exception as exc:  # no table yet (database not migrated) or database down
            if not self._db_down:
                log.warning("knowledge index version unavailable, keeping the loaded index: %s", exc)
                self._db_down = True
            return None
        self._db_down = False
        return value

    def invalidate(self) -> None:
        """Look at the version on the next search (a build in this process just finished)."""
        self._checked = 0.0

    def current(self) -> Searcher:
        """The index to search now, reopened when the version moved since the last look."""
        with self._lock:
            if self._current is None:
                self._version = self._safe_version()
                self._current = self._open(build=True)
                self._checked = time.monotonic()
            elif time.monotonic() - self._checked >= CHECK_S:
                self._checked = time.monotonic()
                version = self._safe_version()
                if version is not None and version != self._version:
                    self._current = self._open(build=False)
                    self._version = version
            return self._current

    @property
    def version(self) -> int:
        """The index version last loaded (0 before any library build); part of citation cache keys."""
        self.current()
        return self._version or 0

    def search(self, query: str, k: int = 5, sections: list[str] | None = None) -> list[SearchHit]:
        """The ``k`` best passages of the current index."""
        return list(self.current().search(query, k=k, sections=sections))

    def chunks(self) -> list[dict[str, Any]]:
        """The current index's chunk records (for the passage page); [] for a foreign retriever."""
        current = self.current()
        if isinstance(current, LiveIndex):
            return current.chunks()
        return list(current.data.chunks) if isinstance(current, Retriever) else []

    def __len__(self) -> int:
        return len(self.chunks())

    def has_library(self) -> bool:
        """True when the current index holds any of the company's own documents."""
        current = self.current()
        if isinstance(current, LiveIndex):
            return current.has_library()
        return isinstance(current, KnowledgeSearch) and len(current._library_rows) > 0
