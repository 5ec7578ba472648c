"""The Flask application: one factory over the ``App`` of
:func:`ontzorging.bootstrap.bootstrap`, security on every request, and the
server (waitress, a production WSGI server) behind ``ontzorging web``.

Security, per the research note (docs/adr/0012-web-interface.md):
server-side sessions in the database (cookie = random token, only its
SHA-256 stored), a CSRF token of the session on every POST (400 without,
403 when wrong or cross-site), cookies HttpOnly + SameSite=Lax + Secure,
a Content-Security-Policy without inline script or style, ``no-store`` on
every page, and nothing sensitive in a URL."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, abort, g, redirect, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ontzorging.bootstrap import App
from ontzorging.web.accounts import load_session
from ontzorging.web.context import (
    LANGUAGE_COOKIE,
    PRE_SESSION_COOKIE,
    ontzorging_app,
    session_cookie_name,
    wall_now,
)
from ontzorging.web.texts import DEFAULT_LANGUAGE, LANGUAGES, text

F = TypeVar("F", bound=Callable[..., Any])
HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null"
    # on form posts, and no host name leaks to other sites either way.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "X-Frame-Options": "DENY",
}


def create_app(app: App) -> Flask:
    web = Flask(
        "ontzorging.web",
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
    )
    web.config.update(MAX_CONTENT_LENGTH=64 * 1024, SEND_FILE_MAX_AGE_DEFAULT=3600)
    web.extensions["ontzorging"] = app
    if app.settings.web.trusted_proxies:
        n = app.settings.web.trusted_proxies
        proxied = ProxyFix(web.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
        web.wsgi_app = proxied  # type: ignore[method-assign]
    web.before_request(_before)
    web.after_request(_after)
    web.register_error_handler(HTTPException, _http_error)
    web.jinja_env.globals.update(
        t=_t,
        euro=euro,
        theme=_theme,
        require_mfa=lambda: app.settings.web.require_mfa,
        oidc_enabled=lambda: app.settings.web.oidc.enabled,
    )
    web.jinja_env.autoescape = True

    from ontzorging.web import views

    views.register(web)
    return web


def _before() -> Any:
    app = ontzorging_app()
    g.language = request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE)
    if g.language not in LANGUAGES:
        g.language = DEFAULT_LANGUAGE
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.method == "GET":
        response = redirect(request.path)
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            secure=app.settings.web.secure_cookies,
            httponly=True,
            samesite="Lax",
        )
        return response
    g.user, g.csrf, g.new_pre_token = None, None, None
    if request.endpoint in ("static", "healthz", "theme_css"):
        return None  # no session, and no new pre-session token racing the page's
    token = request.cookies.get(session_cookie_name(app))
    if token:
        with app.engine.begin() as conn:
            found = load_session(conn, token, app.settings.web, wall_now(app))
        if found:
            g.user, g.csrf = found
    if g.csrf is None:
        # Signed out, only the login form posts; its token is made by the
        # login page alone (a 404 for /favicon.ico must not replace it).
        pre = request.cookies.get(PRE_SESSION_COOKIE, "")
        if len(pre) != 64 and request.endpoint == "login":
            pre = g.new_pre_token = secrets.token_hex(32)
        g.csrf = pre
    if request.method == "POST":
        _check_csrf()
    return None


def _check_csrf() -> None:
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        abort(403)
    sent = request.form.get("csrf_token", "")
    if not sent or not g.csrf:
        abort(400)
    if not secrets.compare_digest(sent, g.csrf):
        abort(403)


def _after(response: Response) -> Response:
    app = ontzorging_app()
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # A view may set a policy of its own (views.DOCUMENT_CSP); else the strict one.
    response.headers["Content-Security-Policy"] = getattr(g, "csp", None) or CSP
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if app.settings.web.secure_cookies:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if getattr(g, "new_pre_token", None):
        response.set_cookie(
            PRE_SESSION_COOKIE,
            g.new_pre_token,
            secure=app.settings.web.secure_cookies,
            httponly=True,
            samesite="Lax",
        )
    return response


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    keys = {404: "not_found", 403: "forbidden", 400: "bad_request"}
    key = keys.get(code, "error_summary")
    body = text(f"{key}_text", _language()) if f"{key}_text" in _KEYS else ""
    return render_template("error.html", title=_t(key), message=body, code=code), code


_KEYS = {"not_found_text", "forbidden_text", "bad_request_text"}


def _language() -> str:
    return getattr(g, "language", DEFAULT_LANGUAGE)


def _t(key: str, **values: object) -> str:
    return text(key, _language(), **values)


def _theme() -> dict[str, str]:
    web = ontzorging_app().settings.web
    return {"class": web.theme_class, "own_css": "1" if web.theme_css else ""}


def euro(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole = f"{abs(cents) // 100:,}".replace(",", ".")
    return f"{sign}€ {whole},{abs(cents) % 100:02d}"


def serve(app: App, host: str, port: int, *, threads: int = 8) -> None:
    """Serve with waitress (a production WSGI server) until stopped."""
    import waitress

    waitress.serve(create_app(app), host=host, port=port, threads=threads, ident="ontzorging")
