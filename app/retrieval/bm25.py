"""A small Okapi BM25 over the folded text: character bigrams (default) or jieba words.

Two analyzers, both on the folded text (Simplified, half-width, lower case):

* ``bigram`` (default): overlapping Han character bigrams (a lone Han
  character stays a unigram) plus Latin words and numbers.  Robust to
  jieba splitting a paraphrase differently from the text; on our dev set it
  beat jieba words as the lexical side of the hybrid (see docs/retrieval.md).
* ``jieba``: jieba tokens without function words.

Scores are precomputed per (document, term) into a sparse matrix, so a query
is a column slice and a sum: a few milliseconds at 10k chunks.  Keeping it
in scipy (rather than a library's own file format) lets the index save it
next to FAISS with one ``np.savez``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import sparse

from app.text.fold import fold, tokenize

Analyzer = Literal["bigram", "jieba"]
_SEGMENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")

#: Function words of Chinese questions and English: they match everywhere and
#: only add noise (English ones also hit list markers like "a." in Chinese text).
_STOPWORD_TEXT = (
    "的 了 是 在 和 与 及 或 就 都 而 也 要 有 吗 呢 吧 啊 么 什么 怎么 怎样 如何 哪些 哪 哪个 哪几个 几个 "
    "为什么 怎么办 应该 可以 能 会 该 对 把 被 让 给 从 向 这 那 这个 那个 一个 你 我 他 她 们 我们 你们 "
    "他们 时 时候 之前 之后 还是 还 又 很 更 最 多 少 "
    "a an the of to in on at for by with and or is are was were be been do does did how what why when "
    "which who whom whose i you we they he she it my our your their this that these those can could "
    "should would will shall may might must if about from into out once only still yet than then there "
    "here not no"
)
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def terms(text: str, analyzer: Analyzer = "bigram") -> list[str]:
    """BM25 terms of a text under the given analyzer."""
    if analyzer == "jieba":
        return [t for t in tokenize(text) if t not in STOPWORDS]
    out: list[str] = []
    for segment in _SEGMENT.findall(fold(text)):
        if segment.isascii():
            if segment not in STOPWORDS:
                out.append(segment)
        elif len(segment) == 1:
            out.append(segment)
        else:
            out.extend(segment[i : i + 2] for i in range(len(segment) - 1))
    return out


class BM25Index:
    """Term weights for each chunk; ``scores(query)`` gives one score per chunk."""

    def __init__(self, vocab: dict[str, int], weights: sparse.csc_matrix, analyzer: Analyzer = "bigram") -> None:
        self.vocab = vocab
        self.weights = weights
        self.analyzer: Analyzer = analyzer

    @classmethod
    def from_texts(cls, texts: list[str], analyzer: Analyzer = "bigram") -> BM25Index:
        """Index texts under an analyzer."""
        return cls.build([terms(t, analyzer) for t in texts], analyzer=analyzer)

    @classmethod
    def build(cls, token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75,
              analyzer: Analyzer = "bigram") -> BM25Index:
        """Okapi BM25 weights with the Lucene idf (always positive)."""
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.array([len(t) for t in token_lists], dtype=np.float32)
        for doc, tokens in enumerate(token_lists):
            counts: dict[int, int] = {}
            for token in tokens:
                term = vocab.setdefault(token, len(vocab))
                counts[term] = counts.get(term, 0) + 1
            for term, tf in counts.items():
                rows.append(doc)
                cols.append(term)
                tfs.append(tf)
        n_docs = len(token_lists)
        shape = (n_docs, max(len(vocab), 1))
        if not rows:
            return cls(vocab, sparse.csc_matrix(shape, dtype=np.float32), analyzer)
        row_arr = np.array(rows)
        col_arr = np.array(cols)
        tf_arr = np.array(tfs, dtype=np.float32)
        df = np.bincount(col_arr, minlength=shape[1]).astype(np.float32)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) or 1.0
        norm = k1 * (1.0 - b + b * lengths[row_arr] / avgdl)
        values = idf[col_arr] * tf_arr * (k1 + 1.0) / (tf_arr + norm)
        matrix = sparse.csc_matrix((values.astype(np.float32), (row_arr, col_arr)), shape=shape)
        return cls(vocab, matrix, analyzer)

    def coverage(self, query: str) -> float:
        """Share of the query's terms that occur in the corpus at all.

        An English question over a Chinese corpus matches almost nothing, and
        what it matches is noise; fusion scales BM25's vote by this.
        """
        query_terms = terms(query, self.analyzer)
        if not query_terms:
            return 0.0
        return sum(1 for t in query_terms if t in self.vocab) / len(query_terms)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when nothing matches)."""
        ids = [self.vocab[t] for t in terms(query, self.analyzer) if t in self.vocab]
        if not ids:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel().astype(np.float32)

    def save(self, directory: Path) -> None:
        """``bm25.npz`` and ``bm25_vocab.json``."""
        sparse.save_npz(directory / "bm25.npz", self.weights)
        meta = {"analyzer": self.analyzer, "vocab": self.vocab}
        (directory / "bm25_vocab.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Inverse of :meth:`save`."""
        weights = sparse.load_npz(directory / "bm25.npz").tocsc()
        meta = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        return cls(meta["vocab"], weights, meta["analyzer"])
