"""A bilingual sales-domain lexicon: English query words → Chinese terms.

Why: the knowledge is Chinese, and an English question shares no term with
it, so BM25 is blind and the small multilingual model alone carries English
queries (their MRR lagged the Chinese ones by ~0.2).  Translating the
question's *domain* words — the vocabulary of selling in general (price,
discount, objection, close, complaint, decision maker…), not any corpus's
phrases — gives BM25 something to match and gives the dense side a
Chinese rendering of the question to compare with.

Entries are phrases (lower case, words in their base form); a query word
is reduced to a base form by stripping common English inflections before
lookup, and two-/three-word phrases win over their single words.
"""

from __future__ import annotations

import re

#: English phrase → Chinese terms (space-separated).  General selling vocabulary only.
LEXICON: dict[str, str] = {
    # people and roles
    "customer": "客户", "client": "客户", "buyer": "买家 客户 采购", "account": "客户", "user": "用户",
    "key account": "大客户", "major account": "大客户", "strategic account": "战略客户",
    "salesperson": "销售人员", "sales rep": "销售代表", "rep": "销售代表", "seller": "销售人员",
    "sales": "销售", "account manager": "客户经理", "manager": "经理 管理者", "consultant": "顾问",
    "decision maker": "决策者", "decision": "决策 决定", "decide": "决定 决策", "boss": "老板",
    "executive": "高层 主管", "leader": "领导", "ceo": "总裁 总经理", "president": "总裁",
    "engineer": "工程师 技术", "technical": "技术", "expert": "专家", "specialist": "专家",
    "purchasing": "采购", "procurement": "采购", "partner": "伙伴 合作", "competitor": "竞争对手",
    "competition": "竞争", "team": "团队", "supplier": "供应商", "vendor": "供应商", "dealer": "经销商",
    "distributor": "经销商 分销", "channel": "渠道", "personality": "性格 个性", "character": "性格",
    "friendly": "友好 随和", "emotional": "情绪 感性", "rational": "理性", "analytical": "分析",
    # money
    "price": "价格 报价", "pricing": "定价 价格", "expensive": "贵 价格高", "cheap": "便宜 低价",
    "cost": "成本 费用", "budget": "预算", "discount": "折扣 降价 优惠", "rebate": "返利",
    "money": "钱 资金", "profit": "利润", "margin": "利润", "saving": "节省 节约", "save": "节省",
    "value": "价值", "payment": "付款", "pay": "付款 支付", "invoice": "发票", "quote": "报价",
    "quotation": "报价", "afford": "负担", "return on investment": "回报", "roi": "回报",
    "investment": "投资", "revenue": "收入 营业额", "result": "业绩 结果", "performance": "业绩 绩效",
    "target": "目标 指标", "quota": "指标",
    # the sale
    "sell": "销售 推销", "selling": "销售", "sale": "销售", "process": "流程 过程", "stage": "阶段 步骤",
    "step": "步骤", "prepare": "准备", "preparation": "准备", "plan": "计划 规划", "planning": "计划",
    "visit": "拜访", "call": "拜访 电话", "meeting": "会面 会议", "appointment": "约见 预约",
    "open": "开场 打开", "opening": "开场", "introduce": "介绍", "introduction": "介绍",
    "need": "需求 需要", "requirement": "需求 要求", "demand": "需求 要求", "want": "想要 需要",
    "question": "问题 提问", "ask": "提问 询问", "listen": "倾听", "understand": "理解 了解",
    "present": "介绍 展示", "presentation": "介绍 展示", "demo": "演示", "pitch": "推介 介绍",
    "feature": "特征 功能", "advantage": "优势 优点", "benefit": "利益 好处", "proposal": "方案 建议",
    "solution": "方案 解决", "option": "方案 选择", "choice": "选择", "product": "产品",
    "service": "服务", "brand": "品牌", "quality": "质量 品质", "weakness": "缺点 不足 弱点",
    "strength": "优点 优势", "objection": "异议 反对", "concern": "顾虑 担心", "doubt": "疑虑 怀疑",
    "worry": "担心 顾虑", "hesitate": "犹豫", "resist": "抵触 反对", "oppose": "反对", "fight": "反对 抵制",
    "negotiate": "谈判", "negotiation": "谈判", "close": "成交 签单 促成", "closing": "成交 促成",
    "deal": "交易 成交", "deal with": "应对 处理", "handle": "应对 处理", "order": "订单", "contract": "合同", "sign": "签约 签单", "commit": "承诺",
    "promise": "承诺 答应", "follow up": "跟进", "follow-up": "跟进", "relationship": "关系",
    "trust": "信任", "credibility": "可信 信誉", "honest": "诚实 坦诚", "honesty": "诚实 坦诚",
    "admit": "承认", "loyal": "忠诚", "loyalty": "忠诚度", "retain": "保持 留住", "satisfaction": "满意",
    "satisfy": "满意 满足", "complaint": "投诉 抱怨", "complain": "投诉 抱怨", "problem": "问题",
    "issue": "问题", "resolve": "解决", "solve": "解决", "fix": "解决", "delay": "延误 拖延",
    "delivery": "交货 发货 送货", "deliver": "交货 送货", "ship": "发货", "late": "延迟 晚",
    "after-sales": "售后", "support": "支持", "apologize": "道歉", "apology": "道歉",
    "reputation": "信誉 口碑", "image": "形象", "knowledge": "知识", "professional": "专业",
    "expertise": "专业知识", "skill": "技巧 技能", "method": "方法", "technique": "技巧",
    "strategy": "策略 战略", "strategic": "战略", "goal": "目标", "role": "角色", "study": "研究 调查",
    "survey": "调查", "research": "研究", "model": "模式 模型", "example": "例子 案例",
    "story": "故事", "analogy": "比喻", "metaphor": "比喻", "explain": "解释 说明",
    "emphasize": "强调",
    "confirm": "确认", "time": "时间", "day": "天", "long": "长期 多久",
    "bad": "差 不好", "good": "好",
    "first": "首先 第一", "final": "最后 最终", "last": "最后", "win": "赢得", "lose": "失去 丢单",
    "compare": "比较", "alternative": "替代 选择", "risk": "风险", "guarantee": "保证",
    "warranty": "保修", "install": "安装", "training": "培训", "coach": "辅导 教练",
}

_WORD = re.compile(r"[a-z][a-z'-]*")
_MAX_PHRASE = max(len(k.split()) for k in LEXICON)
_KNOWN = frozenset(w for k in LEXICON for w in k.split())  # words of entries and of phrases


def _base(word: str) -> str:
    """A crude base form: the word itself if listed, else with a common inflection stripped."""
    word = word.removesuffix("'s").removesuffix("'")
    if word in _KNOWN:
        return word
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""),
                         ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            candidate = word[: -len(suffix)] + repl
            if candidate in _KNOWN:
                return candidate
    return word


def translate_terms(query: str, primary_only: bool = False) -> list[str]:
    """Chinese terms for the domain words of an English query (in query order, no repeats).

    ``primary_only`` keeps the first (main) term of each entry: fewer tokens to embed.
    """
    words = [_base(w) for w in _WORD.findall(query.lower())]
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in LEXICON:
                found = LEXICON[phrase].split()
                out.extend(found[:1] if primary_only else found)
                i += size
                break
        else:
            i += 1
    return list(dict.fromkeys(out))
