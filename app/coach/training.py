"""Training the move readers and the grade model from the multi-author corpus (``training/``).

Used by ``scripts/train_scorer.py`` (ship a model) and ``scripts/eval_scoring.py`` (grouped
cross-validation).  scikit-learn is imported here only, a dev dependency; the artefacts it
writes are plain arrays that :mod:`app.coach.heads` applies with numpy.

The grade model is fitted on *out-of-fold* readings: the move heads that read a training reply
were trained without that reply's author, so the combination learns how much to trust the
readers on a voice they have not seen, which is the situation in production.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from app.coach.gaming import detect_gaming
from app.coach.grading import GradeModel, features, fit_ridge, fit_stretch
from app.coach.heads import Head
from app.coach.judge import cap_table, learned_flags
from app.coach.reading import (
    EMBED_CHARS,
    STANCES,
    Embedder,
    MoveReader,
    ReaderModel,
    Reading,
    Turn,
    sentence_dense,
)
from app.coach.rubric import vocabulary
from app.coach.textprep import NGRAM_DIM, clean, ngram_ids, split_sentences
from app.scenarios.loader import ScenarioRegistry

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "training" / "replies"
GAMING = ROOT / "training" / "gaming"
#: Embeddings of the corpus texts, shared by training and evaluation (not committed).
EMBED_CACHE = ROOT / "training" / ".cache" / "embeddings.npz"
SPLIT = ROOT / "training" / "split.yaml"


@dataclass
class Item:
    """One graded reply of the corpus."""

    id: str
    author: str
    scenario: str
    customer: str
    context: list[Turn]
    sentences: list[tuple[str, list[str]]]
    grade: int
    lang: str
    pair: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def reply(self) -> str:
        """The reply as the rep wrote it (the labelled sentences joined)."""
        sep = " " if self.lang == "en" else ""
        return sep.join(s for s, _ in self.sentences)


def heldout_author() -> str:
    """The author frozen as held out before any item was written (training/split.yaml)."""
    return str(yaml.safe_load(SPLIT.read_text(encoding="utf-8"))["heldout_author"])


def load_corpus(directory: Path = CORPUS, *, include_heldout: bool = False) -> list[Item]:
    """Every graded reply, the held-out author's only when asked."""
    return _load(sorted(directory.glob("*.jsonl")), include_heldout=include_heldout)


def load_gaming_training() -> list[Item]:
    """Gaming-style replies written for training (training/gaming), all graded 1-2.

    They teach the gaming moves; they are always on the training side of a split (evaluating on
    them would only measure the caps) and never in tests/data/gaming, the gaming test set.
    """
    return _load(sorted(GAMING.glob("*.jsonl")), include_heldout=False)


def _load(paths: list[Path], *, include_heldout: bool) -> list[Item]:
    held = heldout_author()
    items: list[Item] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            if d["author"] == held and not include_heldout:
                continue
            items.append(
                Item(
                    id=d["id"],
                    author=d["author"],
                    scenario=d["scenario"],
                    customer=d["customer"],
                    context=[Turn(t["role"], t["text"]) for t in d.get("context") or []],
                    sentences=[(s["text"], list(s["moves"])) for s in d["sentences"]],
                    grade=int(d["grade"]),
                    lang=d.get("lang", "zh"),
                    pair=d.get("pair"),
                )
            )
    return items


class CachedEmbedder:
    """Embeddings served from a disk cache, computed with the real encoder when missing."""

    def __init__(self, embeddings: Embedder, cache: Path, workers: int = 2) -> None:
        self.embeddings = embeddings
        self.cache = cache
        self.workers = workers
        self.vecs: dict[str, np.ndarray] = {}
        if cache.exists():
            with np.load(cache, allow_pickle=False) as data:
                keys, mat = data["keys"], data["vecs"]
            self.vecs = {str(k): mat[i] for i, k in enumerate(keys)}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def fill(self, texts: Iterable[str]) -> int:
        """Embed the texts not cached yet (several threads), save the cache; returns how many."""
        todo = list(dict.fromkeys(t for t in texts if self.key(t) not in self.vecs))
        if not todo:
            return 0

        def one(text: str) -> np.ndarray:
            return np.asarray(self.embeddings.embed_array([text], "symmetric")[0], dtype=np.float32)

        with ThreadPoolExecutor(self.workers) as pool:
            for text, vec in zip(todo, pool.map(one, todo), strict=True):
                self.vecs[self.key(text)] = vec
        keys = np.array(list(self.vecs))
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self.cache, keys=keys, vecs=np.stack([self.vecs[k] for k in keys]))
        return len(todo)

    def embed_array(self, texts: list[str], kind: Literal["query", "passage", "symmetric"]) -> np.ndarray:
        """Cached rows (the encoder is called for any text missing from the cache)."""
        self.fill(texts)
        return np.stack([self.vecs[self.key(t)] for t in texts])


