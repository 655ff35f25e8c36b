"""User-facing wording of the coach, zh-CN first with English.

Kept apart from the logic so a trainer-facing wording change never touches
scoring code.
"""

from __future__ import annotations

NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "probe": "探询需求",
        "empathy": "共情",
        "value": "价值呈现",
        "honesty": "诚信",
        "adapt": "因人而异",
        "next-step": "推进下一步",
        "composure": "沉着克制",
    },
    "en": {
        "probe": "probing",
        "empathy": "empathy",
        "value": "value",
        "honesty": "honesty",
        "adapt": "adapting to the customer",
        "next-step": "next step",
        "composure": "composure",
    },
}

COMMENTS: dict[str, dict[str, str]] = {
    "zh": {
        "rhetorical": "用反问或质问代替提问，会让客户下不来台。",
        "need_probe": "用开放式问题追问了真实原因和需求。",
        "open_probe": "提了开放式问题，可再聚焦到客户的真实顾虑。",
        "closed_probe": "只有封闭式提问，难以挖出真实动机。",
        "no_probe": "没有提问，还不清楚客户这句话背后的真实需求。",
        "cornering": "顶撞或逼问客户，把人逼到了墙角。",
        "ownership": "先道歉并承担责任，态度到位。",
        "empathy": "先认可了客户的感受和顾虑。",
        "empathy_light": "有一句认可，可以更具体地回应客户的感受。",
        "no_empathy": "没有先回应客户的感受就进入正题。",
        "price_not_value": "用让价代替了价值说明。",
        "quantified": "把好处落到了这位客户身上，并用数字量化。",
        "quantified_light": "给了数字，但要说清它对客户意味着什么。",
        "benefit": "讲清了对客户的具体好处，可再加上数字。",
        "value": "提到了价值点，但还没连到这位客户的利益上。",
        "value_light": "价值说明比较笼统。",
        "value_thin": "几乎没有讲到对客户的价值。",
        "no_value": "没有呈现任何价值。",
        "attack_rival": "贬低竞争对手，有损专业和信任。",
        "blind_promise": "做了无法确认的保证，存在失信风险。",
        "pressure": "用虚假紧迫感施压，不够真诚。",
        "defer": "坦诚说明需要确认，而不是随口承诺。",
        "honest": "没有夸大或失实的说法。",
        "fit": "话术贴合这位客户的类型。",
        "relevant": "回应了客户刚才说的内容。",
        "generic": "回复和客户这句话关系不大，像是通用说辞。",
        "actor_rushed": "对冲动型客户催得太急，应先放慢节奏。",
        "too_long": "对结果导向的客户说得太长，应直奔结果。",
        "nice_guy_drift": "老好人型客户难以拍板，一味说“不着急”只会让事情拖下去，要帮他做决定。",
        "relationship_misfit": "这位客户看重价值和结果，不看重拉关系。",
        "close_time": "提出了带具体时间的下一步。",
        "close": "提出了下一步，可再约定具体时间。",
        "defer_time": "约定了答复的具体时间。",
        "soft": "提到下一步但不具体。",
        "probe_only": "以提问推进对话，还没约定下一步。",
        "no_next": "没有推动任何下一步。",
        "instant_concession": "一开口就让价，客户会继续压价。",
        "concession": "有让步，最好换取对方的承诺并先弄清需求。",
        "calm": "语气平和克制。",
        "dismissive": "轻视客户的顾虑或推卸责任。",
        "neutral": "语气平稳。",
        "not_yet_value": "此刻还不到讲价值的时候：先问清真实原因是对的，价值放在客户回答之后。",
        "not_yet_next": "此刻还不急于约下一步：先问清需求，需求清楚了再约时间。",
    },
    "en": {
        "rhetorical": "Rhetorical or accusing questions put the customer on the spot.",
        "need_probe": "Open questions dig into the real reason and need.",
        "open_probe": "An open question; focus it on the customer's real concern.",
        "closed_probe": "Only yes/no questions, which rarely surface the real motive.",
        "no_probe": "No question yet, so the real need behind the line is unknown.",
        "cornering": "Arguing with or cornering the customer.",
        "ownership": "Apologises and owns the problem.",
        "empathy": "Acknowledges the customer's feeling and concern first.",
        "empathy_light": "Some acknowledgement; respond to the feeling more specifically.",
        "no_empathy": "Goes straight to business without acknowledging the concern.",
        "price_not_value": "Offers a price cut instead of value.",
        "quantified": "Ties the benefit to this customer and backs it with numbers.",
        "quantified_light": "Has numbers; say what they mean for the customer.",
        "benefit": "States a concrete benefit for the customer; add a number.",
        "value": "Mentions value points, not yet linked to this customer.",
        "value_light": "The value statement is vague.",
        "value_thin": "Hardly any value for the customer.",
        "no_value": "No value presented.",
        "attack_rival": "Disparages a competitor, which costs trust.",
        "blind_promise": "Promises something that cannot be verified.",
        "pressure": "Uses false urgency.",
        "defer": "Honestly says it needs checking instead of promising blindly.",
        "honest": "No exaggeration or untrue claims.",
        "fit": "Fits this customer's type.",
        "relevant": "Responds to what the customer just said.",
        "generic": "Has little to do with the customer's line; sounds generic.",
        "actor_rushed": "Rushes an impulsive customer; slow the decision down.",
        "too_long": "Too long for a results-driven customer; lead with the outcome.",
        "nice_guy_drift": "A nice-guy customer cannot decide alone; 'no rush' lets it drift, so help them decide.",
        "relationship_misfit": "This customer values results and value, not relationship-building.",
        "close_time": "Proposes a next step with a concrete time.",
        "close": "Proposes a next step; fix a time.",
        "defer_time": "Commits to a time for the answer.",
        "soft": "Mentions a next step, but vaguely.",
        "probe_only": "Keeps the conversation going with questions; no next step yet.",
        "no_next": "No next step.",
        "instant_concession": "Gives the price away at once; the customer will push for more.",
        "concession": "A concession; trade it for a commitment and learn the need first.",
        "calm": "Calm and composed.",
        "dismissive": "Brushes off the concern or shifts the blame.",
        "neutral": "Even tone.",
        "not_yet_value": "Not expected yet: at this moment finding the real reason comes first; the value pitch follows the answer.",
        "not_yet_next": "Not expected yet: ask first; the next step comes once the need is clear.",
    },
}

