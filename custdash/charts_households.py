"""Pure Altair chart builders of the household page (DOMAIN.md §8): a DataFrame from
custdash/queries/household.py in, an `alt.Chart` out."""

from __future__ import annotations

import altair as alt
import pandas as pd

from custdash.charts import WIDTH
from custdash.i18n import t, tier_label
from custdash.rules import Rules


def household_grid_chart(df: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    """Households per household tier (rows) and highest member's own tier (columns): the cells
    off the diagonal are the hidden household value."""
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    data = df.assign(
        household_label=[tier_label(c, rules, lang) for c in df["household_tier"]],
        top_label=[tier_label(c, rules, lang) for c in df["top_tier"]],
        hidden=df["household_tier"] != df["top_tier"],
    )
    base = alt.Chart(data, title=title).encode(
        x=alt.X("top_label:N", sort=order, title=t("col.top_tier", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("household_label:N", sort=list(reversed(order)), title=t("col.household_tier", lang)),
        tooltip=[
            alt.Tooltip("household_label:N", title=t("col.household_tier", lang)),
            alt.Tooltip("top_label:N", title=t("col.top_tier", lang)),
            alt.Tooltip("households:Q", title=t("col.households", lang), format=","),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color("hidden:N", scale=alt.Scale(domain=[False, True], range=["#e6e9ed", "#d4a72c"]), legend=None),
        opacity=alt.condition(alt.datum.households > 0, alt.value(0.9), alt.value(0.35)),
    )
    text = base.mark_text(fontSize=12).encode(text=alt.Text("households:Q", format=","))
    return (cells + text).properties(width=WIDTH, height=300)


def household_sizes_chart(df: pd.DataFrame, *, lang: str, title: str) -> alt.Chart:
    """Households by number of members."""
    data = df.assign(size=[str(n) for n in df["members"]])
    return (
        alt.Chart(data, title=title)
        .mark_bar(color="#4e9a8f")
        .encode(
            x=alt.X("size:N", sort=list(data["size"]), title=t("col.members", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("households:Q", title=t("col.households", lang)),
            tooltip=[
                alt.Tooltip("size:N", title=t("col.members", lang)),
                alt.Tooltip("households:Q", title=t("col.households", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=300)
    )