def texts_to_embed(items: Sequence[Item]) -> list[str]:
    """Every text the trainer and the reader will embed for ``items``."""
    out: list[str] = []
    for it in items:
        out += [clean(s).strip()[:EMBED_CHARS] for s, _ in it.sentences]
        out += [s[:EMBED_CHARS] for s in split_sentences(it.reply)]
        out.append(clean(it.customer).strip()[:EMBED_CHARS])
    return [t for t in out if t]


def _sparse(rows: list[dict[int, float]]):  # type: ignore[no-untyped-def]
    from scipy.sparse import csr_matrix

    data: list[float] = []
    idx: list[int] = []
    ptr = [0]
    for r in rows:
        idx.extend(r.keys())
        data.extend(r.values())
        ptr.append(len(idx))
    return csr_matrix((np.array(data, dtype=np.float32), np.array(idx), np.array(ptr)), shape=(len(rows), NGRAM_DIM))


def _fit_head(dense: np.ndarray, sparse_rows: list[dict[int, float]], y: np.ndarray, names: Sequence[str], *, softmax: bool, c: float) -> Head:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    x = hstack([csr_matrix(dense), _sparse(sparse_rows)]).tocsr()
    nd = dense.shape[1]
    if softmax:
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(x, y)
        coef = np.zeros((len(names), x.shape[1]))
        bias = np.full(len(names), -30.0)
        for row, cls in enumerate(model.classes_):
            coef[int(cls)] = model.coef_[row] if len(model.classes_) > 2 else (model.coef_[0] if row else -model.coef_[0])
            bias[int(cls)] = model.intercept_[row] if len(model.classes_) > 2 else 0.0
        return Head(tuple(names), coef[:, :nd], coef[:, nd:], bias, softmax=True)
    from joblib import Parallel, delayed

    def one(yj: np.ndarray) -> tuple[np.ndarray, float]:
        if yj.sum() < 3:
            return np.zeros(x.shape[1]), -6.0
        model = LogisticRegression(C=c, solver="liblinear", class_weight={0: 1.0, 1: 2.0})
        model.fit(x, yj)
        return model.coef_[0], float(model.intercept_[0])

    fitted = Parallel(n_jobs=2, max_nbytes=None)(delayed(one)(y[:, j]) for j in range(len(names)))
    coef = np.array([f[0] for f in fitted])
    biases = [f[1] for f in fitted]
    return Head(tuple(names), coef[:, :nd], coef[:, nd:], np.array(biases), softmax=False)


def stance_examples(registry: ScenarioRegistry) -> list[tuple[str, int]]:
    """Customer lines of every scenario labelled with their stance (data/stances.yaml)."""
    table = yaml.safe_load((Path(__file__).with_name("data") / "stances.yaml").read_text(encoding="utf-8"))
    by_state = {s: stance for stance, states in table["states"].items() for s in states}
    out: list[tuple[str, int]] = []
    for sc in registry:
        local = {**by_state, **(table.get("scenarios") or {}).get(sc.id, {})}
        out += [(line, STANCES.index(local.get(sc.initial_state, "object"))) for line in sc.openings]
        for m in sc.persona.motives:
            out += [(line, STANCES.index("reveal")) for line in m.reveal]
        for st in sc.states:
            stance = table["endings"].get(st.ending) if st.ending else None
            stance = stance or (table["reveal_motive"] if st.reveal_motive else local.get(st.id))
            if stance:
                out += [(line, STANCES.index(stance)) for line in st.lines]
    return out


