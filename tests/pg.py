"""A real PostgreSQL server for the tests, from Debian's `postgresql` package: initdb into a
temporary folder, a free port on the loopback interface, stopped and removed afterwards.

Started once per test process, when a test first asks for it (tests/conftest.py: the `pg`
fixture, and every store of a `--store postgresql` run). Without the server binaries such a
test is skipped, unless CUSTDASH_TEST_PG=required (CI, scripts/test), which makes it fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL cluster; `database()` makes a fresh, empty database and returns its URL."""

    def __init__(self) -> None:
        bins = _bin_dir()
        if bins is None:
            message = "PostgreSQL server binaries not found (Debian package postgresql)"
            if os.environ.get("CUSTDASH_TEST_PG") == "required":
                pytest.fail(message)
            pytest.skip(message)
        self.bins = bins
        self.root = Path(tempfile.mkdtemp(prefix="custdash-pg-"))
        self.port = _free_port()
        # initdb and postgres refuse to run as root: then they run as the package's user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "custdash", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.url = f"postgresql+psycopg://custdash@127.0.0.1:{self.port}"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bins / tool), *args], check=True, capture_output=True, timeout=120)

    def database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "custdash", name)
        return f"{self.url}/{name}"

    def copy(self, url: str) -> str:
        """A new database holding what the database at `url` holds (CREATE DATABASE … TEMPLATE):
        the PostgreSQL side of copying a store's file. Connections to the original are closed
        first (PostgreSQL copies only a database nobody is connected to); engines reconnect."""
        import psycopg

        source = url.rsplit("/", 1)[1]
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=custdash dbname=postgres", autocommit=True) as con:
            con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (source,),
            )
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return f"{self.url}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
