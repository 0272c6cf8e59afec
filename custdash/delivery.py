"""Delivering a call list as a file: the one path for the dashboard's downloads and the CLI.

query (inside the viewer's scope) -> phones revealed only where the viewer's role needs it
-> headers and values (machine or human, `lang`) -> bytes -> an audit record. The viewer
is checked here, at the moment the file is made, not when the button was drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from custdash.auth import Viewer, record, reveal_for, scope_for
from custdash.export import export_filename, human_headers, human_table, to_csv_bytes, to_xlsx_bytes
from custdash.rules import Rules
from custdash.views import call_list, my_day

# A manager's day (views.my_day) delivered as the call sheet, like a call list.
CALL_SHEET = "myday"

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ListFile:
    data: bytes
    rows: int
    file_name: str
    mime: str


@dataclass(frozen=True)
class ListRequest:
    """Which list, for which filters, in which form. `lang` None: the machine form (the
    contract's column names, customer_id first); "en"/"zh": the human form."""

    name: str
    fmt: str
    as_of: date
    branch_id: str | None = None
    manager_id: str | None = None
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def deliver_list(read: Session, audit: Session, *, viewer: Viewer, rules: Rules, request: ListRequest) -> ListFile:
    """The file for one call list, audited. Raises auth.ScopeDenied outside the viewer's scope
    (nothing is read or written then) and ValueError for an unknown list or format. Full phones
    only where the viewer's role allows (reveal_for): one rule for the dashboard and the CLI."""
    if request.fmt not in FORMATS:
        raise ValueError(f"unknown format {request.fmt!r}; expected one of {', '.join(FORMATS)}")
    scope = scope_for(viewer, request.branch_id, request.manager_id)
    if request.name == CALL_SHEET:
        df = my_day(read, as_of=request.as_of, rules=rules, scope=scope)
    else:
        df = call_list(request.name, read, as_of=request.as_of, rules=rules, scope=scope, **request.extra)
    df = reveal_for(viewer, df)
    if request.lang is None:
        headers, kinds, keep_id = None, None, True
    else:
        df, kinds = human_table(df, rules=rules, lang=request.lang)
        headers, keep_id = human_headers(list(df.columns), rules=rules, lang=request.lang), False
    if request.fmt == "csv":
        human = request.lang is not None
        # The human CSV is the one people open in Excel: phones and ids that are digit strings
        # (`000123`, branch `0007`) are written as ="…" so Excel keeps them whole. The machine
        # form (the CLI without --lang) stays plain for diallers and pandas.
        excel = ("phone", *(c for c in df.columns if c.endswith("_id"))) if human else ()
        data = to_csv_bytes(df, headers=headers, keep_id=keep_id, text_cols=excel, decimals=2 if human else None)
    else:
        data = to_xlsx_bytes(df, sheet=request.name, headers=headers, keep_id=keep_id, kinds=kinds)
    record(
        audit,
        username=viewer.username,
        event="export",
        branch_id=viewer.branch_id,
        list_name=request.name,
        rows=len(df),
        filters={
            "branch": scope.branch_id,
            "manager": scope.manager_id,
            "as_of": request.as_of.isoformat(),
            "format": request.fmt,
            "revealed": viewer.role == "manager",
            **request.extra,
        },
    )
    audit.commit()
    return ListFile(data=data, rows=len(df), file_name=list_file_name(viewer, request), mime=FORMATS[request.fmt])


def list_file_name(viewer: Viewer, request: ListRequest) -> str:
    """The file's name for this viewer and request: the scope it holds (the viewer's own when the
    request names none), the options and the date. Raises auth.ScopeDenied like deliver_list."""
    scope = scope_for(viewer, request.branch_id, request.manager_id)
    return export_filename(
        request.name,
        as_of=request.as_of,
        branch_id=scope.branch_id,
        manager_id=scope.manager_id,
        ext=request.fmt,
        extra=request.extra,
    )
