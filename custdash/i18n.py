"""English and 简体中文: every label, column header and message, and money formatting.

`t(key, lang)` looks a key up; a test checks every key has both languages and every
key used in the code exists. Money: ¥ with thousands separators in English, 万 in Chinese.
"""

from __future__ import annotations

import math

from custdash.i18n_timing import TIMING_TEXT
from custdash.i18n_work import WORK_TEXT
from custdash.rules import Rules

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "简体中文"}

TEXT: dict[str, dict[str, str]] = {
    # app and navigation
    "app.title": {"en": "Customer operations", "zh": "客户经营看板"},
    "page.overview": {"en": "Today", "zh": "今日概览"},
    "page.tiers": {"en": "Tiers", "zh": "客户分层"},
    "page.threshold": {"en": "Near threshold", "zh": "临界客户"},
    "page.dormant": {"en": "Dormant", "zh": "睡眠客户"},
    "page.alliance": {"en": "Alliance (cinema)", "zh": "异业联盟（观影）"},
    "page.honeymoon": {"en": "Honeymoon", "zh": "蜜月期"},
    # sidebar filters
    "filter.language": {"en": "Language", "zh": "语言"},
    "filter.branch": {"en": "Branch", "zh": "网点"},
    "filter.manager": {"en": "Manager", "zh": "客户经理"},
    "filter.as_of": {"en": "As of", "zh": "数据日期"},
    "filter.all_branches": {"en": "All branches", "zh": "全部网点"},
    "filter.all_managers": {"en": "All managers", "zh": "全部客户经理"},
    "filter.store": {"en": "Store: {source}, extract date {as_of}", "zh": "数据：{source}，提取日期 {as_of}"},
    "source.demo": {"en": "demo data", "zh": "演示数据"},
    "source.import": {"en": "bank extract", "zh": "银行数据"},
    # A link's parameters by what they mean, never their raw names (a notice is read by staff).
    "notice.bad_param": {
        "en": "The link's {param} value {value!r} is not valid here; showing the default instead.",
        "zh": "链接中的{param} {value!r} 无效，已改用默认值。",
    },
    "notice.as_of_range": {
        "en": "The as-of date {value} is outside the data ({lo} to {hi}); showing {hi}.",
        "zh": "数据日期 {value} 超出数据范围（{lo} 至 {hi}），已改为 {hi}。",
    },
    # store states
    "store.missing": {"en": "No data store yet.", "zh": "尚无数据库。"},
    "store.error": {"en": "The data store cannot be used.", "zh": "数据库无法使用。"},
    "store.fix": {"en": "To fix it, run:", "zh": "修复方法，运行："},
    "store.empty": {"en": "The data store is empty.", "zh": "数据库为空。"},
    "facts.stale": {
        "en": "The rules file changed since the data was loaded: figures are computed live, which is correct "
        "but slow on large stores. Rebuild the materialised facts with `python -m custdash refresh`.",
        "zh": "规则文件在数据加载后已修改：各视图改为实时计算（结果正确，但大数据量时较慢）。"
        "请运行 `python -m custdash refresh` 重建预计算数据。",
    },
    "store.generating": {
        "en": "First start: generating the demo store ({n:,} customers)…",
        "zh": "首次启动：正在生成演示数据（{n:,} 位客户）……",
    },
    "store.build_failed": {
        "en": "The demo store could not be generated (incident {incident} in the server log).",
        "zh": "演示数据生成失败（服务器日志中的事件编号 {incident}）。",
    },
    "store.gone": {
        "en": "The data store is missing, but a store was here (its users and audit file remains). "
        "No demo data is generated in its place.",
        "zh": "数据库缺失，但此处曾有数据库（其用户与审计文件仍在）。不会在此生成演示数据。",
    },
    "store.gone_fix": {
        "en": "Restore the store from a backup, or load the extract again: python -m custdash import DIR",
        "zh": "请从备份恢复数据库，或重新导入：python -m custdash import DIR",
    },
    "store.generated": {"en": "Demo store ready.", "zh": "演示数据已生成。"},
    "error.unexpected": {
        "en": "Something went wrong on the server; this page could not be shown. Please tell your "
        "administrator the incident number {incident}.",
        "zh": "服务器出现问题，本页面无法显示。请将事件编号 {incident} 告知管理员。",
    },
    "error.disk_full": {
        "en": "The server's disk is full, so the data cannot be read or written (incident {incident}). "
        "The store itself is intact: ask your administrator to free disk space.",
        "zh": "服务器磁盘已满，无法读写数据（事件编号 {incident}）。数据库本身完好：请管理员释放磁盘空间。",
    },
    "error.damaged": {
        "en": "The data store is damaged and cannot be read (incident {incident}). Ask your administrator "
        "to restore it from a backup or load the extract again.",
        "zh": "数据库已损坏，无法读取（事件编号 {incident}）。请管理员从备份恢复或重新导入数据。",
    },
    "error.busy": {
        "en": "The data store is busy (a load is finishing); please try again in a minute (incident {incident}).",
        "zh": "数据库繁忙（数据加载即将完成），请稍后重试（事件编号 {incident}）。",
    },
    "rules.error": {"en": "The rules file is invalid.", "zh": "规则文件无效。"},
    "setting.error": {"en": "A setting is invalid.", "zh": "配置项无效。"},
    # login
    "login.title": {"en": "Sign in", "zh": "登录"},
    "login.username": {"en": "User name", "zh": "用户名"},
    "login.password": {"en": "Password", "zh": "密码"},
    "login.submit": {"en": "Sign in", "zh": "登录"},
    "login.expired": {"en": "Your session expired; please sign in again.", "zh": "会话已超时，请重新登录。"},
    "login.demo": {"en": "Demo data: these demo accounts are available.", "zh": "演示数据：可使用以下演示账号。"},
    "login.failed": {
        "en": "Sign-in failed: check the user name and password, or try again in a few minutes.",
        "zh": "登录失败：请检查用户名和密码，或稍后再试。",
    },
    "login.role": {"en": "Role", "zh": "角色"},
    "login.scope": {"en": "Sees", "zh": "可见范围"},
    "login.demo_scope_admin": {"en": "all branches", "zh": "全部网点"},
    "login.demo_scope_head": {"en": "branch {branch}", "zh": "网点 {branch}"},
    "login.demo_scope_manager": {"en": "customers of {manager}", "zh": "{manager} 的客户"},
    "login.signed_in": {"en": "Signed in as {user} ({role})", "zh": "当前用户：{user}（{role}）"},
    "login.logout": {"en": "Sign out", "zh": "退出登录"},
    "login.denied": {"en": "These customers are outside what your role may see.", "zh": "这些客户不在您的权限范围内。"},
    "role.admin": {"en": "administrator", "zh": "管理员"},
    "role.head": {"en": "branch head", "zh": "网点负责人"},
    "role.manager": {"en": "customer manager", "zh": "客户经理"},
    "page.audit": {"en": "Audit", "zh": "审计日志"},
    "audit.caption": {"en": "Logins and exports, newest first.", "zh": "登录与导出记录，最新在前。"},
    "notice.forbidden": {
        "en": "The link asks for {param} {value!r}, which your role may not see; showing your own customers.",
        "zh": "链接请求的{param} {value!r} 超出您的权限，已显示您名下的客户。",
    },
    # common
    "common.empty": {"en": "Nobody matches these filters.", "zh": "当前筛选条件下没有客户。"},
    "common.showing": {
        "en": "Showing the first {shown:,} of {total:,} rows; the downloads hold all of them.",
        "zh": "显示前 {shown:,} 行，共 {total:,} 行；下载文件包含全部。",
    },
    "common.rows": {"en": "{n:,} customers", "zh": "{n:,} 位客户"},
    "common.download_csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "common.download_xlsx": {"en": "Download Excel", "zh": "下载 Excel"},
    "common.vs_prev": {"en": "vs previous month", "zh": "较上月"},
    "common.open": {"en": "Open", "zh": "查看"},
    "common.working": {
        "en": "Working out the figures as of {date} from the data …",
        "zh": "正在根据数据计算 {date} 的数字……",
    },
    # columns
    "col.customer_id": {"en": "Customer ID", "zh": "客户号"},
    "col.name": {"en": "Name", "zh": "姓名"},
    "col.phone": {"en": "Phone", "zh": "手机号"},
    "col.branch_id": {"en": "Branch", "zh": "网点"},
    "col.manager_id": {"en": "Manager", "zh": "客户经理"},
    "col.tier": {"en": "Tier", "zh": "等级"},
    "col.aum": {"en": "AUM (basis month)", "zh": "月日均资产"},
    "col.next_tier": {"en": "Next tier", "zh": "目标等级"},
    "col.next_bound": {"en": "Next tier from", "zh": "目标等级门槛"},
    "col.gap": {"en": "Gap", "zh": "差额"},
    "col.gap_pct": {"en": "Gap %", "zh": "差额比例"},
    "col.next_entitlement": {"en": "Free tickets at next tier", "zh": "升级后免费观影次数"},
    "col.dormant_cards": {"en": "Dormant cards", "zh": "睡眠卡数"},
    "col.last_activity": {"en": "Last activity", "zh": "最后动户日"},
    "col.never_used": {"en": "Never used", "zh": "开户即睡眠"},
    "col.balance": {"en": "Card balance", "zh": "卡内余额"},
    "col.zero_balance": {"en": "Zero balance", "zh": "零元卡"},
    "col.peak_aum_12m": {"en": "Peak AUM (12 m)", "zh": "近12月峰值资产"},
    "col.priority": {"en": "Priority", "zh": "优先"},
    "col.entitled": {"en": "Free tickets / year", "zh": "年度免费观影"},
    "col.free_used_ytd": {"en": "Used this year", "zh": "今年已用"},
    "col.remaining": {"en": "Remaining", "zh": "剩余"},
    "col.opened_on": {"en": "Opened", "zh": "开户日"},
    "col.day": {"en": "Day", "zh": "第几天"},
    "col.due_waves": {"en": "Due waves", "zh": "待办波次"},
    "col.overdue_waves": {"en": "Overdue waves", "zh": "逾期波次"},
    "col.due_aim": {"en": "Aim of the due wave", "zh": "当前波次目标"},
    "col.customers": {"en": "Customers", "zh": "客户数"},
    "col.share": {"en": "Share", "zh": "占比"},
    "col.months_since": {"en": "Months since last activity", "zh": "距最后动户月数"},
    "col.redemptions": {"en": "Redemptions", "zh": "观影次数"},
    "col.tickets": {"en": "Tickets", "zh": "票数"},
    "col.weekday": {"en": "Weekday", "zh": "星期"},
    "col.hour": {"en": "Hour", "zh": "时段"},
    "col.period": {"en": "Period", "zh": "时段类型"},
    "col.utilisation": {"en": "Utilisation", "zh": "使用率"},
    "col.free_used": {"en": "Free tickets used", "zh": "已用免费票"},
    "col.subsidy": {"en": "Bank subsidy", "zh": "银行补贴"},
    "col.segment": {"en": "Segment", "zh": "客群"},
    "col.group": {"en": "Acquired via", "zh": "获客渠道"},
    "col.avg_aum": {"en": "Average AUM", "zh": "户均资产"},
    "col.cohort": {"en": "Opening month", "zh": "开户月份"},
    "col.wave": {"en": "Wave", "zh": "波次"},
    "col.status": {"en": "Status", "zh": "状态"},
    "col.from_tier": {"en": "Tier before", "zh": "上月等级"},
    "col.to_tier": {"en": "Tier now", "zh": "本月等级"},
    "col.band": {"en": "Within", "zh": "距门槛"},
    "col.measure": {"en": "Measure", "zh": "指标"},
    "col.value": {"en": "Value", "zh": "数值"},
    "col.at": {"en": "When (UTC)", "zh": "时间（UTC）"},
    "col.username": {"en": "User", "zh": "用户"},
    "col.event": {"en": "Event", "zh": "事件"},
    "col.list_name": {"en": "List", "zh": "名单"},
    "col.filters": {"en": "Filters", "zh": "筛选条件"},
    "col.rows": {"en": "Rows", "zh": "行数"},
    "event.login_ok": {"en": "signed in", "zh": "登录成功"},
    "event.login_failed": {"en": "sign-in failed", "zh": "登录失败"},
    "event.login_locked": {"en": "sign-in while locked", "zh": "锁定期间尝试登录"},
    "event.logout": {"en": "signed out", "zh": "退出登录"},
    "event.session_expired": {"en": "session expired", "zh": "会话超时"},
    "event.export": {"en": "export", "zh": "导出"},
    "event.export_refused": {"en": "export refused (session ended)", "zh": "导出被拒（会话已结束）"},
    "event.login_throttled": {"en": "sign-in refused (too many failures)", "zh": "登录被拒（失败次数过多）"},
    "event.demo_users_removed": {"en": "demo accounts removed", "zh": "演示账号已删除"},
    # values
    "val.yes": {"en": "yes", "zh": "是"},
    "val.no": {"en": "no", "zh": "否"},
    "val.peak": {"en": "peak", "zh": "旺季"},
    "val.off_peak": {"en": "off-peak", "zh": "淡季"},
    "val.family": {"en": "family", "zh": "亲子"},
    "val.film_lover": {"en": "film lover", "zh": "影迷"},
    "val.other": {"en": "other", "zh": "其他"},
    "val.alliance": {"en": "alliance (cinema)", "zh": "异业联盟"},
    "val.never": {"en": "never", "zh": "从未动户"},
    "val.complete": {"en": "complete", "zh": "已满期"},
    "val.incomplete": {"en": "not yet at that day (still filling up)", "zh": "尚未满期（数据仍在累积）"},
    "status.done": {"en": "done", "zh": "已完成"},
    "status.due": {"en": "due", "zh": "待办"},
    "status.overdue": {"en": "overdue", "zh": "逾期"},
    "status.upcoming": {"en": "upcoming", "zh": "未开始"},
    "move.up": {"en": "upgraded", "zh": "升级"},
    "move.down": {"en": "downgraded", "zh": "降级"},
    "move.same": {"en": "unchanged", "zh": "持平"},
    "weekday.0": {"en": "Mon", "zh": "周一"},
    "weekday.1": {"en": "Tue", "zh": "周二"},
    "weekday.2": {"en": "Wed", "zh": "周三"},
    "weekday.3": {"en": "Thu", "zh": "周四"},
    "weekday.4": {"en": "Fri", "zh": "周五"},
    "weekday.5": {"en": "Sat", "zh": "周六"},
    "weekday.6": {"en": "Sun", "zh": "周日"},
    # overview
    "overview.caption": {
        "en": "Basis month {month}: tiers use the average daily AUM of the month before the as-of date.",
        "zh": "基准月 {month}：客户等级按数据日期上一个月的月日均资产计算。",
    },
    "overview.title": {"en": "Today · {scope} · {date}", "zh": "今日概览 · {scope} · {date}"},
    "overview.customers": {"en": "Customers", "zh": "客户数"},
    "overview.aum": {"en": "Total AUM", "zh": "总资产"},
    "overview.lists": {"en": "Today's call lists", "zh": "今日名单"},
    "overview.threshold": {"en": "Near next tier", "zh": "临界提升"},
    "overview.dormant": {"en": "Dormant", "zh": "睡眠客户"},
    "overview.honeymoon_due": {"en": "Waves due", "zh": "蜜月待办"},
    "overview.honeymoon_overdue": {"en": "Waves overdue", "zh": "蜜月逾期"},
    "overview.unused": {"en": "Tickets unused", "zh": "观影未用"},
    "overview.tiers": {"en": "Customers and AUM by tier", "zh": "各等级客户数与资产占比"},
    # tiers page
    "tiers.split": {"en": "Split by", "zh": "拆分维度"},
    "tiers.split_none": {"en": "Nothing", "zh": "不拆分"},
    "tiers.split_branch": {"en": "Branch", "zh": "网点"},
    "tiers.split_manager": {"en": "Manager", "zh": "客户经理"},
    "tiers.count_chart": {"en": "Customers per tier", "zh": "各等级客户数"},
    "tiers.aum_chart": {"en": "AUM per tier", "zh": "各等级资产"},
    "tiers.migration": {"en": "Tier migration: {prev} → {month}", "zh": "等级迁移：{prev} → {month}"},
    "tiers.migration_chart": {"en": "Customers by tier before and now", "zh": "上月与本月等级客户数"},
    # threshold page
    "threshold.band": {"en": "Band below the next tier", "zh": "距下一等级门槛比例"},
    "threshold.bands_chart": {
        "en": "Customers within 1/2/5/10% of each bound",
        "zh": "距各等级门槛 1/2/5/10% 以内的客户数",
    },
    "threshold.pitch": {
        "en": "Next tier brings: the tier name and its yearly free cinema tickets. Pitch yield or benefits as the customer prefers.",
        "zh": "升级可获得：更高等级名称与年度免费观影次数。可按客户偏好推荐收益或权益。",
    },
    # dormant page
    "dormant.caption": {
        "en": "All active cards unused for {days}+ days. Former potential customers (peak AUM ≥ {peak}) first.",
        "zh": "名下所有正常状态的卡均已 {days} 天以上未动户的客户。近 12 月峰值资产 ≥ {peak} 的客户优先。",
    },
    "dormant.by_tier": {"en": "By tier at peak", "zh": "按峰值等级"},
    "dormant.by_months": {"en": "By months since last activity", "zh": "按距最后动户月数"},
    # alliance page
    "alliance.caption": {
        "en": "Year to date ({start} to {end}). Peak: Friday noon to Sunday night, July–August, statutory holidays.",
        "zh": "年初至今（{start} 至 {end}）。旺季：周五中午至周日晚、7–8 月暑期、法定节假日。",
    },
    "alliance.peak_chart": {"en": "Redemptions by tier: peak vs off-peak", "zh": "各等级观影次数：旺季与淡季"},
    "alliance.heatmap": {"en": "When tickets are used (weekday × hour)", "zh": "观影时段分布（星期 × 时段）"},
    "alliance.utilisation": {"en": "Free tickets used vs entitled", "zh": "免费观影：已用与应享"},
    "alliance.segments": {"en": "Segments (trailing year)", "zh": "客群（近一年）"},
    "alliance.channel": {"en": "AUM of alliance-acquired customers", "zh": "异业联盟获客的资产产能"},
    "alliance.unused": {
        "en": "Invite: unused free tickets (best to off-peak screenings)",
        "zh": "邀约名单：免费观影未用完（优先邀约淡季场次）",
    },
    "alliance.peak_n": {"en": "Peak redemptions", "zh": "旺季观影次数"},
    "alliance.off_peak_n": {"en": "Off-peak redemptions", "zh": "淡季观影次数"},
    "alliance.subsidy": {"en": "Bank subsidy YTD", "zh": "今年银行补贴"},
    "alliance.discounts": {
        "en": "Paid tickets: {peak} off at peak, {off} off off-peak",
        "zh": "付费票折扣：旺季 {peak}，淡季 {off}",
    },
    # honeymoon page
    "honeymoon.caption": {
        "en": "Customers in their first {days} days. A wave is done when a touch for it is logged.",
        "zh": "开户 {days} 天内的客户。记录了对应波次的触达即视为完成。",
    },
    "honeymoon.in_window": {"en": "In honeymoon", "zh": "蜜月期客户"},
    "honeymoon.days": {"en": "days {start}–{end}", "zh": "第 {start}–{end} 天"},
    "honeymoon.incomplete": {
        "en": "Hollow points: cohorts whose youngest customers have not reached that day yet (the share is still filling up).",
        "zh": "空心点：该月开户客户尚未全部到达对应天数（占比仍在累积）。",
    },
    "honeymoon.due_n": {"en": "With a wave due", "zh": "有待办波次"},
    "honeymoon.overdue_n": {"en": "With a wave overdue", "zh": "有逾期波次"},
    "honeymoon.depth": {"en": "Depth by day {days}", "zh": "第 {days} 天的经营深度"},
    "honeymoon.grid": {"en": "Wave grid", "zh": "波次进度"},
    "honeymoon.calls": {"en": "Call list: due and overdue waves", "zh": "外呼名单：待办与逾期波次"},
    "honeymoon.cohorts": {"en": "Cohorts by opening month", "zh": "按开户月份的客群"},
    "honeymoon.cohort_waves": {"en": "Share of each wave done", "zh": "各波次完成率"},
    "honeymoon.cohort_deep": {
        "en": "Share with {n}+ products by day {days}",
        "zh": "第 {days} 天持有 {n} 个以上产品的占比",
    },
    "honeymoon.cohort_v1": {"en": "Share in {tier} or above at day {days}", "zh": "第 {days} 天达到{tier}及以上的占比"},
    # charts
    "chart.aum": {"en": "AUM (¥)", "zh": "资产（万元）"},
    "chart.customers": {"en": "Customers", "zh": "客户数"},
    "unit.money": {"en": " (CNY)", "zh": "（元）"},
    "unit.percent": {"en": " (%)", "zh": "（%）"},
}
TEXT.update(WORK_TEXT)  # working the lists: custdash/i18n_work.py
TEXT.update(TIMING_TEXT)  # the other timing points: custdash/i18n_timing.py


