"""Pure Altair chart builders: a DataFrame from the query layer in, an `alt.Chart` out.

Every chart has a title, tooltips and localised axes; amounts are shown in ¥ (English)
or 万 (Chinese); tiers always have the same colour.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from custdash.i18n import money_scale, t, tier_label
from custdash.rules import Rules

TIER_PALETTE = ["#a7b0ba", "#4e9a8f", "#d4a72c", "#6b8fc7", "#2f4f8f", "#8e5ea2", "#b8322a"]
# Rises and falls: red up / green down is the Chinese market convention (CUSTDASH_UP_COLOR).
RED, GREEN = "#c0392b", "#2e8b57"
# Measures of a cohort chart, in the order given (never by label, so a colour means the same
# measure in both languages).
SERIES_PALETTE = ["#3b6ea8", "#d4a72c", "#b8322a", "#4e9a8f", "#8e5ea2", "#6b8fc7", "#a7b0ba"]
STATUS_COLORS = {"done": "#4e9a8f", "due": "#d4a72c", "overdue": "#b8322a", "upcoming": "#c9d1d9"}
WIDTH = "container"
# Tier axes show the code only ("V3"); the legend and tooltips carry the name.
CODE_ONLY = "split(datum.label, ' ')[0]"


def tier_palette(n: int) -> list[str]:
    """n distinct colours for a ladder of n tiers: the house palette for up to seven, else
    evenly spaced along it (a bank's eleven levels get eleven colours, none repeated)."""
    if n <= len(TIER_PALETTE):
        return TIER_PALETTE[:n]
    anchors = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in TIER_PALETTE]
    out = []
    for k in range(n):
        x = k * (len(anchors) - 1) / (n - 1)
        i = min(int(x), len(anchors) - 2)
        f = x - i
        rgb = [round(a + (b - a) * f) for a, b in zip(anchors[i], anchors[i + 1])]
        out.append("#" + "".join(f"{v:02x}" for v in rgb))
    return out


def tier_scale(rules: Rules, lang: str) -> alt.Scale:
    labels = [tier_label(c, rules, lang) for c in rules.tier_codes]
    return alt.Scale(domain=labels, range=tier_palette(len(labels)))


def tier_axis(rules: Rules, lang: str) -> alt.X:
    """The x axis of every per-tier chart: tiers in order, labelled by code."""
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    return alt.X(
        "tier_label:N", sort=order, title=t("col.tier", lang), axis=alt.Axis(labelAngle=0, labelExpr=CODE_ONLY)
    )


def _with_tier_labels(df: pd.DataFrame, rules: Rules, lang: str, col: str = "tier") -> pd.DataFrame:
    out = df.copy()
    out["tier_label"] = [tier_label(c, rules, lang) for c in out[col]]
    return out


def tier_bars(
    df: pd.DataFrame, *, rules: Rules, lang: str, value: str, title: str, split: str | None = None
) -> alt.Chart:
    """Customers or AUM per tier; with `split`, one bar per branch/manager stacked by tier."""
    data = _with_tier_labels(df, rules, lang)
    is_money = value == "aum"
    if is_money:
        data["value"] = data["aum"] / money_scale(lang)
        y_title = t("chart.aum", lang)
    else:
        data["value"] = data[value]
        y_title = t("chart.customers", lang)
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    color = alt.Color("tier_label:N", scale=tier_scale(rules, lang), sort=order, title=t("col.tier", lang))
    tooltip = [
        alt.Tooltip("tier_label:N", title=t("col.tier", lang)),
        alt.Tooltip("value:Q", title=y_title, format=",.2f" if is_money else ","),
    ]
    if split:
        # `split` is "branch" or "manager"; their headers are the id columns' ("col.branch_id").
        split_title = t(f"col.{split}_id", lang)
        tooltip.insert(0, alt.Tooltip(f"{split}:N", title=split_title))
        x = alt.X(f"{split}:N", title=split_title, axis=alt.Axis(labelAngle=-45))
    else:
        x = tier_axis(rules, lang)
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(x=x, y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=",.0f")), color=color, tooltip=tooltip)
        .properties(width=WIDTH, height=300)
    )


