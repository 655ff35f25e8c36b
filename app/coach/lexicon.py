"""Regular expressions for the rep moves, over *folded* text.

Folding (app.text.fold) makes Traditional input Simplified, full-width
punctuation ASCII (``？``→``?``, ``，``→``,``) and Latin lower-case, so one
pattern serves zh-CN, zh-Hant and English.  The patterns describe general
sales language (question forms, apology, price cuts, guarantees, dates),
never phrases of a particular scenario or of the dev set: the scorer must
generalise to replies nobody has seen.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万半几]+)"

#: Refusal right after a cue ("降价不可能", "discount is out of the question").
AFTER_NEGATION = re.compile(
    r"^\S{0,3}(?:不可能|不行|没门|没办法|免谈|不了|是不可能|is out of|is not possible|isn't possible)"
    r"|^(?:的事|这件事|这事|的问题|问题|的要求|的诉求|方面|的话题|方案|的方案|的办法|标准|怎么)"  # the price cut as a topic, not an offer
)

#: Negation shortly before a cue ("不降价", "而不是打折", "rather than a discount").
NEGATION = _rx(
    r"不|没|无|非|别|勿|未|而不是|并不是|不是靠|与其|比起|光说|空口|嘴上|rather than|\bthan\b|instead of|\bnot\b|cannot|unable|\bno\b|n't|\bnever\b|without"
)

QUESTION_WORD = _rx(
    r"为什么|为何|什么|哪|怎么|怎样|如何|多少|几[个台项家种位点]|是否|有没有|能不能|可不可以|是不是|会不会|要不要|"
    r"行不行|对不对|好不好|方不方便|([\u4e00-\u9fff])[不没]\1",
    r"^\s*(?:what|why|how|which|who|where|when|could|can|would|do|does|did|is|are|may|shall|will)\b",
)
#: Open questions: answers are not yes/no, so they uncover the need.
OPEN_QUESTION = _rx(
    r"为什么|为何|什么|哪|怎么|怎样|如何|多少|几[个台项家种位]|说说|讲讲|聊聊|介绍一下|请教|展开|具体",
    r"\b(?:what|why|how|which|who|where|tell me|walk me through|help me understand|could you share|can you share)\b",
)
#: The subject of a probe: the customer's reason, need, criteria, comparison.
NEED_WORD = _rx(
    r"为什么|原因|主要|考虑|看重|在意|关心|担心|顾虑|需求|需要|用途|用在|用来|比较|对比|比的|跟哪|和哪|哪家|哪几|哪些|"
    r"口径|配置|具体|期望|希望|目标|预算|标准|要求|难点|问题出在|卡在|场景|流程|决定|拍板|参与|情况|计划|打算",
    r"\bwhy\b|matter|concern|priorit|compar|\bneed|looking for|criteria|budget|important|goal|expect|worr|\buse\b|decid",
)
RHETORICAL = _rx(
    r"难道|凭什么|怎么可能|懂不懂|倒是|有什么资格|有本事|不是吗\?|是不是傻|还用问|能怎么样",
    r"don't you (?:know|see|get it)|what do you expect|isn't it obvious|who do you think",
)
ALTERNATIVE = _rx(
    r"还是.{0,12}(?:方便|合适|比较好|更好|可以|行)",
    r"哪天|哪个时间|什么时候(?:方便|合适|有空)|几点(?:方便|合适)",
    r"\bor\b.{0,40}(?:work|suit|better|prefer)|which (?:day|time)|what time|does .{1,30} work for you",
)

EMPATHY = _rx(
    r"太好了|开心|高兴|感激|荣幸|理解|明白|懂您|体会|换作是我|换成是我|换了我|确实|的确|说得对|说得有道理|有道理|不容易|辛苦|着急|您的?顾虑|您的?担心|担心是|"
    r"感谢|谢谢|抱歉|对不起|不好意思|歉意|添麻烦|久等|委屈|能感受|正常的|很实际|很合理|很关键|好问题",
    r"i understand|understandable|i hear you|makes sense|fair (?:point|concern|question)|i appreciate|thanks for|thank you|"
    r"sorry|apolog|glad|wonderful|great to hear|happy to hear|love that|i see why|i get (?:it|that|why)|you're right|you are right|frustrat|that's a real|good question|valid",
)
APOLOGY = _rx(r"抱歉|对不起|道歉|道个歉|赔个不是|赔不是|赔罪|歉意|不好意思", r"sorry|apologi")
OWNERSHIP = _rx(
    r"(?:是|算)我们的?(?:责任|问题|失误|错)|我们(?:没做好|做得不好|做得不对|做得不够|有责任|的错|的失误)|责任在我们|(?:损失|责任)我们(?:来)?(?:认|承担|担)|我们(?:认|承担)(?:这个|这次)?(?:损失|责任)",
    r"our (?:fault|mistake|responsibility)|on us\b|we (?:dropped|let you down|should have)",
)

CONCEDE = _rx(
    r"打折|折扣|\d+(?:\.\d+)?折|[一二三四五六七八九]+五?折|降[0-9一二三四五六七八九十]+个点|让[0-9一二三四五六七八九十]+个点|降价|"
    r"(?:价格?|价钱|报价|给您|再|直接|帮您)\S{0,2}降\s*[0-9一二三四五六七八九十百千]+|直降|按您说的来|都好说|价格好说|好商量|"
    r"便宜(?:一些|一点|点|些|[0-9一二三四五六七八九十百千]+)|让利|让价|让步|减价|少收|返点|返现|给您补偿|补偿您|赔您|赔偿您|给您赔|免单|减免|抹零|"
    r"再送|送您|赠送|白送|免费送|(?:价格|价钱)(?:方面)?您说了算|(?:跟|向|和)公司(?:再)?争取|争取(?:一下)?(?:价格|优惠|折扣|特价)|"
    r"申请(?:一下)?(?:价格|折扣|优惠|特价)|特价|最低价给|底价给|成本价",
    r"discount|\d+ ?% off (?:the |our |list )?(?:price|quote|order)|price cut|cut (?:the|our) price|lower (?:the|our) price|knock|off the price|rebate|refund|"
    r"compensate you|offer (?:you )?(?:a )?compensation|as compensation|throw in|for free|free of charge|match (?:their|the) price|price match|special price|best price|"
    r"waive|credit (?:you|your)",
)
#: What a concession can be traded for (volume, term, configuration): a trade, not a giveaway.
TRADE = _rx(
    r"框架|年度|批量|用量|集中|长期合作|预付|分期|付款方式|调整配置|换成|改成|合同期|作为交换|换取|前提是",
    r"in exchange|in return|volume|annual|framework|provided that",
)
CONDITION = _rx(
    r"如果您?(?:今天|能|愿意|可以|签|订|一次|把|年|承诺|同意)|只要您|前提是|换取|作为交换|框架|年度|批量|用量|集中|长期合作|预付|"
    r"分期|付款方式|调整配置|换成|改成|合同期",
    r"if you (?:sign|commit|can|order|agree)|in exchange|in return|provided|as long as you|annual|volume|framework",
)
INDIRECT_PROBE = _rx(
    r"想(?:先)?(?:听听|了解|弄清|搞清|问问|请教|知道|确认一下)|请(?:您)?(?:说说|讲讲|介绍)|(?:说说|聊聊|讲讲)(?:您|你们)",
    r"i'd like to (?:understand|know|hear)|help me understand|tell me (?:more|about)|walk me through",
)
RELATIONSHIP = _rx(r"朋友|吃饭|喝茶|喝酒|饭局|交流交流|关系|感情|打球|请您", r"friend|dinner|lunch|drinks|golf|relationship")
SLOW = _rx(r"不着急|不急|慢慢|考虑多久|多比较|货比三家|随时等|等您消息|您再想想|再考虑", r"no rush|take your time|whenever you")

RIVAL = _rx(
    r"他们|他家|那家|那边|对方|对手|竞品|别家|别人家|其他家|其他厂|其他供应商|另一家|友商|某些厂|有些厂|小厂|杂牌|同行那|"
    r"那个?(?:牌子|品牌|厂家?|公司|供应商)|(?:别的|其他|其它)(?:牌子|品牌|公司|厂商|投标)",
    r"\bthey\b|\btheir\b|\bthem\b|competitor|other (?:vendors?|suppliers?|compan(?:y|ies)|brands?|bidders?|providers?)|those guys|that vendor|"
    r"everyone else|everybody else|the others\b|the rest of them|that brand",
)
RIVAL_BAD = _rx(
    r"差(?!在|别|异|距|价|不多|多少|了|几|一|两|\d)|烂|垃圾|骗|忽悠|不靠谱|坑人|坑|假货|翻新|偷工减料|劣质|水货|山寨|没好货|不行|出问题|出故障|倒闭|跑路|不值钱|黑心|不专业|"
    r"糊弄|千万别|别碰|不敢用|后悔|外行|不懂行|抄|低价抢单|乱报价|造假|通报|以次充好|小作坊|作坊|召回|丢|没人接|没人管|不负责|"
    r"出事|事故|投诉|口碑|低劣|经常坏|老坏|三天两头|开源代码|上当|吃亏|骗子|不地道|缺斤少两|偷|翻车|失灵|瘫|落后|摆设|不懂(?!您)|只会|花架子|过时",
    r"terrible|junk|scam|lousy|poor quality|garbage|can't be trusted|cannot be trusted|unreliable|knock-?off|shoddy|"
    r"cut corners|rip-?off|cheat|bankrupt|outdated|clueless|useless|fraud|crooks|avoid them|regret|crap|inferior|sketchy|amateur|fly-by-night|will fail",
)

BLIND_PROMISE = _rx(
    r"包您|包你|包满意|百分之百|100%(?:保证|没问题|满意|能)|绝对|保证(?!金)|一定(?:能|可以|会|没问题|做得到|办到|满意)|"
    r"肯定(?:能|可以|会|没问题|不会)|绝不|决不|再也不会|永远不会|完全没问题|没问题[,!。 ]*(?:我们)?(?:一定|肯定|都|完全|能|可以)|没问题[,!。 ]*(?:这个|这)?(?:很)?(?:简单|小事|好办)|小事一桩|"
    r"放心(?:吧)?[,!。]*(?:我们)?(?:一定|肯定|保证|绝对)|担保|打包票|拍胸脯|(?:全|都|全都)没问题|代表公司(?:拍板|承诺|保证)|"
    r"说到做到|包在我身上|包您|要多少.{0,4}(?:就|都)|从来没有|从没|从不|零(?:故障|误判|缺陷|投诉|风险|延误)|任何(?:条件|情况|问题)(?:下)?都|"
    r"(?:出|有)任何问题.{0,4}(?:全赔|赔|负责)|全赔|不会有任何问题|没有例外|都能接受",
    r"guarantee|100 ?%|absolutely (?:will|can)|definitely (?:will|can)|i promise|promise you|never again|will never|"
    r"no problem at all|for sure|certainly (?:will|can)|rest assured|my word on it|whatever you need|zero (?:defects|failures|risk|downtime)|"
    r"never (?:had|failed|fails)|under any (?:condition|circumstance)|without exception",
)
#: A guarantee about *getting back* is a commitment, not a blind promise.
DEFER_CONTEXT = _rx(
    r"确认|核实|答复|回复|回电|回您|消息|了解清楚|查清|查一下|落实|反馈",
    r"get back|come back to you|confirm|check|answer by|let you know|update you",
)
DEFER = _rx(
    r"不确定|不太确定|不清楚|说不准|不敢(?:打包票|保证|随便|乱)|不能(?:随便|马上|现在就?)(?:承诺|答应|保证|回答)|"
    r"暂时(?:没法|无法|不能|还不能|答复不了)|需要(?:先)?(?:确认|核实|评估|了解|查|问)|"
    r"我(?:回去|先|马上)?(?:再)?(?:确认|核实|查|问问|了解|请示|咨询)(?:一下|清楚)?|"
    r"(?:向|跟|和|找)(?:我们)?(?:公司|技术|研发|工程师|厂家|领导|总部|同事|产品|团队|部门)\S{0,4}(?:确认|核实|了解|请示|沟通|咨询|商量|评估)|"
    r"(?:给您|告诉您|回您)(?:一个)?(?:确切|准确|具体|明确)的?(?:答复|时间|日期|消息|结果)|"
    r"请示|不能当场(?:拍板|答应|承诺)|不能马上(?:拍板|答应)|回去(?:和|跟)?(?:公司|领导|同事)?(?:商量|核实|确认|研究)|"
    r"给我(?:一天|两天|半天|一点|点|一些|几天)?时间|不想(?:给您)?乱(?:承诺|说)|先不(?:给您)?(?:承诺|打包票)|不好(?:随便)?(?:承诺|打包票)",
    r"i'm not sure|i am not sure|not certain|don't know yet|let me (?:check|confirm|find out|verify)|need to (?:confirm|check|verify)|"
    r"i'll find out|check with|get back to you|come back to you|rather not promise|can't promise|won't promise|give me (?:a|one|two) day",
)

CORNERING = _rx(
    r"(?:您|你)这就不懂了|(?:您|你)不懂|外行|(?:那|这)是(?:您|你)(?:们)?(?:自己)?的问题|(?:您|你)(?:们)?自己的问题|(?:您|你)错了|"
    r"爱买不买|不买拉倒|不要就算了|随便(?:您|你)|随(?:您|你)便|就这个价|没得谈|没什么好谈|一分(?:钱)?都不能少|拿不出来就别|(?:您|你)倒是|"
    r"掂量|说了(?:您|你)也不懂|(?:您|你)想多了|别跟我|少来|(?:您|你)必须|没有义务|不是我们的(?:责任|问题)|跟我们没关系|不归我们管|"
    r"别人都不嫌|别人都没意见|只有(?:您|你)|(?:您|你)没(?:看懂|搞清楚|弄明白|仔细|认真)|不懂就|有没有常识|(?:您|你)怎么连|"
    r"(?:是|怪)(?:您|你)(?:们)?(?:自己)?(?:没|不|选错|的错)|(?:还|又)要我|这么基本的|又怎么样|有什么大不了|揪着不放|不想合作吧|看什么看|"
    r"看着办|作废|发火也没用|(?:去)?找别(?:的|家)(?:供应商)?试试|选错了人|怪不得别人|后悔也晚|做不了主就|(?:您|你)每次都这么|"
    r"是不可能的|不可能的事|(?:您|你)(?:们)?(?:的)?(?:技术员|人)?水平.{0,4}不(?:太)?行|搞不定|别废话|少废话",
    r"you don't understand|that's your problem|your own problem|you're wrong|you are wrong|take it or leave it|"
    r"not our problem|not my problem|you should have|nobody else complain|deal with it|that's just how it is|"
    r"non-negotiable|you have to accept|you clearly don't|not our fault|didn't read|if you don't like it|go elsewhere|"
    r"your own fault|so what|calm down|whose fault",
)
PRESSURE = _rx(
    r"最后一台|最后一批|最后一天|今天不(?:买|签|定)|过了(?:今天|月底|这周|本周)|马上(?:就)?涨价|名额有限|只剩|错过就没|仅限今天|"
    r"恢复原价|限时|走个形式|先定下来",
    r"last chance|only today|prices? (?:go|goes) up|last unit|won't last|before it's gone",
)
#: An ultimatum corners the customer ("今天不签，明天就涨价"): pressure plus a threat.
ULTIMATUM = _rx(
    r"(?:今天|现在|马上|这周|本周)不(?:签|买|定|下单)[^。!?]{0,8}(?:就|明天|以后|下周|涨|没)|不签就|不买就|(?:明天|下周|过几天)就涨|"
    r"过了(?:今天|这周|本周|月底)就(?:没|涨|不)",
    r"sign (?:today|now) or|if you don't sign (?:today|now)|price goes up tomorrow|or you will regret",
)
#: Rate figures carry value without a verb ("年故障率0.6%", "十个百分点").
QUANT_RATE = _rx(
    r"(?:率|比例|占比|良品|合格|故障|损耗|能耗|成本|利润|效率)[^,。!?]{0,6}" + NUM + r"\s*(?:%|个?百分点)",
    NUM + r"\s*个?百分点|百分之" + NUM + r"(?!百)",
    r"\d+(?:\.\d+)?\s*(?:%|percent|percentage points?)",
)
#: Introducing some (other) product: the topic gate then checks whether it belongs to this scenario.
PRODUCT_INTRO = _rx(
    r"新出|新推出|新上市|新品|新款|一款|还代理|也代理|代理了?一|还卖|也卖|另一款|另外一款|顺便(?:推荐|介绍|说一下)|推荐(?:您|你)?(?:一款|一个|个)",
    r"we also (?:sell|offer|have|make)|new product|latest product|check out our|our new\b|have you heard of our",
)
#: Compensation put into a dated proposal is a plan, not an instant concession.
COMP_PLAN = _rx(r"补偿|赔偿|赔付", r"compensat")

VALUE = _rx(
    r"帮您|为您|对您|让您|给您带来|您的(?:团队|同事|员工|业务|公司|工厂|生产|客户|用户)|节省|节约|省下|省去|省心|省事|提升|提高|"
    r"降低(?:成本|故障|停机|风险|损耗|能耗)|减少|缩短|效率|稳定|可靠|质量|品质|服务|培训|售后|保修|延保|维保|维护|上门|调试|安装|交付|"
    r"交期|优先(?:发货|排产|供货|响应)|技术支持|响应|价值|回报|投入产出|划算|好处|优势|意味着|保障|寿命|能耗|故障率|停机|产能|利润|"
    r"成本|增值|附加|配套|专属|一对一|定制|备件|库存|物流|运输|经验|行业|趋势|案例|"
    r"补货|补上|调货|加急|整改|改走|少损失|挽回|弥补|试点|小范围|效果|风险",
    r"\bsave|saving|help you|for you|your team|benefit|means|reduc|improv|increas|quality|service|training|support|"
    r"warranty|maintenance|set-?up|install|deliver|priority|reliab|efficien|uptime|downtime|\bvalue|\broi\b|return|"
    r"\bcost|lifetime|performance|experience|industry|case stud|reference",
)
BENEFIT_LINK = _rx(
    r"意味着|也就是说|对您(?:来说|而言)|这样(?:一来)?(?:您|你们|贵司)|您就(?:能|可以|不用)|帮您(?:省|减|提|把)|让您(?:的)?|您也好|您就好|好让您|方便您|您也能|您也可以",
    r"which means|that means|for you (?:that|this)|so (?:that )?you (?:can|won't|don't)|you(?:'ll| will) (?:save|get|be able)",
)
#: A solution proposal (phasing, a pilot, fitting the budget, service bundled into the offer):
#: value offered without touching the price.  Counted only in clauses with no concession.
PROPOSAL = _rx(
    r"分期(?!付)|分(?:两|三|几)期|分阶段|分批(?:上|实施|交付|采购|导入)|第一期|第二期|一期|二期|控制在[^,。!?]{0,10}预算|预算(?:之)?内|"
    r"试点|先上[^,。!?]{0,12}(?:再|后)|先(?:试|用)[^,。!?]{0,8}再|(?:含|包含|包括|带上|附带|一起打包|打包)[^,。!?]{0,6}(?:培训|服务|安装|调试|维保|保修|售后)|"
    r"(?:培训|服务|安装|调试|维保|保修|售后)[^,。!?]{0,4}(?:都)?(?:包含在内|含在|包在|一起)|这样(?:一来)?(?:您|你们|贵司|每台|整体|总价|预算)",
    r"\bphas(?:e|es|ed|ing)\b|within (?:your|the) budget|\bpilot|start (?:with|small)[^.!?]{0,30}\bthen\b|"
    r"(?:training|service|installation|maintenance|support) (?:is |are )?included|includ(?:es|ing) (?:training|service|installation|support)|"
    r"so (?:that )?you(?:r team)? (?:can|could|get|keep|won't|don't)",
)
#: The customer signals readiness or interest: the close becomes the expected move.
READY = _rx(
    r"听起来不错|听着不错|不错嘛|可以考虑|值得考虑|那就这样|就这么定|就按这个|还行|挺好|感兴趣|有兴趣|有道理|说得对|能接受|可以接受|"
    r"靠谱|实在|可以试试|试试看|怎么(?:操作|安排|推进|签)|下一步",
    r"sounds (?:good|great|fair|reasonable)|makes sense|interested|fair enough|i(?:'d| would) consider|worth (?:a )?(?:try|considering)|"
    r"let'?s do|what(?:'s| is| are) (?:the )?next step|how do we proceed|i can live with",
)
#: A contrast after the interest cue takes it back ("听着不错，可每家都这么讲").
CONTRAST = _rx(r"可是|但是|不过|可(?![以能])|但|只是|问题是", r"\bbut\b|however|though|still|the problem")
QUANT_UNIT = _rx(
    NUM + r"\s*(?:来|多|余)?\s*(?:%|百分|成|倍|万|千|元|块|小时|个小时|天|周|个月|月|年|次|台|人|分钟|个点)",
    r"百分之" + NUM,
    r"\d+(?:\.\d+)?\s*(?:%|percent|hours?|days?|weeks?|months?|years?|k\b|times|x\b)|\$\s*\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|half|fourteen|eighteen)\s+(?:percent|hours?|days?|weeks?|months?|years?)",
)
QUANT_VERB = _rx(
    r"节省|节约|省|少|提高|提升|降低|减少|增加|缩短|回本|回报|收回|多出|降到|下降|上升|快了|多了",
    r"save|reduc|cut|lower|increase|boost|improv|payback|pay back|fewer|less|more|faster|drop|break even|months|years",
)

TIME = _rx(
    r"今天|明天|后天|明早|明晚|今晚|今早|下午|上午|早上|晚上|中午|下周[一二三四五六日天末]?|这周[一二三四五六日天末]?|本周|周[一二三四五六日末]|"
    r"星期[一二三四五六日天]|礼拜[一二三四五六日天]|月底|月初|月中|下个月|下月|\d+\s*[号日点]|[一二三四五六七八九十]+号|[两三四五六七八九十]点(?:前|半|钟|之前|以前|左右)?|十?[一二]点(?:前|半|钟|之前)|\d+:\d+|"
    r"[一两三\d]+(?:个)?(?:工作日|小时|天)(?:内|之内)|当天|年底前|本月",
    r"\btoday\b|tomorrow|tonight|this (?:afternoon|morning|week|evening)|next (?:week|month)|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|\bby (?:end|eod|noon)|\d\s?(?:am|pm)\b|\bat \d|within \d+ (?:days|hours)|end of (?:the )?(?:day|week|month)",
)
CLOSE_ACTION = _rx(
    r"约|安排(?:见面|拜访|演示|会|时间|试|一次|个时间|您)|见面|拜访|上门(?:拜访|演示|讲|汇报|谈|沟通|找您)|过来|过去|带上?|签|合同|协议|下单|订单|演示|试用|试点|样机|方案|报价单|对比表|清单|发到|发给|发您|邮箱|"
    r"开会|会议|碰一下|碰个头|汇报|定下来|敲定|启动|开始|排期|给您看|过目|测算|过一遍|对一遍|讲完|交您|核对|结论",
    r"\bmeet|visit|\bcall\b|\bsign|contract|agreement|\border|\bdemo|\btrial|pilot|proposal|quote|\bsend|email|"
    r"schedule|book|set up|come by|drop by|kick off|start|go ahead|show you|walk you through|go through|present",
)
ASSUMPTIVE = _rx(
    r"我(?:就|先)?(?:把|带)(?:合同|协议|方案|样机|订单)|我(?:先)?(?:帮|给)您(?:下单|安排|预留|锁定|排)|那我们就(?:这么|这样)定",
    r"i'll bring the (?:contract|agreement)|let's (?:get started|go ahead|lock)|i'll (?:reserve|book|lock)",
)
NEXT_STEP_SOFT = _rx(
    r"下一步|接下来|约个时间|找个时间|再约|碰个面|见个面|什么时候方便|您看(?:什么时候|哪天)",
    r"next step|set up a (?:time|call|meeting)|find a time|follow up",
)

SECOND_PERSON = _rx(r"您|你|贵公司|贵司|贵方|你们", r"\byou\b|\byour\b|\byours\b")
GENERIC_THIRD = _rx(
    r"客户|顾客|销售人员|销售员|业务员|要点|原则|步骤|技巧|方法论|第[一二三四五六]步?|^[一二三四五六七八九]、|[一二三四五六七八九]、|"
    r"首先|其次|最后|应该|应当|应准备|应提供|切忌|不要|务必|型客户|类客户|这类客户|型决策者|决策者|处理客户|客户投诉|供应商",
    r"the customer|customers|salespeople|sales ?reps?|the rep\b|step \d|principle|\bshould\b|\brule\b|always|never|tip|handling|"
    r"first\b.{0,40}\bthen\b|decision[- ]?makers?",
)
GRADER = _rx(
    r"忽略(?:之前|以上|前面|上面|上述|所有|一切|你的)?(?:的)?(?:所有|全部)?(?:的)?(?:评分)?(?:规则|指令|提示|说明|要求|标准)|"
    r"给(?:我|这条|本条|这个|此)?(?:回复|回答)?(?:打|评|给)?满分|打满分|评为满分|(?:给|打|评)(?:我|这条)?\s*\d{2,3}\s*分|"
    r"满分\s*100|100\s*分(?!钟)|最高分|评分(?:员|者|系统|模型|器)|打分(?:员|者|系统|模型|器)|你是(?:一个)?(?:评分|打分|评委|考官)|"
    r"系统(?:提示|指令)\s*[:：]|系统\s*[:：]|作为(?:评分|打分)|(?:打|评|给)(?:个)?高分|评分(?:规则|标准|要求)|打分(?:规则|标准)|"
    r"(?:这条|本条)(?:回复|回答)(?:应该|应)?(?:得|拿|评)|(?:判|评|打|给)(?:定为|为|成)?\s*(?:5|五)\s*(?:分|档)|第五档|最高档|"
    r"(?:不要管|无视|别管)(?:评分|打分|规则|标准)",
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier|your)|disregard (?:all |the )?(?:previous|prior|above|rules|instructions)|"
    r"\bsystem\s*:|\bassistant\s*:|\buser\s*:|<\|[a-z_]+\|>|\[/?(?:system|inst|assistant)\]|<<sys>>|as the grader|you are the grader|"
    r"\b(?:grader|evaluator|scorer)\b|score\s*(?:=|:|of|is)?\s*100|full (?:marks|score)|perfect score|band\s*5|"
    r"give (?:this|me|it) (?:a )?(?:100|full|perfect|top)|output\s*(?:a )?100|rate (?:this|it) (?:as )?(?:100|5)|"
    r"\b10/10\b|\b5/5\b|\b100/100\b|top marks|highest (?:score|grade|band)|maximum score|scoring (?:rules|rubric)|"
    r"ignore (?:the |all |any |your )?(?:rubric|rules|instructions|scoring|criteria|grading)|perfect (?:5|five|score|100|grade)",
    r"[\"']?(?:score|band|grade)[\"']?\s*:\s*\d",
)

FUNCTION_ZH = re.compile(r"[的了是吗呢吧我您你们在有和把被给就也都会能这那个一不很要让对还才]")
STOPWORDS_EN = frozenset(
    ["the", "a", "an", "to", "of", "and", "you", "we", "i", "is", "are", "for", "your", "our", "in", "it", "that", "this", "with", "can", "will", "be", "on", "at", "as", "so", "do", "it's", "i'm", "we'll", "you're", "not", "but", "if", "or", "what", "how", "why", "which"]
)


@lru_cache(maxsize=1)
def persona_lexicon() -> dict[str, re.Pattern[str]]:
    """Cues that a reply fits a personality, decision style or value type (GUIDE §1)."""
    return {
        # personality types
        "actor": _rx(
            r"不着急|别急|不急|慢慢|先考虑|再想想|不用急|冷静|多比较|再决定|稳妥|别后悔|交个朋友|朋友|聊聊|喜欢|开心|眼光|品味|"
            r"一起看看|先试|先看看",
            r"no rush|take your time|sleep on it|don't rush|think it over|compare first|friend|enjoy|love",
        ),
        "results": _rx(
            r"结果|效果|目标|回报|直接说|简单说|一句话|核心|关键|底线|结论|达成|见效|业绩|指标",
            r"result|bottom line|outcome|target|\bgoal|in short|the point|roi|deliver",
        ),
        "professor": _rx(
            r"数据|资料|报告|测试|参数|细节|详细|文档|对比表|明细|证明|规格|原理|逐项|清单|附录|说明书|实测|检测",
            r"\bdata|report|spec|detail|documentation|test results|breakdown|evidence|whitepaper|line by line",
        ),
        "nice-guy": _rx(
            r"建议您|我建议|帮您(?:定|决定|梳理|整理)|先从.{0,8}开始|试点|小批量|一起(?:向|跟)|汇报|拍板|决定|定下来|替您|给领导",
            r"i recommend|i suggest|let's start with|pilot|decide|present to|sign-?off|your boss|help you decide",
        ),
        # decision styles
        "leader": _rx(
            r"直接|简单说|一句话|价值|结果|回报|效率|目标|核心|决策",
            r"direct|in short|value|result|\broi\b|bottom line|the point",
        ),
        "influencer": _rx(
            r"各部门|相关部门|部门负责人|大家|团队|一起|使用部门|研讨|座谈|交流会|同事们|拉上|各位|使用者|用的人",
            r"department|everyone|team|together|workshop|users|stakeholder|colleagues",
        ),
        "checker": _rx(
            r"数据|测试|实际|验证|证据|参数|精确|具体|试用|现场|实测|逻辑|明细|逐项|指标|标准",
            r"\bdata|test|evidence|precise|specific|trial|on-?site|measur|verify|logic",
        ),
        "follower": _rx(
            r"同行|案例|其他企业|其他公司|很多客户|客户都在用|大家都|领导们|安全|稳妥|风险|保障|口碑|参考|老客户",
            r"peers|reference|other companies|many clients|safe|\brisk|proven|track record|case stud",
        ),
        # account value types
        "intrinsic": _rx(
            r"成本|总成本|节省|报价|价格|省|费用|单价|采购|流程|简单|少跑|直接",
            r"\bcost|save|quote|\bprice|fewer steps|simple|straight",
        ),
        "extrinsic": _rx(
            r"团队|选型|安装|维护|指导|培训|顾问|陪同|一起|帮您(?:分析|规划|梳理)|建议|经验|方案",
            r"\bteam|selection|install|maintain|guidance|training|advis|consult|plan",
        ),
        "strategic": _rx(
            r"合作伙伴|伙伴|共同|战略|高层|资源|长期|规划|共赢|联合|一起(?:规划|开发|做)|深度合作|生态",
            r"partner|strategic|executive|long-term|jointly|together|roadmap|co-develop|shared",
        ),
    }

FIRST_PERSON = _rx(r"我", r"\bi\b|\bwe\b|\bour\b|\bi'm\b|\bi'll\b|\bwe'll\b|\bme\b|\bus\b")
DISMISSIVE = _rx(
    r"不用(?:太)?(?:纠结|在意|担心这个)|别(?:太)?纠结|(?:您)?相信我们就好|放心用就是|学问大着呢|不是.{0,8}就一定懂|不需要懂|"
    r"不是我们(?:故意|的错|能控制)|我们也没办法|又不是我们|不可抗力|跟我们无关",
    r"don't worry about (?:it|that)|just trust us|not our fault|nothing we could do|out of our hands",
)
SMALL_TALK = _rx(
    r"天气|下雨|吃饭了|午饭|食堂|面馆|火锅|美食|旅游|度假|洱海|古城|球赛|足球|篮球|健身|电影|小说|一本.{0,4}书|运动吗|周末去|风景|年会|八卦|"
    r"红烧肉|菌子|爬山|钓鱼|孩子上学|追剧",
    r"weather|football|soccer|movie|holiday|vacation|travel|restaurant|party|gym|sports?|history of|medieval|"
    r"weekend|hobby|recipe|league",
)
GENERIC_STRONG = _rx(
    r"客户|顾客|销售人员|销售员|业务员|要点|原则|步骤|技巧|方法论|型客户|决策者|供应商应",
    r"the customer|customers|salespeople|sales ?reps?|handling|decision[- ]?makers?|principle|step \d|\bbuyers?\b|"
    r"\baccounts\b|\bprospects?\b|\bclients\b|\w+-(?:driven|value|style|type) \w+",
)