def t(key: str, lang: str, **kw: object) -> str:
    text = TEXT[key][lang if lang in LANGS else "en"]
    return text.format(**kw) if kw else text


def list_label(name: str, lang: str) -> str:
    """A contact list (lists.contact_names) or a queue reason in words."""
    if name.startswith("honeymoon-"):
        return t("contact.list.honeymoon", lang, wave=name.removeprefix("honeymoon-"))
    if name == "honeymoon":
        return t("contact.list.honeymoon_any", lang)
    if name == "follow_up":
        return t("reason.follow_up", lang)
    return t(f"contact.list.{name}", lang)


def reasons_text(value: object, lang: str) -> str:
    """A queue row's reasons ("follow_up,threshold") in words, in order."""
    return (
        "、".join(list_label(r, lang) for r in str(value or "").split(",") if r)
        if lang == "zh"
        else ", ".join(list_label(r, lang) for r in str(value or "").split(",") if r)
    )


def tier_label(code: str, rules: Rules, lang: str) -> str:
    tier = rules.tier(code)
    return f"{code} {tier.name_zh if lang == 'zh' else tier.name_en}"


def wave_label(wave: int, rules: Rules, lang: str) -> str:
    w = rules.honeymoon.waves[wave - 1]
    return f"{wave} {w.name_zh if lang == 'zh' else w.name_en}"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wave_aims(waves: str | None, rules: Rules, lang: str) -> str:
    """The aims (from the rules) of waves listed as "2,3": what the manager calls about."""
    if not waves:
        return ""
    ws = rules.honeymoon.waves
    return "; ".join(
        (ws[int(k) - 1].aim_zh if lang == "zh" else ws[int(k) - 1].aim_en) for k in str(waves).split(",") if k
    )


