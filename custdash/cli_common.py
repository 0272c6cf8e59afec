"""What every `python -m custdash` command shares: the usage error, the --db and scope
options, the as-of date and scope checks, opening the store."""

from __future__ import annotations

import argparse
import re
from datetime import date

from sqlmodel import Session

from custdash.calendar import as_of_window
from custdash.db import check_store, make_engine
from custdash.scope import ALL, Scope, UnknownScope, load_directory
from custdash.scope import resolve_scope as resolve_requested


class UsageError(ValueError):
    """A bad command-line value (custdash.cli prints it as one line)."""


def parse_as_of(value: str | None, store_as_of: date | None, first_aum_month: str | None = None) -> date:
    if value is None:
        if store_as_of is None:
            raise UsageError("the store has no as-of date (is it empty?); pass --as-of YYYY-MM-DD")
        return store_as_of
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        d = date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of must be a date YYYY-MM-DD, got {value!r}") from None
    if store_as_of is not None:
        lo, _hi = as_of_window(store_as_of, first_aum_month)
        if not lo <= d <= store_as_of:
            raise UsageError(f"--as-of {value} is outside the data: the extract covers {lo} to {store_as_of}")
    return d


def resolve_scope(session: Session, branch: str | None, manager: str | None) -> Scope:
    """A scope whose ids exist in the store (an unknown id is an error, not an empty answer)."""
    try:
        return resolve_requested(ALL, branch, manager, directory=load_directory(session))
    except UnknownScope as e:
        raise UsageError(str(e)) from None


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", default=None, help="store path or SQLAlchemy URL (default: $CUSTDASH_DB or data/custdash.db)"
    )


def scope_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", help="evaluate the rules at this date YYYY-MM-DD (default: the extract date)")
    p.add_argument("--branch", help="only this branch id")
    p.add_argument("--manager", help="only this manager id's customers")


def open_store(target: str):
    engine = make_engine(target)
    info = check_store(engine, target)
    return engine, info
