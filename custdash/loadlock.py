"""The store's load lock: one import or demo build at a time per store.

A second load into the same store is refused at once (it would otherwise also report success,
and the store end with whichever finished last). SQLite: an OS file lock beside the store;
PostgreSQL: a session-level advisory lock. Both are freed if the holding process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from custdash.db import StoreError, is_server, shown, sqlite_path, to_url


class StoreBusy(StoreError):
    """Another load (import or demo generation) into the same store is running."""


@contextlib.contextmanager
def load_lock(target: str) -> Iterator[None]:
    """Hold the store's load lock for an import or a demo build: a second load into the same
    store is refused at once (it would otherwise also report success, and the store end with
    whichever finished last). An OS file lock: released by the kernel if the process dies."""
    path = sqlite_path(target)
    if path is None:
        if is_server(target):
            with _server_load_lock(target):
                yield
        else:
            yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.load-lock")
    with open(lock, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise StoreBusy(
                f"Another load into {path} is running ({holder}); nothing was changed.",
                fix="Wait for it to finish, then run this command again.",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# pg_advisory_lock key of custdash loads (any 64-bit number, the same in every process).
LOAD_LOCK_KEY = 0x637573746461736B  # "custdask"


@contextlib.contextmanager
def _server_load_lock(target: str) -> Iterator[None]:
    """A PostgreSQL session-level advisory lock, held on a connection of its own for the whole
    load: a second load is refused at once; the server frees the lock if this process dies."""
    engine = create_engine(to_url(target), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({LOAD_LOCK_KEY})").scalar_one()
            conn.commit()
            if not got:
                holder = conn.exec_driver_sql(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted LIMIT 1",
                    (LOAD_LOCK_KEY & 0xFFFFFFFF,),
                ).scalar_one_or_none()
                raise StoreBusy(
                    f"Another load into {shown(target)} is running"
                    f" (server process {holder or 'unknown'}); nothing was changed.",
                    fix="Wait for it to finish, then run this command again.",
                )
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({LOAD_LOCK_KEY})")
                conn.commit()
    finally:
        engine.dispose()
