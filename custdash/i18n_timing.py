"""Texts of the other timing points (DOMAIN.md §6: churn, downgrade, maturities, birthdays),
in the same shape as custdash.i18n.TEXT, which merges them."""

from __future__ import annotations

TIMING_TEXT: dict[str, dict[str, str]] = {
    # the navigation's groups (views.PAGES)
    "nav.analysis": {"en": "Analysis", "zh": "经营分析"},
    "nav.lists": {"en": "Call lists", "zh": "名单"},
    "nav.work": {"en": "Working the lists", "zh": "名单经营"},
    "page.churn": {"en": "Churn warning", "zh": "流失预警"},
    "page.downgrade": {"en": "Downgrade risk", "zh": "保级预警"},
    "page.maturity": {"en": "Maturities", "zh": "到期承接"},
    "page.birthdays": {"en": "Birthdays", "zh": "关怀提醒"},
    "overview.churn": {"en": "Churn warning", "zh": "流失预警"},
    "overview.downgrade": {"en": "Downgrade risk", "zh": "保级预警"},
    "overview.maturing": {"en": "Maturing products", "zh": "到期产品"},
    "overview.birthdays": {"en": "Birthdays, next {days} days", "zh": "未来{days}天生日"},
    "col.outflows": {"en": "Transfers out", "zh": "他行转出笔数"},
    "col.outflow_total": {"en": "Transferred out", "zh": "他行转出金额"},
    "col.earlier_aum": {"en": "AUM earlier", "zh": "前期月日均"},
    "col.outflow": {"en": "Money leaving", "zh": "资金外流"},
    "col.aum_drop": {"en": "AUM fell", "zh": "资产下滑"},
    "col.end_aum": {"en": "Month-end balance", "zh": "月末余额"},
    "col.shortfall": {"en": "Shortfall", "zh": "保级差额"},
    "col.amount": {"en": "Amount", "zh": "金额"},
    "col.matures_on": {"en": "Matures on", "zh": "到期日"},
    "col.days_left": {"en": "Days left", "zh": "剩余天数"},
    "col.birthday": {"en": "Birthday", "zh": "生日"},
    "col.age": {"en": "Turns", "zh": "周岁"},
    "col.reason": {"en": "Reason", "zh": "原因"},
    "col.week": {"en": "Week from", "zh": "周起始日"},
    "col.products": {"en": "Products", "zh": "产品数"},
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
}
