"""The contact log and each customer's status on a list (DOMAIN.md §7, docs/RULES.md), on the
hand-made boundary extract: whole lists with their statuses, each window's edges, every bad
field, scope, append-only, imports, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from custdash import auth
from custdash.contact_log import ContactError, NewContact, contact_history, log_contact
from custdash.db import make_engine
from custdash.importer import import_extract
from custdash.models import ContactLog
from custdash.scope import ALL, Scope, ScopeDenied
from custdash.views import call_list
from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, ROOT

A = EXAMPLE_AS_OF
LATER = A + timedelta(days=5)  # "today" when contacts are logged: the extract is older


@pytest.fixture()
def store(example_store):
    """The boundary example with B1's managers M1 and M2, the heads of B1 and B2, and an admin."""
    engine = make_engine(str(example_store))
    with Session(engine) as s:
        auth.add_user(s, username="m1", password="Rivers-and-Lakes-42", role="manager", branch_id="B1", manager_id="M1")
        auth.add_user(s, username="m2", password="Rivers-and-Lakes-42", role="manager", branch_id="B1", manager_id="M2")
        auth.add_user(s, username="h1", password="Rivers-and-Lakes-42", role="head", branch_id="B1")
        auth.add_user(s, username="h2", password="Rivers-and-Lakes-42", role="head", branch_id="B2")
        auth.add_user(s, username="root", password="Rivers-and-Lakes-42", role="admin")
    engine.dispose()
    return example_store


def log(db, username: str, rules, **fields) -> int:
    engine = make_engine(str(db))
    writer = make_engine(str(db), writer=True)
    try:
        with Session(engine) as read, Session(writer) as write:
            viewer = auth.viewer_of(read, username)
            fields.setdefault("channel", "phone")
            return log_contact(read, write, viewer=viewer, rules=rules, contact=NewContact(**fields), today=LATER)
    finally:
        engine.dispose()
        writer.dispose()


def backdated(db, username: str, **fields) -> None:
    """A contact further back than anyone may date one now (contact.backdate_days): written as
    the log holds it, to test how old contacts count."""
    from custdash.models import Customer

    engine, writer = make_engine(str(db)), make_engine(str(db), writer=True)
    with Session(engine) as read, Session(writer) as write:
        home = read.execute(
            select(Customer.branch_id, Customer.manager_id).where(Customer.customer_id == fields["customer_id"])
        ).one()
        on = fields.pop("on")
        fields.setdefault("channel", "phone")
        write.execute(
            ContactLog.__table__.insert().values(
                at=datetime.combine(on, datetime.min.time()),
                username=username,
                branch_id=home.branch_id,
                manager_id=home.manager_id,
                contacted_on=on,
                demo=False,
                **fields,
            )
        )
        write.commit()
    engine.dispose()
    writer.dispose()


def listed(db, name: str, rules, *, as_of: date = A, **extra) -> list[tuple[str, str]]:
    engine = make_engine(str(db))
    with Session(engine) as s:
        df = call_list(name, s, as_of=as_of, rules=rules, scope=ALL, **extra)
    engine.dispose()
    return list(zip(df["customer_id"], df["contact_status"]))


def test_without_contacts_every_row_is_new_in_list_order(store, rules):
    assert listed(store, "dormant", rules) == [("C10", "new"), ("C08", "new"), ("C11", "new")]


def test_status_is_the_latest_contact_for_that_list_in_the_cycle_new_first(store, rules):
    cycle = rules.contact.cycle_days
    # The first day of the window counts, the day before it does not.
    log(store, "m1", rules, customer_id="C08", list_name="dormant", outcome="no_answer", on=A - timedelta(days=cycle))
    log(store, "m2", rules, customer_id="C10", list_name="dormant", outcome="reached", on=A - timedelta(days=cycle - 1))
    # A contact for another list does not change this one.
    log(store, "h2", rules, customer_id="C11", list_name="threshold", outcome="reached", on=A)
    assert listed(store, "dormant", rules) == [("C08", "new"), ("C11", "new"), ("C10", "reached")]
    # A correction is a new row: the later one wins, even on the same day.
    log(
        store, "m2", rules, customer_id="C10", list_name="dormant", outcome="declined", on=A - timedelta(days=cycle - 1)
    )
    assert listed(store, "dormant", rules) == [("C08", "new"), ("C11", "new"), ("C10", "declined")]
    assert listed(store, "dormant", rules, status=("declined",)) == [("C10", "declined")]
    assert listed(store, "dormant", rules, status=("new",)) == [("C08", "new"), ("C11", "new")]
    assert listed(store, "dormant", rules, status=("reached", "converted")) == []


