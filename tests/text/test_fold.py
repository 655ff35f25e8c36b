"""Folding is what makes Traditional, full-width and mixed-case input match."""

from app.text.fold import (
    _to_traditional,
    detect_language,
    fold,
    is_traditional,
    to_simplified,
    to_traditional,
    tokenize,
)


def test_fold_converts_traditional_and_full_width() -> None:
    assert fold("銷售人員ＡＢＣ１２３") == "销售人员abc123"


def test_to_simplified_leaves_simplified_alone() -> None:
    assert to_simplified("价格异议") == "价格异议"


def test_is_traditional() -> None:
    assert is_traditional("價格太貴了")
    assert not is_traditional("价格太贵了")
    assert not is_traditional("price is too high")


def test_tokenize_same_tokens_for_both_scripts() -> None:
    assert tokenize("您為什麼覺得價格太貴？") == tokenize("您为什么觉得价格太贵?")


def test_tokenize_drops_punctuation_and_space() -> None:
    tokens = tokenize("你好， 世界！")
    assert tokens
    assert all(t.strip() and t not in {"，", "！", ","} for t in tokens)


def test_detect_language() -> None:
    assert detect_language("Why do you feel the price is high?") == "en"
    assert detect_language("您为什么觉得价格高？") == "zh"
    assert detect_language("您覺得FAB有用嗎") == "zh"


def test_to_traditional_converts_and_builds_one_converter() -> None:
    assert to_traditional("价格异议，我们负责安装") == "價格異議，我們負責安裝"
    to_traditional("再来一次")
    assert _to_traditional.cache_info().currsize == 1  # building an OpenCC converter costs ~35 ms
