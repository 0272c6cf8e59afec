"""Tiers: distribution by tier (counts and AUM) and month-over-month migration."""

import streamlit as st

from custdash import charts, config, ui
from custdash.queries.tiers import migration_summary

view = ui.page("tiers")
st.caption(view.t("overview.caption", month=view.periods.basis_month))
splits = {"none": None, "branch": "branch", "manager": "manager"}
split = (
    st.segmented_control(
        view.t("tiers.split"),
        list(splits),
        default="none",
        key="tiers_split",
        format_func=lambda s: view.t(f"tiers.split_{s}"),
    )
    or "none"
)
if split == "none":
    df = ui.data(view, "tiers")
else:
    df = ui.data(view, "tiers", split=splits[split])
    df = df.rename(columns={f"{split}_id": split})
    # Customers no manager serves: a named bar, never a raw "null".
    df[split] = [v if isinstance(v, str) else view.t(f"tiers.no_{split}") for v in df[split]]
if df["customers"].sum() == 0:
    st.info(view.t("common.empty"), icon=":material/person_off:")
    st.stop()
key = splits[split]
c1, c2 = st.columns(2)
c1.altair_chart(
    charts.tier_bars(
        df, rules=view.rules, lang=view.lang, value="customers", split=key, title=view.t("tiers.count_chart")
    ),
    width="stretch",
)
c2.altair_chart(
    charts.tier_bars(df, rules=view.rules, lang=view.lang, value="aum", split=key, title=view.t("tiers.aum_chart")),
    width="stretch",
)
table = df.rename(columns={split: f"{split}_id"}) if key else df
st.dataframe(ui.localise(table, view), hide_index=True, width="stretch")

periods = view.periods
st.subheader(view.t("tiers.migration", prev=periods.prev_month, month=periods.basis_month))
migration = ui.data(view, "migration")
moves = migration_summary(migration)
cols = st.columns(3)
for col, move in zip(cols, ("up", "down", "same")):
    col.metric(view.t(f"move.{move}"), f"{moves[move]:,}")
st.altair_chart(
    charts.migration_heatmap(
        migration, rules=view.rules, lang=view.lang, title=view.t("tiers.migration_chart"), up_red=config.up_is_red()
    ),
    width="stretch",
)
