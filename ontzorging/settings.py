"""Settings: TOML defaults shipped in ``ontzorging.config``, overridden by a
file from ``--config`` or ``ONTZORGING_CONFIG``. Every key is validated at
start; a wrong key or value raises :class:`SettingsError` naming the key."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ontzorging.domain.errors import BadInput
from ontzorging.domain.vocabulary import CostKind
from ontzorging.intake.parsing.fields import (
    MAX_AMOUNT_CENTS,
    FieldError,
    format_euro,
    parse_amount_cents,
)
from ontzorging.intake.parsing.registers import AmountLimits
from payments.accounts import InvalidBic, InvalidIban, parse_bic, parse_iban

FIXED_COST_KINDS = tuple(CostKind)
PAIN001_VERSIONS = ("pain.001.001.09", "pain.001.001.03")
PAYOUT_MODES = ("full", "creditors_only")
# A file of more than this many transfers is refused by some banks' portals.
MAX_TRANSACTIONS_PER_FILE_LIMIT = 100_000
OBLIGATION_LIMIT_KEY = "obligation_per_month"


class SettingsError(BadInput):
    """A setting is missing, unknown or has an invalid value."""


@dataclass(frozen=True)
class Municipality:
    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class SepaSettings:
    version: str
    max_transactions_per_file: int
    require_approval: bool
    approvals_required: int = 1  # four eyes: 2 different people approve the same SHA-256


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on (authorization code + PKCE). Off while ``issuer`` is empty."""

    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    roles_claim: str = "roles"
    coach_claim: str = "coach"

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)


@dataclass(frozen=True)
class WebSettings:
    require_mfa: bool = True
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    theme_css: str = ""  # a municipality's own theme CSS file; empty: the voorbeeld theme
    theme_class: str = "voorbeeld-theme"
    secure_cookies: bool = True  # false only for plain-http tests on localhost
    trusted_proxies: int = 0  # reverse proxies whose X-Forwarded-* headers are believed
    login_throttle_failures: int = 10
    login_throttle_minutes: int = 15
    oidc: OidcSettings = OidcSettings()


@dataclass(frozen=True)
class AllocationSettings:
    payout_mode: str
    priority: tuple[str, ...]
    leefgeld_floor_cents: int
    allow_partial: bool


@dataclass(frozen=True)
class ScheduleSettings:
    timezone: str
    nightly_time: time
    monthly_day: int
    monthly_time: time
    misfire_grace_hours: int


PDF_MODES = ("auto", "always", "never")
# A print batch is one PDF: beyond this many letters it grows unwieldy for a
# print service (and for Chromium's memory).
MAX_PRINT_BATCH_LETTERS = 10_000
# Processes rendering overviews and browsers printing them: 0 is one per
# processor (at most four); an explicit number up to this.
MAX_OVERVIEW_WORKERS = 16


@dataclass(frozen=True)
class Settings:
    municipality: Municipality
    sepa: SepaSettings
    allocation: AllocationSettings
    schedule: ScheduleSettings
    amount_limits: AmountLimits
    overview_pdf: str = "auto"
    print_batch_letters: int = 500
    overview_workers: int = 0  # 0: one per processor
    web: WebSettings = WebSettings()

    @property
    def overview_pdf_flag(self) -> bool | None:
        """None: when Chromium is installed; True: required; False: never."""
        return {"auto": None, "always": True, "never": False}[self.overview_pdf]


def load_settings(override: Path | None = None) -> Settings:
    defaults = tomllib.loads(_defaults_text())
    merged = defaults
    if override is not None:
        try:
            data = tomllib.loads(override.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"{override}: settings file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{override}: not valid TOML: {exc}") from exc
        merged = _merge(defaults, data, prefix="")
    return _build(merged)


def _defaults_text() -> str:
    """The shipped defaults: package data when installed, ``config/`` in a checkout."""
    try:
        return resources.files("ontzorging.config").joinpath("defaults.toml").read_text("utf-8")
    except ModuleNotFoundError:
        source_tree = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
        return source_tree.read_text("utf-8")