FLAGS: dict[str, dict[str, str]] = {
    "zh": {
        "grader_instruction": "回复中含有对评分系统的指令，不是对客户说的话，按最低档处理。",
        "keyword_list": "这是关键词堆砌，不是能对客户说出口的句子。",
        "echo": "只是把客户的话重复了一遍，没有回应。",
        "playbook": "这是一段通用方法论，没有对这位客户说话。",
        "off_topic": "回复与客户这句话无关。",
    },
    "en": {
        "grader_instruction": "The reply contains instructions to the grader, not words to the customer; scored at the bottom.",
        "keyword_list": "This is a keyword list, not something you could say to a customer.",
        "echo": "It just repeats the customer's words back.",
        "playbook": "This is generic method text, not a reply to this customer.",
        "off_topic": "The reply is unrelated to what the customer said.",
    },
}

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "good": "做得好：",
        "improve": "需要改进：",
        "must": "本场景必须做到：",
        "must_not": "本场景不能出现：",
        "none_good": "这条回复还没有体现出材料要求的做法。",
        "sep": "；",
        "end": "。",
    },
    "en": {
        "good": "What worked: ",
        "improve": "To improve: ",
        "must": "This scenario requires: ",
        "must_not": "Avoid in this scenario: ",
        "none_good": "The reply does not yet show what the material teaches.",
        "sep": "; ",
        "end": ".",
    },
}


def lang_key(lang: str) -> str:
    """``"en"`` for English, ``"zh"`` for everything else (Simplified and Traditional)."""
    return "en" if lang == "en" else "zh"