def test_a_contact_for_another_list_leaves_the_status_new(store, rules):
    log(store, "m1", rules, customer_id="C01", list_name="dormant", outcome="converted", on=A)
    assert listed(store, "threshold", rules) == [("C01", "new"), ("C03", "new"), ("C06", "new")]
    log(store, "m1", rules, customer_id="C01", list_name="threshold", outcome="converted", on=A)
    assert listed(store, "threshold", rules) == [("C03", "new"), ("C06", "new"), ("C01", "converted")]


def test_contacts_after_the_extract_count_at_the_extract_date_not_when_looking_back(store, rules):
    log(store, "m1", rules, customer_id="C01", list_name="threshold", outcome="reached", on=LATER)
    assert listed(store, "threshold", rules, as_of=A) == [("C03", "new"), ("C06", "new"), ("C01", "reached")]
    earlier = A - timedelta(days=1)  # same basis month: the same three customers
    assert listed(store, "threshold", rules, as_of=earlier) == [("C01", "new"), ("C03", "new"), ("C06", "new")]


def test_do_not_contact_takes_the_customer_off_every_list_for_its_days(store, rules):
    days = rules.contact.do_not_contact_days
    assert [c for c, _ in listed(store, "alliance-unused", rules)] == [
        "C05",
        "C06",
        "C26",
        "C04",
        "C18",
        "C27",
        "C28",
        "C29",
        "C02",
    ]
    # Logged for another list: do-not-contact holds for every list. Its last day, and the day after.
    backdated(
        store, "h2", customer_id="C05", list_name="other", outcome="do_not_contact", on=A - timedelta(days=days - 1)
    )
    backdated(store, "h2", customer_id="C06", list_name="other", outcome="do_not_contact", on=A - timedelta(days=days))
    assert [c for c, _ in listed(store, "alliance-unused", rules)] == [
        "C06",
        "C26",
        "C04",
        "C18",
        "C27",
        "C28",
        "C29",
        "C02",
    ]
    # Off the downloads too: the file is made from the same rows.
    from custdash.delivery import ListRequest, deliver_list

    engine, writer = make_engine(str(store)), make_engine(str(store), writer=True)
    with Session(engine) as read, Session(writer) as audit:
        viewer = auth.viewer_of(read, "h2")
        request = ListRequest(name="alliance-unused", fmt="csv", as_of=A)
        data = deliver_list(read, audit, viewer=viewer, rules=rules, request=request).data.decode("utf-8-sig")
    engine.dispose()
    writer.dispose()
    assert [line.split(",")[0] for line in data.splitlines()[1:]] == ["C06", "C18"]