def train_reader(items: Sequence[Item], embedder: Embedder, registry: ScenarioRegistry, *, c: float = 4.0) -> ReaderModel:
    """Move and stance heads (with and without embeddings) trained on ``items``."""
    move_names = list(vocabulary().moves)
    dense_rows, lite_rows, grams, labels = [], [], [], []
    for it in items:
        sents = [clean(s).strip() for s, _ in it.sentences]
        vecs = embedder.embed_array([s[:EMBED_CHARS] for s in sents] + [clean(it.customer).strip()[:EMBED_CHARS]], "symmetric")
        dense_rows.append(sentence_dense(vecs[:-1], vecs[-1], len(sents)))
        lite_rows.append(sentence_dense(None, None, len(sents)))
        grams += [ngram_ids(s) for s in sents]
        for _, moves in it.sentences:
            labels.append([1 if n in moves else 0 for n in move_names])
    y = np.array(labels)
    moves_head = _fit_head(np.vstack(dense_rows), grams, y, move_names, softmax=False, c=c)
    moves_lite = _fit_head(np.vstack(lite_rows), grams, y, move_names, softmax=False, c=c)
    examples = stance_examples(registry)
    lines = [clean(t).strip() for t, _ in examples]
    ys = np.array([s for _, s in examples])
    svec = embedder.embed_array([t[:EMBED_CHARS] for t in lines], "symmetric")
    sgrams = [ngram_ids(t) for t in lines]
    stance = _fit_head(svec, sgrams, ys, STANCES, softmax=True, c=c)
    stance_lite = _fit_head(np.zeros((len(lines), 0)), sgrams, ys, STANCES, softmax=True, c=c)
    meta = {"authors": ",".join(sorted({it.author for it in items})), "items": str(len(items)), "sentences": str(len(y))}
    return ReaderModel(moves_head, moves_lite, stance, stance_lite, meta)


def read_items(model: ReaderModel, items: Sequence[Item], embedder: Embedder) -> list[Reading]:
    """Each item read as the scorer reads it at run time (its own sentence split)."""
    reader = MoveReader(model, embedder)
    return [reader.read(it.reply, it.customer, it.context) for it in items]


def feature_rows(readings: Sequence[Reading], items: Sequence[Item], registry: ScenarioRegistry) -> list[dict[str, float]]:
    """Grade-model features of each reading, with the gaming flags exactly as the judge raises them."""
    table = cap_table()
    rows = []
    for r, it in zip(readings, items, strict=True):
        rule = detect_gaming(it.reply, it.customer, len(it.reply)).flags
        flags = list(dict.fromkeys(rule + learned_flags(r, table)))
        rows.append(features(r, registry.get(it.scenario), flags))
    return rows


def out_of_fold_readings(items: Sequence[Item], embedder: Embedder, registry: ScenarioRegistry, *, folds: int = 0) -> list[Reading]:
    """Readings of every item by heads trained without its author (or its fold of authors)."""
    authors = sorted({it.author for it in items})
    k = folds or len(authors)
    groups = [authors[i::k] for i in range(k)]
    out: list[Reading | None] = [None] * len(items)
    for group in groups:
        train = [it for it in items if it.author not in group]
        test_idx = [i for i, it in enumerate(items) if it.author in group]
        model = train_reader(train, embedder, registry)
        for i, r in zip(test_idx, read_items(model, [items[i] for i in test_idx], embedder), strict=True):
            out[i] = r
    return [r for r in out if r is not None]


def fit_grade(rows: list[dict[str, float]], items: Sequence[Item], *, alpha: float = 3.0) -> GradeModel:
    """The grade combination fitted on out-of-fold feature rows."""
    grades = [float(it.grade) for it in items]
    model = fit_ridge(rows, grades, alpha=alpha)
    stretch = fit_stretch(model, rows, grades)
    meta = {"items": str(len(items)), "authors": ",".join(sorted({it.author for it in items})), "alpha": str(alpha)}
    return GradeModel(model.names, model.weights, model.mean, model.scale, model.bias, meta, stretch)
