"""The store: engine factory, schema version, and a checked open.

Nothing here runs at import; callers build an engine with `make_engine` and keep it
(the dashboard in `st.cache_resource`).
"""

from __future__ import annotations

import functools
import os
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DDL,
    Connection,
    Dialect,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

# error_cause and is_lock_conflict are part of this module's API (custdash/errors.py holds them).
from custdash.errors import error_cause, is_lock_conflict  # noqa: F401
from custdash.models import (
    AUTH_SCHEMA,
    AUTH_TABLES,
    DATA_TABLES,
    FACT_TABLES,
    SCHEMA_VERSION,
    AuditEvent,
    ContactLog,
    Customer,
    Meta,
)

# The audit trail and the contact log are append-only: the database itself refuses to change
# or delete them. The one exception: contacts logged on demo data (contact_log.demo) may be
# deleted, which the first import of a bank's own data does.
_KEEP_ROW = {"audit_event": "", "contact_log": " WHEN OLD.demo = 0"}
for _table in (AuditEvent.__table__, ContactLog.__table__):
    _name = _table.name
    for _verb in ("UPDATE", "DELETE"):
        _when = _KEEP_ROW[_name] if _verb == "DELETE" else ""
        event.listen(
            _table,
            "after_create",
            DDL(
                f"CREATE TRIGGER IF NOT EXISTS {AUTH_SCHEMA}.{_name}_no_{_verb.lower()} BEFORE {_verb} ON {_name}"
                f"{_when} BEGIN SELECT RAISE(ABORT, '{_name} is append-only'); END"
            ).execute_if(dialect="sqlite"),
        )
    _demo_delete = "IF TG_OP = 'DELETE' AND OLD.demo THEN RETURN OLD; END IF; " if _name == "contact_log" else ""
    for _ddl in (
        f"CREATE OR REPLACE FUNCTION {AUTH_SCHEMA}.{_name}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {_demo_delete}RAISE EXCEPTION '{_name} is append-only'; END $$",
        f"CREATE TRIGGER {_name}_no_change BEFORE UPDATE OR DELETE ON {AUTH_SCHEMA}.{_name} "
        f"FOR EACH ROW EXECUTE FUNCTION {AUTH_SCHEMA}.{_name}_append_only()",
        f"CREATE TRIGGER {_name}_no_truncate BEFORE TRUNCATE ON {AUTH_SCHEMA}.{_name} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {AUTH_SCHEMA}.{_name}_append_only()",
    ):
        event.listen(_table, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))


def auth_path(path: Path) -> Path:
    """The SQLite file holding users and the audit trail, beside the store."""
    return path.with_name(path.name + "-auth")


class StoreError(RuntimeError):
    """The store cannot be used; the message says why and what fixes it."""

    def __init__(self, message: str, *, fix: str = ""):
        super().__init__(message)
        self.fix = fix


# On PostgreSQL: the schema holding the data and fact tables (and meta). An import builds
# the next extract in a schema of its own and renames it to this one in one transaction.
DATA_SCHEMA = "custdash"


def is_server(target: str) -> bool:
    """A database server (PostgreSQL), not an embedded SQLite file."""
    return make_url(to_url(target)).get_backend_name() != "sqlite"


def to_url(target: str) -> str:
    """A SQLAlchemy URL for a path or URL. `postgresql://` means the driver custdash installs
    (psycopg 3); SQLAlchemy alone would look for psycopg2."""
    if target.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target if "://" in target else f"sqlite:///{target}"


def shown(target: str) -> str:
    """A store's place fit for a message or a log: a SQLite path, or a URL without its password."""
    if sqlite_path(target) is not None:
        return target
    return make_url(to_url(target)).render_as_string(hide_password=True)


