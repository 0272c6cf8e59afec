"""Loading an extract into a store, all or nothing (docs/DATA_FORMAT.md, docs/LOAD.md).

The extract is loaded into a private file beside the store (indexes, derived columns and
facts included), which SQLite's backup then copies into the store in one transaction; any
error before that commit leaves the previous extract exactly as it was (readers keep seeing
it until commit, thanks to WAL). Rows are read, converted and inserted a batch at a time,
in a second process for large extracts, so memory does not grow with the size of the
extract. Disk: room for a second copy of the store while it runs.
"""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from custdash import config, facts
from custdash.auth import remove_demo_users
from custdash.calendar import end_of_day
from custdash.db import (
    DATA_SCHEMA,
    StoreError,
    auth_path,
    bulk_insert,
    check_store,
    create_indexes,
    create_store,
    drop_indexes,
    is_lock_conflict,
    make_engine,
    now_utc,
    sqlite_path,
    store_exists,
    write_meta,
)
from custdash.importer.checks import check_across_files
from custdash.importer.reading import BATCH_SIZE, Batch, Reader, csv_rows, read_as_of
from custdash.importer.spec import SPEC_BY_FILE, SPECS, FileSpec, ImportFailed, storage_names
from custdash.importer.worker import read_in_worker
from custdash.loadlock import StoreBusy, load_lock
from custdash.models import DATA_TABLES, FACT_TABLES, SCHEMA_VERSION, AumMonthly, Card, Customer, Meta, Txn
from custdash.month_ends import complete_store as complete_month_ends
from custdash.rules import Rules, load_rules

log = logging.getLogger("custdash.importer")

# Reading and converting the CSV is about half of the load's work, inserting the other
# half: from this size on (reader="auto"), a second process reads while this one inserts.
# Below it, starting that process (about a second) would cost more than it saves.
PARALLEL_FROM_BYTES = 8 << 20

ReaderMode = Literal["auto", "inline", "process"]


