"""Altair chart builders for 回检 and the maturities' weeks (custdash.charts holds the others and
the shared style): a DataFrame in, an `alt.Chart` out."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd

from custdash.charts import RED, SERIES_PALETTE, WIDTH
from custdash.i18n import money_scale, t


def outcome_funnel(df: pd.DataFrame, *, lang: str, title: str, list_labels: dict[str, str]) -> alt.Chart:
    """Per list, how many customers were on it, contacted, reached and reached its outcome
    (the whole scope's rows of queries.outcomes.outcome_table), as grouped bars."""
    stages = ["on_list", "contacted", "reached", "contacted_outcomes"]
    long = df.melt(id_vars=["list_name"], value_vars=stages, var_name="stage", value_name="customers")
    long["list_label"] = [list_labels[n] for n in long["list_name"]]
    long["stage_label"] = [t(f"col.{s}", lang) for s in long["stage"]]
    order = [t(f"col.{s}", lang) for s in stages]
    lists = [list_labels[n] for n in df["list_name"]]
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("list_label:N", sort=lists, title=None, axis=alt.Axis(labelLimit=220)),
            yOffset=alt.YOffset("stage_label:N", sort=order),
            x=alt.X("customers:Q", title=t("chart.customers", lang), axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "stage_label:N", sort=order, scale=alt.Scale(range=SERIES_PALETTE), title=t("col.stage", lang)
            ),
            tooltip=[
                alt.Tooltip("list_label:N", title=t("col.list_name", lang)),
                alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
                alt.Tooltip("customers:Q", title=t("chart.customers", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=60 * max(len(lists), 1))
    )


def outcome_rates(df: pd.DataFrame, *, lang: str, title: str, list_labels: dict[str, str]) -> alt.Chart:
    """Per list, the outcome rate of the contacted next to that of the customers not contacted."""
    long = df.melt(
        id_vars=["list_name"], value_vars=["outcome_rate", "control_rate"], var_name="group", value_name="rate"
    )
    long = long[long["rate"].notna()].copy()
    long["list_label"] = [list_labels[n] for n in long["list_name"]]
    names = {"outcome_rate": t("outcomes.group.contacted", lang), "control_rate": t("outcomes.group.control", lang)}
    long["group_label"] = [names[g] for g in long["group"]]
    order = list(names.values())
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            # Lists down the side, like the funnel beside it: seven names side by side along the
            # bottom did not fit, and Vega dropped every other one.
            y=alt.Y(
                "list_label:N",
                title=None,
                sort=list(list_labels.values()),
                axis=alt.Axis(labelLimit=220, labelOverlap=False),
            ),
            yOffset=alt.YOffset("group_label:N", sort=order),
            x=alt.X("rate:Q", title=t("col.outcome_rate", lang), axis=alt.Axis(format="%")),
            color=alt.Color("group_label:N", sort=order, scale=alt.Scale(range=[RED, "#a7b0ba"]), title=None),
            tooltip=[
                alt.Tooltip("list_label:N", title=t("col.list_name", lang)),
                alt.Tooltip("group_label:N", title=t("col.outcome_group", lang)),
                alt.Tooltip("rate:Q", title=t("col.outcome_rate", lang), format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=60 * max(len(list_labels), 1))
    )


def _days_inside(week: date, window: tuple[date, date] | None) -> int:
    """How many of the week's seven days fall inside `window` (all of them without one)."""
    if window is None:
        return 7
    first, last = max(week, window[0]), min(week + timedelta(days=6), window[1])
    return max((last - first).days + 1, 0)


def week_bars(
    df: pd.DataFrame,
    *,
    value: str,
    value_title: str,
    lang: str,
    title: str,
    money: bool = False,
    window: tuple[date, date] | None = None,
) -> alt.Chart:
    """Bars of `value` per week (`week`: the week's first day). `money`: an amount, in 万 in
    Chinese. `window`: the first and last day counted; a week only partly inside it is labelled
    with its days and drawn pale, so a short week never reads as a quiet one."""
    days = [_days_inside(d, window) for d in df["week"]]
    data = df.assign(
        week=[
            d.isoformat() if n == 7 else t("chart.part_week", lang, week=d.isoformat(), n=n)
            for d, n in zip(df["week"], days)
        ],
        partial=[n < 7 for n in days],
    )
    if money:
        data[value] = data[value] / money_scale(lang)
    fmt = ",.2f" if money else ","
    return (
        alt.Chart(data, title=title)
        .mark_bar(color="#2a9d8f" if money else "#3b6ea8")
        .encode(
            x=alt.X("week:N", title=t("col.week", lang), sort=list(data["week"]), axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=value_title),
            opacity=alt.Opacity("partial:N", scale=alt.Scale(domain=[False, True], range=[1.0, 0.4]), legend=None),
            tooltip=[
                alt.Tooltip("week:N", title=t("col.week", lang)),
                alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
            ],
        )
    )
