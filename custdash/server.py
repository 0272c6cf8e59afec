"""The dashboard's own ASGI server: `streamlit run custdash/server.py` (what scripts/run does).

Streamlit serves app.py as usual; this adds what a Streamlit script cannot do itself:

- `POST /auth/login` checks the password (the same throttled, audited `authenticate`) and
  answers with a random session id in an **HttpOnly, SameSite=Strict** cookie (Secure over
  HTTPS), stored server-side as a digest (`auth.web_session`): a reload or a second tab stays
  signed in; sign-out and idle expiry end it for every tab. Never a token in a URL.
- `POST /auth/logout` ends the session and clears the cookie.
- security headers on every response (no framing by other sites, no MIME sniffing, no
  referrer to other sites; HSTS when served over HTTPS).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from custdash import config
from custdash.auth import AuthError, authenticate, end_session, start_session
from custdash.db import ensure_auth_tables, make_engine
from custdash.i18n import LANGS

log = logging.getLogger("custdash.ui")
# Never Streamlit's own table and chart export controls: data leaves only through custdash's
# downloads (also set in .streamlit/config.toml, for a server started from another folder).
st.config.set_option("client.disableDataExport", True)
ROOT = Path(__file__).resolve().parents[1]
COOKIE = "custdash_session"
# The script reads this to offer the form that posts to /auth/login (see ui.served_with_routes).
os.environ["CUSTDASH_ASGI"] = "1"

_engines: dict[str, Engine] = {}


def writer_engine() -> Engine:
    target = config.db_url()
    if target not in _engines:
        engine = make_engine(target, writer=True)
        ensure_auth_tables(engine)  # a sign-in may come before any page has opened the store
        _engines[target] = engine
    return _engines[target]


def _https(request: Request) -> bool:
    # Behind a TLS-terminating proxy the scheme arrives in X-Forwarded-Proto (docs/DEPLOYMENT.md).
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _same_origin(request: Request) -> bool:
    """A form post from this site only: a browser names the page's origin on a POST."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


_FILTERS = ("branch", "manager", "as_of", "customer")


def _next(value: object, lang: str) -> str:
    """Where to go after signing in: a page of this dashboard with its filters, nothing else (no
    open redirect; the page checks the filters again against the viewer)."""
    parts = urlsplit(str(value or "/")[:300])
    path = parts.path if re.fullmatch(r"/[a-z]{0,20}", parts.path) and not parts.netloc else "/"
    # Values pass through as they were (encoded): the page checks them, and a bad one gets its notice.
    kept = [(k, v[:200]) for k, v in parse_qsl(parts.query) if k in _FILTERS]
    return path + "?" + urlencode([("lang", lang), *kept])


def _lang(value: object) -> str:
    return str(value) if value in LANGS else config.default_lang()


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


async def login(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Sign-in must come from the dashboard's own page.", status_code=403)
    form = await request.form()
    username = str(form.get("username") or "")[:64].strip()
    password = str(form.get("password") or "")[:1024]
    lang = _lang(form.get("language"))
    target = _next(form.get("next"), lang)

    replaced = request.cookies.get(COOKIE)

    def sign_in() -> str:
        with Session(writer_engine()) as s:
            viewer = authenticate(s, username, password, client=_client(request))
            # The browser's cookie is about to belong to someone else: the session it held ends
            # too, so a tab still open on it (another user's) cannot go on as that user.
            end_session(s, replaced, reason="replaced")
            return start_session(s, viewer)

    try:
        token = await run_in_threadpool(sign_in)
    except AuthError:
        return RedirectResponse("/?" + urlencode({"lang": lang, "signin": "failed"}), status_code=303)
    except Exception:  # the store cannot be reached or is saturated: a page that says so, never a bare 500
        log.exception("sign-in could not reach the store")
        return RedirectResponse("/?" + urlencode({"lang": lang, "signin": "unavailable"}), status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=_https(request), path="/")
    return response


async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Sign-out must come from the dashboard's own page.", status_code=403)
    token = request.cookies.get(COOKIE)

    def sign_out() -> None:
        with Session(writer_engine()) as s:
            end_session(s, token)

    await run_in_threadpool(sign_out)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_https(request))
    return response


HEADERS = [
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds HEADERS to every HTTP response (and HSTS over HTTPS)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        https = scope.get("scheme") == "https" or headers.get(b"x-forwarded-proto", b"").lower() == b"https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _v in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in names]
                if https:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


app = st.App(
    str(ROOT / "custdash" / "ui" / "main.py"),  # app.py's body; see its docstring
    routes=[Route("/auth/login", login, methods=["POST"]), Route("/auth/logout", logout, methods=["POST"])],
    middleware=[Middleware(SecurityHeaders)],
)
