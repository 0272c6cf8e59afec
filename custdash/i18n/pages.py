"""Texts of each analysis and call-list page's own texts, in English and 简体中文 (merged into custdash.i18n.TEXT)."""

from __future__ import annotations

PAGES: dict[str, dict[str, str]] = {
    "move.up": {"en": "upgraded", "zh": "升级"},
    "move.down": {"en": "downgraded", "zh": "降级"},
    "move.same": {"en": "unchanged", "zh": "持平"},
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
    "honeymoon.which": {"en": "Customers with", "zh": "显示客户"},
    "honeymoon.which_all": {"en": "a due or overdue wave", "zh": "有待办或逾期波次"},
    "honeymoon.which_due": {"en": "a wave due", "zh": "有待办波次"},
    "honeymoon.which_overdue": {"en": "a wave overdue", "zh": "有逾期波次"},
    "overview.title_on": {"en": "Overview · {scope} · {date}", "zh": "概览 · {scope} · {date}"},
    "overview.lists_on": {"en": "Call lists on {date}", "zh": "{date} 的名单"},
    "tiers.no_manager": {"en": "No manager", "zh": "无客户经理"},
    "tiers.no_branch": {"en": "No branch", "zh": "无网点"},
    "overview.churn": {"en": "Churn warning", "zh": "流失预警"},
    "overview.downgrade": {"en": "Downgrade risk", "zh": "保级预警"},
    "overview.maturing": {"en": "Maturing products", "zh": "到期产品"},
    "overview.birthdays": {"en": "Birthdays, next {days} days", "zh": "未来{days}天生日"},
    "churn.caption": {
        "en": "In the {days} days up to the as-of date, {n}+ transfers to other banks totalling {total} or more; "
        "or the basis month's AUM at most {ratio} of the AUM {months} months earlier (when that was {floor} or "
        "more). Most to lose first.",
        "zh": "截至数据日期的 {days} 天内，转出他行 {n} 笔及以上且合计 {total} 及以上；或基准月月日均不高于 {months} "
        "个月前的 {ratio}（前期不低于 {floor}）。按前期资产从高到低排列。",
    },
    "churn.reasons": {"en": "Customers by reason", "zh": "按预警原因"},
    "churn.reason.outflow": {"en": "money leaving", "zh": "资金外流"},
    "churn.reason.aum_drop": {"en": "AUM fell", "zh": "资产下滑"},
    "downgrade.caption": {
        "en": "The basis month's average still holds the tier, its month-end balance is below the tier's bound. "
        "Easiest to hold first.",
        "zh": "基准月月日均仍达标，但月末余额已低于本等级门槛。保级差额小的客户优先。",
    },
    "downgrade.no_end_aum": {
        "en": "This extract has no month-end balances (aum_monthly.csv, column end_aum): the list is empty.",
        "zh": "本次数据没有月末余额（aum_monthly.csv 的 end_aum 列），名单为空。",
    },
    "downgrade.by_tier": {"en": "At risk per tier", "zh": "各等级保级预警客户数"},
    "maturity.caption": {
        "en": "Time deposits and wealth products maturing in the next {days} days, one row per product. "
        "Earliest first, larger amounts first.",
        "zh": "未来 {days} 天内到期的定期存款与理财产品，每个产品一行。按到期日先后、金额从大到小排列。",
    },
    "maturity.no_dates": {
        "en": "This extract has no maturity dates (products.csv, column matures_on): the list is empty.",
        "zh": "本次数据没有到期日（products.csv 的 matures_on 列），名单为空。",
    },
    "maturity.rows": {"en": "{n:,} products", "zh": "{n:,} 个产品"},
    "maturity.by_week": {"en": "Maturing per week", "zh": "每周到期"},
    "maturity.amount_by_week": {"en": "Amount maturing per week", "zh": "每周到期金额"},
    "maturity.retained": {"en": "Retained after maturity", "zh": "到期承接率"},
    "maturity.retained_help": {
        "en": "Of the {matured} products that matured in the {days} days up to the as-of date, {retained} were "
        "followed within {within} days by a new time deposit, wealth, fund or insurance product.",
        "zh": "截至数据日期的 {days} 天内到期的 {matured} 个产品中，{retained} 个在到期后 {within} 天内承接为新的"
        "定期、理财、基金或保险。",
    },
    "birthdays.caption": {
        "en": "Birthdays from the as-of date through the next {days} days (29 February counts as 28 February in "
        "other years). Soonest first, higher tiers first.",
        "zh": "数据日期起 {days} 天内过生日的客户（非闰年 2 月 29 日生日按 2 月 28 日计）。日期近者优先，同日等级高者优先。",
    },
    "birthdays.by_day": {"en": "Birthdays per day", "zh": "每日生日客户数"},
    # household page (家庭经营, DOMAIN.md §8)
    "overview.household": {"en": "Family near tier", "zh": "家庭临界"},
    "household.pitch": {
        "en": "A household's AUM is the sum of its members' basis-month AUM; its tier follows the same ladder. "
        "One member reaching the standard, the whole family benefits: call the household through its head.",
        "zh": "家庭资产为家庭成员基准月日均资产之和，家庭等级按同一标准划分。一人达标，全家受益：通过户主联系家庭。",
    },
    "household.missing": {
        "en": "This extract has no households.csv: the household views need it (docs/DATA_FORMAT.md).",
        "zh": "本次数据未包含 households.csv，家庭视图无法展示（见 docs/DATA_FORMAT.md）。",
    },
    "household.none": {
        "en": "No household of two or more members in this scope.",
        "zh": "当前范围内没有两人及以上的家庭。",
    },
    "household.households": {"en": "Households", "zh": "家庭数"},
    "household.hidden": {"en": "Hidden household value", "zh": "家庭破壁"},
    "household.hidden_help": {
        "en": "Households whose household tier is above the tier of every member: nobody serves them as what they are.",
        "zh": "家庭等级高于每位成员自身等级的家庭：按个人看都不够格，按家庭看已是更高等级。",
    },
    "household.aum": {"en": "Household AUM", "zh": "家庭资产"},
    "household.members": {"en": "Members", "zh": "家庭成员数"},
    "household.near": {"en": "Near the next tier", "zh": "家庭临界"},
    "household.band": {"en": "Band below the next tier", "zh": "距下一等级门槛比例"},
    "household.rows": {"en": "{n} households", "zh": "共 {n} 户"},
    "household.grid": {
        "en": "Households by household tier and their highest member's own tier",
        "zh": "家庭等级 × 家庭内最高成员等级（户数）",
    },
    "household.sizes": {"en": "Households by number of members", "zh": "家庭规模分布（户数）"},
    "household.hidden_list": {"en": "Households of hidden value", "zh": "家庭破壁名单"},
    "household.hidden_first": {
        "en": "Showing the {shown:,} with the most household AUM, of {total:,}.",
        "zh": "共 {total:,} 户，显示家庭资产最高的 {shown:,} 户。",
    },
    "household.shared": {
        "en": "Shared entitlement is on: each member's free tickets are those of the higher of their own and "
        "the household tier.",
        "zh": "已启用家庭共享权益：成员免费观影次数按本人与家庭等级中较高者计算。",
    },
    # grades page (客户分级, DOMAIN.md §9)
    "grades.caption": {
        "en": "The grade by contribution: score = {w_aum}% AUM + {w_products}% products held + {w_activity}% "
        "card activity (90 days) + {w_channel}% mobile-banking logins, each scored 0-100 by the rules' steps; "
        "A from 80, B 60, C 40, D 20, else E.",
        "zh": "按贡献分级：得分 = {w_aum}% 资产 + {w_products}% 持有产品数 + {w_activity}% 动户笔数（近90天）"
        "+ {w_channel}% 手机银行登录，各项按规则阶梯计 0-100 分；80 分及以上为 A，60 为 B，40 为 C，20 为 D，其余为 E。",
    },
    "grades.grade": {"en": "Grade {grade}", "zh": "{grade} 级"},
    "grades.by_key": {"en": "Customers by grade", "zh": "各等级客户数（按分级）"},
    "grades.by_tier": {"en": "Tier x grade", "zh": "客户分层 × 客户分级"},
    "grades.gems": {
        "en": "A low tier with a high grade is a hidden gem (active, many products: worth growing); a high tier "
        "with a low grade is at risk (money without a relationship).",
        "zh": "低层级、高分级是潜力客户（活跃、产品多，值得提升）；高层级、低分级是风险客户（有资产、无黏性）。",
    },
}
