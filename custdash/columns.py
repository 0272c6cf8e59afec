"""What kind of value each column of a table or an export holds, declared once: the screen
(ui.tables.localise) and the human files (export.human_table, headers with units, Excel's
number formats) follow `value_kind` (from these sets), and name a code column's values through `named_codes`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from custdash.i18n import TEXT, list_label, reasons_text, t, tier_label, wave_label
from custdash.rules import Rules

# What kind of value each column holds: the screen formats and the human-readable exports
# (headers with units, Excel number formats) both follow this one table.

MONEY_COLS = frozenset(
    {
        "aum",
        "next_bound",
        "gap",
        "balance",
        "peak_aum_12m",
        "subsidy",
        "avg_aum",
        "outflow_total",
        "earlier_aum",
        "end_aum",
        "shortfall",
        "amount",
        "household_aum",
        "top_aum",
        "basis_aum",
    }
)
TIER_COLS = frozenset({"tier", "next_tier", "household_tier", "top_tier"})
BOOL_COLS = frozenset({"never_used", "zero_balance", "priority", "dormant", "outflow", "aum_drop"})
# Product kinds, translated as product.<value>.
PRODUCT_COLS = frozenset({"product"})
# A customer's status on a call list (contacts.STATUSES), translated as contact.status.<value>.
STATUS_COLS = frozenset({"contact_status"})
# A household member's relation to the head, translated as relation.<value>.
RELATION_COLS = frozenset({"relation", "top_relation"})
# Reasons of a queue row and the contact list it is logged for, in words.
REASON_COLS = frozenset({"reasons"})
LIST_COLS = frozenset({"contact_list"})
PCT_COLS = frozenset({"gap_pct", "utilisation", "outcome_rate", "control_rate", "difference"})
# A difference of two rates is in percentage points (百分点), not a percentage of anything.
POINT_COLS = frozenset({"difference"})


def is_wave_col(col: str) -> bool:
    return col.startswith("wave_") and col[5:].isdigit()


# Columns whose values are codes, named in words on the screen and in the files alike.
CODE_COLS = {
    "tier": TIER_COLS,
    "bool": BOOL_COLS,
    "status": STATUS_COLS,
    "reason": REASON_COLS,
    "list": LIST_COLS,
    "product": PRODUCT_COLS,
    "relation": RELATION_COLS,
}


def code_kind(col: str) -> str | None:
    """The kind of code a column holds (CODE_COLS, or "wave" for a wave's status); None for
    amounts, counts, dates and free text, which keep their values."""
    if is_wave_col(col):
        return "wave"
    return next((kind for kind, cols in CODE_COLS.items() if col in cols), None)


def value_kind(col: str, series: Any) -> str:
    """How a column's values are shown, on screen and in the human files alike: "code" (named
    in words: `named_codes`), "money", "pct", "int", "date" or "text". The screen renders each
    kind as text (ui.tables.localise); a file keeps numbers and dates and gives Excel each
    kind's number format (export.human_table)."""
    if code_kind(col) is not None:
        return "code"
    if col in MONEY_COLS:
        return "money"
    if col in PCT_COLS:
        return "pct"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    # A column holds dates or nothing: its first value says which (testing every cell of every
    # column was a tenth of the largest list's CSV).
    at = series.first_valid_index()
    return "date" if at is not None and isinstance(series.loc[at], date) else "text"


def named_codes(col: str, values: list[object], rules: Rules, lang: str) -> list[object]:
    """A code column's values in words: the one naming of the screen (ui.tables.localise) and
    the human files (export.human_table). Each distinct code is named once: a list at 1M
    customers has 156,000 rows and a handful of codes. A tier left empty stays None."""
    kind = code_kind(col)
    if kind == "bool":
        words = {True: t("val.yes", lang), False: t("val.no", lang)}
        return [words[bool(v)] for v in values]
    name = {
        "tier": lambda v: tier_label(v, rules, lang) if isinstance(v, str) else None,
        "wave": lambda v: t(f"status.{v}", lang),
        "status": lambda v: t(f"contact.status.{v}", lang),
        "reason": lambda v: reasons_text(v, lang),
        "list": lambda v: list_label(v, lang),
        "product": lambda v: t(f"product.{v}", lang),
        "relation": lambda v: t(f"relation.{v}", lang) if isinstance(v, str) else None,
    }[kind or ""]
    names = {v: name(v) for v in set(values)}
    return [names[v] for v in values]


def column_headers(columns: list[str], rules: Rules, lang: str, *, units: bool = False) -> dict[str, str]:
    """Column -> header in `lang`; with `units`, amounts say their unit (元 / CNY) and ratios %."""
    names = {}
    for c in columns:
        if is_wave_col(c):
            names[c] = wave_label(int(c[5:]), rules, lang)
        elif f"col.{c}" in TEXT:
            names[c] = t(f"col.{c}", lang)
            if units and c in MONEY_COLS:
                names[c] += t("unit.money", lang)
            elif units and c in POINT_COLS:
                names[c] += t("unit.points", lang)
            elif units and c in PCT_COLS:
                names[c] += t("unit.percent", lang)
    return names
