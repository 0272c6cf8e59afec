"""Data for a page, tables on screen and call-list downloads."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from custdash import config
from custdash.auth import ScopeDenied, record, resume_session
from custdash.columns import column_headers, named_codes, value_kind
from custdash.delivery import FORMATS, ListRequest, deliver_list
from custdash.export import export_filename, mask_frame, people_order, with_due_aim
from custdash.i18n import TEXT, money_exact, percent
from custdash.scope import Scope
from custdash.ui.session import session_idle_minutes
from custdash.ui.state import View, reading, rules_now, writing
from custdash.ui.work import contacts_version, customer_actions, row_actions, selected_rows, status_filter
from custdash.views import SCREEN_ROWS, VIEWS


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(
    name: str,
    target: str,
    data_version: str,
    rules_fp: str,
    as_of: date,
    scope: Scope,
    extra: tuple[tuple[str, Any], ...],
) -> Any:
    # data_version changes with every import, so a new extract never meets old cache entries.
    with reading(target) as s:
        return VIEWS[name](s, as_of=as_of, rules=rules_now(), scope=scope, **dict(extra))


def data(view: View, name: str, **extra: Any) -> Any:
    """One view's data under the page's filters, inside the viewer's scope (cached per store
    version, contact log version, filters and scope: a logged contact changes statuses, list
    sizes, honeymoon waves and 回检). A scope the viewer may not see stops the page."""
    try:
        scope = view.scope
    except ScopeDenied:
        st.warning(view.t("login.denied"), icon=":material/block:")
        st.stop()
    version = f"{view.data_version}:{contacts_version(view.target)}"
    # Away from the extract date (and month-ends) a whole-bank view takes seconds: Streamlit
    # shows the spinner only when the call runs longer than half a second, so cached and
    # facts-backed answers never flash it.
    with st.spinner(view.t("common.working", date=view.as_of.isoformat()), show_time=True):
        return _cached(
            name,
            view.target,
            version,
            view.rules.fingerprint,
            view.as_of,
            scope,
            tuple(sorted(extra.items())),
        )


def localise(df: pd.DataFrame, view: View, *, exact: bool = False) -> pd.DataFrame:
    """For the screen: phones masked, codes named, numbers formatted, headers translated.
    `exact`: amounts to the fen (a customer's row), not compact (a total)."""
    out = with_due_aim(mask_frame(df), rules=view.rules, lang=view.lang)
    fmt_money = (lambda v: money_exact(v, view.lang)) if exact else view.money
    for col in out.columns:
        kind = value_kind(col, out[col])
        if kind == "code":  # the files' naming (columns.named_codes); an empty tier blank
            out[col] = ["" if v is None else v for v in named_codes(col, list(out[col]), view.rules, view.lang)]
        elif col == "last_activity":  # a dormant card never used shows as such, not blank
            out[col] = [v.isoformat() if v is not None and not pd.isna(v) else view.t("val.never") for v in out[col]]
        elif kind == "money":
            out[col] = [fmt_money(v) for v in out[col]]
        elif kind == "pct":
            out[col] = [percent(v, 2) for v in out[col]]
        elif kind == "int":
            out[col] = ["" if v is pd.NA else f"{v:,}" for v in out[col]]
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in out[col]]
    return out.rename(columns=column_headers(list(out.columns), view.rules, view.lang))


def _text_px(text: str) -> int:
    """About how wide a text is in the table's font: a CJK character twice a Latin one."""
    return sum(14 if unicodedata.east_asian_width(ch) in "WF" else 8 for ch in text)


def fitted_columns(shown: pd.DataFrame, *, widest: int = 360) -> dict[str, Any]:
    """Column widths that show every header whole (Streamlit sizes a column by its cells and cut
    "升级后…", "当前波次目…"), and the widest cell of the rows shown, up to `widest` pixels."""
    widths = {}
    for col in shown.columns:
        cells = max((_text_px(str(v)) for v in shown[col].head(SCREEN_ROWS)), default=0)
        widths[col] = st.column_config.Column(width=min(max(_text_px(str(col)), cells) + 32, widest))
    return widths


class DownloadRefused(PermissionError):
    """The session behind a download button ended (sign-out, idle expiry) before the click."""


