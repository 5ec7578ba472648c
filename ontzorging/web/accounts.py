"""Web users and their server-side sessions (use cases behind ``ontzorging
users`` and the login page).

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 low-memory
profile); a TOTP second factor (pyotp) is asked when ``web.require_mfa``.
Ten wrong passwords in a row (``web.login_throttle_failures``) throttle the
account for ``web.login_throttle_minutes``: a throttle, not a lock-out, so a
stranger cannot shut a coach out for good. A session is a 256-bit random
token in the cookie; the database keeps only its SHA-256, so a copy of the
database opens no session. Logout, disabling a user and the timeouts end
sessions server-side."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, select, update

from ontzorging.adapters import audit
from ontzorging.adapters.schema import ACTOR_NAME_MAX_CHARS, WEB_ROLES, web_sessions, web_users
from ontzorging.domain.errors import Refused
from ontzorging.settings import WebSettings

PASSWORD_MIN_CHARS: Final = 12  # ASVS 6.2.1 asks 8; these are finance and coach accounts
PASSWORD_MAX_CHARS: Final = 128  # longer is refused: Argon2 would hash megabytes
TOTP_ISSUER: Final = "Ontzorging"
SESSION_TOUCH_INTERVAL: Final = timedelta(seconds=30)
_HASHER: Final = PasswordHasher()  # Argon2id, time_cost=3, memory_cost=64 MiB, parallelism=4
# Verified for an unknown name, so a wrong name takes as long as a wrong password.
_DUMMY_HASH: Final = _HASHER.hash("no such user: " + secrets.token_hex(8))


class AccountRefused(Refused):
    """A user cannot be added or changed as asked (the message says why)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    roles: tuple[str, ...]
    coach: str | None

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    problem: str | None  # wrong | throttled | totp_needed | totp_wrong | disabled


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_CHARS:
        raise AccountRefused(f"a password has at least {PASSWORD_MIN_CHARS} characters")
    if len(password) > PASSWORD_MAX_CHARS:
        raise AccountRefused(f"a password has at most {PASSWORD_MAX_CHARS} characters")
    return password


def add_user(
    conn: Connection,
    name: str,
    roles: tuple[str, ...],
    coach: str | None,
    password: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """A local account; returns it with the TOTP provisioning URI (shown once)."""
    name = name.strip()
    if not name or len(name) > ACTOR_NAME_MAX_CHARS:
        raise AccountRefused(f"a user name has 1 to {ACTOR_NAME_MAX_CHARS} characters")
    wrong = [role for role in roles if role not in WEB_ROLES]
    if wrong or not roles:
        raise AccountRefused(f"role must be one or more of {', '.join(WEB_ROLES)}")
    if "coach" in roles and not (coach or "").strip():
        raise AccountRefused("a coach user needs --coach: the coach name of the register")
    if conn.execute(select(web_users.c.id).where(web_users.c.name == name)).first():
        raise AccountRefused(f"user {name!r} exists already")
    secret = pyotp.random_base32()
    conn.execute(
        web_users.insert().values(
            name=name,
            roles=",".join(sorted(set(roles))),
            coach=(coach or "").strip() or None,
            password_hash=_HASHER.hash(check_password(password)),
            totp_secret=secret,
            disabled=False,
            failed_logins=0,
            created_at=now,
        )
    )
    audit.record(conn, now, actor, "user_added", f"user {name}", {"roles": sorted(set(roles))})
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)
    return {"name": name, "roles": sorted(set(roles)), "coach": coach, "totp_uri": uri}


def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "name": r["name"],
            "roles": r["roles"].split(","),
            "coach": r["coach"],
            "disabled": r["disabled"],
            "throttled_until": r["throttled_until"],
            "last_login_at": r["last_login_at"],
            "single_sign_on": r["oidc_subject"] is not None,
        }
        for r in conn.execute(select(web_users).order_by(web_users.c.name)).mappings()
    ]


def disable_user(conn: Connection, name: str, actor: str, now: datetime) -> int:
    """Disable an account and end its sessions; returns the sessions ended."""
    row = conn.execute(select(web_users).where(web_users.c.name == name)).mappings().first()
    if row is None:
        raise AccountRefused(f"user {name!r} does not exist")
    conn.execute(update(web_users).where(web_users.c.id == row["id"]).values(disabled=True))
    ended = conn.execute(delete(web_sessions).where(web_sessions.c.user_id == row["id"])).rowcount
    audit.record(conn, now, actor, "user_disabled", f"user {name}", {"sessions_ended": ended})
    return int(ended)


def _user(row: Any) -> User:
    return User(row["id"], row["name"], tuple(row["roles"].split(",")), row["coach"])


