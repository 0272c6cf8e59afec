"""Contribution grade (客户分级): the customers by what they bring (DOMAIN.md §9)."""

import streamlit as st

from custdash import charts_grades, ui

view = ui.page("grades")
g = view.rules.grades
st.caption(view.t("grades.caption", **{f"w_{d}": w for d, w in g.weights.items()}))
split = (
    st.segmented_control(
        view.t("tiers.split"),
        ["branch", "manager"],
        default="branch",
        key="grades_split",
        format_func=lambda s: view.t(f"tiers.split_{s}"),
    )
    or "branch"
)
by = ui.data(view, "grades_by", split=split)
if by["customers"].sum() == 0:
    st.info(view.t("common.empty"), icon=":material/person_off:")
    st.stop()
totals = by.groupby("grade", sort=False)["customers"].sum()
for col, (grade, n) in zip(st.columns(len(totals)), totals.items()):
    col.metric(view.t("grades.grade", grade=grade), f"{int(n):,}")
by["key"] = [k if isinstance(k, str) else view.t(f"tiers.no_{split}") for k in by["key"]]
left, right = st.columns(2)
left.altair_chart(
    charts_grades.grade_bars(
        by, lang=view.lang, title=view.t("grades.by_key"), key_title=view.t(f"tiers.split_{split}")
    ),
    width="stretch",
)
right.altair_chart(
    charts_grades.grade_tier_grid(
        ui.data(view, "grade_by_tier"), rules=view.rules, lang=view.lang, title=view.t("grades.by_tier")
    ),
    width="stretch",
)
st.caption(view.t("grades.gems"))
