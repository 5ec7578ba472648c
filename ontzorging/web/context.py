"""What the app and its views share: the ``App`` of the running server,
the clock of sessions, the cookie names and the role check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, redirect
from sqlalchemy import text as sql_text

from ontzorging.bootstrap import App
from ontzorging.web.accounts import User

F = TypeVar("F", bound=Callable[..., Any])
LANGUAGE_COOKIE = "ontzorging_lang"
PRE_SESSION_COOKIE = "ontzorging_pre"  # CSRF token before login (double submit)


def wall_now(app: App) -> datetime:
    """Sessions and logins run on the real clock (a fact, not a business
    date): ``ONTZORGING_TODAY`` must not stretch or end a session."""
    return datetime.now(ZoneInfo(app.settings.schedule.timezone))


def session_cookie_name(app: App) -> str:
    # Chromium refuses __Host- cookies on plain-http localhost (tests).
    return "__Host-ontzorging" if app.settings.web.secure_cookies else "ontzorging"


def ontzorging_app() -> App:
    found: App = current_app.extensions["ontzorging"]
    return found


def requires(role: str) -> Callable[[F], F]:
    """Signed in (else to /login) and holding ``role`` (else 403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user: User | None = g.user
            if user is None:
                return redirect("/login")
            if not user.has(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def database_answers(app: App) -> bool:
    try:
        with app.engine.connect() as conn:
            conn.execute(sql_text("SELECT 1"))
        return True
    except Exception:
        return False