def money(value: float | None, lang: str) -> str:
    """Compact, for figures: ¥1,234,567 in English; 1.15亿, 123.46万 or 3.50元 in Chinese."""
    if _missing(value):
        return ""
    if lang == "zh":
        if abs(value) >= 100_000_000:
            return f"{value / 100_000_000:,.2f}亿"
        if abs(value) >= 10_000:
            return f"{value / 10_000:,.2f}万"
        return f"{value:,.2f}元"
    return f"¥{value:,.2f}" if abs(value) < 100 else f"¥{value:,.0f}"


def money_exact(value: float | None, lang: str) -> str:
    """To the fen, for a customer's row (¥99,994.00 must not read as the 10.00万 threshold).
    In Chinese, from 1万 on, in 万 (亿) as everywhere else on screen, cut (never rounded) to
    0.01万: 99,994 reads 9.99万, never 10.00万; 11,973,413.28 reads 1,197.34万, not a string of
    eight digits. The exports keep every fen."""
    if _missing(value):
        return ""
    if lang != "zh":
        return f"¥{value:,.2f}"
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if abs(value) >= size:
            return f"{math.trunc(value / size * 100) / 100:,.2f}{unit}"
    return f"{value:,.2f}元"


def money_scale(lang: str) -> float:
    """Divide amounts by this for chart axes (万 in Chinese)."""
    return 10_000.0 if lang == "zh" else 1.0


def percent(value: float | None, digits: int = 1) -> str:
    if _missing(value):
        return ""
    return f"{value * 100:.{digits}f}%"


def points(v: float | None, lang: str) -> str:
    """A difference of two rates: "+12.5 pp" / "+12.5个百分点"."""
    if v is None or v != v:
        return ""
    return f"{v * 100:+.1f} pp" if lang == "en" else f"{v * 100:+.1f}个百分点"
