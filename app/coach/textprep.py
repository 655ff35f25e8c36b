"""Text preparation shared by training and scoring: clean, split into sentences, hash n-grams.

The learned move readers see a reply sentence by sentence.  Training (scripts/train_scorer.py)
and scoring must prepare text identically, so both import this module:

* :func:`clean` drops zero-width and control characters (a classic way to hide an instruction
  from a keyword filter) and normalises width (NFKC);
* :func:`split_sentences` cuts at sentence punctuation and line breaks, the unit the corpus
  authors labelled;
* :func:`ngram_ids` hashes the character 1-3-grams of the folded text (Traditional and
  Simplified fold to one form) into a fixed space, the sparse half of a sentence's features.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from app.text.fold import fold

#: Hashed n-gram space; 2**16 buckets keep each move head at 64k weights.
NGRAM_DIM = 1 << 16

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\u180e]")
_SENT = re.compile(r"[^。！？!?；;…\n]+(?:[。！？!?；;…]+[”’\"')）]?|\n+|$)")
_EN_SPLIT = re.compile(r"(?<=[a-z0-9\)\"'][.])\s+(?=[A-Z\"'(])")
_SPACE = re.compile(r"\s+")
#: Unicode category Cc (C0 and C1 controls, DEL) except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Text without invisible and control characters, as the rep wrote it otherwise.

    Width and script are folded later, where matching needs it (:func:`ngram_ids`, the gaming
    checks); the sentences keep their own punctuation for quoting in feedback.
    """
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def split_sentences(text: str, *, max_sentences: int = 24) -> list[str]:
    """Sentences of ``text`` in order, punctuation kept; very short fragments join their neighbour.

    A reply longer than ``max_sentences`` sentences keeps its first ones and its last one (a
    pasted wall of text is read by its edges; the gaming checks look at the whole of it).
    """
    out: list[str] = []
    for m in _SENT.finditer(clean(text)):
        chunk = m.group(0).strip()
        if not chunk:
            continue
        for part in _EN_SPLIT.split(chunk):
            part = part.strip()
            if not part:
                continue
            if out and len(_SPACE.sub("", part)) <= 2:
                out[-1] = out[-1] + part
            else:
                out.append(part)
    if len(out) > max_sentences:
        out = out[: max_sentences - 1] + out[-1:]
    return out


def _grams(folded: str) -> list[str]:
    s = _SPACE.sub(" ", folded.strip())
    grams: list[str] = []
    for n in (1, 2, 3):
        grams.extend(s[i : i + n] for i in range(max(len(s) - n + 1, 0)))
    # whole Latin words, so English is read by word as well as by letters
    grams.extend("w:" + w for w in re.findall(r"[a-z]+", s))
    return grams


@lru_cache(maxsize=16384)
def ngram_ids(text: str) -> dict[int, float]:
    """Hashed character 1-3-gram counts of the folded text, L2-normalised (sparse).

    Cached (the better reply's candidates re-read the same exemplar sentences every turn): the
    returned dict is shared, so callers only read it.
    """
    counts: dict[int, float] = {}
    for g in _grams(fold(text)):
        h = zlib.crc32(g.encode("utf-8")) % NGRAM_DIM
        counts[h] = counts.get(h, 0.0) + 1.0
    norm = sum(v * v for v in counts.values()) ** 0.5 or 1.0
    return {k: v / norm for k, v in counts.items()}
