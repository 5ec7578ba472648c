"""A data home with two months run (February released, March's batch awaiting
approval, overviews of March), web users of every role, and the web app over
it; on SQLite, and on PostgreSQL when ONTZORGING_TEST_POSTGRES_URL is set.

Built once per module (the runs take seconds); tests that change something
say so and run after those that only read, or build their own."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from ontzorging.bootstrap import App, bootstrap
from ontzorging.entrypoints import demo_data
from ontzorging.entrypoints.cli import main
from tests.conftest import postgres_database

TODAY = "2026-03-27"
PASSWORD = "correct horse battery staple"
USERS = {
    # name: (roles, coach name in the register)
    "coach.smit": (("coach",), "Coach Smit"),  # households A, B, E
    "coach.bakker": (("coach",), "Coach Bakker"),  # households C, D, F
    "fin.devries": (("finance",), None),
    "fin.jansen": (("finance",), None),
    "beheer": (("beheer",), None),
}
SETTINGS = """
[sepa]
approvals_required = 2
[overviews]
pdf = "never"
[web]
require_mfa = false
secure_cookies = false
"""


@dataclass
class WebHome:
    root: Path
    database_url: str
    config: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            "ONTZORGING_DATABASE_URL": self.database_url,
            "ONTZORGING_HOME": str(self.root),
            "ONTZORGING_CONFIG": str(self.config),
            "ONTZORGING_TODAY": TODAY,
        }

    def cli(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env, input=input)

    def json(self, *args: str) -> object:
        result = self.cli(*args, "--json")
        assert result.exit_code in (0, 3), result.output
        return json.loads(result.stdout)

    def app(self) -> App:
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            return bootstrap()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def drop(self, month: date) -> None:
        path = self.root / "inbox" / "bijstand" / f"bijstand-{month:%Y-%m}.csv"
        path.write_text(demo_data.bijstand_file(month), encoding="utf-8")


def build_home(root: Path, database_url: str, *, february_only: bool = False) -> WebHome:
    """``february_only``: stop when February's batch awaits approval."""
    root.mkdir(parents=True)
    config = root.parent / f"{root.name}-settings.toml"
    config.write_text(SETTINGS, encoding="utf-8")
    home = WebHome(root, database_url, config)
    assert home.cli("init").exit_code == 0
    for kind, data in (
        ("creditors", demo_data.CREDITORS),
        ("households", demo_data.HOUSEHOLDS),
        ("obligations", demo_data.OBLIGATIONS),
    ):
        path = root.parent / f"{root.name}-{kind}.csv"
        path.write_text(data, encoding="utf-8")
        assert home.cli("import", kind, str(path)).exit_code == 0
    home.drop(date(2026, 2, 1))
    home.json("run", "nightly", "--date", "2026-02-26")
    if february_only:
        return home
    for approver in ("fin.devries", "fin.jansen"):  # four eyes, on the command line
        assert home.cli("batches", "approve", "1", "--by", approver, "--yes").exit_code == 0
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    home.json("run", "monthly", "--month", "2026-03")
    for name, (roles, coach) in USERS.items():
        args = ["users", "add", name, *[f"--role={r}" for r in roles], "--password-stdin"]
        if coach:
            args += ["--coach", coach]
        result = home.cli(*args, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.db'}"
        return
    with postgres_database("ontz_web") as url:
        yield url


@pytest.fixture(scope="module")
def web_home(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> WebHome:
    return build_home(tmp_path_factory.mktemp("web") / "home", module_database_url)


@pytest.fixture(scope="module")
def web_app(web_home: WebHome) -> Iterator[Flask]:
    from ontzorging.web.app import create_app

    app = web_home.app()
    yield create_app(app)
    app.engine.dispose()


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1)


def signed_in(web_app: Flask, name: str) -> FlaskClient:
    client = web_app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 302, response.text
    return client


def post(client: FlaskClient, path: str, data: dict[str, str], page: str = "/") -> object:
    """POST with the session's CSRF token (read from a page)."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token})
