"""Adding a call list is its module (issue #34): a tiny list declared here and registered as
every list is (custdash/lists) appears in the summary, the overview's tiles, the contact log,
the downloads, My day and 回检 with no other module touched.

The tiny list: the first three customers of the scope by id, opened by the as-of date; its
outcome (for 回检): the customer id ends in an odd digit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from custdash import auth, i18n, lists
from custdash.contact_log import NewContact, log_contact
from custdash.db import make_engine
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.models import Customer
from custdash.scope import ALL, Scope
from custdash.source import Rows
from custdash.statements import frame
from tests.conftest import EXAMPLE_AS_OF

A = EXAMPLE_AS_OF
COLUMNS = ["customer_id", "name", "phone", "branch_id", "manager_id"]


def _tiny_select(session, *, as_of, rules, scope, **_):
    c = Customer
    # The callers page the list with LIMIT: the three are chosen inside.
    first = select(c.customer_id).where(c.opened_on <= as_of, *scope.where()).order_by(c.customer_id).limit(3)
    return (
        select(c.customer_id, c.name, c.phone, c.branch_id, c.manager_id)
        .where(c.customer_id.in_(first.scalar_subquery()))
        .order_by(c.customer_id)
    )


def _shape(df, *, as_of, rules, **_):
    return df[COLUMNS].reset_index(drop=True)


def _odd(session, members, *, rules, as_of, start, limit):
    return lambda m, d: m.customer_id[-1] in "13579"


TINY = CallList(
    name="tiny",
    page="tiers",
    count="tiny",
    rows=Rows(live=_tiny_select),
    shape=_shape,
    columns=fixed_columns(COLUMNS),
    summary_key="tiny",
    queue_rank=0,  # first in My day
    outcome=Outcome(_odd),
    outcome_rank=99,  # last in 回检
    outcome_label="page.tiers",
)


@pytest.fixture()
def tiny(monkeypatch, example_store):
    """The tiny list registered, its i18n keys added, M1 of B1 and B1's head as users."""
    monkeypatch.setitem(lists.LISTS, "tiny", TINY)
    for key, words in {"overview.tiny": ("Tiny", "小名单"), "contact.list.tiny": ("Tiny", "小名单")}.items():
        monkeypatch.setitem(i18n.TEXT, key, dict(zip(("en", "zh"), words)))
    engine = make_engine(str(example_store))
    with Session(engine) as s:
        auth.add_user(s, username="m1", password="Rivers-and-Lakes-42", role="manager", branch_id="B1", manager_id="M1")
        auth.add_user(s, username="h1", password="Rivers-and-Lakes-42", role="head", branch_id="B1")
        book = list(
            s.execute(
                select(Customer.customer_id)
                .where(Customer.branch_id == "B1", Customer.manager_id == "M1", Customer.opened_on <= A)
                .order_by(Customer.customer_id)
                .limit(3)
            ).scalars()
        )
    engine.dispose()
    assert len(book) == 3
    return example_store, book


def test_a_tiny_list_is_counted_in_the_summary_and_on_the_overview(tiny, rules):
    from custdash.summary import list_sizes, summary
    from custdash.views import overview_tiles

    db, book = tiny
    engine = make_engine(str(db))
    with Session(engine) as s:
        manager = Scope(branch_id="B1", manager_id="M1")
        assert list_sizes(s, as_of=A, rules=rules, scope=manager)["tiny"] == 3
        assert summary(s, as_of=A, rules=rules, scope=manager)["tiny"] == 3
        assert summary(s, as_of=A, rules=rules, scope=ALL)["tiny"] == 3
    engine.dispose()
    assert overview_tiles()[-1] == ("tiny", "tiers", None)


