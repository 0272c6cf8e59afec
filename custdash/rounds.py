"""Rounds anchored on a date (DOMAIN.md §5, §10): one engine for every campaign that works its
customers in rounds.

A campaign has a name (its rounds' contact lists are `<name>-<round key>`) and rounds, each a
window of days from an anchor: each customer's opening date for the honeymoon (its waves,
custdash/lists/honeymoon.py), a calendar day such as Lunar New Year for the 213N campaign.
A round's status for a customer at the as-of date A is `done` when it was worked (a touch in
the extract, a logged contact for its list: the caller says which), else `overdue` after its
window, `due` inside it and `upcoming` before it.

The anchor is a column (one date per customer: the windows become bounds on that column, so
an index on it finds the customers) or one date for every customer (the status is then the
same for all but `done`, worked out here once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import ColumnElement, case, exists, literal, or_, select
from sqlalchemy.orm import Session

from custdash.calendar import days_before
from custdash.contacts import counted_until
from custdash.models import ContactLog

STATUSES = ("done", "due", "overdue", "upcoming")
# (round, customer column) -> "a contact for the round is logged for that customer".
LoggedRound = Callable[[Any, Any], Any]


class Round(Protocol):
    """A round: its key (in its contact list's name) and its first and last day, in days from
    the anchor (the honeymoon's waves are rounds)."""

    @property
    def key(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def status_on(r: Round, as_of: date, anchor: date) -> str:
    """A round's status at `as_of` for an anchor date, before the round is done."""
    day = (as_of - anchor).days
    return "overdue" if day > r.end else "due" if day >= r.start else "upcoming"


def status(r: Round, as_of: date, *, done: ColumnElement[bool], anchor: Any) -> ColumnElement[str]:
    """The round's status for each row: `anchor` a date column (day n = A − anchor, so
    day > end ⇔ anchor < A − end) or one date for every row."""
    if isinstance(anchor, date):
        return case((done, literal("done")), else_=literal(status_on(r, as_of, anchor)))
    return case(
        (done, literal("done")),
        (anchor < days_before(as_of, r.end), literal("overdue")),
        (anchor <= days_before(as_of, r.start), literal("due")),
        else_=literal("upcoming"),
    )


def flags(
    rounds: Sequence[Round], as_of: date, *, done: Callable[[Any], ColumnElement[bool]], anchor: Any
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(any round due, any round overdue) for each row."""
    statuses = [status(r, as_of, done=done(r), anchor=anchor) for r in rounds]
    return or_(*[s == "due" for s in statuses]), or_(*[s == "overdue" for s in statuses])


def n_overdue(statuses: Sequence[ColumnElement[str]]) -> ColumnElement[int]:
    """How many of a row's rounds are overdue."""
    return sum((case((st == "overdue", 1), else_=0) for st in statuses), literal(0))


@dataclass(frozen=True)
class Campaign:
    """A campaign's name and rounds: what its contact lists are, and which logged contacts
    mark its rounds done."""

    name: str
    rounds: Sequence[Round]

    def contact_list(self, r: Round) -> str:
        """The contact list of a round (DOMAIN.md §7, §10): `<campaign>-<round>`."""
        return f"{self.name}-{r.key}"

    def contact_lists(self) -> list[str]:
        return [self.contact_list(r) for r in self.rounds]

    def logged(self, session: Session, *, as_of: date, since: date | None = None) -> LoggedRound | None:
        """A logged contact for a round marks it done, whatever its outcome, like a touch from
        the extract: dated on or before `as_of` (at the extract date, whenever logged;
        contacts.counted_until) and, with `since`, on or after it (a yearly campaign's span).
        None when no such contact exists at all (the written rows then stand as they are)."""
        c = ContactLog
        until = counted_until(session, as_of)
        dated = [] if until is None else [c.contacted_on <= until]
        dated += [] if since is None else [c.contacted_on >= since]
        if not session.execute(select(exists().where(c.list_name.in_(self.contact_lists()), *dated))).scalar():
            return None

        def logged(r: Round, customer: Any) -> Any:
            return exists().where(c.customer_id == customer, c.list_name == self.contact_list(r), *dated)

        return logged