def _merge(defaults: dict[str, Any], data: dict[str, Any], prefix: str) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in defaults:
            raise SettingsError(f"{name}: unknown setting")
        if isinstance(defaults[key], dict):
            if not isinstance(value, dict):
                raise SettingsError(f"{name}: must be a table")
            merged[key] = _merge(defaults[key], value, prefix=f"{name}.")
        else:
            merged[key] = value
    return merged


def _build(d: dict[str, Any]) -> Settings:
    m, s, a, sch = d["municipality"], d["sepa"], d["allocation"], d["schedule"]
    if a["carry_shortfall"] is not False:
        raise SettingsError("allocation.carry_shortfall: only false is supported")
    return Settings(
        municipality=Municipality(
            name=_text(m, "municipality.name", "name"),
            iban=_iban(m["iban"]),
            bic=_bic(m["bic"]),
        ),
        sepa=SepaSettings(
            version=_choice(s["version"], "sepa.version", PAIN001_VERSIONS),
            max_transactions_per_file=_int(
                s["max_transactions_per_file"],
                "sepa.max_transactions_per_file",
                1,
                MAX_TRANSACTIONS_PER_FILE_LIMIT,
            ),
            require_approval=_bool(s["require_approval"], "sepa.require_approval"),
            approvals_required=_int(s["approvals_required"], "sepa.approvals_required", 1, 2),
        ),
        allocation=AllocationSettings(
            payout_mode=_choice(a["payout_mode"], "allocation.payout_mode", PAYOUT_MODES),
            priority=_priority(a["priority"]),
            leefgeld_floor_cents=_cents(a["leefgeld_floor"], "allocation.leefgeld_floor"),
            allow_partial=_bool(a["allow_partial"], "allocation.allow_partial"),
        ),
        schedule=_schedule(sch),
        overview_pdf=_choice(d["overviews"]["pdf"], "overviews.pdf", PDF_MODES),
        print_batch_letters=_int(
            d["overviews"]["print_batch_letters"],
            "overviews.print_batch_letters",
            1,
            MAX_PRINT_BATCH_LETTERS,
        ),
        overview_workers=_int(
            d["overviews"]["workers"], "overviews.workers", 0, MAX_OVERVIEW_WORKERS
        ),
        amount_limits=_amount_limits(d["import"]["max_amount"]),
        web=_web(d["web"]),
    )


_THEME_CLASS = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")
OIDC_SECRET_ENV = "ONTZORGING_OIDC_CLIENT_SECRET"
_OIDC_KEYS = ("issuer", "client_id", "client_secret", "redirect_uri", "roles_claim", "coach_claim")


def _web(w: dict[str, Any]) -> WebSettings:
    theme_class = w["theme_class"]
    if not isinstance(theme_class, str) or not _THEME_CLASS.match(theme_class):
        raise SettingsError("web.theme_class: must be one CSS class name, such as voorbeeld-theme")
    theme_css = w["theme_css"]
    if not isinstance(theme_css, str):
        raise SettingsError("web.theme_css: must be the path of a CSS file, or empty")
    if theme_css and not (Path(theme_css).is_file() and theme_css.endswith(".css")):
        raise SettingsError(f"web.theme_css: {theme_css!r} is not a .css file")
    oidc = {key: w[f"oidc_{key}"] for key in _OIDC_KEYS}
    # The secret may stay out of the settings file: an environment variable.
    oidc["client_secret"] = oidc["client_secret"] or os.environ.get(OIDC_SECRET_ENV, "")
    for key, value in oidc.items():
        if not isinstance(value, str):
            raise SettingsError(f"web.oidc_{key}: must be a text")
    if oidc["issuer"] and not oidc["issuer"].startswith(
        ("https://", "http://127.0.0.1", "http://localhost")
    ):
        raise SettingsError("web.oidc_issuer: must be an https:// URL")
    if oidc["issuer"] and not (oidc["client_id"] and oidc["redirect_uri"]):
        raise SettingsError(
            "web.oidc_client_id: required (with web.oidc_redirect_uri) when web.oidc_issuer is set"
        )
    return WebSettings(
        require_mfa=_bool(w["require_mfa"], "web.require_mfa"),
        session_idle_minutes=_int(
            w["session_idle_minutes"], "web.session_idle_minutes", 1, 24 * 60
        ),
        session_absolute_hours=_int(
            w["session_absolute_hours"], "web.session_absolute_hours", 1, 7 * 24
        ),
        theme_css=theme_css,
        theme_class=theme_class,
        secure_cookies=_bool(w["secure_cookies"], "web.secure_cookies"),
        trusted_proxies=_int(w["trusted_proxies"], "web.trusted_proxies", 0, 5),
        login_throttle_failures=_int(
            w["login_throttle_failures"], "web.login_throttle_failures", 3, 100
        ),
        login_throttle_minutes=_int(
            w["login_throttle_minutes"], "web.login_throttle_minutes", 1, 24 * 60
        ),
        oidc=OidcSettings(**oidc),
    )


