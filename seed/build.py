"""Build a demo store (or extract) from a DemoSpec."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from custdash import config, month_ends
from custdash.auth import ensure_demo_users
from custdash.db import (
    StoreError,
    auth_path,
    create_indexes,
    create_store,
    drop_indexes,
    make_engine,
    shown,
    sqlite_path,
    store_schema,
    store_source,
)
from custdash.importer import clear_data, finish_load
from custdash.loadlock import load_lock
from custdash.models import SCHEMA_VERSION
from custdash.rules import Rules, load_rules
from seed.contacts import write_demo_contacts
from seed.generate import DemoSpec, generate
from seed.sinks import CsvSink, StoreSink

Progress = Callable[[int, int], None]


def build_demo_store(
    target: str, spec: DemoSpec, *, rules: Rules | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Generate the demo network into the store at `target`; returns rows per file.

    A new SQLite store is built beside the target and moved into place when complete,
    so a crash never leaves half a store behind. An existing store is replaced inside
    one transaction, like an import: readers keep the old data until it commits.
    """
    with load_lock(target):
        return _build(target, spec, rules or load_rules(), progress)


def _build(target: str, spec: DemoSpec, rules: Rules, progress: Progress | None) -> dict[str, int]:
    month_end_count = config.month_end_facts()  # checked before any work
    path = sqlite_path(target)
    source = store_source(target)
    if source not in (None, "demo"):
        raise StoreError(
            f"The store {shown(target)} holds a bank's data (source {source!r}): demo data will not replace it.",
            fix="Generate the demo into another store: python -m seed --db data/demo.db",
        )
    if path is not None and path.exists() and source == "demo" and store_schema(target) != str(SCHEMA_VERSION):
        path.unlink()  # a demo store of an older custdash: rebuilt from scratch (users are kept)
    fresh = path is not None and not path.exists()
    build_target = str(path.with_name(f".{path.name}.building-{os.getpid()}")) if fresh else target
    if fresh:
        path.parent.mkdir(parents=True, exist_ok=True)
        Path(build_target).unlink(missing_ok=True)
    engine = make_engine(build_target, create_dirs=True, bulk=fresh)
    try:
        create_store(engine)
        with engine.begin() as conn:
            clear_data(conn)
            indexes = drop_indexes(conn) if fresh else []
            sink = StoreSink(conn)
            # Generation is about three fifths of the work; indexes, facts and month-ends the rest.
            per_month_end = spec.customers // 24
            loaded = spec.customers * 4 // 3 + 2
            steps = loaded + month_end_count * per_month_end
            generate(spec, rules, sink, progress and (lambda done, _total: progress(done, steps)))
            create_indexes(conn, indexes)
            if progress:
                progress(loaded - 2 - spec.customers // 6, steps)
            finish_load(conn, rules, as_of=spec.as_of, source="demo")
        written: list[object] = []

        def month_end_written(day: object) -> None:
            written.append(day)
            if progress:
                progress(loaded + len(written) * per_month_end, steps)

        if progress:
            progress(loaded, steps)
        month_ends.complete(engine, rules=rules, count=month_end_count, progress=month_end_written)
        if progress:
            progress(steps, steps)
        if fresh:
            raw = engine.raw_connection()  # outside any transaction, as SQLite requires
            try:
                raw.driver_connection.execute("PRAGMA journal_mode=WAL")
            finally:
                raw.close()
    finally:
        engine.dispose()
    if fresh:
        os.replace(build_target, path)
        for leftover in (auth_path(Path(build_target)), Path(f"{auth_path(Path(build_target))}-journal")):
            leftover.unlink(missing_ok=True)
    # Demo users go into the store's own users file (kept across rebuilds and imports).
    engine = make_engine(target, mapped=False)
    try:
        create_store(engine)
        with Session(engine) as session:
            accounts = ensure_demo_users(session)
            demo_manager = next((scope for _u, _p, role, scope in accounts if role == "manager"), None)
            write_demo_contacts(session, rules=rules, as_of=spec.as_of, seed=spec.seed, demo_manager=demo_manager)
    finally:
        engine.dispose()
    return sink.rows


def write_demo_extract(
    folder: str | Path, spec: DemoSpec, *, rules: Rules | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Generate the demo network as a CSV extract (the import format)."""
    sink = CsvSink(Path(folder), spec.as_of)
    try:
        generate(spec, rules or load_rules(), sink, progress)
    finally:
        sink.close()
    return sink.rows
