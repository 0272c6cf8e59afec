"""`python -m custdash …`: import, summary, export, check, refresh, users, audit, contact, outcomes."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from custdash import config, facts, month_ends
from custdash.auth import ScopeDenied, UserError, Viewer, viewer_of
from custdash.cli_common import UsageError, db_arg, open_store, parse_as_of, resolve_scope, scope_args
from custdash.cli_work import add_work_parsers, cmd_contact, cmd_outcomes
from custdash.contacts import STATUSES
from custdash.db import (
    StoreError,
    error_cause,
    make_engine,
    shown,
    store_read_error,
    write_meta,
)
from custdash.delivery import ListRequest, deliver_list, list_file_name
from custdash.i18n import LANGS, t
from custdash.importer import ImportFailed, import_extract, refresh_derived
from custdash.rules import Rules, RulesError, load_rules
from custdash.source import source
from custdash.summary import summary
from custdash.views import LISTS


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m custdash", description="custdash: branch customer-operations data tools."
    )
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "import",
        help="load a bank extract folder (all or nothing)",
        description="Validate and load a folder of CSV files in the custdash import format "
        "(docs/DATA_FORMAT.md). On any error nothing changes and the exit code is 1.",
    )
    p.add_argument("folder", help="folder holding branches.csv, managers.csv, customers.csv, …")
    p.add_argument("--encoding", default="utf-8", help="text encoding of the CSV files, e.g. gb18030 (default utf-8)")
    db_arg(p)

    p = sub.add_parser(
        "summary",
        help="the morning figures (the summary contract)",
        description="Print tier counts, list sizes, honeymoon and alliance figures.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object (the documented contract)")
    scope_args(p)
    db_arg(p)

    p = sub.add_parser(
        "export",
        help="write a call list as CSV or Excel",
        description="Write one call list, customer_id first, through the dashboard's export path: "
        "the user's scope, phones masked unless the user's role needs them, an audit record.",
    )
    p.add_argument("list", choices=list(LISTS), help="which list")
    scope_args(p)
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="file format (default csv)")
    p.add_argument(
        "--out",
        help="output file, or a folder for the default name (default: a name from list, scope and date in "
        "$CUSTDASH_EXPORT_DIR, data/exports; - for stdout)",
    )
    p.add_argument(
        "--lang",
        choices=list(LANGS),
        default=None,
        help="headers and values for people in this language (default: the contract's machine headers)",
    )
    p.add_argument(
        "--user",
        help="export as this dashboard user: their scope and phone rights apply as in the dashboard's download "
        "(full numbers of a manager's own customers), and the audit names them "
        "(default: the operating-system user, all branches, phones masked)",
    )
    # Kept so that older scripts still run: phones now follow --user's role as in the dashboard.
    p.add_argument("--reveal-phones", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--status",
        action="append",
        choices=list(STATUSES),
        help="only customers with this status on the list (repeat for several; default: all, new first)",
    )
    db_arg(p)

    p = sub.add_parser("check", help="validate a store and print its counts and as-of date")
    db_arg(p)

    p = sub.add_parser(
        "refresh",
        help="rebuild the materialised facts with the current rules",
        description="Recompute the per-customer facts and rollups for the store's extract date with the "
        "rules in force. Needed after editing the rules file: until then the views compute live, "
        "which is correct but slow on large stores.",
    )
    db_arg(p)

    p = sub.add_parser(
        "users",
        help="manage dashboard users",
        description="Dashboard users: admin (all branches), head (one branch), manager (own customers). "
        "Passwords are read from standard input (one line) or asked for.",
    )
    us = p.add_subparsers(dest="action", required=True)
    a = us.add_parser("add", help="add a user")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=["admin", "head", "manager"])
    a.add_argument("--branch", help="the head's branch id")
    a.add_argument("--manager", help="the manager's manager id")
    db_arg(a)
    a = us.add_parser("passwd", help="set a user's password (also unlocks)")
    a.add_argument("username")
    db_arg(a)
    a = us.add_parser("disable", help="disable a user")
    a.add_argument("username")
    db_arg(a)
    a = us.add_parser("list", help="list users")
    db_arg(a)

    add_work_parsers(sub)

    p = sub.add_parser("audit", help="print the audit trail (logins and exports), newest first")
    p.add_argument("--branch", help="only events of this branch's users")
    p.add_argument("--limit", type=int, default=100, help="at most this many events (default 100)")
    db_arg(p)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    target = args.db or config.db_url()
    try:
        rules = load_rules()
        return _COMMANDS[args.command](args, target, rules)
    except (RulesError, ImportFailed, UsageError, config.SettingError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except StoreError as e:
        print(f"error: {e}" + (f"\nfix: {e.fix}" if e.fix else ""), file=sys.stderr)
        return 1
    except (DatabaseError, OSError) as e:
        # Met while reading or writing the store after it opened: name the cause (a damaged
        # store, a full disk), never a traceback.
        if isinstance(e, OSError) and error_cause(e) != "disk_full":
            raise
        err = store_read_error(e, target)
        print(f"error: {err}\nfix: {err.fix}", file=sys.stderr)
        return 1


def _cmd_import(args: argparse.Namespace, target: str, rules: Rules) -> int:
    def progress(file: str, n: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{file}: {n:,} rows", end="", file=sys.stderr, flush=True)

    result = import_extract(args.folder, target, encoding=args.encoding, rules=rules, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    rows = ", ".join(f"{f} {n:,}" for f, n in result.rows.items())
    print(f"imported {args.folder} into {shown(target)}: as of {result.as_of.isoformat()}; {rows}")
    if result.month_ends:
        print(f"month-end figures written for {', '.join(d.isoformat() for d in result.month_ends)}")
    return 0


def _cmd_summary(args: argparse.Namespace, target: str, rules: Rules) -> int:
    engine, info = open_store(target)
    with Session(engine) as s:
        scope = resolve_scope(s, args.branch, args.manager)
        data = summary(
            s, as_of=parse_as_of(args.as_of, info.as_of, info.meta.get("aum_first_month")), rules=rules, scope=scope
        )
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(f"as of {data['as_of']}")
        print("tiers: " + ", ".join(f"{k} {v:,}" for k, v in data["tiers"].items()))
        # Every list the summary counts at the top level, by the overview's name for it.
        days = rules.birthdays.window_days
        counted = [s for s in LISTS.values() if s.summary_key]
        print("   ".join(f"{t(f'overview.{s.count}', 'en', days=days)}: {data[s.summary_key]:,}" for s in counted))
        # A list's block of its own (the honeymoon's): its counts by name.
        for key in (s.summary_block[0] for s in LISTS.values() if s.summary_block):
            print(f"{key}: " + ", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in data[key].items()))
        a = data["alliance"]
        print(
            f"alliance YTD: {a['peak_redemptions']:,} peak / {a['off_peak_redemptions']:,} off-peak redemptions; "
            f"free tickets {a['free_tickets_used_ytd']:,} used of {a['free_tickets_entitled']:,}"
        )
    return 0


def _export_viewer(session: Session, args: argparse.Namespace) -> Viewer:
    """Who the export is for: a named, enabled dashboard user, or the shell's own user (an
    operator who can read the store file anyway: every branch, phones always masked)."""
    if args.user is None:
        if args.reveal_phones:
            raise UsageError("--reveal-phones needs --user NAME: phones are revealed only to the customers' manager")
        return Viewer(username=f"cli:{getpass.getuser()}", role="admin")
    try:
        return viewer_of(session, args.user)
    except UserError as e:
        raise UsageError(str(e)) from None


def _cmd_export(args: argparse.Namespace, target: str, rules: Rules) -> int:
    engine, info = open_store(target)
    writer = make_engine(target, writer=True)
    with Session(engine) as s, Session(writer) as audit:
        resolve_scope(s, args.branch, args.manager)
        viewer = _export_viewer(audit, args)
        request = ListRequest(
            name=args.list,
            fmt=args.format,
            as_of=parse_as_of(args.as_of, info.as_of, info.meta.get("aum_first_month")),
            branch_id=args.branch,
            manager_id=args.manager,
            lang=args.lang,
            extra={"status": tuple(args.status)} if args.status else {},
        )
        try:
            name = list_file_name(viewer, request)
        except ScopeDenied as e:
            raise UsageError(str(e)) from None
        out = _export_target(args.out, name)
        try:
            # The same rule as the dashboard's download: full phones of a manager's own customers.
            file = deliver_list(s, audit, viewer=viewer, rules=rules, request=request)
        except ScopeDenied as e:
            raise UsageError(str(e)) from None
        except BaseException:
            if out is not None:
                out.unlink(missing_ok=True)
            raise
    if out is None:
        sys.stdout.buffer.write(file.data)
    else:
        out.write_bytes(file.data)
        print(f"wrote {file.rows:,} rows to {out}", file=sys.stderr)
    return 0


def _export_target(given: str | None, default_name: str) -> Path | None:
    """Where an export goes (None: standard output), checked and claimed before the list is read
    and audited: a missing folder or an unwritable place is named, and no export is recorded."""
    if given == "-":
        return None
    if given is None:
        folder = Path(config.setting("CUSTDASH_EXPORT_DIR"))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(
                f"cannot create the export folder {folder} ({e.strerror}); set CUSTDASH_EXPORT_DIR"
            ) from None
        path = folder / default_name
    else:
        path = Path(given)
        if path.is_dir():
            path = path / default_name
        elif not path.parent.is_dir():
            raise UsageError(f"--out {given}: there is no folder {path.parent}")
    try:
        with path.open("ab"):
            pass  # writable, and claimed: the list is read and audited only now
    except OSError as e:
        raise UsageError(f"--out {path}: cannot write there ({e.strerror})") from None
    return path


def _cmd_check(args: argparse.Namespace, target: str, rules: Rules) -> int:
    from sqlalchemy import func

    from custdash.models import DATA_TABLES

    engine, info = open_store(target)
    with Session(engine) as s:
        counts = {t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one() for t in DATA_TABLES}
        if engine.dialect.name == "sqlite":
            # Every page of the file, not only those the counts touched.
            problems = [r[0] for r in s.connection().exec_driver_sql("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                print(f"error: the store {shown(target)} is damaged: {'; '.join(problems)}", file=sys.stderr)
                print("fix: restore it from a backup, or load the extract again into a new store", file=sys.stderr)
                return 1
    print(
        f"store {shown(target)}: schema ok, source {info.source or '-'}, as of "
        f"{info.as_of.isoformat() if info.as_of else '- (empty)'}"
    )
    for name, n in counts.items():
        print(f"  {name:<12} {n:>12,}")
    if rules.defaulted:
        # A copy from an earlier version: what it lacks runs on the packaged defaults.
        print(f"rules: {rules.source} took the defaults of {', '.join(rules.defaulted)} (docs/RULES.md)")
    if info.as_of is not None:
        with Session(engine) as s:
            current = source(s, as_of=info.as_of, rules=rules).facts
        print(
            "facts: current for the extract date and the rules in force"
            if current
            else "facts: built with other rules; views compute live (slow on large stores) until "
            "`python -m custdash refresh`"
        )
    return 0


def _cmd_refresh(args: argparse.Namespace, target: str, rules: Rules) -> int:
    count = config.month_end_facts()  # checked before any work
    engine, info = open_store(target)
    if info.as_of is None:
        raise UsageError("the store is empty: nothing to refresh")
    started = time.monotonic()
    with engine.begin() as conn:
        refresh_derived(conn, rules, as_of=info.as_of)  # the activity kinds may have changed
        facts.build(conn, as_of=info.as_of, rules=rules)
        write_meta(conn, data_version=uuid.uuid4().hex)
    print(f"facts rebuilt for {info.as_of.isoformat()} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    started = time.monotonic()
    written = month_ends.complete_store(target, rules=rules, count=count)
    print(
        f"month-end figures written for {len(written)} month-ends in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _cmd_users(args: argparse.Namespace, target: str, rules: Rules) -> int:
    from custdash import auth

    engine, _info = open_store(target)
    try:
        with Session(engine) as s:
            if args.action == "add":
                u = auth.add_user(
                    s,
                    username=args.username,
                    password=_read_password(),
                    role=args.role,
                    branch_id=args.branch,
                    manager_id=args.manager,
                )
                print(f"added {u.username} ({u.role}{', ' + (u.manager_id or u.branch_id) if u.branch_id else ''})")
            elif args.action == "passwd":
                auth.set_password(s, username=args.username, password=_read_password())
                print(f"password of {args.username} set")
            elif args.action == "disable":
                auth.set_disabled(s, username=args.username)
                print(f"{args.username} disabled")
            else:
                users = auth.list_users(s)
                if not users:
                    print("no users yet: add one with `custdash users add NAME --role admin`")
                for u in users:
                    state = "disabled" if u.disabled else ("locked" if u.locked_until else "active")
                    print(f"{u.username:<20} {u.role:<8} {u.branch_id or '-':<10} {u.manager_id or '-':<10} {state}")
    except auth.UserError as e:
        raise UsageError(str(e)) from None
    return 0


def _cmd_audit(args: argparse.Namespace, target: str, rules: Rules) -> int:
    from custdash.auth import Viewer, audit_events, filters_text

    engine, _info = open_store(target)
    viewer = Viewer("cli", "head", branch_id=args.branch) if args.branch else Viewer("cli", "admin")
    with Session(engine) as s:
        events = audit_events(s, viewer, limit=args.limit)
    if events.empty:
        print("no audit events" + (f" for branch {args.branch}" if args.branch else ""))
    for e in events.itertuples(index=False):
        extra = f" {e.list_name} rows={e.rows} {filters_text(e.filters)}" if e.event == "export" else ""
        print(f"{e.at:%Y-%m-%d %H:%M:%S}Z {e.username:<16} {e.event:<14} {e.branch_id or '-'}{extra}")
    return 0


_COMMANDS = {
    "import": _cmd_import,
    "summary": _cmd_summary,
    "export": _cmd_export,
    "check": _cmd_check,
    "refresh": _cmd_refresh,
    "users": _cmd_users,
    "audit": _cmd_audit,
    "contact": cmd_contact,
    "outcomes": cmd_outcomes,
}
