"""The [web] settings and sepa.approvals_required: defaults, and every bad
value refused with a message naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ontzorging.settings import SettingsError, load_settings


def test_defaults_ask_a_second_factor_and_one_approval() -> None:
    settings = load_settings()
    assert settings.web.require_mfa is True
    assert settings.sepa.approvals_required == 1
    assert (settings.web.session_idle_minutes, settings.web.session_absolute_hours) == (30, 12)
    assert settings.web.theme_class == "voorbeeld-theme" and settings.web.theme_css == ""
    assert settings.web.secure_cookies is True and not settings.web.oidc.enabled


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[sepa]\napprovals_required = 3", "sepa.approvals_required"),
        ("[sepa]\napprovals_required = 0", "sepa.approvals_required"),
        ('[sepa]\napprovals_required = "2"', "sepa.approvals_required"),
        ('[web]\nrequire_mfa = "no"', "web.require_mfa"),
        ("[web]\nsession_idle_minutes = 0", "web.session_idle_minutes"),
        ("[web]\nsession_absolute_hours = 1000", "web.session_absolute_hours"),
        ('[web]\ntheme_class = "two classes"', "web.theme_class"),
        ('[web]\ntheme_css = "/nowhere/theme.css"', "web.theme_css"),
        ("[web]\nsecure_cookies = 1", "web.secure_cookies"),
        ('[web]\noidc_issuer = "ftp://idp"', "web.oidc_issuer"),
        ('[web]\noidc_issuer = "https://idp.example"', "web.oidc_client_id"),
        ("[web]\nunknown = 1", "web.unknown"),
    ],
)
def test_a_bad_web_setting_names_its_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match="^" + re.escape(key) + ": "):
        load_settings(path)


def test_a_theme_of_the_municipality(tmp_path: Path) -> None:
    css = tmp_path / "gemeente.css"
    css.write_text(".gemeente-theme { --x: 1; }", encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(f'[web]\ntheme_css = "{css}"\ntheme_class = "gemeente-theme"\n', "utf-8")
    web = load_settings(path).web
    assert (web.theme_css, web.theme_class) == (str(css), "gemeente-theme")
