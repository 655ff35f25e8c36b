"""Cleaning rules: each artefact of scraped Chinese pages, and text that must survive."""

from __future__ import annotations

from app.knowledge.cleaning import clean_text, is_link_farm, is_navigation, normalise_chars


def test_pinyin_annotations_are_removed_after_han_characters() -> None:
    assert normalise_chars("首頁(yè)和資訊（xùn）都在營(yíng)銷") == "首頁和資訊都在營銷"


def test_bracketed_words_that_are_not_pinyin_survive() -> None:
    text = "信任=(1)喜欢你，系统(ERP)和手机(app)都要(2)"
    assert normalise_chars(text) == text


def test_transcoding_debris_is_removed_but_a_single_question_mark_stays() -> None:
    assert normalise_chars("影响??可见?,以及\ufffd结尾") == "影响可见?,以及结尾"
    assert normalise_chars("为什么买?因为需要") == "为什么买?因为需要"


def test_full_width_letters_digits_and_spaces_become_half_width() -> None:
    assert normalise_chars("ＡＢＣ公司\u3000２０２０年") == "ABC公司 2020年"


def test_link_farm_lines_are_detected() -> None:
    assert is_link_farm("免费电影在线看|最新游戏充值|手机靓号出售|零食批发")
    assert is_link_farm("see http://a.example and www.b.example now")
    assert not is_link_farm("| 方案 | 价格 | 交期 |")  # a Markdown table row
    assert not is_link_farm("客户说价格太高，我们先问原因。")


def test_navigation_lines_are_detected_in_both_scripts() -> None:
    assert is_navigation("上一條:如何寫好拜訪紀要 | 返回 |")
    assert is_navigation("下一篇：客户分级的方法")
    assert is_navigation("首页 > 销售技巧 > 客户关系")
    assert is_navigation("上一頁 1 2 3 下一頁")
    assert not is_navigation("返回工厂检测后，我们三天内答复客户。")


def test_clean_text_drops_footer_metadata_duplicates_and_spam() -> None:
    paragraph = "第二层是让客户相信你：说到做到，坦白承认不足，不夸大承诺，也不贬低对手。"
    raw = "\n".join([
        "首頁 > 技巧 > 信任",
        "标题：信任的层次",
        "2020-05-01 来源:示例 作者:某人 点击:",
        "5037",
        paragraph,
        "",
        paragraph,
        "结尾的一句正文。",
        "上一条:别的文章 | 返回 |",
        "热门推荐",
        "Copyright © 2020 示例 All Rights Reserved",
    ])
    cleaned = clean_text(raw)
    assert cleaned.count("第二层是让客户相信你") == 1
    for junk in ("首頁", "来源", "5037", "上一条", "热门推荐", "Copyright"):
        assert junk not in cleaned
    assert cleaned.endswith("结尾的一句正文。")


def test_an_article_pasted_twice_loses_the_copy_and_its_title() -> None:
    body = ["第一段讲大客户贡献了企业的大部分业务，所以要重点经营。", "第二段讲信息要从两个以上的来源核实才可靠。"]
    raw = "\n".join(["如何管理大客户", *body, "篇2:如何管理大客户", *body, "另一篇文章的正文在这里继续展开讨论。"])
    cleaned = clean_text(raw).split("\n")
    assert cleaned == ["如何管理大客户", *body, "另一篇文章的正文在这里继续展开讨论。"]