def export_file(view: View, list_name: str, fmt: str, extra: dict[str, Any], token: str | None = None) -> bytes:
    """The file for one call list under the view's filters, in the screen's language, audited.

    Runs when the user clicks a download button (Streamlit's deferred download), outside
    the page script: the audit records real downloads, and no page rerun happens. The viewer
    is checked then, from the session id (`token`): a button left on screen after the session
    ended delivers nothing, and the file follows the user's rights at that moment."""
    viewer = view.viewer
    if token is not None:
        with writing(view.target) as s:
            current = resume_session(s, token, idle_minutes=session_idle_minutes(), touch=False)
            if current is None:
                record(s, username=view.viewer.username, event="export_refused", list_name=list_name)
                s.commit()
                raise DownloadRefused(f"the session behind this {list_name} download has ended")
        viewer = current
        view = View(**{**view.__dict__, "viewer": viewer})
    request = ListRequest(
        name=list_name,
        fmt=fmt,
        as_of=view.as_of,
        branch_id=view.branch_id,
        manager_id=view.manager_id,
        lang=view.lang,
        extra=dict(extra),
    )
    with reading(view.target) as read, writing(view.target) as audit:
        return deliver_list(read, audit, viewer=view.viewer, rules=view.rules, request=request).data


def show_list(view: View, list_name: str, **extra: Any) -> None:
    """A call list: its first rows on screen with each customer's status (filterable, `new`
    first), complete in the CSV and Excel downloads (the whole list is read only when a download
    is clicked); a selected row can be worked (custdash.ui.work)."""
    status = status_filter(view, list_name)
    if status is not None:
        extra = {**extra, "status": status}
    total = data(view, f"count:{list_name}", **extra)
    if not total:
        st.info(view.t("common.empty"), icon=":material/person_off:")
        return
    # A list counts customers, the maturity list products (a row each).
    st.caption(view.t(f"{list_name}.rows" if f"{list_name}.rows" in TEXT else "common.rows", n=total))
    shown = data(view, f"list:{list_name}", limit=SCREEN_ROWS, **extra)
    # The status right after who the customer is, as in the human files (the machine form keeps
    # the contract's order, status last).
    table = localise(shown[people_order(list(shown.columns))], view, exact=True)
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=fitted_columns(table),
        on_select="rerun",
        selection_mode="single-row",
        # A logged contact re-sorts the list (new first): a new key, so no stale selection
        # points at whoever moved into the selected row's place.
        key=f"rows_{list_name}_{view.lang}_{contacts_version(view.target)}",
    )
    if total > SCREEN_ROWS:
        st.caption(view.t("common.showing", shown=SCREEN_ROWS, total=total))
    row_actions(view, list_name, shown, selected_rows(event))
    download_buttons(view, list_name, extra)


def download_buttons(view: View, list_name: str, extra: dict[str, Any]) -> None:
    """CSV and Excel of a whole list (or the call sheet), made and audited when clicked."""
    row = st.container(horizontal=True)
    token = st.session_state.get("token")
    for fmt, label in (("csv", "common.download_csv"), ("xlsx", "common.download_xlsx")):
        row.download_button(
            view.t(label),
            data=lambda fmt=fmt: export_file(view, list_name, fmt, extra, token),
            mime=FORMATS[fmt],
            on_click="ignore",
            file_name=export_filename(
                list_name,
                as_of=view.as_of,
                branch_id=view.branch_id,
                manager_id=view.manager_id,
                ext=fmt,
                extra=extra,
            ),
            key=f"dl_{list_name}_{fmt}",
            icon=":material/download:",
            help=view.t("common.download_csv_help") if fmt == "csv" else None,
        )


def show_queue(view: View, queue: pd.DataFrame) -> None:
    """A manager's day: the queue, a selected row's actions, the call sheet's downloads."""
    table = localise(queue.drop(columns=["contact_list"]), view, exact=True)
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=fitted_columns(table),
        on_select="rerun",
        selection_mode="single-row",
        key=f"rows_myday_{view.lang}_{contacts_version(view.target)}",
    )
    selected = selected_rows(event)
    if selected and selected[0] < len(queue):
        row = queue.iloc[selected[0]]
        customer_actions(view, str(row["customer_id"]), str(row["name"]), str(row["contact_list"]))
    else:
        st.caption(view.t("contact.pick"))
    download_buttons(view, "myday", {})


def delta(change: float, text: str) -> dict[str, Any]:
    """metric() arguments for a change: no arrow and grey for none (never "↑ +0"); otherwise
    the configured convention (red up and green down by default, CUSTDASH_UP_COLOR)."""
    if change == 0:
        return {"delta": text, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text, "delta_color": "inverse" if config.up_is_red() else "normal"}