def insert_batch(conn: Connection, table: type, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert storage tuples (`storage_names` order)."""
    if conn.dialect.name == "sqlite":
        bulk_insert(conn, table.__table__, names, rows)  # type: ignore[attr-defined]
        return
    if conn.dialect.driver == "psycopg":
        # COPY: PostgreSQL parses the ISO text of dates and times itself, a row at a time in C.
        cols = ", ".join(f'"{n}"' for n in names)
        import psycopg

        cursor = conn.connection.driver_connection.cursor()
        sql = f'COPY "{table.__tablename__}" ({cols}) FROM STDIN'  # type: ignore[attr-defined]
        try:
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as e:  # as SQLAlchemy would have raised it: the caller finds the row
            raise IntegrityError(sql, None, e) from e
        return
    # Other databases get Python values back through SQLAlchemy's own type handling.
    kinds = [type(table.__table__.columns[n].type).__name__ for n in names]  # type: ignore[attr-defined]
    back = {"Date": date.fromisoformat, "DateTime": datetime.fromisoformat}
    conn.execute(
        insert(table),
        [{n: (back[k](v) if v is not None and k in back else v) for n, k, v in zip(names, kinds, r)} for r in rows],
    )


def _insert_checked(conn: Connection, spec: FileSpec, batch: Batch) -> None:
    """Insert a batch; on a constraint error, find the row and say what it broke."""
    names = storage_names(spec)
    lines, rows = batch
    try:
        with conn.begin_nested():
            insert_batch(conn, spec.table, names, rows)
        return
    except IntegrityError:
        pass
    for line, row in zip(lines, rows):
        try:
            with conn.begin_nested():
                insert_batch(conn, spec.table, names, [row])
        except IntegrityError:
            raise _diagnose(conn, spec, line, dict(zip(names, row))) from None
    raise ImportFailed(spec.file, "a constraint failed in this batch")  # pragma: no cover


def _diagnose(conn: Connection, spec: FileSpec, line: int, row: dict[str, Any]) -> ImportFailed:
    table = spec.table.__table__  # type: ignore[attr-defined]
    for fk in table.foreign_keys:
        col = fk.parent.name
        value = row.get(col)
        if value is None:
            continue
        target = fk.column
        if conn.execute(select(target).where(target == value)).first() is None:
            return ImportFailed(
                spec.file, f"unknown {col} {value!r} (no such {target.table.name})", line=line, column=col
            )
    pk = [c.name for c in table.primary_key.columns if c.name in row]
    if pk:
        return ImportFailed(
            spec.file, f"duplicate {' + '.join(pk)} {', '.join(repr(row[c]) for c in pk)}", line=line, column=pk[0]
        )
    return ImportFailed(spec.file, "violates a constraint of the store", line=line)  # pragma: no cover


def refresh_derived(conn: Connection, rules: Rules, *, as_of: date) -> None:
    """Recompute derived columns that span tables (card.last_activity_at, first_activity_at), from data dated on
    or before the extract date only: a transaction posted after it must not make a card look
    active at that date (docs/RULES.md §0)."""
    kinds = list(rules.dormant.non_activity_kinds)

    def activity(edge: Any) -> Any:
        return (
            select(edge(Txn.ts))
            .where(Txn.card_id == Card.card_id, Txn.kind.not_in(kinds), Txn.ts < end_of_day(as_of))
            .scalar_subquery()
        )

    conn.execute(update(Card).values(last_activity_at=activity(func.max), first_activity_at=activity(func.min)))
    write_meta(conn, activity_excludes=",".join(sorted(kinds)))


def clear_data(conn: Connection) -> None:
    for table in [*FACT_TABLES, *reversed(DATA_TABLES)]:
        conn.execute(delete(table))


def finish_load(conn: Connection, rules: Rules, *, as_of: date, source: str) -> None:
    """Derived columns, materialised facts and the meta rows that every loaded store carries."""
    started = time.perf_counter()
    refresh_derived(conn, rules, as_of=as_of)
    log.info("derived columns refreshed as of %s in %.1f s", as_of, time.perf_counter() - started)
    write_meta(
        conn,
        as_of=as_of.isoformat(),
        source=source,
        loaded_at=now_utc(),
        data_version=uuid.uuid4().hex,
        rules_fingerprint=rules.fingerprint,
        customers=str(conn.execute(select(func.count()).select_from(Customer)).scalar_one()),
        # The as-of dates the store can answer start from its AUM history (calendar.as_of_window).
        aum_first_month=conn.execute(select(func.min(AumMonthly.month))).scalar_one() or "",
    )
    facts.build(conn, as_of=as_of, rules=rules)


@dataclass
class ImportResult:
    as_of: date
    rows: dict[str, int]
    reader: str  # "inline" or "process": where the extract was read
    month_ends: list[date] = field(default_factory=list)  # whose figures were written after the load


def import_extract(
    folder: str | Path,
    target: str,
    *,
    encoding: str = "utf-8",
    rules: Rules | None = None,
    progress: Callable[[str, int], None] | None = None,
    reader: ReaderMode = "auto",
    batch_size: int = BATCH_SIZE,
    columnwise: bool = True,
    month_ends: int | None = None,
) -> ImportResult:
    """Validate and load an extract folder into the store at `target`, all or nothing; then
    write the figures of the last `month_ends` month-ends (default: CUSTDASH_MONTH_END_FACTS;
    custdash/month_ends.py), each in its own transaction after the load has committed.

    `reader`: "inline" reads in this process, "process" in a second one while this one
    inserts, "auto" picks the second process from PARALLEL_FROM_BYTES of CSV on.
    `batch_size` rows are converted and inserted at a time; `columnwise=False` converts
    every row through the checked cell parsers (slower, same result)."""
    rules = rules or load_rules()
    month_end_count = config.month_end_facts() if month_ends is None else month_ends  # checked before any work
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFailed(str(folder), "not a folder")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    for spec in SPECS:
        if spec.required and not (folder / spec.file).is_file():
            raise ImportFailed(spec.file, f"required file missing from {folder}")
    explicit_as_of = read_as_of(folder)
    in_process = reader == "process" or (reader == "auto" and _extract_bytes(folder) >= PARALLEL_FROM_BYTES)
    rows = Reader(folder=folder, encoding=encoding, rules=rules, batch_size=batch_size, columnwise=columnwise)
    started = time.perf_counter()
    log.info("import of %s started (reader %s)", folder.name, "process" if in_process else "inline")
    try:
        with load_lock(target):
            result = _import(target, rows, in_process, explicit_as_of, progress)
    except StoreBusy as e:
        raise ImportFailed(str(folder), f"{e} {e.fix}") from None
    except ImportFailed as e:
        log.warning("import of %s refused: %s", folder.name, e)
        raise
    # A bank's own data is in: the demo accounts (and their published passwords) go.
    writer = make_engine(target, writer=True)
    try:
        with Session(writer) as s:
            remove_demo_users(s)
    finally:
        writer.dispose()
    log.info(
        "import of %s done: as of %s, %d rows in %.1f s",
        folder.name,
        result.as_of,
        sum(result.rows.values()),
        time.perf_counter() - started,
    )
    result.month_ends = complete_month_ends(target, rules=rules, count=month_end_count)
    return result


def _import(
    target: str,
    reader: Reader,
    in_process: bool,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
) -> ImportResult:
    gc_was_enabled = gc.isenabled()
    path = sqlite_path(target)
    engine = make_engine(target, create_dirs=True)
    try:
        gc.disable()  # the collector kept scanning millions of short-lived rows: 20% of the load
        if not store_exists(target, engine) or (path is not None and path.stat().st_size == 0):
            create_store(engine)
        else:
            check_store(engine, target)
        if path is None:  # a database server: load into a schema of its own, then swap it in
            return _load_swapped(engine, reader, in_process, explicit_as_of, progress)
        return _load_staged(engine, path, reader, in_process, explicit_as_of, progress)
    finally:
        engine.dispose()
        if gc_was_enabled:
            gc.enable()


def _load(
    conn: Connection,
    reader: Reader,
    in_process: bool,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
) -> ImportResult:
    """Empty the data tables and load the extract, indexes, derived columns and facts
    inside the caller's transaction."""
    counts = {spec.file: 0 for spec in SPECS}
    clear_data(conn)
    indexes = drop_indexes(conn)
    batches: Iterator[tuple[str, Batch]] = read_in_worker(reader) if in_process else reader.batches()
    for file, batch in batches:
        _insert_checked(conn, SPEC_BY_FILE[file], batch)
        counts[file] += len(batch[1])
        if progress:
            progress(file, counts[file])
    as_of = explicit_as_of or (reader.latest if reader.latest != date.min else None)
    if as_of is None:
        raise ImportFailed("customers.csv", "no data rows: the extract is empty")
    if explicit_as_of is None:
        limit = date.today() + timedelta(days=int(config.setting("CUSTDASH_IMPORT_FUTURE_DAYS")))
        if as_of > limit:
            raise _dated_after(reader.folder, reader.encoding, limit)
    check_across_files(conn, reader.folder, reader.encoding)
    create_indexes(conn, indexes)
    finish_load(conn, reader.rules, as_of=as_of, source="import")
    return ImportResult(as_of=as_of, rows=counts, reader="process" if in_process else "inline")


def _dated_after(folder: Path, encoding: str, limit: date) -> ImportFailed:
    """Without extract.json the as-of date is the latest date found: a row dated far ahead (a
    typo, 2099) would silently become it. Name the first such row."""
    days = (limit - date.today()).days
    for spec in SPECS:
        dated = [c.name for c in spec.columns if c.as_of_candidate]
        path = folder / spec.file
        if not dated or not path.is_file():
            continue
        for line, row in csv_rows(path, encoding):
            for name in dated:
                value = (row.get(name) or "").strip()
                if value[:10] > limit.isoformat():
                    return ImportFailed(
                        spec.file,
                        f"dated {value}, more than {days} days after today, and there is no extract.json: "
                        f"the as-of date would become {value[:10]}. Correct the row, or state the extract "
                        'date in extract.json ({"as_of": "YYYY-MM-DD"}); CUSTDASH_IMPORT_FUTURE_DAYS sets the '
                        "tolerance",
                        line=line,
                        column=name,
                    )
    return ImportFailed(str(folder), f"a date after {limit} (no extract.json)")  # pragma: no cover


def _load_staged(
    engine: Engine,
    path: Path,
    reader: Reader,
    in_process: bool,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
) -> ImportResult:
    """Load into a private file beside the store, then copy it into the store in one step.

    Loading straight into the live store sent every page through its WAL, and the facts
    build then read 31M rows back through a 4.5 GB WAL at a million customers (330 s, against
    70-100 s from a plain file). The private file has no WAL and no fsync; SQLite's backup
    copies it into the store page by page in a single write transaction, so readers keep the
    old data until it commits and any failure leaves the store exactly as it was."""
    with engine.connect() as conn:
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    _remove_abandoned_staging(path)
    staging = path.with_name(f"{path.name}{STAGING_INFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    work = make_engine(str(staging), staging=True, page_size=page_size)
    try:
        create_store(work)
        with work.begin() as conn:
            result = _load(conn, reader, in_process, explicit_as_of, progress)
        src, dst = work.raw_connection(), engine.raw_connection()
        try:
            src.driver_connection.backup(dst.driver_connection, name="main")
        finally:
            src.close()
            dst.close()
        return result
    except (OperationalError, sqlite3.OperationalError) as e:
        # Disk full, I/O error: the extract may be fine, the machine is not. SQLite rolls the
        # whole transaction back on a full disk, so undoing the savepoint then fails too
        # ("no such savepoint"): name the first failure, the cause.
        while isinstance(e.__context__, (OperationalError, sqlite3.OperationalError)):
            e = e.__context__
        reason = str(getattr(e, "orig", None) or e).splitlines()[0]
        raise StoreError(
            f"The import could not be written ({reason}); the store {path} is unchanged.",
            fix="Free disk space beside the store (an import needs room for a second copy of it) and import again.",
        ) from None
    finally:
        work.dispose()
        for p in (staging, auth_path(staging)):
            p.unlink(missing_ok=True)


STAGING_INFIX = ".import-"
# How long the swap may wait for readers of the old extract before the import gives up.
SWAP_WAIT_SECONDS = 60
# One try at the swap's locks waits at most this long, well under PostgreSQL's deadlock_timeout
# (1 s by default): a reader holding one table and asking for another (a contact being logged
# reads customer, then meta) then finds the swap gone instead of a deadlock that kills one of the
# two. The swap lets go of everything it holds and tries again a moment later.
SWAP_TRY_MS = 200


def _load_swapped(
    engine: Engine,
    reader: Reader,
    in_process: bool,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
) -> ImportResult:
    """PostgreSQL: build the extract (tables, indexes, derived columns, facts) in a new schema
    of its own, then, in one short transaction, rename it to the data schema and drop the old
    one. Readers see the previous extract until that commit and the new one after it, never a
    mix; on any error the new schema is dropped and the store is as it was. Users and audit
    (their own schema) are never touched."""
    staging = f"{DATA_SCHEMA}_load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    tables = [t.__table__ for t in [Meta, *DATA_TABLES, *FACT_TABLES]]
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{staging}"')
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{staging}"')
            SQLModel.metadata.create_all(conn, tables=tables)
            write_meta(conn, schema_version=str(SCHEMA_VERSION))
            result = _load(conn, reader, in_process, explicit_as_of, progress)
        old = _swap_in(engine, staging, tables)
        # Apart: dropping waits for queries still reading the old tables, and new readers,
        # already on the new schema, must not queue behind it.
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{old}" CASCADE')
        return result
    except BaseException:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{staging}" CASCADE')
        raise


def _swap_in(engine: Engine, staging: str, tables: list[Any]) -> str:
    """Rename the data schema aside and the staging schema into its place, in one short
    transaction taken only when no reader holds the old tables (retried, never waited for
    while holding a lock); returns the old schema's name, to be dropped."""
    deadline = time.monotonic() + SWAP_WAIT_SECONDS
    names = ", ".join(f'"{DATA_SCHEMA}"."{t.name}"' for t in tables)
    pause = 0.05
    while True:
        old = f"{DATA_SCHEMA}_old_{uuid.uuid4().hex[:8]}"
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{SWAP_TRY_MS}ms'")
                conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
                conn.exec_driver_sql(f'ALTER SCHEMA "{DATA_SCHEMA}" RENAME TO "{old}"')
                conn.exec_driver_sql(f'ALTER SCHEMA "{staging}" RENAME TO "{DATA_SCHEMA}"')
            return old
        except OperationalError as e:
            if not is_lock_conflict(e):
                raise
            if time.monotonic() + pause > deadline:
                raise StoreError(
                    f"The new extract is loaded but could not be switched in: readers kept the store's "
                    f"tables busy for {SWAP_WAIT_SECONDS} s. The store still holds the previous extract, "
                    "unchanged and undamaged.",
                    fix="Run the import again (at a quieter time, or after stopping long-running reports).",
                ) from None
            log.info("swap waits for readers of the previous extract")
            time.sleep(pause)  # let the readers that queued behind the attempt finish
            pause = min(pause * 2, 1.0)


def _remove_abandoned_staging(path: Path) -> None:
    """Private load files left by an import that was killed (named after its process id)."""
    for p in path.parent.glob(f"{path.name}{STAGING_INFIX}*"):
        pid = p.name[len(path.name) + len(STAGING_INFIX) :].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _extract_bytes(folder: Path) -> int:
    return sum((folder / spec.file).stat().st_size for spec in SPECS if (folder / spec.file).is_file())
