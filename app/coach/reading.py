"""Reading what a reply does: per-sentence move probabilities, the customer's stance, the stage.

The primary signal of the scorer.  Each sentence of the reply is embedded (all sentences in one
encoder call) and, with its hashed character n-grams and its product with the customer line's
embedding, read by the learned move heads (``moves`` in ``app/coach/model/reader.npz``).  The
customer's latest line is read by the stance head (object / reveal / warm / agree / hesitate).
Earlier turns of the conversation are read by the n-gram-only twins of those heads, so context
costs no encoder time: what the rep already did (asked, apologised, named a time) and what the
customer already did (revealed the motive, agreed) become the :class:`Stage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from app.coach.heads import Head, load_heads, position_features
from app.coach.stage import Stage, StageReader, Turn
from app.coach.textprep import clean, ngram_ids, split_sentences

MODEL_DIR = Path(__file__).with_name("model")
READER_FILE = MODEL_DIR / "reader.npz"

#: Scale of the sentence x customer product features (they are ~1/20 the size of an embedding's).
PAIR_SCALE = 16.0
#: Characters of one sentence fed to the encoder; the n-grams always read all of it.
EMBED_CHARS = 96

STANCES = ("object", "reveal", "warm", "agree", "hesitate")


class Embedder(Protocol):
    """The slice of :class:`app.retrieval.embeddings.CoachEmbeddings` the reader needs."""

    def embed_array(self, texts: list[str], kind: Literal["query", "passage", "symmetric"]) -> np.ndarray:
        """Unit-length rows, one per text."""
        ...


class PairEmbedder(Embedder, Protocol):
    """An encoder that reads a reply together with the customer's line in one pass."""

    def read_pair(self, customer: str, sentences: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a unit vector per sentence, the whole reply's, the customer line's on its own)."""
        ...


@dataclass(frozen=True)
class Reading:
    """The reply read sentence by sentence, with the customer's stance and the stage."""

    sentences: list[str]
    names: tuple[str, ...]
    probs: np.ndarray  # [sentences, moves]
    stance: dict[str, float]
    stage: Stage
    relevance: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """Cosine of each sentence with the customer's line (empty when read without embeddings)."""
    direct: float | None = None
    """The grade (1-5) the reply-level head reads from the whole reply with the customer's line;
    None when read without embeddings (unknown, not average)."""

    def top(self, move: str) -> float:
        """The highest probability of ``move`` over the sentences (0 when unknown)."""
        return self._tops.get(move, 0.0)

    @cached_property
    def _tops(self) -> dict[str, float]:
        # The features ask for a move's top a few hundred times per reply: one pass, not hundreds.
        if not len(self.sentences) or not self.probs.size:
            return {}
        return {name: float(v) for name, v in zip(self.names, self.probs.max(axis=0), strict=True)}

    def any_of(self, moves: Sequence[str]) -> float:
        """The highest probability of any of ``moves``."""
        return max((self.top(m) for m in moves), default=0.0)

    def together(self, moves: Sequence[str]) -> float:
        """How surely the reply makes at least one of ``moves`` (noisy-or of their top probabilities)."""
        miss = 1.0
        for m in moves:
            miss *= 1.0 - self.top(m)
        return 1.0 - miss

    def where(self, move: str) -> tuple[int, float]:
        """(index of the sentence most likely making ``move``, its probability)."""
        col = self.probs[:, self.names.index(move)]
        i = int(col.argmax())
        return i, float(col[i])

    def present(self, threshold: float = 0.5) -> list[str]:
        """Moves read with at least ``threshold`` probability in some sentence."""
        return [m for m in self.names if self.top(m) >= threshold]


#: Moves that say a sentence is not a sales move at all.
GATING = ("off_topic", "grader_instruction", "keyword_list")