def test_a_logged_honeymoon_contact_counts_as_a_touch_for_its_wave(store, rules):
    """On the boundary extract at A: C17 day 100 (waves 1-2 done, 3 overdue, 4 due), C16 day 8
    (wave 2 due), C15 day 7 and C14 day 0 (wave 1 due). A logged contact for wave k makes wave
    k done, whatever its outcome, in the list, the counts and the cohorts."""
    from custdash.lists.honeymoon import honeymoon_counts
    from custdash.queries.honeymoon import cohorts, wave_status

    def state():
        engine = make_engine(str(store))
        with Session(engine) as s:
            grid = wave_status(s, as_of=A, rules=rules, scope=ALL)
            counts = honeymoon_counts(s, as_of=A, rules=rules, scope=ALL)
            done = cohorts(s, as_of=A, rules=rules, scope=ALL)
        engine.dispose()
        waves = {r["customer_id"]: [r[f"wave_{w}"] for w in range(1, 5)] for r in grid.to_dict("records")}
        shares = {
            r["cohort"]: [round(r[f"wave_{w}_done"] * r["customers"]) for w in range(1, 5)]
            for r in done.to_dict("records")
        }
        return waves, counts, shares

    waves, counts, shares = state()
    assert waves == {
        "C17": ["done", "done", "overdue", "due"],
        "C16": ["done", "due", "upcoming", "upcoming"],
        "C15": ["due", "upcoming", "upcoming", "upcoming"],
        "C14": ["due", "upcoming", "upcoming", "upcoming"],
    }
    assert counts == {"in_window": 4, "due": 4, "overdue": 1}
    log(store, "m1", rules, customer_id="C15", list_name="honeymoon-1", outcome="reached", on=A)
    log(store, "m2", rules, customer_id="C16", list_name="honeymoon-3", outcome="declined", on=A)
    log(store, "h2", rules, customer_id="C17", list_name="honeymoon-4", outcome="no_answer", on=A)
    after, counts, later = state()
    assert after == {
        "C17": ["done", "done", "overdue", "done"],
        "C16": ["done", "due", "done", "upcoming"],
        "C15": ["done", "upcoming", "upcoming", "upcoming"],
        "C14": ["due", "upcoming", "upcoming", "upcoming"],
    }
    assert counts == {"in_window": 4, "due": 2, "overdue": 1}
    # C15 has nothing left to do: off the call list; the others are worked for their first
    # due or overdue wave, for which nothing is logged: new.
    assert listed(store, "honeymoon", rules) == [("C17", "new"), ("C16", "new"), ("C14", "new")]
    gained = {c: [b - a for a, b in zip(shares[c], later[c])] for c in shares if later[c] != shares[c]}
    # C15 and C16 opened in 2026-11 (that cohort gains a wave 1 and a wave 3), C17 in 2026-08.
    assert gained == {"2026-11": [1, 0, 1, 0], "2026-08": [0, 0, 0, 1]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"list_name": "nope"},
            "list: unknown value 'nope'; expected one of threshold, dormant, honeymoon-1, "
            "honeymoon-2, honeymoon-3, honeymoon-4, alliance-unused, churn, downgrade, maturity, birthdays, household, other",
        ),
        ({"channel": "fax"}, "channel: unknown value 'fax'; expected one of phone, sms, visit, wechat"),
        (
            {"outcome": "maybe"},
            "outcome: unknown value 'maybe'; expected one of reached, no_answer, declined, converted, do_not_contact",
        ),
        ({"note": "x" * 201}, "note: 201 characters; at most 200"),
        ({"note": "line one\nline two"}, "note: one line of text, without control or text-direction characters"),
        ({"note": "call \u202eback"}, "note: one line of text, without control or text-direction characters"),
        # Issue #33: the back-dating limit held only in the dialog; the CLI rewrote 回检's history.
        (
            {"on": A - timedelta(days=31)},
            f"date: {A - timedelta(days=31)} is more than 30 days back (the earliest is {A - timedelta(days=30)})",
        ),
        (
            {"on": A, "follow_up": A + timedelta(days=366)},
            f"follow-up: {A + timedelta(days=366)} is more than 365 days after the contact ({A})",
        ),
        ({"on": LATER + timedelta(days=1)}, f"date: {LATER + timedelta(days=1)} is after today ({LATER})"),
        (
            {"on": A, "follow_up": A - timedelta(days=1)},
            f"follow-up: {A - timedelta(days=1)} is before the contact ({A})",
        ),
        ({"customer_id": "  "}, "customer: missing"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(store, rules, fields, message):
    base = {"customer_id": "C01", "list_name": "threshold", "outcome": "reached"}
    with pytest.raises(ContactError) as e:
        log(store, "m1", rules, **{**base, **fields})
    assert str(e.value) == message
    assert _count(store) == 0


def test_a_note_of_200_characters_is_kept_whole_as_plain_text(store, rules):
    note = '**粗体** <b>x</b> =HYPERLINK("http://evil") ' + "备" * 158
    assert len(note) == 200
    log(store, "m1", rules, customer_id="C01", list_name="threshold", outcome="reached", note=note)
    engine = make_engine(str(store))
    with Session(engine) as s:
        assert contact_history(s, scope=ALL)["note"].tolist() == [note]
    engine.dispose()


@pytest.mark.parametrize(
    ("username", "customer", "message"),
    [
        ("m1", "C03", "no customer 'C03' in m1's scope"),  # M2's customer
        ("m1", "C99", "no customer 'C99' in m1's scope"),  # nobody's: the same words
        ("h1", "C05", "no customer 'C05' in h1's scope"),  # another branch
        ("root", "C01", "root is an admin: contacts are logged by managers and heads"),
    ],
)
def test_contacts_are_logged_only_inside_the_loggers_scope(store, rules, username, customer, message):
    with pytest.raises(ScopeDenied) as e:
        log(store, username, rules, customer_id=customer, list_name="threshold", outcome="reached")
    assert str(e.value) == message
    assert _count(store) == 0


def test_who_when_and_the_customers_home_are_set_by_the_system(store, rules):
    log(
        store,
        "h1",
        rules,
        customer_id="C03",
        list_name="threshold",
        outcome="reached",
        note="好",
        on=A,
        follow_up=LATER,
    )
    engine = make_engine(str(store))
    with Session(engine) as s:
        rows = contact_history(s, scope=ALL).drop(columns=["at"]).to_dict("records")
        mine = contact_history(s, scope=Scope(branch_id="B1", manager_id="M1"))
    engine.dispose()
    assert rows == [
        {
            "contacted_on": A,
            "customer_id": "C03",
            "list_name": "threshold",
            "channel": "phone",
            "outcome": "reached",
            "note": "好",
            "follow_up_on": LATER,
            "username": "h1",
            "branch_id": "B1",
            "manager_id": "M2",
        }
    ]
    assert mine.empty  # M1 does not see M2's customer's contacts


def test_the_log_is_append_only(store, rules):
    log(store, "m1", rules, customer_id="C01", list_name="threshold", outcome="reached")
    engine = make_engine(str(store), writer=True)
    for sql in ("UPDATE auth.contact_log SET outcome = 'converted'", "DELETE FROM auth.contact_log"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    engine.dispose()
    assert _count(store) == 1


def test_the_log_survives_a_new_import(store, rules):
    log(store, "m1", rules, customer_id="C01", list_name="threshold", outcome="converted", on=A)
    import_extract(EXAMPLE, str(store))
    assert _count(store) == 1
    assert listed(store, "threshold", rules) == [("C03", "new"), ("C06", "new"), ("C01", "converted")]


def _count(db) -> int:
    engine = make_engine(str(db))
    with Session(engine) as s:
        n = s.execute(select(func.count()).select_from(ContactLog)).scalar_one()
    engine.dispose()
    return n


def _cli(db, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custdash", *args, "--db", str(db)], capture_output=True, text=True, cwd=ROOT
    )


def test_cli_logs_lists_and_exports_by_status(store, rules):
    ok = _cli(
        store,
        "contact",
        "log",
        "C01",
        "--list",
        "threshold",
        "--channel",
        "visit",
        "--outcome",
        "reached",
        "--note",
        "到店",
        "--on",
        A.isoformat(),
        "--follow-up",
        LATER.isoformat(),
        "--user",
        "m1",
    )
    assert ok.returncode == 0, ok.stderr
    out = _cli(store, "contact", "list", "--json")
    rows = [{k: v for k, v in r.items() if k != "at"} for r in json.loads(out.stdout)]
    assert rows == [
        {
            "contacted_on": A.isoformat(),
            "customer_id": "C01",
            "list_name": "threshold",
            "channel": "visit",
            "outcome": "reached",
            "note": "到店",
            "follow_up_on": LATER.isoformat(),
            "username": "m1",
            "branch_id": "B1",
            "manager_id": "M1",
        }
    ]
    assert json.loads(_cli(store, "contact", "list", "--json", "--user", "m2").stdout) == []
    new = _cli(store, "export", "threshold", "--status", "new", "--out", "-")
    assert [line.split(",")[0] for line in new.stdout.lstrip("\ufeff").splitlines()[1:]] == ["C03", "C06"]
    reached = _cli(store, "export", "threshold", "--status", "reached", "--status", "converted", "--out", "-")
    assert [line.split(",")[0] for line in reached.stdout.lstrip("\ufeff").splitlines()[1:]] == ["C01"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--on", "2026-13-01"], "error: --on must be a date YYYY-MM-DD, got '2026-13-01'"),
        (["--user", "ghost"], "error: no enabled user 'ghost'"),
        (
            ["--list", "nope"],
            "error: list: unknown value 'nope'; expected one of threshold, dormant, honeymoon-1, "
            "honeymoon-2, honeymoon-3, honeymoon-4, alliance-unused, churn, downgrade, maturity, birthdays, household, other",
        ),
        (["--user", "m2"], "error: no customer 'C01' in m2's scope"),
        (["--on", "0001-01-01"], "error: date: 0001-01-01 is more than 30 days back (the earliest is 2026-10-16)"),
        (
            ["--follow-up", "9999-12-31"],
            f"error: follow-up: 9999-12-31 is more than 365 days after the contact ({date.today().isoformat()})",
        ),
    ],
)
def test_cli_refuses_a_bad_contact_with_one_line(store, args, message):
    base = {"--list": "threshold", "--channel": "phone", "--outcome": "reached", "--user": "m1"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    argv = ["contact", "log", "C01", *[x for kv in base.items() for x in kv]]
    result = _cli(store, *argv)
    assert (result.returncode, result.stderr.strip()) == (1, message)
    assert _count(store) == 0


def test_the_demo_writes_a_contact_history_that_a_bank_import_removes(tmp_path, rules):
    """The demo manager's lists show statuses on first start; every contact on demo data (the
    generator's and one logged by hand) is marked demo, and the first import of a bank's own
    data deletes them all, so no made-up contact gives a real customer a status."""
    from seed import DemoSpec, build_demo_store
    from tests.conftest import DEMO_AS_OF, fresh_store

    target = fresh_store(tmp_path, "demo.db")
    build_demo_store(target, DemoSpec(customers=2000, seed=5, as_of=DEMO_AS_OF))
    engine = make_engine(target)
    with Session(engine) as s:
        manager = auth.viewer_of(s, "manager")
        logged = contact_history(s, scope=ALL)
        demo_rows = s.execute(select(func.count()).select_from(ContactLog).where(ContactLog.demo)).scalar_one()
        statuses = set()
        for name in ("threshold", "dormant", "alliance-unused"):
            statuses |= set(call_list(name, s, as_of=DEMO_AS_OF, rules=rules, scope=manager.scope)["contact_status"])
    engine.dispose()
    assert demo_rows == len(logged) > 0
    assert statuses - {"new"}, "the demo manager's lists show no worked customer"
    assert set(logged["list_name"]) >= {"threshold", "dormant", "alliance-unused"}
    mine = _first_customer(target, manager, rules)
    engine, writer = make_engine(target), make_engine(target, writer=True)
    with Session(engine) as read, Session(writer) as write:
        contact = NewContact(customer_id=mine, list_name="other", channel="visit", outcome="reached")
        log_contact(read, write, viewer=manager, rules=rules, contact=contact, today=DEMO_AS_OF)
        by_hand = write.execute(select(ContactLog.demo).order_by(ContactLog.id.desc()).limit(1)).scalar_one()
    engine.dispose()
    writer.dispose()
    assert by_hand is True
    import_extract(EXAMPLE, target)
    assert _count(target) == 0


def _first_customer(db, viewer, rules) -> str:
    engine = make_engine(str(db))
    with Session(engine) as s:
        from custdash.models import Customer

        cid = s.execute(select(Customer.customer_id).where(*viewer.scope.where()).limit(1)).scalar_one()
    engine.dispose()
    return cid


def _day(db, rules, manager: str = "M1") -> list[tuple[str, str, str]]:
    from custdash.views import my_day

    engine = make_engine(str(db))
    with Session(engine) as s:
        df = my_day(s, as_of=A, rules=rules, scope=Scope(branch_id="B1", manager_id=manager))
    engine.dispose()
    return list(zip(df["customer_id"], df["reasons"], df["contact_status"]))


def test_a_managers_day_merges_the_lists_in_the_documented_order(store, rules, tmp_path):
    """M1's book at A: honeymoon C15 and C14 (wave 1 due), near-threshold C01, dormant C08,
    unused tickets C02. Follow-ups due come first; whoever was reached is not called again."""
    assert _day(store, rules) == [
        ("C15", "honeymoon", "new"),
        ("C14", "honeymoon", "new"),
        ("C01", "threshold,household", "new"),  # and H01's head (DOMAIN.md §8)
        ("C08", "dormant", "new"),
        ("C02", "alliance-unused", "new"),
    ]
    log(store, "m1", rules, customer_id="C08", list_name="dormant", outcome="reached", on=A)
    log(
        store,
        "m1",
        rules,
        customer_id="C01",
        list_name="threshold",
        outcome="no_answer",
        on=A,
        follow_up=A + timedelta(days=300),
    )  # not due yet
    log(
        store,
        "m1",
        rules,
        customer_id="C02",
        list_name="other",
        outcome="no_answer",
        on=A - timedelta(days=3),
        follow_up=A - timedelta(days=1),
    )
    assert _day(store, rules) == [
        ("C02", "follow_up,alliance-unused", "new"),
        ("C15", "honeymoon", "new"),
        ("C14", "honeymoon", "new"),
        ("C01", "threshold,household", "no_answer"),
    ]
    from custdash.rules import load_rules
    from tests.conftest import rules_variant

    two = load_rules(rules_variant(tmp_path, "daily_capacity = 40", "daily_capacity = 2"))
    assert [c for c, _r, _s in _day(store, two)] == ["C02", "C15"]


def test_the_call_sheet_is_the_queue_delivered_and_audited(store, rules):
    from custdash.delivery import ListRequest, deliver_list

    engine, writer = make_engine(str(store)), make_engine(str(store), writer=True)
    with Session(engine) as read, Session(writer) as audit:
        viewer = auth.viewer_of(read, "m1")
        request = ListRequest(name="myday", fmt="csv", as_of=A, lang="zh")
        sheet = deliver_list(read, audit, viewer=viewer, rules=rules, request=request)
        events = auth.audit_events(audit, auth.Viewer("root", "admin"))
    engine.dispose()
    writer.dispose()
    lines = sheet.data.decode("utf-8-sig").splitlines()
    # The status where the screen has it, after the phone (issue #33: the file had it last).
    assert lines[0] == "客户号,姓名,手机号,跟进状态,网点,客户经理,联系原因,下次跟进,记录名单"
    assert [line.split(",")[0] for line in lines[1:]] == ["C15", "C14", "C01", "C08", "C02"]
    assert lines[1].split(",")[3] == "未联系" and lines[1].split(",")[6:] == ["蜜月期", "", "蜜月期第1波"]
    assert (events.iloc[0]["event"], events.iloc[0]["list_name"], events.iloc[0]["rows"]) == ("export", "myday", 5)


def test_many_managers_log_at_once_while_an_import_runs(tmp_path, rules):
    """Four managers log contacts, from their own threads and connections, all the time the same
    extract is imported again into the store (its swap included: issue #33 found it deadlocking
    with a contact on PostgreSQL): the import succeeds, every contact is kept, none twice
    (bounded: the threads must finish within a minute of the import; everything on this machine)."""
    import threading

    from seed import DemoSpec, write_demo_extract
    from tests.conftest import DEMO_AS_OF, fresh_store

    folder = tmp_path / "extract"
    write_demo_extract(folder, DemoSpec(customers=2000, seed=11, as_of=DEMO_AS_OF))
    target = fresh_store(tmp_path)
    import_extract(folder, target)
    engine = make_engine(target)
    with Session(engine) as s:
        from custdash.models import Customer

        books = {}
        for m in s.execute(select(Customer.manager_id).where(Customer.manager_id.is_not(None)).distinct().limit(4)):
            manager = m[0]
            branch = s.execute(select(Customer.branch_id).where(Customer.manager_id == manager).limit(1)).scalar_one()
            ids = (
                s.execute(
                    select(Customer.customer_id)
                    .where(Customer.manager_id == manager)
                    .order_by(Customer.customer_id)
                    .limit(15)
                )
                .scalars()
                .all()
            )
            name = f"mgr{manager.lower()}"
            auth.add_user(
                s, username=name, password="Rivers-and-Lakes-42", role="manager", branch_id=branch, manager_id=manager
            )
            books[name] = ids
    engine.dispose()
    errors: list[BaseException] = []
    saved: list[tuple[str, str]] = []
    start = threading.Barrier(len(books) + 1)
    imported = threading.Event()

    def work(username: str, ids: list[str]) -> None:
        read, write = make_engine(target), make_engine(target, writer=True)
        try:
            start.wait()
            n = 0
            while not imported.is_set() or n < len(ids):  # through the whole import, each id once at least
                cid = ids[n % len(ids)]
                with Session(read) as r, Session(write) as w:
                    viewer = auth.viewer_of(r, username)
                    contact = NewContact(customer_id=cid, list_name="other", channel="phone", outcome="reached")
                    log_contact(r, w, viewer=viewer, rules=rules, contact=contact, today=DEMO_AS_OF)
                saved.append((username, cid))
                n += 1
        except BaseException as e:  # reported below, with the thread's name
            errors.append(e)
        finally:
            read.dispose()
            write.dispose()

    threads = [threading.Thread(target=work, args=item, name=item[0]) for item in books.items()]
    for th in threads:
        th.start()
    start.wait()
    try:
        import_extract(folder, target)
    finally:
        imported.set()
    for th in threads:
        th.join(timeout=60)
    assert not [th.name for th in threads if th.is_alive()]
    assert errors == []
    engine = make_engine(target)
    with Session(engine) as s:
        logged = sorted(s.execute(select(ContactLog.username, ContactLog.customer_id)).all())
    engine.dispose()
    assert logged == sorted(saved)
    assert len(saved) > sum(len(ids) for ids in books.values())  # they went on logging during the import
