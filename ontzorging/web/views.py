"""The pages and forms of DESIGN.md 5.6. Thin: check who asks, call one use
case or read model, render. Every decision goes through the same use case
as the command line, with the signed-in user's name as the actor."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, redirect, render_template, request, send_file
from markupsafe import Markup

from ontzorging.adapters import audit
from ontzorging.adapters.locking import LockHeld, run_lock
from ontzorging.adapters.schema import REASON_MAX_CHARS
from ontzorging.bank.decisions import DECISIONS, resolve_payment
from ontzorging.batches.approvals import approve, review_for_approval
from ontzorging.batches.review import euro_nl
from ontzorging.batches.service import list_batches, reject_batch
from ontzorging.domain.errors import NotFound, OntzorgingError
from ontzorging.register.households import resolve_signal
from ontzorging.runs.records import list_runs
from ontzorging.web import oidc, queries
from ontzorging.web.accounts import end_session, single_sign_on, start_session, verify_login
from ontzorging.web.context import (
    PRE_SESSION_COOKIE,
    database_answers,
    ontzorging_app,
    requires,
    session_cookie_name,
    wall_now,
)

OIDC_FLOW_COOKIE = "ontzorging_oidc"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
QUARANTINE_SHOWN = 200
# A monthly overview opened from the household page is a document of its own
# (self-contained HTML from the monthly run, its style inline): its style may
# apply, nothing else may run or load (sandbox: no script, no form, its own
# origin).
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DONE_MESSAGES = frozenset(
    {"done_signal", "done_payment", "approval_recorded", "released", "rejected"}
)


def register(web: Flask) -> None:
    for rule, view, methods in (
        ("/healthz", healthz, ["GET"]),
        ("/login", login, ["GET", "POST"]),
        ("/logout", logout, ["POST"]),
        ("/login/oidc", oidc_start, ["GET"]),
        ("/login/oidc/callback", oidc_callback, ["GET"]),
        ("/", home, ["GET"]),
        ("/theme.css", theme_css, ["GET"]),
        ("/households/<household_id>", household, ["GET"]),
        ("/households/<household_id>/overviews/<month>/<file_name>", overview, ["GET"]),
        ("/signals/<int:signal_id>/resolve", signal_resolve, ["POST"]),
        ("/payments/<payment_id>/resolve", payment_resolve, ["POST"]),
        ("/batches", batches_page, ["GET"]),
        ("/batches/<int:batch_id>", batch_page, ["GET"]),
        ("/batches/<int:batch_id>/approve", batch_approve, ["POST"]),
        ("/batches/<int:batch_id>/reject", batch_reject, ["POST"]),
        ("/batches/<int:batch_id>/files/<file_name>", batch_file, ["GET"]),
        ("/batches/<int:batch_id>/summary.<ext>", batch_summary, ["GET"]),
        ("/runs", runs_page, ["GET"]),
    ):
        web.add_url_rule(rule, view.__name__, view, methods=methods)


def _note(field: str, required: bool = True) -> str:
    value = request.form.get(field, "").strip()
    if (required and not value) or len(value) > REASON_MAX_CHARS:
        abort(400)
    if any(ord(char) < 32 for char in value):
        abort(400)
    return value


def _refused(message: str, back: str) -> tuple[str, int]:
    return render_template("refused.html", message=message, back=back), 409


def _done() -> str | None:
    key = request.args.get("m")
    return key if key in DONE_MESSAGES else None


# --- anyone -------------------------------------------------------------------


def healthz() -> tuple[str, int, dict[str, str]]:
    ok = database_answers(ontzorging_app())
    return (
        ("ok" if ok else "database unavailable"),
        (200 if ok else 503),
        {"Content-Type": "text/plain; charset=utf-8"},
    )


def theme_css() -> Response:
    own = ontzorging_app().settings.web.theme_css
    if not own:
        abort(404)
    return send_file(Path(own).resolve(), mimetype="text/css")


def login() -> Any:
    app = ontzorging_app()
    if request.method == "GET":
        if g.user is not None:
            return redirect("/")
        return render_template("login.html", problem=None)
    name = request.form.get("username", "").strip()[:100]
    password = request.form.get("password", "")
    with app.engine.begin() as conn:
        outcome = verify_login(
            conn, name, password, request.form.get("totp", ""), app.settings.web, wall_now(app)
        )
        if outcome.user is None:
            problem = f"login_{outcome.problem}"
            return render_template("login.html", problem=problem, username=name), 401
        return _signed_in(app, conn, outcome.user)


def _signed_in(app: Any, conn: Any, user: Any) -> Any:
    """A new session (never one from before the login) and its cookie."""
    token, _csrf = start_session(conn, user, wall_now(app))
    response = redirect("/")
    response.set_cookie(
        session_cookie_name(app),
        token,
        secure=app.settings.web.secure_cookies,
        httponly=True,
        samesite="Lax",
        path="/",
    )
    response.delete_cookie(PRE_SESSION_COOKIE)
    response.delete_cookie(OIDC_FLOW_COOKIE, path="/login/oidc")
    return response


def oidc_start() -> Any:
    settings = ontzorging_app().settings.web
    if not settings.oidc.enabled:
        abort(404)
    url, flow = oidc.start(settings.oidc)
    response = redirect(url)
    response.set_cookie(
        OIDC_FLOW_COOKIE,
        flow.cookie(),
        max_age=oidc.FLOW_COOKIE_MAX_AGE,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="Lax",
        path="/login/oidc",
    )
    return response


def oidc_callback() -> Any:
    app = ontzorging_app()
    settings = app.settings.web
    if not settings.oidc.enabled:
        abort(404)
    try:
        flow = oidc.Flow.from_cookie(request.cookies.get(OIDC_FLOW_COOKIE, ""))
        identity = oidc.finish(
            settings.oidc, flow, request.args.get("state", ""), request.args.get("code", "")
        )
    except oidc.OidcRefused as exc:
        return render_template("login.html", problem=None, refused=str(exc)), 401
    with app.engine.begin() as conn:
        outcome = single_sign_on(
            conn, identity.subject, identity.name, identity.roles, identity.coach, wall_now(app)
        )
        if outcome.user is None:
            return render_template("login.html", problem=f"login_{outcome.problem}"), 403
        return _signed_in(app, conn, outcome.user)


def logout() -> Any:
    app = ontzorging_app()
    token = request.cookies.get(session_cookie_name(app), "")
    if g.user is not None:
        with app.engine.begin() as conn:
            end_session(conn, token, g.user, wall_now(app))
    response = redirect("/login")
    response.delete_cookie(session_cookie_name(app), path="/")
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def home() -> Any:
    user = g.user
    if user is None:
        return redirect("/login")
    if not user.has("coach"):
        return redirect("/batches" if user.has("finance") else "/runs")
    app = ontzorging_app()
    with app.engine.connect() as conn:
        key, rows = queries.caseload(conn, user, app.clock.today())
    # The rows, rendered once per version of the caseload and language.
    rendered_key = (*key, "rendered", g.language)
    table = queries.cached(rendered_key)
    if table is None:
        table = queries.remember(
            rendered_key, Markup(render_template("caseload_rows.html", rows=rows))
        )
    return render_template("caseload.html", rows=rows, table=table)


# --- coach --------------------------------------------------------------------


@requires("coach")
def household(household_id: str) -> Any:
    app = ontzorging_app()
    with app.engine.connect() as conn:
        try:
            page = queries.household_page(
                conn, g.user, household_id, app.clock.today(), app.home.path("overviews")
            )
        except queries.Hidden:
            abort(404)
    return render_template("household.html", page=page, done=_done())


@requires("coach")
def overview(household_id: str, month: str, file_name: str) -> Any:
    app = ontzorging_app()
    with app.engine.begin() as conn:
        try:
            queries.household_row(conn, g.user, household_id)
            path = queries.overview_path(app.home.path("overviews"), household_id, month, file_name)
        except queries.Hidden:
            abort(404)
        audit.record(
            conn,
            app.clock.now(),
            g.user.name,
            "overview_downloaded",
            household_id,
            {"file": file_name, "month": month},
        )
    if file_name.endswith(".pdf"):
        return send_file(path, mimetype="application/pdf", as_attachment=True)
    g.csp = DOCUMENT_CSP  # the overview's own inline style applies; nothing runs
    return send_file(path, mimetype="text/html; charset=utf-8")


@requires("coach")
def signal_resolve(signal_id: int) -> Any:
    app = ontzorging_app()
    note = _note("note")
    household_id = _visible(queries.signal_household, signal_id)

    def decide() -> None:
        with app.engine.begin() as conn:
            resolve_signal(conn, signal_id, g.user.name, note, app.clock.today(), app.clock.now())

    back = f"/households/{household_id}"
    return _under_lock(decide, back, f"{back}?m=done_signal#signals")


@requires("coach")
def payment_resolve(payment_id: str) -> Any:
    app = ontzorging_app()
    decision = request.form.get("decision", "")
    if decision not in DECISIONS:
        abort(400)
    note = _note("note", required=False)
    household_id = _visible(queries.payment_household, payment_id)

    def decide() -> None:
        with app.engine.begin() as conn:
            resolve_payment(conn, payment_id, decision, g.user.name, note or None, app.clock.now())

    back = f"/households/{household_id}"
    return _under_lock(decide, back, f"{back}?m=done_payment#decisions")


def _visible(owner_of: Callable[[Any, Any, Any], str], object_id: Any) -> str:
    """The household of a signal or payment the signed-in coach may see; else 404."""
    with ontzorging_app().engine.connect() as conn:
        try:
            return owner_of(conn, g.user, object_id)
        except queries.Hidden:
            abort(404)


def _under_lock(decide: Callable[[], Any], back: str, done: str) -> Any:
    """Run a decision while no run writes; a refusal is shown, success redirects."""
    try:
        with run_lock(ontzorging_app().engine):
            decide()
    except LockHeld:
        return _refused(_busy(), back)
    except OntzorgingError as exc:
        return _refused(str(exc), back)
    return redirect(done, code=303)


def _busy() -> str:
    from ontzorging.web.texts import text

    return text("busy", g.language)


# --- finance ------------------------------------------------------------------


@requires("finance")
def batches_page() -> Any:
    with ontzorging_app().engine.connect() as conn:
        items = list_batches(conn)
    order = {"awaiting_approval": 0}
    items.sort(key=lambda b: (order.get(b["status"], 1), -b["id"]))
    return render_template("batches.html", items=items)


@requires("finance")
def batch_page(batch_id: int) -> Any:
    app = ontzorging_app()
    with app.engine.connect() as conn:
        try:
            review = review_for_approval(conn, batch_id, app.settings)
        except NotFound:
            abort(404)
    mine = any(name.casefold() == g.user.name.casefold() for name in review["approved_by"])
    return render_template(
        "batch.html", review=review, euro_nl=euro_nl, approved_by_me=mine, done=_done()
    )


@requires("finance")
def batch_approve(batch_id: int) -> Any:
    app = ontzorging_app()
    shown = request.form.get("sha256", "").strip().lower()
    if not SHA256_HEX.match(shown):
        abort(400)
    outcome: list[str] = []

    def decide() -> None:
        done = approve(
            app.engine,
            batch_id,
            g.user.name,
            app.clock.now(),
            app.settings,
            app.home.path("outbox/sepa"),
            app.home.path("reports"),
            sha256=shown,
            via="web",
        )
        outcome.append("approval_recorded" if done.status == "awaiting_approval" else "released")

    back = f"/batches/{batch_id}"
    answer = _under_lock(decide, back, back)
    return redirect(f"{back}?m={outcome[0]}", code=303) if outcome else answer


@requires("finance")
def batch_reject(batch_id: int) -> Any:
    app = ontzorging_app()
    reason = _note("reason")
    rebatch = request.form.get("rebatch") == "1"

    def decide() -> None:
        with app.engine.begin() as conn:
            reject_batch(conn, batch_id, g.user.name, reason, app.clock.now(), rebatch=rebatch)

    back = f"/batches/{batch_id}"
    return _under_lock(decide, back, f"{back}?m=rejected")


@requires("finance")
def batch_file(batch_id: int, file_name: str) -> Any:
    app = ontzorging_app()
    with app.engine.connect() as conn:
        batch = next((b for b in list_batches(conn) if b["id"] == batch_id), None)
    if batch is None or file_name not in batch["files"] or not FILE_NAME.match(file_name):
        abort(404)
    path = app.home.path("outbox/sepa") / file_name
    if not path.is_file():
        abort(404)  # finance moved it out of the outbox; it is never written again
    return _download(path, "application/xml", batch_id, {"sha256": batch["sha256"][file_name]})


@requires("finance")
def batch_summary(batch_id: int, ext: str) -> Any:
    if ext not in ("csv", "xlsx"):
        abort(404)
    path = ontzorging_app().home.path("reports") / f"batch-{batch_id}-summary.{ext}"
    if not path.is_file():
        abort(404)
    kinds = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    return _download(path, kinds[ext], batch_id, {})


def _download(path: Path, kind: str, batch_id: int, detail: dict[str, Any]) -> Response:
    app = ontzorging_app()
    with app.engine.begin() as conn:
        audit.record(
            conn,
            app.clock.now(),
            g.user.name,
            "file_downloaded",
            path.name,
            {"batch_id": batch_id, **detail},
        )
    return send_file(path, mimetype=kind, as_attachment=True, download_name=path.name)


# --- beheer -------------------------------------------------------------------


@requires("beheer")
def runs_page() -> Any:
    app = ontzorging_app()
    return render_template(
        "runs.html",
        runs=list_runs(app.engine),
        quarantined=_quarantined(app.home.path("quarantine")),
    )


def _quarantined(folder: Path) -> list[dict[str, Any]]:
    from ontzorging.intake.parsing.problems import printable

    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if path.name.endswith(".errors.txt") or not path.is_file():
            continue
        report = path.with_name(path.name + ".errors.txt")
        errors = report.read_text("utf-8", errors="replace") if report.is_file() else ""
        lines = [printable(line) for line in errors[:4000].splitlines()]
        found.append({"name": printable(path.name), "errors": lines})
        if len(found) >= QUARANTINE_SHOWN:
            break
    return found