def gate(probs: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """A sentence read as off-topic, a keyword list or an instruction does not also count as a sales move.

    "您平时喜欢喝什么咖啡？" is an open question but not a probe: every other move of a sentence is
    scaled by how surely the sentence is none of these.
    """
    if not len(probs):
        return probs
    cols = [names.index(g) for g in GATING if g in names]
    if not cols:
        return probs
    keep = 1.0 - probs[:, cols].max(axis=1, keepdims=True)
    out = probs * keep
    out[:, cols] = probs[:, cols]
    return out.astype(np.float32)


def sentence_dense(sent: np.ndarray | None, cust: np.ndarray | None, n: int) -> np.ndarray:
    """Dense features of ``n`` sentences: embedding, product with the customer line, position."""
    pos = position_features(n)
    if sent is None:
        return pos
    c = np.zeros(sent.shape[1], dtype=np.float32) if cust is None else cust
    return np.hstack([sent, PAIR_SCALE * sent * c[None, :], pos]).astype(np.float32)


GRADE_LEVELS = ("ge2", "ge3", "ge4", "ge5")


def reply_dense(reply: np.ndarray, cust: np.ndarray | None) -> np.ndarray:
    """Dense features of a whole reply for the grade head: its vector and product with the customer's."""
    c = np.zeros_like(reply) if cust is None else cust
    return np.hstack([reply, PAIR_SCALE * reply * c])[None, :].astype(np.float32)


@dataclass(frozen=True)
class ReaderModel:
    """The heads: moves and stance, each with and without embeddings, and (pair readers) the
    reply-level grade head, ordinal: P(grade >= 2..5)."""

    moves: Head
    moves_lite: Head
    stance: Head
    stance_lite: Head
    meta: dict[str, str]
    grade: Head | None = None

    @classmethod
    def load(cls, path: Path = READER_FILE) -> ReaderModel:
        """Load the shipped (or a freshly trained) reader."""
        heads, meta = load_heads(path)
        return cls(heads["moves"], heads["moves_lite"], heads["stance"], heads["stance_lite"], meta, heads.get("grade"))

    @property
    def heads(self) -> dict[str, Head]:
        """The heads by name, as :func:`~app.coach.heads.save_heads` stores them."""
        out = {"moves": self.moves, "moves_lite": self.moves_lite, "stance": self.stance, "stance_lite": self.stance_lite}
        return out | ({"grade": self.grade} if self.grade is not None else {})


@lru_cache(maxsize=4)
def shipped_reader(path: Path = READER_FILE) -> ReaderModel:
    """The reader shipped with the package, loaded once per process."""
    return ReaderModel.load(path)


def encoder_id(embedder: object) -> str:
    """``backend/model`` of an encoder, as a reader records the one it was trained on."""
    return f"{getattr(embedder, 'backend', '')}/{getattr(embedder, 'model_name', '')}"


class MoveReader:
    """Reads replies with a :class:`ReaderModel`; the encoder is called once per reply.

    The heads only make sense on the encoder they were trained on (recorded in the model's meta):
    given another one (a test's fake, a company's retrieval model), the reader uses its n-gram
    heads rather than misread foreign vectors.
    """

    def __init__(self, model: ReaderModel, embedder: Embedder | None) -> None:
        self.model = model
        self.embedder = embedder
        self._stage = StageReader(model.moves_lite, model.stance_lite)
        dim = model.moves.w_dense.shape[1] - 4
        self.dim = dim // 2
        trained_on = model.meta.get("encoder")
        fits = embedder is not None and (not trained_on or encoder_id(embedder) == trained_on)
        self.use_embeddings = fits and self.dim > 0

    def embed(self, texts: list[str]) -> np.ndarray | None:
        """Embeddings of ``texts`` in one call (None when the reader runs on n-grams only)."""
        if not self.use_embeddings or not texts:
            return None
        assert self.embedder is not None
        vecs = np.asarray(self.embedder.embed_array([t[:EMBED_CHARS] for t in texts], "symmetric"), dtype=np.float32)
        if vecs.shape[1] != self.dim:
            self.use_embeddings = False  # another embedding model is configured: n-grams only
            return None
        return vecs

    def vectors(self, sentences: list[str], cust: str) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """(sentence vectors, customer-line vector, reply vector) in one encoder call, or Nones.

        A pair-trained reader reads the sentences in their reply after the customer's line
        (:class:`PairEmbedder`); older readers embed each sentence on its own.
        """
        read_pair = getattr(self.embedder, "read_pair", None)
        if self.use_embeddings and self.model.grade is not None and read_pair is not None:
            sent, reply, cust_vec = read_pair(cust, sentences)
            return sent, (cust_vec if cust else None), reply
        vecs = self.embed(sentences + ([cust] if cust else []))
        if vecs is None:
            return None, None, None
        return vecs[: len(sentences)], (vecs[-1] if cust else None), None

    def direct(self, reply_vec: np.ndarray | None, cust_vec: np.ndarray | None) -> float | None:
        """Expected grade from the reply-level head (None without it)."""
        if self.model.grade is None or reply_vec is None:
            return None
        return 1.0 + float(self.model.grade.probs(reply_dense(reply_vec, cust_vec), [{}]).sum())

    def read(self, reply: str, customer: str, context: Sequence[Turn] = ()) -> Reading:
        """Read ``reply`` answering ``customer`` after ``context`` (oldest first)."""
        sentences = split_sentences(reply) or [clean(reply).strip() or reply]
        cust = clean(customer).strip()
        sent_vecs, cust_vec, reply_vec = self.vectors(sentences, cust)
        grams = [ngram_ids(s) for s in sentences]
        if sent_vecs is not None:
            probs = self.model.moves.probs(sentence_dense(sent_vecs, cust_vec, len(sentences)), grams)
        else:
            probs = self.model.moves_lite.probs(sentence_dense(None, None, len(sentences)), grams)
        probs = gate(probs, self.model.moves.names)
        stance = self.stance(cust, cust_vec)
        rel = sent_vecs @ cust_vec if sent_vecs is not None and cust_vec is not None else np.zeros(0, dtype=np.float32)
        rel = np.asarray(rel, dtype=np.float32)
        return Reading(sentences, self.model.moves.names, probs, stance, self.stage(context), rel, self.direct(reply_vec, cust_vec))

    def read_lite(self, sentences: list[str]) -> np.ndarray:
        """Move probabilities of ``sentences`` from n-grams alone (no encoder time)."""
        n = len(sentences)
        return self.model.moves_lite.probs(sentence_dense(None, None, n), [ngram_ids(s) for s in sentences])

    def stance(self, customer: str, vec: np.ndarray | None) -> dict[str, float]:
        """Stance probabilities of one customer line (uniform when there is no line)."""
        if not customer:
            return {s: 1.0 / len(STANCES) for s in STANCES}
        grams = [ngram_ids(customer)]
        if vec is not None:
            p = self.model.stance.probs(vec[None, :], grams)[0]
        else:
            p = self.model.stance_lite.probs(np.zeros((1, 0), dtype=np.float32), grams)[0]
        return {name: float(v) for name, v in zip(self.model.stance.names, p, strict=True)}

    def stage(self, context: Sequence[Turn]) -> Stage:
        """What the earlier turns already did (n-gram heads, no encoder time)."""
        return self._stage.read(context)
