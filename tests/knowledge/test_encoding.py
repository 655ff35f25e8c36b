"""Encoding detection: UTF-8 (±BOM), UTF-16, GBK/GB18030 and Big5, and clear errors otherwise."""

from __future__ import annotations

import pytest

from app.knowledge.encoding import decode_bytes
from app.knowledge.errors import DocumentError

SIMPLIFIED = "客户说价格太高的时候，先问清楚他在和哪家比较，再谈我们的服务和交期。"
TRADITIONAL = "客戶說價格太高的時候，先問清楚他在和哪家比較，再談我們的服務和交期。"


def test_utf8_and_bom() -> None:
    assert decode_bytes(SIMPLIFIED.encode("utf-8")) == (SIMPLIFIED, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8")) == (SIMPLIFIED, "utf-8-sig")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_in_either_byte_order(codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    assert decode_bytes(bom + TRADITIONAL.encode(codec)) == (TRADITIONAL, "utf-16")


def test_gbk_is_detected() -> None:
    text, encoding = decode_bytes(SIMPLIFIED.encode("gbk"))
    assert (text, encoding) == (SIMPLIFIED, "gb18030")


def test_gb18030_characters_outside_gbk_survive() -> None:
    text = "𠮷野家的报价单：€ 120。" + SIMPLIFIED  # a 4-byte Han character and the euro sign
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_big5_is_detected() -> None:
    text, encoding = decode_bytes(TRADITIONAL.encode("big5"))
    assert (text, encoding) == (TRADITIONAL, "big5")


@pytest.mark.parametrize(("text", "codec", "expected"), [
    ("客户说价", "gbk", "gb18030"),
    ("价格太高", "gbk", "gb18030"),
    ("价格", "utf-8", "utf-8"),
    ("價格太高", "big5", "big5"),
    ("客戶說價", "big5", "big5"),
])
def test_short_chinese_snippets(text: str, codec: str, expected: str) -> None:
    """A few characters are where detectors guess wrong (charset-normalizer misread 3 of these 5)."""
    assert decode_bytes(text.encode(codec)) == (text, expected)


def test_utf8_comes_first_when_a_tiny_snippet_is_valid_in_both() -> None:
    """"什么" in GBK is also valid UTF-8; with two characters the fixed order decides, not a guess."""
    data = "什么".encode("gbk")
    assert data.decode("utf-8") == "ʲô"
    assert decode_bytes(data) == ("ʲô", "utf-8")


def test_gb18030_wins_a_tie_with_big5() -> None:
    """"報價" in Big5 also reads as two common characters in GB18030: too short to tell, GB18030 first."""
    data = "報價".encode("big5")
    assert decode_bytes(data) == (data.decode("gb18030"), "gb18030")
    assert decode_bytes(data + "：客戶說價格太高".encode("big5")) == ("報價：客戶說價格太高", "big5")  # more text settles it


def test_binary_data_is_refused_with_the_file_name() -> None:
    with pytest.raises(DocumentError, match="photo.txt.*binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "photo.txt")


def test_undecodable_bytes_are_an_unknown_encoding() -> None:
    junk = bytes([0x81, 0x30, 0xFF, 0xFE, 0x80, 0xFF]) * 50
    with pytest.raises(DocumentError, match="encoding"):
        decode_bytes(junk, "odd.txt")
