"""Accounts and sessions on a real database: TOTP as second factor (used
once), idle and absolute session timeouts, throttling that ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from sqlalchemy import Engine, select

from ontzorging.adapters.schema import web_users
from ontzorging.settings import load_settings
from ontzorging.web.accounts import add_user, load_session, start_session, verify_login

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 3, 27, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
PASSWORD = "a long enough password"
WEB = load_settings().web  # require_mfa true, 30 minutes idle, 12 hours absolute


def _user(engine: Engine) -> str:
    with engine.begin() as conn:
        made = add_user(conn, "jan", ("finance",), None, PASSWORD, "test", T0)
    return pyotp.parse_uri(made["totp_uri"]).secret


def test_the_second_factor_is_asked_and_a_code_counts_once(engine: Engine) -> None:
    secret = _user(engine)
    totp = pyotp.TOTP(secret)
    with engine.begin() as conn:
        assert verify_login(conn, "jan", PASSWORD, "", WEB, T0).problem == "totp_needed"
        assert verify_login(conn, "jan", PASSWORD, "000000", WEB, T0).problem in (
            "totp_wrong",
            None,  # one in a million: 000000 is the code
        )
        code = totp.at(T0)
        assert verify_login(conn, "jan", PASSWORD, code, WEB, T0).user is not None
        assert verify_login(conn, "jan", PASSWORD, code, WEB, T0).problem == "totp_wrong"
        later = T0 + timedelta(seconds=30)
        assert verify_login(conn, "jan", PASSWORD, totp.at(later), WEB, later).user is not None
        off = replace(WEB, require_mfa=False)
        assert verify_login(conn, "jan", PASSWORD, "", off, later).user is not None


def test_sessions_end_when_idle_or_old(engine: Engine) -> None:
    _user(engine)
    off = replace(WEB, require_mfa=False)
    with engine.begin() as conn:
        user = verify_login(conn, "jan", PASSWORD, "", off, T0).user
        assert user is not None
        token, csrf = start_session(conn, user, T0)
        found = load_session(conn, token, WEB, T0 + timedelta(minutes=29))
        assert found is not None and found[1] == csrf
        moment = T0 + timedelta(minutes=29)
        for _ in range(30):  # active all day: never idle
            moment += timedelta(minutes=25)
            if moment - T0 > timedelta(hours=12):
                break
            assert load_session(conn, token, WEB, moment) is not None
        assert load_session(conn, token, WEB, T0 + timedelta(hours=12, minutes=1)) is None
        assert load_session(conn, token, WEB, T0) is None  # the row is gone
        idle_token, _ = start_session(conn, user, T0)
        assert load_session(conn, idle_token, WEB, T0 + timedelta(minutes=31)) is None
        assert load_session(conn, "no such token", WEB, T0) is None


def test_a_throttle_ends_after_its_minutes(engine: Engine) -> None:
    _user(engine)
    off = replace(WEB, require_mfa=False)
    with engine.begin() as conn:
        problems = [verify_login(conn, "jan", "wrong!", "", off, T0).problem for _ in range(10)]
        assert problems == ["wrong"] * 9 + ["throttled"]
        assert verify_login(conn, "jan", PASSWORD, "", off, T0).problem == "throttled"
        after = T0 + timedelta(minutes=WEB.login_throttle_minutes, seconds=1)
        assert verify_login(conn, "jan", PASSWORD, "", off, after).user is not None
        stored = conn.execute(select(web_users.c.password_hash)).scalar_one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
