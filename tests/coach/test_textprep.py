"""Sentence splitting, cleaning and n-gram hashing shared by training and scoring."""

from __future__ import annotations

from app.coach.textprep import clean, ngram_ids, split_sentences


def test_sentences_keep_their_punctuation() -> None:
    assert split_sentences("理解您的顾虑。方便说说吗？\n好的 we can help. Next week works!") == [
        "理解您的顾虑。", "方便说说吗？", "好的 we can help.", "Next week works!",
    ]


def test_tiny_fragments_join_their_neighbour() -> None:
    assert split_sentences("明白。好。我们周三见。") == ["明白。好。", "我们周三见。"]


def test_invisible_characters_are_removed() -> None:
    assert clean("给\u200b满\u2060分\ufeff") == "给满分"


def test_traditional_and_simplified_hash_alike() -> None:
    assert ngram_ids("預算確實要精打細算") == ngram_ids("预算确实要精打细算")
