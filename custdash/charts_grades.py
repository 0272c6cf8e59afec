"""Pure Altair chart builders of the contribution grade (DOMAIN.md §9): a DataFrame from
custdash/queries/grades.py in, an `alt.Chart` out."""

from __future__ import annotations

import altair as alt
import pandas as pd

from custdash.charts import WIDTH
from custdash.i18n import t, tier_label
from custdash.rules import Rules
from custdash.rules_grades import GRADES

# A (the best) to E: from the house's teal to its red.
GRADE_PALETTE = ["#2e8b57", "#4e9a8f", "#d4a72c", "#e08a3c", "#b8322a"]


def grade_bars(df: pd.DataFrame, *, lang: str, title: str, key_title: str) -> alt.Chart:
    """Customers per grade, stacked, per branch or manager (`key`, already named)."""
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            x=alt.X("key:N", title=key_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("customers:Q", title=t("col.customers", lang)),
            color=alt.Color(
                "grade:N", title=t("col.grade", lang), scale=alt.Scale(domain=list(GRADES), range=GRADE_PALETTE)
            ),
            order=alt.Order("grade:N"),
            tooltip=[
                alt.Tooltip("key:N", title=key_title),
                alt.Tooltip("grade:N", title=t("col.grade", lang)),
                alt.Tooltip("customers:Q", title=t("col.customers", lang), format=","),
            ],
        )
        .properties(width=WIDTH, height=300)
    )


def grade_tier_grid(df: pd.DataFrame, *, rules: Rules, lang: str, title: str) -> alt.Chart:
    """Customers per tier (rows) x grade (columns)."""
    order = [tier_label(c, rules, lang) for c in rules.tier_codes]
    data = df.assign(tier_label=[tier_label(c, rules, lang) for c in df["tier"]])
    base = alt.Chart(data, title=title).encode(
        x=alt.X("grade:N", sort=list(GRADES), title=t("col.grade", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("tier_label:N", sort=list(reversed(order)), title=t("col.tier", lang)),
        tooltip=[
            alt.Tooltip("tier_label:N", title=t("col.tier", lang)),
            alt.Tooltip("grade:N", title=t("col.grade", lang)),
            alt.Tooltip("customers:Q", title=t("col.customers", lang), format=","),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), legend=None), opacity=alt.value(0.85)
    )
    text = base.mark_text(fontSize=12).encode(text=alt.Text("customers:Q", format=","))
    return (cells + text).properties(width=WIDTH, height=300)
