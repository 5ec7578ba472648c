"""The web interface in a real Chromium (Playwright, Debian's /usr/bin/chromium,
no browser download), served by waitress as in production. The issue's
"Must show" list, plus accessibility (axe-core, WCAG 2.1 A/AA), keyboard
and reflow checks. Skipped, with the reason, without Chromium or Playwright."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, WebHome

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is not installed at /usr/bin/chromium (Debian: apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = pytest.mark.postgres
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def server(web_home: WebHome) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served by waitress in a thread."""
    import waitress.server

    from ontzorging.web.app import create_app

    app = web_home.app()
    wsgi = waitress.server.create_server(create_app(app), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"  # type: ignore[union-attr]
    wsgi.close()
    app.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-sync", "--no-first-run"],
        )
        yield launched
        launched.close()


class Csp:
    """Collects the CSP violations a page reports on its console."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, message: Any) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.refused.append(message.text)


@pytest.fixture
def new_page(browser: Any, server: str) -> Iterator[Any]:
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(base_url=server, locale="nl-NL", **options)
        contexts.append(context)
        page = context.new_page()
        page.csp = Csp()
        page.on("console", page.csp)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, name: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def test_a_coach_finds_the_most_urgent_household_reads_march_and_resolves_a_signal(
    new_page: Any,
) -> None:
    page = new_page()
    log_in(page, "coach.bakker")
    assert page.get_by_role("heading", level=1).inner_text() == "Mijn huishoudens"
    first = page.locator("#caseload tbody tr").first
    assert "€" in first.inner_text()
    first.get_by_role("link").click()
    assert page.url.endswith("/households/D")
    march = page.locator("section", has=page.locator("#month-2026-03"))
    text = march.inner_text()
    assert "Inkomen" in text and "Tekort" in text and "Leefgeld" in text
    assert "huur" in text
    ledger = page.locator("#ledger ~ .oz-scroll table").first
    assert "Saldo" in ledger.inner_text()
    assert page.locator("#ledger ~ .oz-scroll table").count() > 3  # one table per account
    signal = page.locator("section.oz-card", has=page.get_by_role("button", name="Afhandelen"))
    before = signal.count()
    assert before >= 1
    signal.first.get_by_label("Notitie").fill("Gebeld; betalingsregeling met het waterbedrijf")
    signal.first.get_by_role("button", name="Afhandelen").click()
    assert page.get_by_role("status").inner_text() == "Signaal afgehandeld."
    assert (
        page.locator("section.oz-card", has=page.get_by_role("button", name="Afhandelen")).count()
        == before - 1
    )
    assert "100000046" not in page.content()  # D's BSN
    assert page.csp.refused == []


def test_a_coach_opening_another_coachs_household_gets_404(new_page: Any) -> None:
    page = new_page()
    log_in(page, "coach.bakker")
    response = page.goto("/households/A")
    assert response.status == 404
    assert "Ahmad" not in page.content()


def test_a_post_without_csrf_token_is_refused(new_page: Any) -> None:
    page = new_page()
    log_in(page, "coach.bakker")
    response = page.request.post("/signals/1/resolve", form={"note": "zonder token"})
    assert response.status == 400
    forged = page.request.post("/signals/1/resolve", form={"note": "x", "csrf_token": "0" * 64})
    assert forged.status == 403


def test_two_finance_users_approve_and_the_file_has_the_sha256_they_approved(
    new_page: Any, web_home: WebHome
) -> None:
    first = new_page()
    log_in(first, "fin.devries")
    first.get_by_role("link", name="Batch 2").click()
    digest = first.locator("#sha256").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    first.get_by_role("button", name="Goedkeuren").click()
    assert "Een tweede persoon" in first.get_by_role("status").inner_text()
    assert first.locator("#approvals").inner_text() == "1 / 2"
    # One finance user cannot approve twice: the button is off, and the server refuses.
    assert first.get_by_role("button", name="Goedkeuren").is_disabled()
    token = first.locator('input[name="csrf_token"]').first.get_attribute("value")
    again = first.request.post("/batches/2/approve", form={"sha256": digest, "csrf_token": token})
    assert again.status == 409
    assert not list((web_home.root / "outbox" / "sepa").glob("*B2*"))

    second = new_page()
    log_in(second, "fin.jansen")
    second.goto("/batches/2")
    assert second.locator("#sha256").inner_text().strip() == digest
    second.get_by_role("button", name="Goedkeuren").click()
    assert "Vrijgegeven" in second.get_by_role("status").inner_text()
    (written,) = (web_home.root / "outbox" / "sepa").glob("*B2*")
    assert hashlib.sha256(written.read_bytes()).hexdigest() == digest
    with second.expect_download() as download:
        second.get_by_role("link", name=written.name).click()
    assert Path(download.value.path()).read_bytes() == written.read_bytes()
    assert first.csp.refused == [] and second.csp.refused == []


def test_ten_wrong_passwords_throttle_the_account(new_page: Any, web_home: WebHome) -> None:
    added = web_home.cli(
        "users", "add", "throttled", "--role", "beheer", "--password-stdin", input=PASSWORD + "\n"
    )
    assert added.exit_code == 0
    page = new_page()
    for _ in range(10):
        log_in(page, "throttled", "not the password")
    assert "tijdelijk geblokkeerd" in page.get_by_role("alert").inner_text()
    log_in(page, "throttled")  # the right password, too late
    assert "tijdelijk geblokkeerd" in page.get_by_role("alert").inner_text()
    assert page.url.endswith("/login")


PAGES = {
    "coach.smit": ["/", "/households/A", "/households/B", "/households/A?lang=en", "/nope"],
    "fin.devries": ["/batches", "/batches/1", "/batches/2"],
    "beheer": ["/runs"],
}


@pytest.mark.parametrize("user", sorted(PAGES))
def test_axe_finds_no_wcag_a_or_aa_violation(new_page: Any, user: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = new_page(bypass_csp=True)  # axe is injected as a script
    page.set_content('<html><body><img src="x.png"><input id="unlabelled"></body></html>')
    assert _violations(axe, page), "axe finds nothing even on a page made to fail"
    page.goto("/login")
    found = _violations(axe, page)
    log_in(page, user)
    for path in PAGES[user]:
        page.goto(path)
        found += _violations(axe, page)
    assert found == []


def _violations(axe: Any, page: Any) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        f"{[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_keyboard_skip_link_first_and_reflow_at_400_percent(new_page: Any) -> None:
    page = new_page(viewport={"width": 320, "height": 640})  # 1280 px at 400 %
    log_in(page, "coach.smit")
    page.goto("/households/A")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320  # wide tables scroll inside their own box
    unique_titles = set()
    for path in ("/", "/households/A", "/households/B"):
        page.goto(path)
        unique_titles.add(page.title())
    assert len(unique_titles) == 3
