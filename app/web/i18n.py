"""Interface strings in Chinese and English.

Pages call ``t("key")``; a missing English string falls back to Chinese
and a missing key shows the key, so a gap is visible but never breaks a page.
"""

from __future__ import annotations

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "colon": ("：", ": "),
    "app_name": ("大客户销售陪练", "Key Account Coach"),
    "tagline": ("和模拟客户对练，每一句回复都有评分、讲解和出处。", "Practise with a simulated customer; every reply is scored, explained and cited."),
    "nav_practice": ("练习", "Practice"),
    "nav_history": ("我的记录", "My history"),
    "nav_trainer": ("培训师后台", "Trainer console"),
    "switch_lang": ("English", "中文"),
    "pick_title": ("选择一个场景开始对练", "Pick a scenario to practise"),
    "resume": ("继续上次的练习", "Pick up where you left off"),
    "practised": ("已练", "Practised"),
    "best": ("最好成绩", "Best"),
    "assigned_to_you": ("培训师给你布置的练习", "Assigned to you"),
    "due": ("截止", "Due"),
    "difficulty": ("难度", "Difficulty"),
    "practises": ("练什么", "What you practise"),
    "persona": ("客户", "Customer"),
    "start": ("开始练习", "Start"),
    "no_scenarios": ("还没有可用的场景。", "No scenarios available yet."),
    "your_reply": ("你的回复", "Your reply"),
    "reply_placeholder": ("输入你对客户说的话……（Ctrl+Enter 发送）", "What do you say to the customer… (Ctrl+Enter to send)"),
    "send": ("发送", "Send"),
    "finish": ("结束并查看成绩单", "Finish and see the scorecard"),
    "customer": ("客户", "Customer"),
    "you": ("我", "Me"),
    "score": ("得分", "Score"),
    "band": ("等级", "Band"),
    "feedback": ("点评", "Feedback"),
    "better_reply": ("更好的说法", "A better reply"),
    "citations": ("依据", "Sources"),
    "criteria": ("各项评分", "Criteria"),
    "thinking": ("客户正在思考……", "The customer is thinking…"),
    "session_over": ("本次对练已结束。", "This role-play has ended."),
    "see_scorecard": ("查看成绩单", "See the scorecard"),
    "scorecard": ("成绩单", "Scorecard"),
    "average": ("平均分", "Average"),
    "outcome": ("结果", "Outcome"),
    "turns": ("回合", "Turns"),
    "best_reply": ("最好的一句", "Best reply"),
    "weakest_reply": ("最需要改进的一句", "Weakest reply"),
    "next_scenario": ("建议下一个练习", "Suggested next"),
    "practise_again": ("再练一次", "Practise again"),
    "transcript": ("对话记录", "Transcript"),
    "history_title": ("我的练习记录", "My practice history"),
    "progress": ("进步曲线", "Progress over time"),
    "no_history": ("还没有练习记录，去选一个场景开始吧。", "No sessions yet: pick a scenario to start."),
    "date": ("时间", "Date"),
    "scenario": ("场景", "Scenario"),
    "status": ("状态", "Status"),
    "replies": ("回复数", "Replies"),
    "open": ("查看", "Open"),
    "continue": ("继续", "Continue"),
    "status_active": ("进行中", "In progress"),
    "status_done": ("已完成", "Finished"),
    "status_ended": ("已结束", "Stopped"),
    "outcome_deal": ("达成合作", "Deal"),
    "outcome_next_meeting": ("约定下次会面", "Next meeting agreed"),
    "outcome_walkaway": ("客户离开", "Customer walked away"),
    "outcome_turn_limit": ("回合用尽", "Turn limit reached"),
    "outcome_none": ("未完成", "Not finished"),
    "crit_probe": ("探询需求", "Probe"),
    "crit_empathy": ("共情", "Empathy"),
    "crit_value": ("价值呈现", "Value"),
    "crit_honesty": ("诚信", "Honesty"),
    "crit_adapt": ("因人而异", "Adapt"),
    "crit_next-step": ("推进下一步", "Next step"),
    "crit_composure": ("沉稳", "Composure"),
    "unscored": ("未评分（评分失败，请重新发送）", "Not scored (scoring failed, please send again)"),
    "trainer_title": ("培训师后台", "Trainer console"),
    "t_analytics": ("团队数据", "Team analytics"),
    "t_reviews": ("对话复盘", "Transcript review"),
    "t_assign": ("布置练习", "Assignments"),
    "t_scenarios": ("场景编辑", "Scenario authoring"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "per_rep": ("按销售代表", "Per rep"),
    "per_criterion": ("按评分项", "Per criterion"),
    "trend": ("趋势（按天或按周）", "Trend (by day or week)"),
    "rep": ("销售代表", "Rep"),
    "sessions": ("练习次数", "Sessions"),
    "last_practice": ("最近练习", "Last practice"),
    "no_data": ("暂无数据。", "No data yet."),
    "reviewed": ("已复盘", "Reviewed"),
    "review": ("复盘", "Review"),
    "coach_score": ("教练评分", "Coach's score"),
    "trainer_score": ("培训师评分", "Trainer's score"),
    "trainer_comment": ("培训师点评", "Trainer's comment"),
    "overall": ("整体评价", "Overall"),
    "save": ("保存", "Save"),
    "saved": ("已保存。", "Saved."),
    "assign": ("布置", "Assign"),
    "rep_name": ("代表姓名", "Rep's name"),
    "note": ("备注", "Note"),
    "remove": ("移除", "Remove"),
    "no_assignments": ("还没有布置任何练习。", "Nothing assigned yet."),
    "new_scenario": ("新建场景", "New scenario"),
    "edit": ("编辑", "Edit"),
    "use_as_template": ("以此为模板", "Use as template"),
    "builtin": ("内置", "Built-in"),
    "trainer_made": ("培训师自建", "Trainer's own"),
    "yaml_editor": ("场景 YAML", "Scenario YAML"),
    "validate": ("校验并预览", "Validate and preview"),
    "valid": ("校验通过。", "Valid."),
    "invalid": ("有错误：", "Errors:"),
    "preview": ("预览", "Preview"),
    "saved_to": ("已保存到", "Saved to"),
    "error_title": ("出错了", "Something went wrong"),
    "back_home": ("返回首页", "Back to the start"),
    "footer": ("离线运行 · 评分依据公司自己的培训手册", "Runs offline · scored against your own playbooks"),
    "view_feedback": ("点击查看点评", "Click for feedback"),
    "dispute": ("有异议", "Dispute"),
    "disputed": ("有异议", "Disputed"),
    "dispute_resolved": ("异议已处理", "Dispute resolved"),
    "dispute_reason": ("哪里不对？（可选）", "What looks wrong? (optional)"),
    "dispute_send": ("提交异议", "Send"),
    "dispute_sent": ("已提交，培训师复盘时会看到。", "Sent: your trainer will see it when reviewing."),
    "disputed_replies": ("有异议的回复", "Disputed replies"),
    "reply_col": ("回复", "Reply"),
    "dispute_reason_label": ("异议理由", "Reason"),
    "err_no_message": ("这次练习里没有这一句。", "There is no such line in this session."),
    "err_dispute_customer": ("只能对自己的回复评分提出异议，客户的话没有评分。", "Only your own scored replies can be disputed; customer lines have no score."),
    "err_dispute_unscored": ("这句回复还没有评分，无法提出异议。", "This reply has no score yet, so there is nothing to dispute."),
    "crit_grades": ("各项评分（可选）", "Per-criterion grades (optional)"),
    "agreement_title": ("教练与培训师评分一致性", "Coach-trainer agreement"),
    "agreement_help": (
        "用培训师复盘时给出的分数检验教练评分：Spearman 越接近 1 排序越一致；“等级一致”是教练与培训师给出同一等级（1-5）的比例，"
        "“相差一档内”是两者最多差一个等级的比例；“成对一致”是同一句客户话下，培训师认为明显更好的回复教练也打了更高分的比例。少于 {n} 条时显示“—”。",
        "The coach checked against your trainers' own review scores: Spearman near 1 means the same order; "
        "band exact is the share where the coach's band (1-5) equals the trainer's, within one the share at most one band apart; "
        "pairwise is, for replies to the same customer line, the share of clearly better replies (by the trainer) the coach also scored higher. "
        "Rows with fewer than {n} reviews show “—”.",
    ),
    "agreement_slice": ("范围", "Slice"),
    "agreement_overall": ("全部复盘的回复", "All reviewed replies"),
    "agreement_by_scenario": ("按场景", "By scenario"),
    "agreement_by_criterion": ("按评分项", "By criterion"),
    "band_exact": ("等级一致", "Band exact"),
    "band_within_one": ("相差一档内", "Within one band"),
    "pairwise": ("成对一致", "Pairwise"),
    "agreement_empty": ("还没有带分数的单句复盘。在“对话复盘”里给回复打分后，这里会显示一致性。", "No reply has a trainer score yet. Score replies in Transcript review and agreement shows here."),
    # -- labelled averages and trainer overrides (definitions in app/services/analytics.py) --
    "avg_coach": ("教练平均分", "Coach average"),
    "avg_trainer": ("培训师整体评分", "Trainer's overall score"),
    "avg_coach_with_overrides": ("含培训师修正的平均分", "Coach with trainer overrides"),
    "avg_help": (
        "教练平均分：教练给每句回复的分数的平均。培训师整体评分：培训师在复盘时给整场练习的分数。"
        "含培训师修正的平均分：有培训师整体评分时取整体评分，否则取各句回复的平均，其中培训师改过分的回复用培训师的分数。"
        "按人和团队的平均都是先算每场练习，再对各场取平均；没有该项分数的练习不计入该项。",
        "Coach average: the mean of the coach's scores of the replies. Trainer's overall score: the score a trainer gave "
        "the whole session in review. Coach with trainer overrides: the trainer's overall score when there is one, "
        "else the mean of the replies' scores, a trainer's score replacing the coach's where a trainer scored the reply. "
        "Per rep and team figures average the sessions; a session without that score is left out of that column.",
    ),
    "trend_basis": ("趋势按“含培训师修正的平均分”计算。", "The trend plots the coach with trainer overrides average."),
    "per_criterion_coach": ("按评分项（教练评分）", "Per criterion (coach's scores)"),
    "team_averages": ("团队平均", "Team averages"),
    "overridden_replies": ("培训师改分的回复", "Replies overridden"),
    # Knowledge library (资料库) and the passage page every citation links to.
    "t_library": ("资料库", "Library"),
    "lib_help": (
        "上传公司自己的资料（.pdf .docx .html .md .txt，UTF-8、GBK/GB18030、Big5 均可），教练点评时会和内置手册一起引用。同名文件会替换旧版本。",
        "Upload your company's own material (.pdf .docx .html .md .txt; UTF-8, GBK/GB18030 or Big5): the coach cites it beside the built-in playbooks. A file with an existing name replaces it.",
    ),
    "lib_files": ("选择文件（可多选）", "Choose files (several at once)"),
    "lib_upload": ("上传", "Upload"),
    "lib_empty": ("资料库还是空的。", "The library is empty."),
    "lib_name": ("文件", "File"),
    "lib_size": ("大小", "Size"),
    "lib_uploaded": ("上传时间", "Uploaded"),
    "lib_status_queued": ("排队中", "Queued"),
    "lib_status_indexing": ("索引中", "Indexing"),
    "lib_status_ready": ("可引用", "Ready"),
    "lib_status_failed": ("失败", "Failed"),
    "lib_building": ("正在更新知识索引……", "Updating the knowledge index…"),
    "lib_confirm_delete": ("确定删除这个文件？教练将不再引用它。", "Delete this file? The coach will no longer cite it."),
    "lib_delete": ("删除", "Delete"),
    "lib_rejected": ("未上传：", "Not uploaded: "),
    "lib_builtin_off": ("内置手册已关闭（COACH_BUILTIN_KNOWLEDGE=false），教练只引用资料库。", "Built-in playbooks are off (COACH_BUILTIN_KNOWLEDGE=false): the coach cites the library only."),
    "passage_title": ("引用的段落", "Cited passage"),
    "passage_alone": ("原文件已更改，只显示索引中的段落。", "The original changed since indexing; showing the indexed passage only."),
    "passage_missing": ("找不到这段引用，资料可能已被删除或更新。", "This passage was not found: its document may have been deleted or updated."),
    "passage_library": ("公司资料", "Company library"),
    "passage_builtin": ("内置手册", "Built-in playbook"),
    # -- accounts (COACH_AUTH=password: app/web/auth.py, login.html) --
    "login_title": ("登录", "Sign in"),
    "login_name": ("用户名", "User name"),
    "login_password": ("密码", "Password"),
    "login_submit": ("登录", "Sign in"),
    "login_hint": ("账号由管理员用 coach users add 创建；忘记密码请找管理员重置。", "Accounts are created by the administrator (coach users add); ask them to reset a forgotten password."),
    "login_failed": ("用户名或密码错误。", "Wrong user name or password."),
    "login_throttled": ("登录失败次数过多，请稍后再试。", "Too many failed sign-ins; try again later."),
    "login_required": ("请先登录。", "Sign in first."),
    "csrf_failed": ("表单已过期或来源不明，请刷新页面后重试。", "The form expired or did not come from this site; reload the page and try again."),
    "logout": ("退出登录", "Sign out"),
}

PERSONA_LABELS: dict[str, tuple[str, str]] = {
    "actor": ("演员型", "Actor"),
    "results": ("结果型", "Results"),
    "professor": ("教授型", "Professor"),
    "nice-guy": ("老好人型", "Nice guy"),
    "leader": ("领导型", "Leader"),
    "influencer": ("施加影响型", "Influencer"),
    "checker": ("检查型", "Checker"),
    "follower": ("跟随型", "Follower"),
    "intrinsic": ("内在价值型", "Intrinsic value"),
    "extrinsic": ("外在价值型", "Extrinsic value"),
    "strategic": ("战略价值型", "Strategic value"),
}


def translate(key: str, lang: str) -> str:
    """The string for ``key`` in ``lang`` (Chinese fallback, key when unknown)."""
    pair = STRINGS.get(key) or PERSONA_LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" and pair[1] else pair[0]


def pick_lang(query: str | None, cookie: str | None, default: str) -> str:
    """``?lang=`` wins, then the cookie, then the configured default."""
    for candidate in (query, cookie, default):
        if candidate in LANGS:
            return str(candidate)
    return "zh"