def sqlite_path(target: str) -> Path | None:
    url = make_url(to_url(target))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def make_engine(
    target: str,
    *,
    create_dirs: bool = False,
    bulk: bool = False,
    staging: bool = False,
    page_size: int | None = None,
    writer: bool = False,
    mapped: bool = True,
) -> Engine:
    """An engine for a SQLite path or SQLAlchemy URL.

    SQLite gets WAL (readers keep their snapshot while an import commits), foreign
    keys (the importer relies on them to reject dangling references) and a busy
    timeout instead of an immediate "database is locked".

    `writer` engines are for users and the audit trail only (the `auth` schema). They start
    every transaction with BEGIN IMMEDIATE: a transaction that reads and then writes (a login:
    read the user, write the audit) would otherwise fail at once with "database is locked"
    when another connection wrote in between, since SQLite cannot upgrade a stale read
    snapshot; IMMEDIATE waits for the lock instead.

    `bulk` is for building a new file nobody reads yet (the demo generator): no
    journal, no fsync, no foreign-key checks, a big cache. The file is switched to
    WAL by `finish_bulk` before it is moved into place.

    `staging` is for the importer's private copy (see importer.import_extract): like `bulk`,
    but foreign keys stay on (they reject dangling references) and the rollback journal is
    kept in memory, so a savepoint can still be rolled back to find a bad row. `page_size`
    sets a new file's page size (the importer matches the store's, as the backup requires).

    `mapped=False` reads through the page cache, not a memory map: for a batch job (the demo's
    contact history) whose resident size must not count every page it read (2.4 GB at 1M).
    """
    path = sqlite_path(target)
    if path is not None and create_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    # A writer needs only the users/audit file: its main database is a private in-memory one,
    # so BEGIN IMMEDIATE locks the -auth file alone and never waits for an import of the store.
    url = "sqlite://" if writer and path is not None else to_url(target)
    # check_same_thread=False: Streamlit runs each rerun on its own thread, and the pool hands a
    # connection to whichever thread asks next (and closes idle ones from any thread). The pool
    # never gives one connection to two threads at once, which is all SQLite needs.
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    connect_args: dict[str, Any] = {"check_same_thread": False} if is_sqlite else {}
    if path is not None:
        connect_args["timeout"] = 30
    # A writer's private in-memory main database would get SQLAlchemy's SingletonThreadPool,
    # which closes surplus connections from whatever thread runs next: with threads allowed
    # that crashed the process, without it the log filled with "SQLite objects created in a
    # thread". A QueuePool hands each connection to one thread at a time (its main database
    # stays private and unused; only the attached -auth file matters).
    pool: dict[str, Any] = {"poolclass": QueuePool} if writer and path is not None else {}
    if not is_sqlite:
        # A pooled connection outlives a server restart or failover: test it before use, so the
        # first page after one reconnects instead of failing.
        pool["pool_pre_ping"] = True
    engine = create_engine(url, connect_args=connect_args, **pool)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _pg_search_path(dbapi_conn: Any, _record: object) -> None:
            # The data and fact tables live in DATA_SCHEMA, which an import replaces whole
            # (importer.load); users and audit in AUTH_SCHEMA, which no import touches.
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET search_path TO {DATA_SCHEMA}, public")
            dbapi_conn.commit()

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"ATTACH DATABASE ? AS {AUTH_SCHEMA}", (str(auth_path(path)) if path else ":memory:",))
            cur.execute("PRAGMA busy_timeout=30000")
            if page_size:
                cur.execute(f"PRAGMA page_size={int(page_size)}")
            if staging:
                # No `threads`: helper sort threads each buffer up to a cache's worth, which took the
                # importer past 1 GB building indexes at a million customers for ~5 s saved.
                for pragma in (
                    "journal_mode=MEMORY",
                    "synchronous=OFF",
                    "foreign_keys=ON",
                    "cache_size=-262144",
                ):
                    cur.execute(f"PRAGMA {pragma}")
            elif bulk:
                # The page cache bounds the generator's memory (index builds and the facts' sorts
                # spill to temporary files beyond it): with 400 MB and in-memory temporaries the
                # 1M demo peaked at 1.66 GB (#17's limit is 1 GB).
                for pragma in (
                    "journal_mode=OFF",
                    "synchronous=OFF",
                    "foreign_keys=OFF",
                    "cache_size=-131072",
                ):
                    cur.execute(f"PRAGMA {pragma}")
            else:
                # Memory-mapped reads and a larger page cache: at a million customers the
                # views read hundreds of MB, and per-page read() calls dominated the time.
                if mapped:
                    cur.execute("PRAGMA mmap_size=8589934592")
                cur.execute("PRAGMA cache_size=-131072")
                cur.execute("PRAGMA foreign_keys=ON")
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute(f"PRAGMA {AUTH_SCHEMA}.journal_mode=WAL")
                except sqlite3.OperationalError:
                    pass  # read-only directory: fall back to the file's current mode
            cur.close()
            # Let SQLAlchemy, not the driver, open transactions: pysqlite's own
            # implicit BEGIN breaks SAVEPOINT, which the importer needs.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def create_store(engine: Engine) -> None:
    """Create all tables and stamp the schema version (an empty store)."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {AUTH_SCHEMA}")
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {DATA_SCHEMA}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        if s.get(Meta, "schema_version") is None:
            s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        if s.get(Meta, "data_version") is None:
            s.add(Meta(key="data_version", value=uuid.uuid4().hex))
        s.commit()


@functools.lru_cache(maxsize=64)
def _insert_sql(table: Table, names: tuple[str, ...], dialect: Dialect) -> str:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    # The statement lists columns in the table's order; the tuples must follow it.
    if compiled.positiontup is not None and tuple(compiled.positiontup) != names:
        raise ValueError(f"bulk_insert into {table.name}: give the columns in table order {compiled.positiontup}")
    return str(compiled)


def bulk_insert(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in `names` order, values already in the store's storage format)
    with the driver's executemany: SQLAlchemy's per-row parameter processing cost the
    importer more than SQLite's own work. The SQL is compiled from the model's table."""
    if rows:
        conn.exec_driver_sql(_insert_sql(table, tuple(names), conn.dialect), list(rows))


