"""Every page and form, by the right role, the wrong role and the wrong
coach (Flask's test client, real database). Tests that change data come
last in this module; the ones before only read."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ontzorging.adapters.schema import audit_log, signals
from tests.web.conftest import PASSWORD, WebHome, csrf_of, signed_in

pytestmark = pytest.mark.postgres
PAGES = ["/", "/households/A", "/batches", "/batches/2", "/runs"]


def _signal_of(web_home: WebHome, household_id: str) -> int:
    with web_home.app().engine.connect() as conn:
        found = conn.execute(
            select(signals.c.id).where(
                signals.c.household_id == household_id, signals.c.resolved_on.is_(None)
            )
        ).scalar()
    assert found is not None
    return int(found)


def test_healthz_answers_ok(web_app: Flask) -> None:
    response = web_app.test_client().get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_every_page_sends_to_login(web_app: Flask, path: str) -> None:
    response = web_app.test_client().get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_caseload_is_the_coachs_own_most_urgent_first(web_app: Flask) -> None:
    page = signed_in(web_app, "coach.bakker").get("/").text
    order = re.findall(r'href="/households/(\w+)"', page)
    assert order == ["D", "C", "F"]  # D's March has a shortfall: the most urgent
    smit = signed_in(web_app, "coach.smit").get("/").text
    assert re.findall(r'href="/households/(\w+)"', smit) == ["A", "B", "E"]  # period end


def test_a_household_page_shows_everything_but_the_bsn(web_app: Flask) -> None:
    client = signed_in(web_app, "coach.smit")
    response = client.get("/households/A")
    assert response.status_code == 200
    html = response.text
    for bsn in ("100000009", "0009"):
        assert bsn not in html
    assert "maand 2 van 6" in html  # March of a period from 1 February
    assert 'id="month-2026-03"' in html and 'id="month-2026-02"' in html
    assert "Grootboek" in html and "Saldo" in html
    assert "/households/A/overviews/2026-03/A.nl.html" in html
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert 'style="' not in html and "<script" not in html


def test_english_by_choice(web_app: Flask) -> None:
    client = signed_in(web_app, "coach.smit")
    switched = client.get("/households/A?lang=en")
    assert switched.status_code == 302 and switched.headers["Location"] == "/households/A"
    html = client.get("/households/A").text
    assert '<html lang="en"' in html and "month 2 of 6" in html and "Ledger" in html


@pytest.mark.parametrize("path", ["/households/D", "/households/C", "/households/NOPE"])
def test_another_coachs_household_is_a_404(web_app: Flask, path: str) -> None:
    assert signed_in(web_app, "coach.smit").get(path).status_code == 404


def test_another_coachs_overview_signal_and_payment_are_404(
    web_app: Flask, web_home: WebHome
) -> None:
    client = signed_in(web_app, "coach.smit")
    assert client.get("/households/D/overviews/2026-03/D.nl.html").status_code == 404
    assert client.get("/households/A/overviews/2026-03/D.nl.html").status_code == 404
    token = csrf_of(client.get("/").text)
    d_signal = _signal_of(web_home, "D")
    resolved = client.post(f"/signals/{d_signal}/resolve", data={"note": "x", "csrf_token": token})
    assert resolved.status_code == 404
    with web_home.app().engine.connect() as conn:
        from ontzorging.adapters.schema import payment_instructions as pi

        d_payment = conn.execute(select(pi.c.id).where(pi.c.household_id == "D")).scalar()
    decided = client.post(
        f"/payments/{d_payment}/resolve",
        data={"decision": "repay", "note": "", "csrf_token": token},
    )
    assert decided.status_code == 404


def test_the_own_overview_downloads_and_is_audited(web_app: Flask, web_home: WebHome) -> None:
    client = signed_in(web_app, "coach.smit")
    response = client.get("/households/A/overviews/2026-03/A.nl.html")
    assert response.status_code == 200 and "Ahmad" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    with web_home.app().engine.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.actor).where(audit_log.c.action == "overview_downloaded")
        ).scalars()
        assert "coach.smit" in list(actions)


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("coach.smit", "/batches", 403),
        ("coach.smit", "/batches/2", 403),
        ("coach.smit", "/batches/1/summary.csv", 403),
        ("coach.smit", "/runs", 403),
        ("fin.devries", "/households/A", 403),
        ("fin.devries", "/runs", 403),
        ("beheer", "/households/A", 403),
        ("beheer", "/batches", 403),
        ("beheer", "/batches/2", 403),
        ("fin.devries", "/batches", 200),
        ("fin.devries", "/batches/2", 200),
        ("fin.devries", "/batches/99", 404),
        ("beheer", "/runs", 200),
    ],
)
def test_pages_by_role(web_app: Flask, user: str, path: str, status: int) -> None:
    assert signed_in(web_app, user).get(path).status_code == status


@pytest.mark.parametrize(
    ("user", "path", "data"),
    [
        ("coach.smit", "/batches/2/approve", {"sha256": "0" * 64}),
        ("coach.smit", "/batches/2/reject", {"reason": "nee"}),
        ("beheer", "/batches/2/approve", {"sha256": "0" * 64}),
        ("fin.devries", "/signals/1/resolve", {"note": "x"}),
        ("fin.devries", "/payments/1/resolve", {"decision": "repay", "note": ""}),
        ("beheer", "/signals/1/resolve", {"note": "x"}),
    ],
)
def test_forms_by_the_wrong_role_are_refused(
    web_app: Flask, user: str, path: str, data: dict[str, str]
) -> None:
    client = signed_in(web_app, user)
    token = (
        csrf_of(client.get("/runs" if user == "beheer" else "/batches").text)
        if user != "coach.smit"
        else csrf_of(client.get("/").text)
    )
    assert client.post(path, data={**data, "csrf_token": token}).status_code == 403


def test_the_home_of_finance_and_beheer_is_their_page(web_app: Flask) -> None:
    assert signed_in(web_app, "fin.devries").get("/").headers["Location"] == "/batches"
    assert signed_in(web_app, "beheer").get("/").headers["Location"] == "/runs"


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(
    web_app: Flask, web_home: WebHome
) -> None:
    client = signed_in(web_app, "coach.smit")
    signal = _signal_of(web_home, "E")
    assert client.post(f"/signals/{signal}/resolve", data={"note": "x"}).status_code == 400
    wrong = client.post(f"/signals/{signal}/resolve", data={"note": "x", "csrf_token": "a" * 64})
    assert wrong.status_code == 403
    token = csrf_of(client.get("/").text)
    cross = client.post(
        f"/signals/{signal}/resolve",
        data={"note": "x", "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    assert web_app.test_client().post("/login", data={"username": "x"}).status_code == 400
    assert _signal_of(web_home, "E") == signal  # still open


def test_the_session_cookie_is_httponly_and_samesite(web_app: Flask) -> None:
    client = web_app.test_client()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "coach.smit", "password": PASSWORD, "csrf_token": token}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("ontzorging="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_logout_ends_the_session_server_side(web_app: Flask) -> None:
    client = signed_in(web_app, "coach.smit")
    token = csrf_of(client.get("/").text)
    cookie = client.get_cookie("ontzorging")
    assert cookie is not None
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = web_app.test_client()
    replay.set_cookie("ontzorging", cookie.value)
    assert replay.get("/households/A").status_code == 302  # the old token opens nothing


# --- tests that change data -------------------------------------------------


def test_ten_wrong_passwords_throttle_the_account(web_app: Flask, web_home: WebHome) -> None:
    added = web_home.cli(
        "users", "add", "victim", "--role", "finance", "--password-stdin", input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    client = web_app.test_client()
    token = csrf_of(client.get("/login").text)
    for _ in range(9):
        wrong = client.post(
            "/login", data={"username": "victim", "password": "wrong guess!", "csrf_token": token}
        )
        assert wrong.status_code == 401 and "Onjuiste inloggegevens" in wrong.text
    tenth = client.post(
        "/login", data={"username": "victim", "password": "wrong guess!", "csrf_token": token}
    )
    assert "tijdelijk geblokkeerd" in tenth.text
    right = client.post(
        "/login", data={"username": "victim", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 401 and "tijdelijk geblokkeerd" in right.text


def test_a_disabled_user_is_signed_out_at_once(web_app: Flask, web_home: WebHome) -> None:
    web_home.cli(
        "users", "add", "leaver", "--role", "beheer", "--password-stdin", input=PASSWORD + "\n"
    )
    client = signed_in(web_app, "leaver")
    assert client.get("/runs").status_code == 200
    assert web_home.cli("users", "disable", "leaver").exit_code == 0
    assert client.get("/runs").status_code == 302
    users: Any = web_home.json("users", "list")
    assert next(u for u in users if u["name"] == "leaver")["disabled"] is True


def test_a_coach_resolves_an_own_signal(web_app: Flask, web_home: WebHome) -> None:
    client = signed_in(web_app, "coach.smit")
    signal = _signal_of(web_home, "E")
    token = csrf_of(client.get("/households/E").text)
    done = client.post(f"/signals/{signal}/resolve", data={"note": "gebeld", "csrf_token": token})
    assert done.status_code == 303
    with web_home.app().engine.connect() as conn:
        resolved_by = conn.execute(
            select(signals.c.resolved_by).where(signals.c.id == signal)
        ).scalar()
    assert resolved_by == "coach.smit"
    again = client.post(
        f"/signals/{signal}/resolve", data={"note": "nog eens", "csrf_token": token}
    )
    assert again.status_code == 409


def test_four_eyes_in_the_web_bind_to_the_sha256_and_write_that_file(
    web_app: Flask, web_home: WebHome
) -> None:
    first = signed_in(web_app, "fin.devries")
    page = first.get("/batches/2").text
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page)
    assert sha is not None
    digest = sha.group(1)
    token = csrf_of(page)
    stale = first.post("/batches/2/approve", data={"sha256": "f" * 64, "csrf_token": token})
    assert stale.status_code == 409
    assert (
        first.post("/batches/2/approve", data={"sha256": digest, "csrf_token": token}).status_code
        == 303
    )
    twice = first.post("/batches/2/approve", data={"sha256": digest, "csrf_token": token})
    assert twice.status_code == 409 and "already" in twice.text
    assert not list(
        (web_home.root / "outbox" / "sepa").glob("*B2*")
    )  # one approval releases nothing
    second = signed_in(web_app, "fin.jansen")
    token2 = csrf_of(second.get("/batches/2").text)
    assert (
        second.post("/batches/2/approve", data={"sha256": digest, "csrf_token": token2}).status_code
        == 303
    )
    (written,) = (web_home.root / "outbox" / "sepa").glob("*B2*")
    assert hashlib.sha256(written.read_bytes()).hexdigest() == digest
    download = second.get(f"/batches/2/files/{written.name}")
    assert download.status_code == 200 and download.data == written.read_bytes()
    assert download.headers["Cache-Control"] == "no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    with web_home.app().engine.connect() as conn:
        actions = [
            (a, b) for a, b in conn.execute(select(audit_log.c.action, audit_log.c.actor)).all()
        ]
    assert ("batch_approval", "fin.devries") in actions
    assert ("batch_approval", "fin.jansen") in actions
    assert ("file_downloaded", "fin.jansen") in actions


def test_an_overview_keeps_its_own_style_and_runs_nothing(
    web_app: Flask, web_home: WebHome
) -> None:
    """The overview is a self-contained document with its style inline: the
    strict policy of the pages (style-src 'self') would show it unstyled, its
    chart without bars. Its own policy lets the inline style apply and
    nothing else: no script, no loads, a sandbox."""
    client = signed_in(web_app, "coach.smit")
    response = client.get("/households/A/overviews/2026-03/A.nl.html")
    policy = dict(
        [*part.split(" ", 1), ""][:2]
        for part in response.headers["Content-Security-Policy"].split("; ")
    )
    assert "<style>" in response.text and 'class="bar-fill" style="width:' in response.text
    assert policy["style-src"] == "'unsafe-inline'"
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert "sandbox" in policy and policy["frame-ancestors"] == "'none'"
    page = client.get("/households/A")
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
