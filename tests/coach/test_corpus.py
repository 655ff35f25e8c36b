"""The multi-author training corpus (training/): shape, size, authors and independence."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from app.coach.rubric import vocabulary
from app.coach.training import heldout_author, load_corpus, load_gaming_training

ROOT = Path(__file__).resolve().parents[2]


def test_the_checker_passes_on_every_file() -> None:
    files = sorted((ROOT / "training").glob("*/*.jsonl")) + sorted((ROOT / "tests/data/gaming").glob("*.jsonl"))
    out = subprocess.run([sys.executable, str(ROOT / "scripts/check_training_data.py"), *map(str, files)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-2000:]


def test_size_authors_and_later_turns() -> None:
    items = load_corpus(include_heldout=True)
    assert len(items) >= 3000
    assert len({it.author for it in items}) >= 8
    assert sum(bool(it.context) for it in items) >= len(items) / 3
    assert sum(len(it.sentences) for it in items) >= 5000
    assert {it.scenario for it in items} == set(json.loads(json.dumps(sorted({it.scenario for it in items}))))
    per = Counter(it.scenario for it in items)
    assert len(per) == 15 and min(per.values()) >= 100
    langs = Counter(it.lang for it in items)
    assert min(langs[k] for k in ("zh", "zh-hant", "en", "mixed")) >= 100


def test_contrastive_pairs_have_opposite_grades() -> None:
    pairs: dict[str, list[int]] = {}
    for it in load_corpus(include_heldout=True):
        if it.pair:
            pairs.setdefault(f"{it.author}:{it.pair}", []).append(it.grade)
    assert len(pairs) >= 300
    assert sum(max(g) - min(g) >= 2 for g in pairs.values() if len(g) == 2) >= len(pairs) * 0.6


def test_every_move_is_labelled_often_enough() -> None:
    counts: Counter[str] = Counter()
    for it in load_corpus() + load_gaming_training():
        for _, moves in it.sentences:
            counts.update(moves)
    thin = {m: counts[m] for m in vocabulary().moves if counts[m] < 15}
    assert not thin, thin


def test_the_heldout_author_is_never_trained_on() -> None:
    from app.coach.grading import GradeModel
    from app.coach.reading import ReaderModel

    held = heldout_author()
    assert held not in ReaderModel.load().meta["authors"].split(",")
    assert held not in GradeModel.load().meta["authors"].split(",")
    assert all(it.author != held for it in load_corpus())