def tier_shares(df: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    """Each tier's share of the customers beside its share of the AUM (a bar each, 100 % wide):
    where the money sits shows even when the mass tier has a hundred times the customers."""
    data = _with_tier_labels(df, rules, lang)
    measures = {"customers": t("chart.share_customers", lang), "aum": t("chart.share_aum", lang)}
    rows = []
    for measure, label in measures.items():
        total = float(data[measure].sum()) or 1.0
        for tier, value in zip(data["tier_label"], data[measure]):
            rows.append({"measure": label, "tier_label": tier, "share": float(value) / total, "value": float(value)})
    long = pd.DataFrame(rows, columns=["measure", "tier_label", "share", "value"])
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("measure:N", sort=list(measures.values()), title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("share:Q", stack="zero", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "tier_label:N",
                scale=tier_scale(rules, lang),
                sort=order,
                title=t("col.tier", lang),
                legend=alt.Legend(orient="bottom", columns=len(order)),
            ),
            order=alt.Order("tier_order:Q"),
            tooltip=[
                alt.Tooltip("tier_label:N", title=t("col.tier", lang)),
                alt.Tooltip("measure:N", title=t("col.stage", lang)),
                alt.Tooltip("share:Q", title=t("chart.share", lang), format=".1%"),
            ],
        )
        .transform_calculate(tier_order=f"indexof({order!r}, datum.tier_label)")
        .properties(width=WIDTH, height=alt.Step(40))
    )


