"""Okapi BM25 over the folded text, scored by ``bm25s``; the terms stay ours.

Two analyzers, both on the folded text (Simplified, half-width, lower case):

* ``bigram`` (default): overlapping Han character bigrams (a lone Han
  character stays a unigram) plus Latin words and numbers.  Robust to
  jieba splitting a paraphrase differently from the text; on our dev set it
  beat jieba words as the lexical side of the hybrid (see docs/retrieval.md).
* ``jieba``: jieba tokens without function words.

``bm25s`` only ever sees our terms, mapped to ids in first-seen order (its
own tokenizer splits on English word boundaries and would make one "word"
of a whole Chinese sentence).  It precomputes a score per (chunk, term) as
a sparse matrix, so a query is a few column slices and a sum: milliseconds
at 10k chunks.  The library replaced a hand-written scorer of the same
formula (Lucene idf, k1 1.2, b 0.75): every figure of
``scripts/eval_retrieval.py`` came out identical (docs/benchmarks.md), and a
well-kept library is one less thing of ours to keep right.  (bm25s leaves
out BM25's constant ``k1 + 1`` factor; rank fusion and min-max weighting
do not see it.)
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path
from typing import Literal, get_args

import bm25s
import numpy as np

from app.text.fold import fold, tokenize

# bm25s sets its logger to DEBUG, so its "Building index from IDs" notes would
# reach any handler the application puts on the root logger.
logging.getLogger("bm25s").setLevel(logging.WARNING)

Analyzer = Literal["bigram", "jieba"]
K1 = 1.2
B = 0.75
#: bm25s's files under our names, flat in the index directory like every other index file.
FILES = {
    "data_name": "bm25.data.npy",
    "indices_name": "bm25.indices.npy",
    "indptr_name": "bm25.indptr.npy",
    "vocab_name": "bm25.vocab.json",
    "params_name": "bm25.params.json",
}
ANALYZER_FILE = "bm25.analyzer.json"
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
    """A bm25s index of chunks and the analyzer that made its terms; ``scores(query)`` gives one score per chunk."""

    def __init__(self, model: bm25s.BM25, analyzer: Analyzer = "bigram") -> None:
        self.model = model
        self.analyzer: Analyzer = analyzer

    @property
    def vocab(self) -> dict[str, int]:
        """Term → column of the score matrix."""
        vocab: dict[str, int] = self.model.vocab_dict
        return vocab

    @property
    def num_docs(self) -> int:
        """Number of chunks indexed (checked against the other index files on load)."""
        return int(self.model.scores["num_docs"])

    @classmethod
    def from_texts(cls, texts: list[str], analyzer: Analyzer = "bigram") -> BM25Index:
        """Index texts under an analyzer."""
        return cls.build([terms(t, analyzer) for t in texts], analyzer=analyzer)

    @classmethod
    def build(cls, token_lists: list[list[str]], k1: float = K1, b: float = B,
              analyzer: Analyzer = "bigram") -> BM25Index:
        """Okapi BM25 with the Lucene idf (always positive) over already-made terms.

        Terms get ids in first-seen order here rather than letting bm25s
        collect them in a set, whose order changes with Python's string
        hashing: the same texts then give byte-identical index files.
        """
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(token, len(vocab)) for token in tokens] for tokens in token_lists]
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        # Not one term anywhere (no chunks, or only punctuation): bm25s averages zero
        # lengths and warns, though the matrix is empty and every score 0 anyway.
        if vocab:
            model.index((ids, vocab), create_empty_token=False, show_progress=False)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                model.index((ids, vocab), create_empty_token=False, show_progress=False)
        return cls(model, analyzer)

    def coverage(self, query: str) -> float:
        """Share of the query's terms that occur in the corpus at all.

        An English question over a Chinese corpus matches almost nothing, and
        what it matches is noise; fusion scales BM25's vote by this.
        """
        query_terms = terms(query, self.analyzer)
        if not query_terms:
            return 0.0
        vocab = self.vocab
        return sum(1 for t in query_terms if t in vocab) / len(query_terms)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when nothing matches).

        A repeated query term counts once per occurrence, as in the sum over
        query terms of the BM25 formula.
        """
        ids = self.model.get_tokens_ids(terms(query, self.analyzer))
        if not ids:  # bm25s refuses an empty id list
            return np.zeros(self.num_docs, dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(ids), dtype=np.float32)

    def save(self, directory: Path) -> None:
        """bm25s's own files (score matrix, vocabulary, parameters) and the analyzer, as ``bm25.*``."""
        self.model.save(directory, **FILES)  # no corpus given: bm25s writes only its index
        (directory / ANALYZER_FILE).write_text(json.dumps({"analyzer": self.analyzer}), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Inverse of :meth:`save`; ``ValueError`` (or the loaders' own errors) on damaged files."""
        analyzer = json.loads((directory / ANALYZER_FILE).read_text(encoding="utf-8"))["analyzer"]
        if analyzer not in get_args(Analyzer):
            raise ValueError(f"unknown BM25 analyzer {analyzer!r}")
        model = bm25s.BM25.load(directory, **FILES)
        scores = model.scores
        columns = len(scores["indptr"]) - 1
        if (not isinstance(scores["num_docs"], int) or columns != len(model.vocab_dict)
                or any(not 0 <= i < columns for i in model.vocab_dict.values())
                or (len(scores["indices"]) and int(scores["indices"].max()) >= scores["num_docs"])):
            raise ValueError("BM25 files disagree with each other")
        return cls(model, analyzer)
