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
from collections.abc import Callable, Iterable, Sequence
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
    GRADE_LEVELS,
    STANCES,
    Embedder,
    MoveReader,
    ReaderModel,
    Reading,
    Turn,
    encoder_id,
    reply_dense,
    sentence_dense,
)
from app.coach.rubric import vocabulary
from app.coach.textprep import NGRAM_DIM, clean, ngram_ids, split_sentences
from app.scenarios.loader import ScenarioRegistry

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "training" / "replies"
GAMING = ROOT / "training" / "gaming"
#: Embeddings of the corpus texts, one file per encoder, shared by training and evaluation (not committed).
CACHE_DIR = ROOT / "training" / ".cache"
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

    def __init__(self, embeddings: Embedder, cache: Path | None = None, workers: int = 2) -> None:
        self.embeddings = embeddings
        self.cache = cache = cache or cache_path(embeddings)
        self.workers = workers
        self.vecs: dict[str, np.ndarray] = {}
        self.pairs: dict[str, np.ndarray] = {}  # rows: sentences..., reply, customer
        if cache.exists():
            with np.load(cache, allow_pickle=False) as data:
                keys, mat = data["keys"], data["vecs"]
                self.vecs = {str(k): mat[i] for i, k in enumerate(keys)}
                if "pair_keys" in data.files:
                    ends = np.cumsum(data["pair_rows"])
                    starts = ends - data["pair_rows"]
                    pm = data["pair_vecs"]
                    self.pairs = {str(k): pm[a:b] for k, a, b in zip(data["pair_keys"], starts, ends, strict=True)}

    @property
    def backend(self) -> str:
        """The wrapped encoder's backend (the reader checks it against its training)."""
        return str(getattr(self.embeddings, "backend", ""))

    @property
    def model_name(self) -> str:
        """The wrapped encoder's model name."""
        return str(getattr(self.embeddings, "model_name", ""))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def fill(self, texts: Iterable[str]) -> int:
        """Embed the texts not cached yet (chunks on several threads), save the cache; returns how many."""
        todo = list(dict.fromkeys(t for t in texts if self.key(t) not in self.vecs))
        if not todo:
            return 0
        chunks = [todo[i : i + 64] for i in range(0, len(todo), 64)]

        def some(chunk: list[str]) -> np.ndarray:
            return np.asarray(self.embeddings.embed_array(chunk, "symmetric"), dtype=np.float32)

        with ThreadPoolExecutor(self.workers) as pool:
            for chunk, vecs in zip(chunks, pool.map(some, chunks), strict=True):
                for text, vec in zip(chunk, vecs, strict=True):
                    self.vecs[self.key(text)] = vec
        self.save()
        return len(todo)

    def save(self) -> None:
        """Write the cache (plain texts and pair readings) to disk."""
        keys = np.array(list(self.vecs))
        pair_keys = list(self.pairs)
        extra: dict[str, np.ndarray] = {}
        if pair_keys:
            extra = {
                "pair_keys": np.array(pair_keys),
                "pair_rows": np.array([len(self.pairs[k]) for k in pair_keys]),
                "pair_vecs": np.concatenate([self.pairs[k] for k in pair_keys]),
            }
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        dim = next(iter(self.vecs.values())).shape[0] if self.vecs else 0
        vecs = np.stack([self.vecs[k] for k in keys]) if len(keys) else np.zeros((0, dim), dtype=np.float32)
        np.savez(self.cache, keys=keys, vecs=vecs, **extra)  # type: ignore[arg-type]

    @staticmethod
    def pair_key(customer: str, sentences: Sequence[str]) -> str:
        return hashlib.sha1("\x1f".join([customer, *sentences]).encode("utf-8")).hexdigest()

    def fill_pairs(self, pairs: Iterable[tuple[str, list[str]]]) -> int:
        """Read the (customer, sentences) pairs not cached yet with the wrapped pair encoder; save."""
        read_pair = getattr(self.embeddings, "read_pair", None)
        if read_pair is None:
            return 0
        todo = {self.pair_key(c, s): (c, s) for c, s in pairs if self.pair_key(c, s) not in self.pairs}
        if not todo:
            return 0

        def one(item: tuple[str, list[str]]) -> np.ndarray:
            sent, reply, cust = read_pair(*item)
            return np.vstack([sent, reply[None, :], cust[None, :]]).astype(np.float32)

        with ThreadPoolExecutor(self.workers) as pool:
            for key, rows in zip(todo, pool.map(one, todo.values()), strict=True):
                self.pairs[key] = rows
        self.save()
        return len(todo)

    def read_pair(self, customer: str, sentences: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cached pair reading (the encoder is called when it is missing)."""
        key = self.pair_key(customer, sentences)
        if key not in self.pairs:
            self.fill_pairs([(customer, sentences)])
        rows = self.pairs[key]
        return rows[:-2], rows[-2], rows[-1]

    def embed_array(self, texts: list[str], kind: Literal["query", "passage", "symmetric"]) -> np.ndarray:
        """Cached rows (the encoder is called for any text missing from the cache)."""
        self.fill(texts)
        return np.stack([self.vecs[self.key(t)] for t in texts])


def cache_path(embeddings: Embedder) -> Path:
    """The cache file of one encoder: its backend, name and (for a model file) the file's digest."""
    from app.retrieval.onnx_e5 import file_digest

    name = f"{getattr(embeddings, 'backend', 'custom')}-{getattr(embeddings, 'model_name', 'model')}"
    model = getattr(embeddings, "model_path", None)
    if isinstance(model, Path) and model.exists():
        name += "-" + file_digest(model)[:12]
    return CACHE_DIR / f"embeddings-{name}.npz"


def fold_encoders(final: Embedder) -> Callable[[str], Embedder]:
    """For each author, an encoder fine-tuned without them (``training/.cache/encoder-fold*.onnx``).

    Out-of-fold readings must come from heads *and* an encoder that never saw the author's
    labels, or the grade model learns to trust the readers more than it should on a new voice.
    Authors no fold encoder left out (the gaming-training authors) are read by ``final``.
    """
    from app.retrieval.onnx_e5 import OnnxE5Embeddings

    by_author: dict[str, Embedder] = {}
    for path in sorted(CACHE_DIR.glob("encoder-fold*.onnx")):
        notes = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        enc = CachedEmbedder(OnnxE5Embeddings(path, num_threads=1))
        for author in notes["trained_without"].split(","):
            by_author.setdefault(author, enc)
    return lambda author: by_author.get(author, final)


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
    dense_rows, lite_rows, grams, labels, reply_rows = [], [], [], [], []
    read_pair = getattr(embedder, "read_pair", None)
    for it in items:
        sents = [clean(s).strip() for s, _ in it.sentences]
        if read_pair is not None:
            sent_vecs, reply_vec, cust_vec = read_pair(clean(it.customer).strip(), sents)
            dense_rows.append(sentence_dense(sent_vecs, cust_vec, len(sents)))
            reply_rows.append(reply_dense(reply_vec, cust_vec))
        else:
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
    meta = {
        "authors": ",".join(sorted({it.author for it in items})), "items": str(len(items)), "sentences": str(len(y)),
        "encoder": encoder_id(embedder),
    }  # fmt: skip
    grade = _fit_grade_head(np.vstack(reply_rows), [it.grade for it in items]) if reply_rows else None
    return ReaderModel(moves_head, moves_lite, stance, stance_lite, meta, grade)


def _fit_grade_head(dense: np.ndarray, grades: Sequence[int], *, c: float = 0.5) -> Head:
    """Ordinal reply-level head: one logistic regression per threshold, P(grade >= 2..5)."""
    from sklearn.linear_model import LogisticRegression

    w, b = [], []
    for level in range(2, 6):
        y = np.array([g >= level for g in grades], dtype=int)
        if y.min() == y.max():
            w.append(np.zeros(dense.shape[1]))
            b.append(30.0 if y.min() else -30.0)
            continue
        model = LogisticRegression(C=c, max_iter=2000).fit(dense, y)
        w.append(model.coef_[0])
        b.append(float(model.intercept_[0]))
    return Head(GRADE_LEVELS, np.array(w), np.zeros((4, NGRAM_DIM)), np.array(b), softmax=False)


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


def prefill(embedder: Embedder, items: Sequence[Item], registry: ScenarioRegistry) -> None:
    """Embed every text training and reading will ask for, in one pass (the cache is saved once)."""
    if isinstance(embedder, CachedEmbedder):
        lines = [clean(t).strip()[:EMBED_CHARS] for t, _ in stance_examples(registry)]
        embedder.fill(texts_to_embed(items) + [t for t in lines if t])
        pairs = []
        for it in items:
            cust = clean(it.customer).strip()
            pairs.append((cust, [clean(s).strip() for s, _ in it.sentences]))
            pairs.append((cust, split_sentences(it.reply) or [clean(it.reply).strip() or it.reply]))
        embedder.fill_pairs(pairs)


def out_of_fold_readings(
    items: Sequence[Item], embedder: Embedder, registry: ScenarioRegistry, *, folds: int = 0,
    encoder_for: Callable[[str], Embedder] | None = None, key: Callable[[Item], str] = lambda it: it.author,
) -> list[Reading]:  # fmt: skip
    """Readings of every item by heads trained without its group: its ``key`` (the author by
    default; a scenario for leave-one-scenario-out), or its fold of keys when ``folds`` is set.

    With ``encoder_for`` each group is embedded by an encoder fine-tuned without it
    (:func:`fold_encoders`) where one exists.
    """
    values = sorted({key(it) for it in items})
    k = folds or len(values)
    groups = [set(values[i::k]) for i in range(k)]
    out: list[Reading | None] = [None] * len(items)
    filled: set[int] = set()
    for group in groups:
        emb = embedder
        if encoder_for is not None and len({id(encoder_for(v)) for v in group}) == 1:
            emb = encoder_for(next(iter(group)))
            if id(emb) not in filled:  # one fold encoder serves several groups: embed once
                prefill(emb, items, registry)
                filled.add(id(emb))
        train = [it for it in items if key(it) not in group]
        test_idx = [i for i, it in enumerate(items) if key(it) in group]
        model = train_reader(train, emb, registry)
        for i, r in zip(test_idx, read_items(model, [items[i] for i in test_idx], emb), strict=True):
            out[i] = r
    return [r for r in out if r is not None]


def fit_grade(rows: list[dict[str, float]], items: Sequence[Item], *, alpha: float = 3.0) -> GradeModel:
    """The grade combination fitted on out-of-fold feature rows."""
    grades = [float(it.grade) for it in items]
    model = fit_ridge(rows, grades, alpha=alpha)
    stretch = fit_stretch(model, rows, grades)
    meta = {"items": str(len(items)), "authors": ",".join(sorted({it.author for it in items})), "alpha": str(alpha)}
    return GradeModel(model.names, model.weights, model.mean, model.scale, model.bias, meta, stretch)


def loosest_caps(readings: Sequence[Reading], items: Sequence[Item]) -> dict[str, tuple[float, float]]:
    """For each learned gaming flag: the lowest ``min_prob`` that caps none of the replies graded
    3-5 (out-of-fold readings), and the share of the gaming-training replies it then catches."""
    from dataclasses import replace

    table = cap_table()
    good = [r for r, it in zip(readings, items, strict=True) if it.grade >= 3]
    gaming = [r for r, it in zip(readings, items, strict=True) if it.author.startswith("g")]
    out: dict[str, tuple[float, float]] = {}
    for move, rule in table.learned.items():
        for p in [round(0.3 + 0.05 * i, 2) for i in range(14)]:
            trial = replace(table, learned={move: {**rule, "min_prob": p}})
            if not any(move in learned_flags(r, trial) for r in good):
                caught = sum(move in learned_flags(r, trial) for r in gaming) / max(1, len(gaming))
                out[move] = (p, caught)
                break
    return out


def write_caps(chosen: dict[str, tuple[float, float]], path: Path) -> None:
    """Put the chosen ``min_prob`` of each learned flag (recall in the comment) into caps.yaml."""
    import re

    text = path.read_text(encoding="utf-8")
    for move, (p, recall) in chosen.items():

        def put(m: re.Match[str], p: float = p, r: float = recall) -> str:
            return f"{m.group(1)}{p}{m.group(2)}  # ({r:.2f})"

        text = re.sub(rf"^(  {move}: \{{min_prob: )[0-9.]+(.*?\}})\s*(#.*)?$", put, text, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")
    cap_table.cache_clear()
