"""The 回检 page's table and download: lists named, managers named, rates as percentages."""

from __future__ import annotations

import pandas as pd

from custdash.columns import column_headers
from custdash.export import to_csv_bytes
from custdash.i18n import percent, points
from custdash.lists import measured
from custdash.outcomes import COLUMNS
from custdash.ui.state import View, store_options

SHOWN = [c for c in COLUMNS if c != "total"]  # the table without its total flag
RATES = ("outcome_rate", "control_rate", "difference")


def outcome_list_labels(view: View) -> dict[str, str]:
    """Each measured list by the name it declares for 回检 (mostly its page's)."""
    return {spec.name: view.t(spec.outcome_label) for spec in measured()}


def _named(view: View, table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    _branches, managers = store_options(view.target, view.data_version)
    out = table[SHOWN].copy()
    out["list_name"] = [labels[n] for n in out["list_name"]]
    out["manager_id"] = [
        view.t("outcomes.all")
        if total
        else (f"{m} {managers.get(m, ('', ''))[1]}".strip() if isinstance(m, str) else view.t("outcomes.none"))
        for m, total in zip(table["manager_id"], table["total"])
    ]
    return out


def outcome_rows(view: View, table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The table on screen: every manager of the scope side by side, then each list's total
    (one manager's own view: their rows, which are the totals)."""
    if view.manager_id is not None:
        table = table[table["total"]]
    out = _named(view, table, labels)
    small = view.rules.contact.small_sample
    for col, base in (("outcome_rate", "contacted"), ("control_rate", "control")):
        out[col] = [_marked(percent(v, 1), n, small) for v, n in zip(out[col], out[base])]
    out["difference"] = [
        _marked(points(v, view.lang), min(a, b), small)
        for v, a, b in zip(out["difference"], out["contacted"], out["control"])
    ]
    return out.rename(columns=column_headers(SHOWN, view.rules, view.lang))


def _marked(text: str, customers: int, small: int) -> str:
    """A rate over fewer than `small` customers carries * (the page's caption explains it)."""
    return f"{text} *" if text and customers < small else text


def outcome_csv(view: View, table: pd.DataFrame, labels: dict[str, str]) -> bytes:
    """The same table as a CSV in the screen's language (rates in percent, as the headers say)."""
    out = _named(view, table, labels)
    for col in RATES:
        out[col] = [None if v is None or v != v else round(float(v) * 100, 2) for v in out[col]]
    # The small-sample mark as its own column: numbers stay numbers for a spreadsheet.
    out["small_sample"] = [
        view.t("val.yes") if min(a, b) < view.rules.contact.small_sample else ""
        for a, b in zip(out["contacted"], out["control"])
    ]
    headers = column_headers(SHOWN, view.rules, view.lang, units=True)
    headers["small_sample"] = view.t("col.small_sample", n=view.rules.contact.small_sample)
    return to_csv_bytes(out, headers=headers)