def _amount_limits(table: dict[str, Any]) -> AmountLimits:
    """``[import.max_amount]``: one plausibility limit per benefits kind, and one for
    an obligation per month; each within the hard limit for a single amount."""
    limits = {key: _limit(value, f"import.max_amount.{key}") for key, value in table.items()}
    per_month = limits.pop(OBLIGATION_LIMIT_KEY)
    return AmountLimits(tuple(sorted(limits.items())), per_month)


def _limit(value: Any, name: str) -> int:
    wanted = f"{name}: must be an amount in euro from € 0,01 to {format_euro(MAX_AMOUNT_CENTS)}"
    if not isinstance(value, str):
        raise SettingsError(f'{wanted}, written as text such as "5.000,00"')
    try:
        return parse_amount_cents(value)
    except FieldError as exc:
        raise SettingsError(f"{wanted}: {exc.message}") from None


def _schedule(sch: dict[str, Any]) -> ScheduleSettings:
    tz = _text(sch, "schedule.timezone", "timezone")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"schedule.timezone: unknown time zone {tz!r}") from exc
    return ScheduleSettings(
        timezone=tz,
        nightly_time=_time(sch["nightly_time"], "schedule.nightly_time"),
        monthly_day=_int(sch["monthly_day"], "schedule.monthly_day", 1, 28),
        monthly_time=_time(sch["monthly_time"], "schedule.monthly_time"),
        misfire_grace_hours=_int(
            sch["misfire_grace_hours"], "schedule.misfire_grace_hours", 1, 24 * 31
        ),
    )


def _text(d: dict[str, Any], name: str, key: str) -> str:
    value = d[key]
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{name}: must be a non-empty text")
    return value.strip()


def _iban(value: Any) -> str:
    try:
        return parse_iban(str(value))
    except InvalidIban as exc:
        raise SettingsError(f"municipality.iban: {exc}") from exc


def _bic(value: Any) -> str | None:
    if not str(value).strip():
        return None
    try:
        return parse_bic(str(value))
    except InvalidBic as exc:
        raise SettingsError(f"municipality.bic: {exc}") from exc


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(f"{name}: must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{name}: must be a whole number from {low} to {high}")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{name}: must be true or false")
    return value


def _priority(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or sorted(value) != sorted(FIXED_COST_KINDS):
        raise SettingsError(
            f"allocation.priority: must list each of {', '.join(FIXED_COST_KINDS)} once"
        )
    return tuple(value)


_CENTS = re.compile(r"^(\d{1,7})(?:[.,](\d{2}))?$")


def _cents(value: Any, name: str) -> int:
    match = _CENTS.match(str(value).strip())
    if not match:
        raise SettingsError(f'{name}: must be an amount in euro such as "25,00"')
    return int(match.group(1)) * 100 + int(match.group(2) or 0)


def _time(value: Any, name: str) -> time:
    try:
        hour, minute = (int(p) for p in str(value).split(":"))
        return time(hour, minute)
    except ValueError as exc:
        raise SettingsError(f"{name}: must be a time HH:MM") from exc
