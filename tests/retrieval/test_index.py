"""Index building: manifest, atomic writes, the embedding cache, errors with rebuild hints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.knowledge.errors import DocumentError
from app.retrieval.builder import build_index, collect_inputs
from app.retrieval.embeddings import FakeEmbeddings
from app.retrieval.errors import (
    CoachIndexError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestError,
)
from app.retrieval.manifest import FORMAT_VERSION, Manifest
from app.retrieval.retriever import Retriever
from tests.retrieval.fakes import CountingFake


@pytest.fixture
def built(corpus_dir: Path, tmp_path: Path) -> Path:
    index = tmp_path / "index"
    build_index(collect_inputs([corpus_dir]), index, FakeEmbeddings())
    return index


def test_manifest_records_model_files_and_format(built: Path, corpus_dir: Path) -> None:
    manifest = Manifest.load(built)
    assert (manifest.backend, manifest.model, manifest.dimension) == ("fake", "hashed-char-ngrams", 256)
    assert manifest.format_version == FORMAT_VERSION
    assert set(manifest.files) == {p.name for p in corpus_dir.iterdir()}
    assert all(len(h) == 64 for h in manifest.files.values())
    assert manifest.chunk_count == len(Retriever.open(built, FakeEmbeddings()))


def test_reingest_of_unchanged_files_embeds_nothing(corpus_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = build_index(collect_inputs([corpus_dir]), index, CountingFake())
    assert first.embedded > 0 and first.reused == 0
    model = CountingFake()
    second = build_index(collect_inputs([corpus_dir]), index, model)
    assert second.embedded == 0 and model.encoded == 0
    assert second.reused == first.embedded


def test_a_failed_ingest_keeps_the_previous_index(built: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in built.iterdir()}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ok.md").write_text("# 好的\n\n一段正常的文字。", encoding="utf-8")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(DocumentError, match="binary.txt"):
        build_index(collect_inputs([bad]), built, FakeEmbeddings())
    assert {p.name: p.read_bytes() for p in built.iterdir()} == before
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_bad_input_paths_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        collect_inputs([tmp_path / "missing"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IngestError, match="empty"):
        collect_inputs([empty])
    (tmp_path / "notes.xyz").write_text("x")
    with pytest.raises(IngestError, match="notes.xyz"):
        collect_inputs([tmp_path / "notes.xyz"])


def test_refuses_to_replace_a_directory_that_is_not_an_index(corpus_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.txt").write_text("do not delete")
    with pytest.raises(IngestError, match="not a search index"):
        build_index(collect_inputs([corpus_dir]), target, FakeEmbeddings())
    assert (target / "thesis.txt").exists()


def test_missing_corrupt_and_mismatched_indexes_raise_with_a_rebuild_hint(built: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="coach ingest"):
        Retriever.open(tmp_path / "nothing", FakeEmbeddings())
    with pytest.raises(IndexMismatchError, match="coach ingest"):
        Retriever.open(built, _OtherModel())
    (built / "vectors.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="coach ingest"):
        Retriever.open(built, FakeEmbeddings())


def test_inconsistent_files_are_corrupt(built: Path) -> None:
    vectors = np.load(built / "vectors.npy")
    np.save(built / "vectors.npy", vectors[:-1])
    with pytest.raises(IndexCorruptError):
        Retriever.open(built, FakeEmbeddings())


def test_a_newer_format_is_a_mismatch(built: Path) -> None:
    data = json.loads((built / "manifest.json").read_text())
    data["format_version"] = FORMAT_VERSION + 1
    (built / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(CoachIndexError, match="format"):
        Retriever.open(built, FakeEmbeddings())


class _OtherModel(FakeEmbeddings):
    model_name = "another-model"


def test_same_file_twice_is_ingested_once_and_name_clashes_are_disambiguated(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# {folder}\n\n正文。", encoding="utf-8")
    inputs = collect_inputs([tmp_path / "a", tmp_path / "a" / "notes.md", tmp_path / "b"])
    assert [i.source for i in inputs] == ["notes.md", "b/notes.md"]
