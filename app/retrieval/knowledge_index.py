"""The built-in knowledge base index used by ``coach serve`` and the scorer.

On start the playbooks' hashes and the embedding model are compared with the
index manifest; only a change triggers a (re)build, so a second start opens
the index in well under a second and embeds nothing.  The first build takes
the shipped seed vectors (``knowledge/playbooks.vectors.npz``, see
:mod:`app.retrieval.seed`) for every text they cover, so a newcomer's first
start embeds only what was edited since the seed was made.
"""

from __future__ import annotations

from app.config import Settings
from app.retrieval.builder import InputFile, build_index
from app.retrieval.embeddings import CoachEmbeddings
from app.retrieval.errors import CoachIndexError
from app.retrieval.manifest import Manifest, file_sha256
from app.retrieval.retriever import Retriever
from app.retrieval.seed import load_seed, seed_path


def knowledge_inputs(settings: Settings) -> list[InputFile]:
    """Playbook Markdown files, cited relative to the knowledge directory (unless
    ``COACH_BUILTIN_KNOWLEDGE=false``), then the company's library (``library/<name>``)."""
    from app.library.files import library_inputs

    root = settings.knowledge_dir
    builtin = settings.builtin_knowledge and settings.playbooks_dir.is_dir()
    files = sorted(settings.playbooks_dir.glob("*.md")) if builtin else []
    return [InputFile(p, p.relative_to(root).as_posix()) for p in files] + library_inputs(settings)


def is_current(settings: Settings, embeddings: CoachEmbeddings, inputs: list[InputFile]) -> bool:
    """True when the index was built from exactly these files with this model."""
    try:
        manifest = Manifest.load(settings.index_path)
    except CoachIndexError:
        return False
    same_model = (manifest.backend, manifest.model) == (embeddings.backend, embeddings.model_name)
    return same_model and manifest.files == {i.source: file_sha256(i.path) for i in inputs}


def ensure_knowledge_index(settings: Settings, embeddings: CoachEmbeddings) -> Retriever:
    """Open the knowledge index, rebuilding it first when stale, missing or damaged."""
    inputs = knowledge_inputs(settings)
    if not inputs:
        return Retriever.empty(embeddings)
    if is_current(settings, embeddings, inputs):
        try:
            return Retriever.open(settings.index_path, embeddings)
        except CoachIndexError:
            pass  # damaged files behind a good manifest: rebuild below
    seed = load_seed(seed_path(settings.knowledge_dir), embeddings.dimension)
    build_index(inputs, settings.index_path, embeddings, seed=seed)
    return Retriever.open(settings.index_path, embeddings)
