"""The customer page's parts: finding a customer inside the viewer's scope, and showing
everything views.customer_360 returns (masked, translated, plain text)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from custdash import charts
from custdash.auth import record
from custdash.export import mask_phone
from custdash.i18n import TEXT, money_exact
from custdash.lists import OTHER, worked_for
from custdash.ui.state import View, plain, writing
from custdash.ui.tables import data, localise
from custdash.ui.work import customer_actions, list_label

# The search box: ids are short, names shorter; anything longer is cut, never an error.
QUERY_MAX = 64


def pick_customer(view: View) -> str | None:
    """The customer to show: the one opened from a list row, or found with the search box."""
    opened = st.session_state.get("customer_id")
    # No max_chars: its "1/64" counter read as "result 1 of 64". A longer query is cut here.
    query = st.text_input(
        view.t("customer.search"),
        value=opened or "",
        help=view.t("customer.search_help"),
        key=f"customer_query_{view.lang}",
    ).strip()[:QUERY_MAX]
    if not query:
        st.info(view.t("customer.start"), icon=":material/person_search:")
        return None
    hits = data(view, "customer_search", query=query)
    if hits.empty:
        st.info(view.t("customer.none"), icon=":material/person_off:")
        return None
    ids = hits["customer_id"].tolist()
    names = dict(zip(ids, hits["name"]))
    first = ids.index(opened) if opened in ids else 0
    chosen = st.selectbox(
        view.t("customer.choose"),
        ids,
        index=first,
        format_func=lambda c: f"{c} {names[c]}",
        key=f"customer_pick_{query}_{view.lang}",
    )
    st.session_state["customer_id"] = chosen
    st.query_params["customer"] = chosen  # the page can be bookmarked or sent (?customer=…)
    return chosen


def audit_opened(view: View, customer_id: str) -> None:
    """One audit record per customer a viewer opens (not per rerun of the page)."""
    if st.session_state.get("audited_customer") == (customer_id, view.as_of):
        return
    with writing(view.target) as s:
        record(
            s,
            username=view.viewer.username,
            event="customer_view",
            branch_id=view.viewer.branch_id,
            filters={"customer": customer_id, "as_of": view.as_of.isoformat()},
        )
        s.commit()
    st.session_state["audited_customer"] = (customer_id, view.as_of)


def show_customer(view: View, one: dict[str, Any]) -> None:
    who = one["profile"]
    st.subheader(plain(f"{who['customer_id']} {who['name']}"), anchor=False)
    phone = who["phone"] if _reveals(view, who) else mask_phone(who["phone"])
    st.text(
        f"{view.t('col.phone')}: {phone or '-'}    {view.t('col.branch_id')}: {who['branch_id']}    "
        f"{view.t('col.manager_id')}: {who['manager_id'] or '-'}    "
        f"{view.t('customer.opened')}: {who['opened_on'].isoformat()}"
    )
    if not who["opened"]:
        st.info(view.t("customer.not_yet"), icon=":material/event_busy:")
    first_list = next(iter(one["lists"]), None)
    row = one["lists"].get(first_list, {}) if first_list else {}
    contact_for = worked_for(first_list, row.get, view.rules) if first_list else OTHER
    customer_actions(view, who["customer_id"], who["name"], contact_for, open_page=False)
    _standing(view, who)
    _grade(view, one["grade"])
    _household(view, one["family"])
    st.altair_chart(
        charts.aum_history_chart(one["aum"], rules=view.rules, lang=view.lang, title=view.t("customer.aum_chart")),
        width="stretch",
    )
    _lists(view, one["lists"])
    _waves(view, one["waves"])
    left, right = st.columns(2)
    left.markdown(f"**{view.t('customer.cards')}**")
    cards = one["cards"].assign(status=[_word(view, "card", c) for c in one["cards"]["status"]])
    left.dataframe(localise(cards, view, exact=True), hide_index=True, width="stretch")
    right.markdown(f"**{view.t('customer.products')}**")
    right.dataframe(_products(one["products"], view), hide_index=True, width="stretch")
    r = one["redemptions"]
    entitled = who["entitlement"]
    st.caption(
        view.t("customer.cinema", n=r["redemptions"], tickets=r["tickets"], free=r["free_used"], entitled=entitled)
    )
    _timeline(view, one["timeline"])


def _reveals(view: View, who: dict[str, Any]) -> bool:
    """A manager sees the full phone of their own customers (the rule of auth.reveal_for)."""
    return view.viewer.role == "manager" and who["manager_id"] == view.viewer.manager_id


def _standing(view: View, who: dict[str, Any]) -> None:
    cols = st.columns(3)
    cols[0].metric(view.t("customer.tier", month=who["basis_month"]), view.tier(who["tier"]))
    cols[1].metric(view.t("col.aum"), view.money(who["basis_aum"]))
    if who["next_tier"] is None:
        cols[2].metric(view.t("col.next_tier"), "-")
        st.caption(view.t("customer.top_tier"))
        return
    cols[2].metric(view.t("customer.next", tier=view.tier(who["next_tier"])), view.money(who["gap"]))
    st.caption(
        view.t(
            "customer.next_brings",
            tier=view.tier(who["next_tier"]),
            tickets=who["next_entitlement"],
            now=who["entitlement"],
        )
    )


def _grade(view: View, grade: dict[str, Any] | None) -> None:
    """The contribution grade with each dimension's measure, points and weight: the reason."""
    if grade is None:
        return
    score = f"{grade['score']:g}"
    st.markdown(f"**{view.t('customer.grade', grade=grade['grade'], score=score)}**")
    g = view.rules.grades
    measure = {
        "aum": money_exact(grade["aum"], view.lang),
        "products": f"{grade['products']:,}",
        "activity": f"{grade['activity']:,}",
        "channel": "-" if grade["fallback"] else f"{grade['channel']:,}",
    }
    table = pd.DataFrame(
        {
            view.t("col.dimension"): [view.t(f"dimension.{d}") for d in g.weights],
            view.t("col.measure"): [measure[d] for d in g.weights],
            view.t("col.points"): [grade[f"{d}_points"] for d in g.weights],
            view.t("col.weight"): [f"{w}%" for w in g.weights.values()],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    if grade["fallback"]:
        st.caption(view.t("customer.grade_fallback", points=g.channel_fallback_points))


def _household(view: View, home: dict[str, Any] | None) -> None:
    """The customer's household: each member's relation, tier and basis AUM; a member outside the
    viewer's scope only as their relation and "another manager" / "another branch"."""
    if home is None:
        return
    st.markdown(f"**{plain(view.t('customer.household', household=home['household_id']))}**")
    if not home["shown"]:
        st.caption(plain(view.t("customer.household_small", household=home["household_id"])))
        return
    st.caption(
        view.t(
            "customer.household_summary",
            members=home["size"],
            aum=money_exact(home["household_aum"], view.lang),
            tier=view.tier(home["household_tier"]),
        )
    )
    rows = [
        {
            "relation": view.t(f"relation.{m['relation']}"),
            "customer_id": m.get("customer_id", ""),
            "name": m["name"] if "name" in m else view.t(f"customer.elsewhere.{m['elsewhere']}"),
            "tier": view.tier(m["tier"]) if "tier" in m else "",
            "basis_aum": money_exact(m["basis_aum"], view.lang) if "basis_aum" in m else "",
        }
        for m in home["members"]
    ]
    table = pd.DataFrame(rows, columns=["relation", "customer_id", "name", "tier", "basis_aum"])
    st.dataframe(table.rename(columns=lambda c: view.t(f"col.{c}")), hide_index=True, width="stretch")


def _lists(view: View, lists: dict[str, dict[str, Any]]) -> None:
    st.markdown(f"**{view.t('customer.lists')}**")
    if not lists:
        st.caption(view.t("customer.no_lists"))
        return
    for name, row in lists.items():
        shown = localise(pd.DataFrame([row]), view, exact=True)
        st.markdown(f"*{plain(view.t(f'page.{_page_of(name)}'))}*")
        person = [view.t(f"col.{c}") for c in ("customer_id", "name", "phone", "branch_id", "manager_id")]
        st.dataframe(shown.drop(columns=[c for c in person if c in shown.columns]), hide_index=True, width="stretch")


def _page_of(list_name: str) -> str:
    from custdash.views import LISTS

    return LISTS[list_name].page


def _waves(view: View, row: dict[str, Any] | None) -> None:
    if row is None:
        return
    st.markdown(f"**{view.t('customer.honeymoon', day=row['day'])}**")
    waves = view.rules.honeymoon.waves
    table = pd.DataFrame(
        {
            view.t("col.wave"): [f"{w.wave} {w.name_zh if view.lang == 'zh' else w.name_en}" for w in waves],
            view.t("col.day"): [f"{w.start}–{w.end}" for w in waves],
            view.t("col.status"): [view.t(f"status.{row[f'wave_{w.wave}']}") for w in waves],
            view.t("col.due_aim"): [w.aim_zh if view.lang == "zh" else w.aim_en for w in waves],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def _products(df: pd.DataFrame, view: View) -> pd.DataFrame:
    out = df.copy()
    out["product"] = [_word(view, "product", p) for p in out["product"]]
    for col in ("opened_on", "matures_on"):
        out[col] = [d.isoformat() if isinstance(d, date) else "" for d in out[col]]
    out["amount"] = [money_exact(v, view.lang) for v in out["amount"]]
    return out.rename(columns={c: view.t(f"col.{c}") for c in out.columns})


def _timeline(view: View, df: pd.DataFrame) -> None:
    st.markdown(f"**{view.t('customer.timeline')}**")
    if df.empty:
        st.caption(view.t("customer.no_contacts"))
        return
    out = pd.DataFrame(
        {
            view.t("col.contacted_on"): [d.isoformat() for d in df["day"]],
            view.t("col.source"): [view.t(f"source.{s}") for s in df["source"]],
            view.t("col.list_name"): [list_label(n, view) for n in df["list_name"]],
            view.t("col.channel"): [_word(view, "contact.channel", c) for c in df["channel"]],
            view.t("col.outcome"): [_word(view, "contact.outcome", o) for o in df["outcome"]],
            view.t("col.note"): [n if isinstance(n, str) else "" for n in df["note"]],
            view.t("col.username"): [u if isinstance(u, str) else "" for u in df["username"]],
        }
    )
    st.dataframe(out, hide_index=True, width="stretch")


def _word(view: View, kind: str, value: Any) -> str:
    """A logged channel or outcome in words; the extract's own codes are shown as they are."""
    if not isinstance(value, str):
        return ""
    key = f"{kind}.{value}"
    return view.t(key) if key in TEXT else value
