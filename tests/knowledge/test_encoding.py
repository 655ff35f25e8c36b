"""Encoding detection: UTF-8, GBK/GB18030 and Big5, and clear errors otherwise."""

from __future__ import annotations

import pytest

from app.knowledge.encoding import decode_bytes
from app.knowledge.errors import DocumentError

SIMPLIFIED = "客户说价格太高的时候，先问清楚他在和哪家比较，再谈我们的服务和交期。"
TRADITIONAL = "客戶說價格太高的時候，先問清楚他在和哪家比較，再談我們的服務和交期。"


def test_utf8_and_bom() -> None:
    assert decode_bytes(SIMPLIFIED.encode("utf-8")) == (SIMPLIFIED, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"))[0] == SIMPLIFIED


def test_gbk_is_detected() -> None:
    text, encoding = decode_bytes(SIMPLIFIED.encode("gbk"))
    assert (text, encoding) == (SIMPLIFIED, "gb18030")


def test_big5_is_detected() -> None:
    text, encoding = decode_bytes(TRADITIONAL.encode("big5"))
    assert (text, encoding) == (TRADITIONAL, "big5")


def test_binary_data_is_refused_with_the_file_name() -> None:
    with pytest.raises(DocumentError, match="photo.txt.*binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "photo.txt")


def test_undecodable_bytes_are_an_unknown_encoding() -> None:
    junk = bytes([0x81, 0x30, 0xFF, 0xFE, 0x80, 0xFF]) * 50
    with pytest.raises(DocumentError, match="encoding"):
        decode_bytes(junk, "odd.txt")