def verify_login(
    conn: Connection,
    name: str,
    password: str,
    totp: str,
    settings: WebSettings,
    now: datetime,
) -> LoginOutcome:
    """Check a login; counts failures and throttles; audits every attempt."""
    row = conn.execute(select(web_users).where(web_users.c.name == name)).mappings().first()
    if row is None or row["password_hash"] is None:
        _verify(_DUMMY_HASH, password)
        audit.record(conn, now, "-", "login_failed", "user (unknown)", {"why": "wrong"})
        return LoginOutcome(None, "wrong")
    subject = f"user {row['name']}"
    if row["throttled_until"] is not None and _aware(row["throttled_until"], now) > now:
        audit.record(conn, now, row["name"], "login_refused", subject, {"why": "throttled"})
        return LoginOutcome(None, "throttled")
    if not _verify(row["password_hash"], password[:PASSWORD_MAX_CHARS]):
        return _failed(conn, row, settings, now)
    if row["disabled"]:
        audit.record(conn, now, row["name"], "login_refused", subject, {"why": "disabled"})
        return LoginOutcome(None, "wrong")
    if settings.require_mfa:
        problem = _check_totp(conn, row, totp, now)
        if problem:
            audit.record(conn, now, row["name"], "login_failed", subject, {"why": problem})
            return LoginOutcome(None, problem)
    if _HASHER.check_needs_rehash(row["password_hash"]):
        conn.execute(
            update(web_users)
            .where(web_users.c.id == row["id"])
            .values(password_hash=_HASHER.hash(password))
        )
    conn.execute(
        update(web_users)
        .where(web_users.c.id == row["id"])
        .values(failed_logins=0, throttled_until=None, last_login_at=now)
    )
    audit.record(conn, now, row["name"], "login", subject, {"method": "password"})
    return LoginOutcome(_user(row), None)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _failed(conn: Connection, row: Any, settings: WebSettings, now: datetime) -> LoginOutcome:
    failures = row["failed_logins"] + 1
    throttled = failures >= settings.login_throttle_failures
    values: dict[str, Any] = {"failed_logins": 0 if throttled else failures}
    if throttled:
        values["throttled_until"] = now + timedelta(minutes=settings.login_throttle_minutes)
    conn.execute(update(web_users).where(web_users.c.id == row["id"]).values(**values))
    detail = {"why": "wrong", "failures": failures, "throttled": throttled}
    audit.record(conn, now, row["name"], "login_failed", f"user {row['name']}", detail)
    return LoginOutcome(None, "throttled" if throttled else "wrong")


def _check_totp(conn: Connection, row: Any, code: str, now: datetime) -> str | None:
    code = code.strip().replace(" ", "")
    if not code:
        return "totp_needed"
    totp = pyotp.TOTP(row["totp_secret"] or "")
    step = totp.timecode(now)
    for candidate in (step - 1, step):  # one 30-second step of clock drift
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            if row["last_totp_step"] is not None and candidate <= row["last_totp_step"]:
                return "totp_wrong"  # a code is used once (ASVS 6.5.1)
            conn.execute(
                update(web_users)
                .where(web_users.c.id == row["id"])
                .values(last_totp_step=candidate)
            )
            return None
    return "totp_wrong"


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in ``like``'s zone."""
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment


# --- sessions -----------------------------------------------------------------


def start_session(conn: Connection, user: User, now: datetime) -> tuple[str, str]:
    """A new session (never a reused id: no fixation); returns (token, csrf)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_hex(32)
    conn.execute(
        web_sessions.insert().values(
            token_sha256=token_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
        )
    )
    return token, csrf


def load_session(
    conn: Connection, token: str, settings: WebSettings, now: datetime
) -> tuple[User, str] | None:
    """The user and CSRF token of a live session, touched; None (and the row
    gone) when it is unknown, idle too long, too old or its user disabled."""
    digest = token_digest(token)
    row = (
        conn.execute(
            select(web_sessions, web_users)
            .join(web_users, web_users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_sha256 == digest)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    idle = now - _aware(row["last_seen_at"], now)
    age = now - _aware(row["created_at"], now)
    if (
        row["disabled"]
        or idle > timedelta(minutes=settings.session_idle_minutes)
        or age > timedelta(hours=settings.session_absolute_hours)
    ):
        conn.execute(delete(web_sessions).where(web_sessions.c.token_sha256 == digest))
        return None
    if idle > SESSION_TOUCH_INTERVAL:  # not a write per request: the idle limit is in minutes
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.token_sha256 == digest)
            .values(last_seen_at=now)
        )
    user = User(row["user_id"], row["name"], tuple(row["roles"].split(",")), row["coach"])
    return user, row["csrf_token"]


def end_session(conn: Connection, token: str, user: User, now: datetime) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.token_sha256 == token_digest(token)))
    audit.record(conn, now, user.name, "logout", f"user {user.name}")


def single_sign_on(
    conn: Connection,
    subject: str,
    name: str,
    roles: tuple[str, ...],
    coach: str | None,
    now: datetime,
) -> LoginOutcome:
    """A user proven by the identity provider: known by issuer + subject,
    roles and coach name as the provider says now. A local account of the
    same name is never taken over; no role is no access."""
    row = (
        conn.execute(select(web_users).where(web_users.c.oidc_subject == subject))
        .mappings()
        .first()
    )
    if not roles:
        audit.record(conn, now, name, "login_refused", f"user {name}", {"why": "no_role"})
        return LoginOutcome(None, "no_role")
    values = {"roles": ",".join(roles), "coach": coach, "last_login_at": now}
    if row is None:
        if conn.execute(select(web_users.c.id).where(web_users.c.name == name)).first():
            audit.record(conn, now, name, "login_refused", f"user {name}", {"why": "name_taken"})
            return LoginOutcome(None, "name_taken")
        conn.execute(
            web_users.insert().values(
                name=name,
                oidc_subject=subject,
                disabled=False,
                failed_logins=0,
                created_at=now,
                **values,
            )
        )
    elif row["disabled"]:
        audit.record(
            conn, now, row["name"], "login_refused", f"user {row['name']}", {"why": "disabled"}
        )
        return LoginOutcome(None, "wrong")
    else:
        conn.execute(update(web_users).where(web_users.c.id == row["id"]).values(**values))
    row = (
        conn.execute(select(web_users).where(web_users.c.oidc_subject == subject)).mappings().one()
    )
    audit.record(conn, now, row["name"], "login", f"user {row['name']}", {"method": "oidc"})
    return LoginOutcome(_user(row), None)