def storage_value(v: Any) -> Any:
    """A Python value as SQLAlchemy stores it in SQLite (dates and times as ISO text)."""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v


def drop_indexes(conn) -> list:
    """Drop the data and fact tables' secondary indexes (bulk loads are faster without them,
    and one sorted build at the end beats millions of B-tree inserts); returns them.
    Never the auth schema's: that would hold its write lock, and so every login, for the load."""
    indexes = [ix for t in [*DATA_TABLES, *FACT_TABLES] for ix in t.__table__.indexes]
    for ix in indexes:
        ix.drop(conn)
    return indexes


def create_indexes(conn, indexes: list) -> None:
    for ix in indexes:
        ix.create(conn)


def read_meta(session: Session | Connection) -> dict[str, str]:
    return {k: v for k, v in session.execute(select(Meta.key, Meta.value)).all()}


def write_meta(conn: Connection | Session, **values: str) -> None:
    """Set meta rows inside the caller's transaction (delete + insert: portable, no upsert)."""
    for k, v in values.items():
        conn.execute(delete(Meta).where(Meta.key == k))
        conn.execute(insert(Meta).values(key=k, value=v))


@dataclass(frozen=True)
class StoreInfo:
    as_of: date | None
    source: str
    data_version: str
    customers: int
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.customers == 0 or self.as_of is None


def _meta_value(target: str, key: str) -> str | None:
    """One meta value read straight from the file (any schema version; None if unreadable)."""
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            return conn.execute(select(Meta.value).where(Meta.key == key)).scalar_one_or_none()
    except (DatabaseError, OperationalError):
        return None
    finally:
        engine.dispose()


def store_source(target: str) -> str | None:
    """ "demo", "import", … for an existing store; None when there is none (or no meta to read)."""
    if not store_exists(target):
        return None
    return _meta_value(target, "source")


def store_schema(target: str) -> str | None:
    return _meta_value(target, "schema_version")


def ensure_auth_tables(engine: Engine) -> None:
    """Users, audit, demo accounts, sign-in throttles and sessions: created when missing (a new
    -auth file, or one from before a table was added)."""
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in AUTH_TABLES])


def held_a_store(target: str) -> bool:
    """Did a store live here? Its users and audit outlive it (a SQLite store moved aside or lost
    leaves its -auth file behind; a PostgreSQL data schema dropped leaves the auth schema): the
    dashboard must then not build a demo store there."""
    path = sqlite_path(target)
    if path is None:
        try:
            return "audit_event" in _server_tables(target, AUTH_SCHEMA)
        except (DatabaseError, OperationalError):
            return True  # cannot tell: never build demo data where a store may be
    return auth_path(path).exists() and auth_path(path).stat().st_size > 0


def store_exists(target: str, engine: Engine | None = None) -> bool:
    """Is there a store (of any version, even a damaged one) at `target`? A SQLite file, or a
    PostgreSQL database whose data schema has a meta table: an empty database is no store yet.
    `engine`: one already open on `target` (the dashboard's, on every page run)."""
    path = sqlite_path(target)
    if path is None:
        try:
            return "meta" in _server_tables(target, DATA_SCHEMA, engine)
        except (DatabaseError, OperationalError):
            return True  # unreachable or refused: check_store names it
    return path.exists()


