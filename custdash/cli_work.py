"""`python -m custdash contact …` and `outcomes`: working the lists from the command line
(custdash/cli.py registers them)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from typing import Any

from sqlmodel import Session

from custdash.auth import ScopeDenied, UserError, viewer_of
from custdash.cli_common import UsageError, db_arg, open_store, parse_as_of, resolve_scope, scope_args
from custdash.contact_log import CHANNELS, NOTE_MAX, OUTCOMES
from custdash.db import make_engine
from custdash.rules import Rules
from custdash.scope import ALL

# The lists a contact can be for (checked against the rules in force: one honeymoon-k per wave).
LIST_HELP = (
    "threshold, dormant, honeymoon-1 … honeymoon-N, alliance-unused, churn, downgrade, maturity, birthdays, other"
)


def add_work_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "contact",
        help="log a contact with a customer, or list logged contacts",
        description="The contact log (DOMAIN.md §7): append-only, kept across imports. A contact is logged "
        "as a dashboard user (--user), inside their scope: a manager's own customers, a head's branch.",
    )
    cs = p.add_subparsers(dest="action", required=True)
    a = cs.add_parser("log", help="log one contact")
    a.add_argument("customer_id")
    a.add_argument("--list", required=True, dest="list_name", help="the list it was for: " + LIST_HELP)
    a.add_argument("--channel", required=True, choices=list(CHANNELS))
    a.add_argument("--outcome", required=True, choices=list(OUTCOMES))
    a.add_argument("--note", help=f"at most {NOTE_MAX} characters")
    a.add_argument("--on", help="the day of the contact YYYY-MM-DD (default: today)")
    a.add_argument("--follow-up", help="a follow-up date YYYY-MM-DD")
    a.add_argument("--user", required=True, help="the dashboard user logging it (a manager or head)")
    db_arg(a)
    a = cs.add_parser("list", help="print logged contacts, newest first")
    a.add_argument("--customer", help="only this customer's")
    a.add_argument("--manager", help="only this manager's customers'")
    a.add_argument("--user", help="as this dashboard user: their scope applies (default: all, as the operator)")
    a.add_argument("--json", action="store_true", help="one JSON array")
    a.add_argument("--limit", type=int, default=200, help="at most this many contacts (default 200)")
    db_arg(a)

    p = sub.add_parser(
        "outcomes",
        help="回检: what working each list did, against the customers not contacted",
        description="Per list: customers on it at the period's start, contacted, reached, the outcome rate "
        "of the contacted and of the customers not contacted (the control group), measured in the data "
        "(DOMAIN.md §7). The period defaults to the rules' contact.outcome_days up to the as-of date.",
    )
    p.add_argument("--json", action="store_true", help="one JSON object: list -> figures")
    scope_args(p)
    p.add_argument("--from", dest="start", help="first day of the period YYYY-MM-DD")
    p.add_argument("--to", dest="end", help="last day of the period YYYY-MM-DD (default: the as-of date)")
    db_arg(p)


def cmd_outcomes(args: argparse.Namespace, target: str, rules: Rules) -> int:
    from custdash.outcomes import outcome_summary
    from custdash.views import outcome_table

    engine, info = open_store(target)
    with Session(engine) as s:
        scope = resolve_scope(s, args.branch, args.manager)
        as_of = parse_as_of(args.as_of, info.as_of, info.meta.get("aum_first_month"))
        start, end = _parse_day(args.start, "--from"), _parse_day(args.end, "--to")
        try:
            data = outcome_summary(outcome_table(s, as_of=as_of, rules=rules, scope=scope, start=start, end=end))
        except ValueError as e:
            raise UsageError(str(e)) from None
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    print(f"{'list':<16} {'on list':>8} {'contacted':>9} {'reached':>8} {'outcome':>8} {'control':>8}")
    for name, d in data.items():
        rates = [f"{r:.1%}" if r is not None else "-" for r in (d["outcome_rate"], d["control_rate"])]
        print(f"{name:<16} {d['on_list']:>8,} {d['contacted']:>9,} {d['reached']:>8,} {rates[0]:>8} {rates[1]:>8}")
    return 0


def _parse_day(value: str | None, option: str) -> date | None:

    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


def cmd_contact(args: argparse.Namespace, target: str, rules: Rules) -> int:
    from custdash import contact_log

    engine, _info = open_store(target)
    writer = make_engine(target, writer=True)
    with Session(engine) as s, Session(writer) as w:
        if args.action == "log":
            try:
                viewer = viewer_of(s, args.user)
                contact = contact_log.NewContact(
                    customer_id=args.customer_id,
                    list_name=args.list_name,
                    channel=args.channel,
                    outcome=args.outcome,
                    note=args.note,
                    on=_parse_day(args.on, "--on"),
                    follow_up=_parse_day(args.follow_up, "--follow-up"),
                )
                new_id = contact_log.log_contact(s, w, viewer=viewer, rules=rules, contact=contact)
            except (UserError, ScopeDenied, contact_log.ContactError) as e:
                raise UsageError(str(e)) from None
            print(f"logged contact {new_id} for {args.customer_id} ({args.list_name}, {args.outcome})", file=sys.stderr)
            return 0
        scope = ALL
        if args.user is not None:
            try:
                scope = viewer_of(s, args.user).scope
            except UserError as e:
                raise UsageError(str(e)) from None
        if args.manager is not None and scope.manager_id not in (None, args.manager):
            raise UsageError(f"{args.user} may not see manager {args.manager!r}")
        df = contact_log.contact_history(
            s, scope=scope, customer_id=args.customer, manager_id=args.manager, limit=args.limit
        )
    if args.json:
        rows = [{k: _plain_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for r in df.itertuples(index=False):
            follow = f" follow-up {r.follow_up_on}" if _plain_value(r.follow_up_on) else ""
            note = f"  {r.note}" if isinstance(r.note, str) else ""
            print(
                f"{r.contacted_on} {r.customer_id:<12} {r.list_name:<16} {r.channel:<7} {r.outcome:<15} "
                f"{r.username}{follow}{note}"
            )
    return 0


def _plain_value(value: object) -> object:
    """A value for JSON: dates as ISO text, missing as null."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