def migration_heatmap(df: pd.DataFrame, *, rules: Rules, lang: str, title: str, up_red: bool = True) -> alt.Chart:
    data = _with_tier_labels(df, rules, lang, "from_tier").rename(columns={"tier_label": "from_label"})
    data["to_label"] = [tier_label(c, rules, lang) for c in data["to_tier"]]
    data["move_label"] = [t(f"move.{m}", lang) for m in data["move"]]
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    base = alt.Chart(data, title=title).encode(
        x=alt.X("to_label:N", sort=order, title=t("col.to_tier", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("from_label:N", sort=order, title=t("col.from_tier", lang)),
        tooltip=[
            alt.Tooltip("from_label:N", title=t("col.from_tier", lang)),
            alt.Tooltip("to_label:N", title=t("col.to_tier", lang)),
            alt.Tooltip("customers:Q", title=t("col.customers", lang), format=","),
            alt.Tooltip("move_label:N", title=t("col.status", lang)),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "move:N",
            scale=alt.Scale(
                domain=["up", "same", "down"], range=[RED if up_red else GREEN, "#e6e9ed", GREEN if up_red else RED]
            ),
            legend=None,
        ),
        opacity=alt.value(0.85),
    )
    text = base.mark_text(fontSize=12).encode(text=alt.Text("customers:Q", format=","))
    return (cells + text).properties(width=WIDTH, height=280)


def threshold_bands_chart(df: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    data = _with_tier_labels(df, rules, lang, "next_tier")
    data["band_label"] = [f"≤{b * 100:g}%" for b in data["band"]]
    order = [tier_label(c, rules, lang) for c in rules.tier_codes[1:]]
    band_order = [f"≤{b * 100:g}%" for b in sorted(df["band"].unique())]
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X(
                "tier_label:N",
                sort=order,
                title=t("col.next_tier", lang),
                axis=alt.Axis(labelAngle=0, labelExpr=CODE_ONLY),
            ),
            xOffset=alt.XOffset("band_label:N", sort=band_order),
            y=alt.Y("customers:Q", title=t("chart.customers", lang)),
            color=alt.Color(
                "band_label:N",
                title=t("col.band", lang),
                sort=band_order,
                scale=alt.Scale(domain=band_order, scheme="oranges"),
            ),
            tooltip=[
                alt.Tooltip("tier_label:N", title=t("col.next_tier", lang)),
                alt.Tooltip("band_label:N", title=t("col.band", lang)),
                alt.Tooltip("customers:Q", title=t("col.customers", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=300)
    )


def count_bars(
    df: pd.DataFrame,
    *,
    category: str,
    category_title: str,
    lang: str,
    title: str,
    sort: list[str] | None = None,
    color: str = "#3b6ea8",
    label_step: int = 1,
) -> alt.Chart:
    """A simple bar chart of `customers` per category (already localised). `label_step`: on a
    long run of numbered bars, label every n-th number, and always the words ("24+", "never"),
    rather than let the axis drop labels where they would overlap."""
    axis = alt.Axis(labelAngle=0)
    if label_step > 1:
        axis = alt.Axis(
            # Upright: at -40° the neighbouring words ("24+", "从未动户") ran into each other.
            labelAngle=-90,
            labelOverlap=False,
            labelExpr=f"isNaN(toNumber(datum.value)) || toNumber(datum.value) % {label_step} == 0 ? datum.label : ''",
        )
    return (
        alt.Chart(df, title=title)
        .mark_bar(color=color)
        .encode(
            x=alt.X(f"{category}:N", sort=sort, title=category_title, axis=axis),
            y=alt.Y("customers:Q", title=t("chart.customers", lang)),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip("customers:Q", title=t("col.customers", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=260)
    )


def peak_by_tier(by_tier: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    data = _with_tier_labels(by_tier, rules, lang)
    long = pd.concat(
        [
            data.assign(period=t("val.peak", lang), redemptions=data["peak_redemptions"], tickets=data["peak_tickets"]),
            data.assign(
                period=t("val.off_peak", lang),
                redemptions=data["off_peak_redemptions"],
                tickets=data["off_peak_tickets"],
            ),
        ]
    )[["tier_label", "period", "redemptions", "tickets"]]
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            x=tier_axis(rules, lang),
            xOffset="period:N",
            y=alt.Y("redemptions:Q", title=t("col.redemptions", lang)),
            color=alt.Color(
                "period:N",
                title=t("col.period", lang),
                scale=alt.Scale(domain=[t("val.peak", lang), t("val.off_peak", lang)], range=["#b8322a", "#3b6ea8"]),
            ),
            tooltip=[
                alt.Tooltip("tier_label:N", title=t("col.tier", lang)),
                alt.Tooltip("period:N", title=t("col.period", lang)),
                alt.Tooltip("redemptions:Q", title=t("col.redemptions", lang), format=","),
                alt.Tooltip("tickets:Q", title=t("col.tickets", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=300)
    )


def usage_heatmap(df: pd.DataFrame, *, lang: str, title: str) -> alt.Chart:
    """Every weekday x hour cell, zeros included (an empty cell reads as "no data", not 0)."""
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    data = (
        df.set_index(["weekday", "hour"])[["redemptions", "tickets"]]
        .reindex(grid, fill_value=0)
        .reset_index()
        .astype({"redemptions": int, "tickets": int})
    )
    data["weekday_label"] = [t(f"weekday.{w}", lang) for w in data["weekday"]]
    order = [t(f"weekday.{w}", lang) for w in range(7)]
    return (
        alt.Chart(data, title=title)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=t("col.hour", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("weekday_label:N", sort=order, title=t("col.weekday", lang)),
            color=alt.Color(
                "redemptions:Q",
                title=t("col.redemptions", lang),
                scale=alt.Scale(scheme="reds", domainMin=0),
            ),
            tooltip=[
                alt.Tooltip("weekday_label:N", title=t("col.weekday", lang)),
                alt.Tooltip("hour:O", title=t("col.hour", lang)),
                alt.Tooltip("redemptions:Q", title=t("col.redemptions", lang), format=","),
                alt.Tooltip("tickets:Q", title=t("col.tickets", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=300)
    )


def utilisation_bars(by_tier: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    data = _with_tier_labels(by_tier[by_tier["entitled"] > 0], rules, lang)
    long = pd.concat(
        [
            data.assign(measure=t("col.free_used", lang), value=data["free_used"]),
            data.assign(measure=t("col.entitled", lang), value=data["entitled"]),
        ]
    )[["tier_label", "measure", "value", "utilisation"]]
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            x=tier_axis(rules, lang),
            xOffset="measure:N",
            y=alt.Y("value:Q", title=t("col.tickets", lang)),
            color=alt.Color("measure:N", title=t("col.measure", lang), scale=alt.Scale(range=["#d4a72c", "#c9d1d9"])),
            tooltip=[
                alt.Tooltip("tier_label:N", title=t("col.tier", lang)),
                alt.Tooltip("measure:N", title=t("col.measure", lang)),
                alt.Tooltip("value:Q", title=t("col.tickets", lang), format=","),
                alt.Tooltip("utilisation:Q", title=t("col.utilisation", lang), format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=300)
    )


def wave_grid(grid: pd.DataFrame, *, lang: str, title: str, wave_labels: dict[str, str]) -> alt.Chart:
    """Customers x waves, coloured by status (the first rows of the grid): one 26-pixel row per
    customer, so one customer and forty read alike."""
    cols = list(wave_labels)
    long = grid.melt(id_vars=["customer_id", "day"], value_vars=cols, var_name="wave", value_name="status")
    long["wave_label"] = long["wave"].map(wave_labels)
    long["status_label"] = [t(f"status.{s}", lang) for s in long["status"]]
    # A row's own wording ("Day 93", "第93天"), not the column header ("第几天").
    long["row_label"] = [f"{c} · {t('chart.day_n', lang, n=d)}" for c, d in zip(long["customer_id"], long["day"])]
    order = [f"{c} · {t('chart.day_n', lang, n=d)}" for c, d in zip(grid["customer_id"], grid["day"])]
    base = alt.Chart(long, title=title).encode(
        x=alt.X(
            "wave_label:N",
            sort=[wave_labels[c] for c in cols],
            title=t("col.wave", lang),
            axis=alt.Axis(labelAngle=0, orient="top", labelLimit=200),
        ),
        y=alt.Y(
            "row_label:N",
            sort=order,
            title=t("col.customer_id", lang),
            axis=alt.Axis(labelOverlap=False, labelLimit=220),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "status:N",
            title=t("col.status", lang),
            scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
            legend=alt.Legend(labelExpr=_status_label_expr(lang), orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("customer_id:N", title=t("col.customer_id", lang)),
            alt.Tooltip("day:Q", title=t("col.day", lang)),
            alt.Tooltip("wave_label:N", title=t("col.wave", lang)),
            alt.Tooltip("status_label:N", title=t("col.status", lang)),
        ],
    )
    text = base.mark_text(fontSize=11, color="#1f2328").encode(text="status_label:N")
    return (cells + text).properties(width=WIDTH, height=alt.Step(26))


def _status_label_expr(lang: str) -> str:
    parts = " : ".join(f"datum.value == '{s}' ? '{t(f'status.{s}', lang)}'" for s in STATUS_COLORS)
    return parts + " : datum.value"


def cohort_lines(
    cohorts: pd.DataFrame, *, measures: dict[str, str], days: dict[str, int], lang: str, title: str
) -> alt.Chart:
    """Shares per cohort month, one line per measure (`measures`: column -> label, in colour
    order). `days[column]` is the day a measure is read at: a cohort whose youngest customers
    (`days_reached`) have not reached it is still filling up, shown hollow, unjoined and named
    so in the tooltip, rather than drawn as a collapse."""
    long = cohorts.melt(
        id_vars=["cohort", "customers", "days_reached"], value_vars=list(measures), var_name="m", value_name="share"
    )
    long["measure"] = long["m"].map(measures)
    long["complete"] = [r >= days[m] for r, m in zip(long["days_reached"], long["m"])]
    long["state"] = [t("val.complete" if c else "val.incomplete", lang) for c in long["complete"]]
    labels = list(measures.values())
    scale = alt.Scale(domain=labels, range=(SERIES_PALETTE * 2)[: len(labels)])
    color = alt.Color(
        "measure:N",
        title=None,
        sort=labels,
        scale=scale,
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=600),
    )
    x = alt.X("cohort:O", title=t("col.cohort", lang), axis=alt.Axis(labelAngle=0))
    y = alt.Y("share:Q", title=t("chart.share", lang), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    tooltip = [
        alt.Tooltip("cohort:O", title=t("col.cohort", lang)),
        alt.Tooltip("measure:N", title=t("col.measure", lang)),
        alt.Tooltip("share:Q", title=t("col.share", lang), format=".1%"),
        alt.Tooltip("customers:Q", title=t("col.customers", lang), format=","),
        alt.Tooltip("state:N", title=t("col.status", lang)),
    ]
    lines = alt.Chart(long[long["complete"]]).mark_line().encode(x=x, y=y, color=color, detail="measure:N")
    points = (
        alt.Chart(long)
        .mark_point(size=70, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=color,
            fill=alt.condition(
                "datum.complete", alt.Color("measure:N", sort=labels, scale=scale, legend=None), alt.value("white")
            ),
            tooltip=tooltip,
        )
    )
    return (lines + points).properties(title=title, width=WIDTH, height=420)


def aum_history_chart(df: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    """One customer's average daily AUM per month (bars coloured by the tier it gives), with
    the lower bounds of the tiers it reaches or nearly reaches as dashed rules."""
    data = _with_tier_labels(df, rules, lang)
    data["value"] = data["avg_daily_aum"] / money_scale(lang)
    y_title = t("chart.aum", lang)
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=t("col.month", lang), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=",.0f")),
            color=alt.Color("tier_label:N", scale=tier_scale(rules, lang), sort=order, title=t("col.tier", lang)),
            tooltip=[
                alt.Tooltip("month:O", title=t("col.month", lang)),
                alt.Tooltip("value:Q", title=y_title, format=",.2f"),
                alt.Tooltip("tier_label:N", title=t("col.tier", lang)),
            ],
        )
    )
    top = float(data["avg_daily_aum"].max() or 0.0)
    bounds = pd.DataFrame(
        [
            {"bound": tier.lower_bound / money_scale(lang), "tier_label": tier_label(tier.code, rules, lang)}
            for tier in rules.tiers[1:]
            if tier.lower_bound <= max(top * 1.25, rules.tiers[1].lower_bound)
        ]
    )
    if bounds.empty:
        return bars.properties(title=title, width=WIDTH, height=260)
    rule = (
        alt.Chart(bounds)
        .mark_rule(strokeDash=[4, 3], color="#7a8591")
        .encode(y="bound:Q", tooltip=[alt.Tooltip("tier_label:N", title=t("col.tier", lang))])
    )
    return alt.layer(bars, rule, title=title).properties(width=WIDTH, height=260)
