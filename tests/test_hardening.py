"""Issue #33's security round: what broke, each with the case that broke it (docs/SECURITY.md,
"Second review")."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def test_streamlits_own_table_and_chart_exports_are_off_in_config_and_in_the_server():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    # The server sets it itself too (a server started from another folder reads no config.toml).
    probe = "import custdash.server, streamlit as st; print(st.config.get_option('client.disableDataExport'))"
    out = subprocess.run([sys.executable, "-c", probe], cwd="/", capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr[-2000:]


_SATURATED = """
import asyncio, json
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
import custdash.server as server

def saturated():
    raise OperationalError("connect", {}, Exception("FATAL: sorry, too many clients already"))

server._writer = saturated
body = b"username=admin&password=whatever-it-is&language=zh"
scope = {"type": "http", "method": "POST", "path": "/auth/login", "query_string": b"",
         "headers": [(b"host", b"h"), (b"origin", b"http://h"),
                     (b"content-type", b"application/x-www-form-urlencoded")]}

async def receive():
    return {"type": "http.request", "body": body, "more_body": False}

r = asyncio.run(server.login(Request(scope, receive)))
print(json.dumps([r.status_code, r.headers["location"]]))
"""


def test_sign_in_with_every_database_connection_taken_answers_a_page_not_a_bare_500():
    # In a process of its own: importing custdash.server marks the process as served by it.
    out = subprocess.run([sys.executable, "-c", _SATURATED], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [303, "/?lang=zh&signin=unavailable"]


def test_the_login_page_says_the_store_is_busy_after_such_a_sign_in(demo_db, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["signin"] = "unavailable"
    at.run()
    assert [e.value for e in at.error] == [
        "Sign-in is not possible right now: the data store is busy or cannot be reached. Try again in a "
        "minute; if it goes on, tell your administrator."
    ]