def test_a_tiny_list_is_exported_worked_queued_and_measured(tiny, rules):
    from custdash.delivery import ListRequest, deliver_list
    from custdash.outcomes import outcome_table
    from custdash.views import call_list, list_select, my_day

    db, book = tiny
    assert "tiny" in lists.contact_names(rules)
    engine, writer = make_engine(str(db)), make_engine(str(db), writer=True)
    manager = Scope(branch_id="B1", manager_id="M1")
    with Session(engine) as read, Session(writer) as audit:
        viewer = auth.viewer_of(read, "m1")
        # The download: the list's rows, customer_id first, audited.
        file = deliver_list(
            read, audit, viewer=viewer, rules=rules, request=ListRequest(name="tiny", fmt="csv", as_of=A)
        )
        assert [line.split(",")[0] for line in file.data.decode("utf-8-sig").splitlines()[1:]] == book
        events = auth.audit_events(audit, auth.Viewer("root", "admin"))
        assert (events.iloc[0]["event"], events.iloc[0]["list_name"], events.iloc[0]["rows"]) == ("export", "tiny", 3)
        # My day: the tiny list first, each row worked for it.
        day = my_day(read, as_of=A, rules=rules, scope=manager)
        tiny_rows = day[day["reasons"].str.split(",").str[0] == "tiny"]
        assert list(tiny_rows["customer_id"]) == book
        assert set(tiny_rows["contact_list"]) == {"tiny"}
        # A contact logged for it: the row's status on the list, and 回检's contacted count.
        contact = NewContact(book[0], "tiny", "phone", "reached", on=A - timedelta(days=1))
        log_contact(read, audit, viewer=viewer, rules=rules, contact=contact, today=A)
        rows = call_list("tiny", read, as_of=A, rules=rules, scope=manager)
        assert list(zip(rows["customer_id"], rows["contact_status"])) == [
            *[(c, "new") for c in book[1:]],
            (book[0], "reached"),
        ]
        table = outcome_table(read, as_of=A, rules=rules, scope=manager, start=A - timedelta(days=1), lists=list_select)
        total = table[(table["list_name"] == "tiny") & table["total"]].iloc[0]
        odd = [c for c in book if c[-1] in "13579"]
        assert (total["on_list"], total["contacted"], total["reached"]) == (3, 1, 1)
        assert total["contacted_outcomes"] == int(book[0] in odd)
        assert total["control_outcomes"] == len([c for c in book[1:] if c in odd])
        assert table["list_name"].tolist()[-1] == "tiny"
    engine.dispose()
    writer.dispose()


def test_the_list_modules_are_the_registry(rules):
    """Each module of custdash/lists declares one list, registered under its name, and the
    contact lists, My day's queue and 回检's lists are read from the declarations."""
    assert list(lists.LISTS) == [m.LIST.name for m in lists.MODULES]
    assert lists.contact_names(rules) == (
        "threshold",
        "dormant",
        *[f"honeymoon-{w.wave}" for w in rules.honeymoon.waves],
        "alliance-unused",
        "churn",
        "downgrade",
        "maturity",
        "birthdays",
        "household",
        "other",
    )
    assert [s.name for s in lists.queue()] == [
        "honeymoon",
        "maturity",
        "churn",
        "downgrade",
        "threshold",
        "household",
        "birthdays",
        "dormant",
        "alliance-unused",
    ]
    assert [s.name for s in lists.measured()] == [
        "threshold",
        "dormant",
        "alliance-unused",
        "honeymoon",
        "churn",
        "downgrade",
        "maturity",
        "household",
    ]


def test_a_honeymoon_row_is_worked_for_its_first_open_wave_alike_in_sql_and_python(demo_db, rules):
    """The one declaration (`WorkedPerRow`) gives the SQL status key and the Python choice: on
    every row of the demo's honeymoon list they name the same contact list."""
    from tests.conftest import DEMO_AS_OF

    spec = lists.LISTS["honeymoon"]
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        sub = spec.select(s, as_of=DEMO_AS_OF, rules=rules, scope=ALL).subquery("h")
        key = spec.contact_key(rules)(sub.c)
        df = frame(s, select(sub, key.label("by_sql")))
    engine.dispose()
    assert len(df) > 0
    by_python = [spec.worked_for(row.get, rules) for row in df.to_dict("records")]
    assert by_python == [v if isinstance(v, str) else "other" for v in df["by_sql"]]


def test_a_tiny_list_kept_at_month_ends_is_written_and_read_there(tiny, rules, monkeypatch):
    """Declaring `MonthEndRows` is all it takes for the month-ends to keep a list (custdash/
    month_ends.py iterates the registry) and for its count at a month-end to read those rows."""
    from dataclasses import replace

    from custdash import month_ends, source
    from custdash.db import write_meta
    from custdash.models import MonthEndList
    from custdash.source import MonthEndRows
    from custdash.views import VIEWS

    db, _book = tiny
    kept = replace(TINY, rows=Rows(live=_tiny_select, month_end=MonthEndRows("tiny")))
    monkeypatch.setitem(lists.LISTS, "tiny", kept)
    engine = make_engine(str(db))
    with engine.begin() as conn:
        write_meta(conn, **{source.LIST_DATES_KEY: ""})  # as if no month-end were written yet
    [day] = month_ends.complete(engine, rules=rules, count=1)
    with Session(engine) as s:
        written = s.execute(
            select(MonthEndList.customer_id)
            .where(MonthEndList.as_of == day, MonthEndList.list_name == "tiny")
            .order_by(MonthEndList.customer_id)
        ).scalars()
        live = _tiny_select(s, as_of=day, rules=rules, scope=ALL)
        expected = [r.customer_id for r in s.execute(live)]
        assert list(written) == expected and len(expected) == 3
        assert kept.rows.rows_from(s, as_of=day, rules=rules) == "live"  # ids only: its rows stay live
        members = kept.rows.members(s, as_of=day, rules=rules, scope=ALL)
        assert "month_end_list" in str(members)  # counted from the written ids
        assert VIEWS["count:tiny"](s, as_of=day, rules=rules, scope=ALL) == 3
    engine.dispose()