def _server_tables(target: str, schema: str, engine: Engine | None = None) -> set[str]:
    own = engine is None
    engine = engine or make_engine(target)
    try:
        return set(inspect(engine).get_table_names(schema=schema))
    finally:
        if own:
            engine.dispose()


def check_store(engine: Engine, target: str = "") -> StoreInfo:
    """Open the store read-only in spirit and say clearly what is wrong with it."""
    where = shown(target) if target else engine.url.render_as_string(hide_password=True)
    fix_seed = "python -m seed   (demo data)  or  python -m custdash import DIR   (a bank extract)"
    path = sqlite_path(where) if target else None
    if path is not None and not path.exists():
        raise StoreError(f"No store at {path}.", fix=fix_seed)
    if path is not None and not os.access(path.parent, os.W_OK):
        raise StoreError(
            f"The data directory {path.parent} is read-only. custdash must write there: SQLite keeps its WAL "
            "journal beside the store, and logins and exports are written to the audit trail.",
            fix=f"Make {path.parent} writable, or set CUSTDASH_DB to a store in a writable directory.",
        )
    try:
        names = set(inspect(engine).get_table_names())
    except (DatabaseError, OperationalError) as e:
        raise store_read_error(e, where) from None
    if "meta" not in names:
        raise StoreError(f"{where} is not a custdash store (it has no meta table).", fix=fix_seed)
    try:
        with Session(engine) as s:
            meta = read_meta(s)
            version = meta.get("schema_version")
            if version != str(SCHEMA_VERSION):
                raise StoreError(
                    f"The store {where} has schema version {version}; this custdash needs version {SCHEMA_VERSION}.",
                    fix="Re-import the extract into a new store: python -m custdash import DIR  (or python -m seed for demo data)",
                )
            missing = sorted({t.__tablename__ for t in [*DATA_TABLES, *FACT_TABLES]} - names)
            if missing:
                raise StoreError(f"The store {where} lacks tables: {', '.join(missing)}.", fix=fix_seed)
        # Users and audit: created empty when the -auth file is new (then nobody can sign in
        # until `python -m custdash users add`).
        ensure_auth_tables(engine)
        if meta.get("customers", "").isdigit():  # counted at load time: no full scan per page view
            customers = int(meta["customers"])
        else:
            with Session(engine) as s:
                customers = s.execute(select(func.count()).select_from(Customer)).scalar_one()
    except (DatabaseError, OperationalError) as e:
        raise store_read_error(e, where) from None
    as_of = date.fromisoformat(meta["as_of"]) if meta.get("as_of") else None
    return StoreInfo(
        as_of=as_of,
        source=meta.get("source", ""),
        data_version=meta.get("data_version", ""),
        customers=customers,
        meta=meta,
    )


FIX_SEED = "python -m seed   (demo data)  or  python -m custdash import DIR   (a bank extract)"


def store_read_error(e: BaseException, where: str) -> StoreError:
    """A StoreError that says what went wrong reading the store, by cause (error_cause)."""
    cause, target, where = error_cause(e), where, shown(where)
    if cause == "disk_full":
        return StoreError(
            f"The disk holding {where} is full ({_short(e)}). The store is not damaged.",
            fix="Free disk space (or raise the quota), then try again.",
        )
    if cause == "busy":
        return StoreError(
            f"The store {where} is locked by another process ({_short(e)}).", fix="Try again in a minute."
        )
    if cause == "unreachable":
        return StoreError(
            f"The database server of {where} cannot be reached: {_short(e)}",
            fix="Check that PostgreSQL is running and that CUSTDASH_DB names the right host, port, database and user.",
        )
    if cause == "unexpected" and is_server(target):
        # A database server's own error is not a damaged file: no one is sent to a backup for it.
        return StoreError(
            f"The database server of {where} refused the request: {_short(e)}",
            fix="Try again in a minute; if it repeats, give this message to the database's administrator.",
        )
    return StoreError(
        f"The store {where} cannot be read: {_short(e)}. It is not a SQLite database or it is damaged.",
        fix=f"Restore it from a backup, or move it aside and run {FIX_SEED}",
    )


def _short(e: BaseException) -> str:
    orig = getattr(e, "orig", None)
    return str(orig or e).splitlines()[0]


def utcnow() -> datetime:
    """Now in UTC, without a zone (the store keeps naive times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def now_utc() -> str:
    return utcnow().isoformat(timespec="seconds") + "+00:00"
