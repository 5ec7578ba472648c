"""``ontzorging demo``: a demo municipality run end to end through the same
commands an operator uses: register imports, the monthly benefits file in
the inbox, nightly runs, batch approval, monthly runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from ontzorging.adapters.db import upgrade_to_head
from ontzorging.adapters.private_files import owner_only_umask
from ontzorging.adapters.progress import Progress, no_progress
from ontzorging.adapters.schema import imported_files, payment_files, payment_instructions
from ontzorging.bank import samples as bank_samples
from ontzorging.bank.decisions import awaiting_decision, resolve_payment
from ontzorging.batches.approvals import approve
from ontzorging.batches.service import list_batches
from ontzorging.bootstrap import App, bootstrap
from ontzorging.domain.errors import Refused
from ontzorging.domain.money import euro_nl
from ontzorging.domain.periods import format_month
from ontzorging.entrypoints import demo_data
from ontzorging.intake.imports import import_file
from ontzorging.register.households import end_household
from ontzorging.reports.statements import statement

DEMO_ACTOR = "demo"
DEMO_APPROVER = "M. de Vries (Financiën)"
DEMO_APPROVERS = (DEMO_APPROVER, "J. Jansen (Financiën)")
# Web users of the demo: name, roles, coach name in the register.
DEMO_USERS = (
    ("coach.smit", ("coach",), "Coach Smit"),
    ("coach.bakker", ("coach",), "Coach Bakker"),
    ("financien.devries", ("finance",), None),
    ("financien.jansen", ("finance",), None),
    ("beheer", ("beheer",), None),
)
DEMO_COACH = "Coach Smit"


class DemoRefused(Refused):
    """The demo only runs on a fresh data home."""


def run_demo(
    home: str | None,
    config: str | None,
    database_url: str | None,
    *,
    echo: Callable[[str], Any],
    as_json: bool,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    from ontzorging.runs.service import run_monthly, run_nightly

    owner_only_umask()  # the demo's households are made up, but its home is a real one
    app = bootstrap(home, config, database_url, require_schema=False)
    app.home.create()
    upgrade_to_head(app.engine)
    _refuse_if_used(app)
    say = (lambda _text: None) if as_json else echo
    say(f"Demo municipality in {app.home.root}")
    registers = app.home.path("demo-registers")
    registers.mkdir(exist_ok=True)
    for kind, text in (
        ("creditors", demo_data.CREDITORS),
        ("households", demo_data.HOUSEHOLDS),
        ("obligations", demo_data.OBLIGATIONS),
    ):
        path = registers / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        with app.engine.begin() as conn:
            outcome = import_file(
                conn, kind, path, DEMO_ACTOR, app.clock.now(), limits=app.settings.amount_limits
            )
        say(f"  imported {outcome.rows_new} {kind}")
    runs = []
    for month in demo_data.MONTHS:
        inbox_file = app.home.path("inbox/bijstand") / f"bijstand-{format_month(month)}.csv"
        inbox_file.write_text(demo_data.bijstand_file(month), encoding="utf-8")
        if month == demo_data.MISTYPED_MONTH:
            mistyped = app.home.path("inbox/bijstand") / f"correctie-{format_month(month)}.csv"
            mistyped.write_text(demo_data.mistyped_bijstand_file(month), encoding="utf-8")
            say(
                "    a correction file with a BSN typed in the amount column arrives too: "
                "it is quarantined, every other household is paid"
            )
        night = run_nightly(app, month.replace(day=26), DEMO_ACTOR, progress=progress)
        runs.append(night.run_id)
        say(
            f"  {format_month(month)}: nightly run {night.run_id} {night.status} "
            f"({night.counts.get('payments', 0)} payments, "
            f"{night.counts.get('instructions', 0)} payment instructions)"
        )
        for problem in night.problems:
            say(f"    quarantined: {problem}")
        if night.counts.get("reserve_payouts"):
            say(
                f"    {night.counts['reserve_payouts']} reserve(s) left after ontzorging ended "
                f"({_euro(night.counts['reserve_payout_cents']).strip()} euro) paid to the client"
            )
        for batch_id, files in _approve_all(app):
            say(f"    batch {batch_id} approved by {DEMO_APPROVER}: {', '.join(files)}")
        if month == demo_data.MONTHS[0]:
            for name in _drop_bank_feedback(app):
                say(f"    the bank sends {name}: the next night reads it from inbox/bank")
        if month == demo_data.MONTHS[1]:
            for line in _decide_held_payments(app):
                say(f"    {line}")
        if month == demo_data.ENDED_MONTH:
            say(f"    {_end_household_early(app)}")
        if month == demo_data.RESENT_MONTH:
            resent = app.home.path("inbox/bijstand") / f"bijstand-{format_month(month)}-opnieuw.csv"
            resent.write_text(demo_data.resent_bijstand_file(month), encoding="utf-8")
            say(
                f"    the benefits system sends the {format_month(month)} run again under "
                "new ids: the next night refuses it (never paid twice)"
            )
        monthly = run_monthly(app, month, DEMO_ACTOR, progress=progress)
        runs.append(monthly.run_id)
        progress("demo months", demo_data.MONTHS.index(month) + 1, len(demo_data.MONTHS))
    statements = _statements(app)
    outputs = _outputs(app)
    users = _demo_users(app)
    result = {
        "home": str(app.home.root),
        "runs": runs,
        "statements": statements,
        "outputs": outputs,
        "web_users": users,
    }
    if as_json:
        echo(json.dumps(result, indent=2))
    else:
        _print_summary(statements, outputs, echo)
        echo("Web users of the demo (`ontzorging demo --web`, or `ontzorging web`):")
        for user in users:
            echo(f"  {user['name']:<18} password {user['password']}  ({', '.join(user['roles'])})")
    return result


def _demo_users(app: App) -> list[dict[str, Any]]:
    """One web user per demo role, each with a fresh random password."""
    import secrets

    from ontzorging.web.accounts import add_user

    made = []
    with app.engine.begin() as conn:
        for name, roles, coach in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            add_user(conn, name, roles, coach, password, DEMO_ACTOR, app.clock.now())
            made.append({"name": name, "roles": list(roles), "coach": coach, "password": password})
    return made


def _approve_all(app: App) -> list[tuple[int, list[str]]]:
    """Finance approves every batch awaiting approval (as `batches approve`
    does); with four eyes (sepa.approvals_required = 2) a second approver too."""
    from ontzorging.adapters.locking import run_lock

    approved = []
    with run_lock(app.engine):
        with app.engine.connect() as conn:
            waiting = [b["id"] for b in list_batches(conn) if b["status"] == "awaiting_approval"]
        for batch_id in waiting:
            for approver in DEMO_APPROVERS[: app.settings.sepa.approvals_required]:
                outcome = approve(
                    app.engine,
                    batch_id,
                    approver,
                    app.clock.now(),
                    app.settings,
                    app.home.path("outbox/sepa"),
                    app.home.path("reports"),
                )
            approved.append((batch_id, sorted(outcome.files)))
    return approved


def _drop_bank_feedback(app: App) -> list[str]:
    """The bank rejects A's rent (MS03) and A's energy comes back (AC04, the
    account is closed): a pain.002 and a camt.054 in ``inbox/bank/``."""
    pi = payment_instructions
    with app.engine.connect() as conn:
        file_row = (
            conn.execute(select(payment_files).order_by(payment_files.c.id)).mappings().first()
        )
        rows = conn.execute(
            select(pi.c.kind, pi.c.end_to_end_id, pi.c.amount_cents).where(
                pi.c.household_id == "A", pi.c.creditor_id.is_not(None), pi.c.status == "released"
            )
        ).all()
    if file_row is None:
        return []
    by_kind = {kind: (e2e, amount) for kind, e2e, amount in rows}
    inbox = app.home.path("inbox/bank")
    inbox.mkdir(parents=True, exist_ok=True)
    rent, energy = by_kind["huur"], by_kind["energie"]
    files = {
        "pain002-demo.xml": bank_samples.pain002_10(
            "DEMO-PSR-1",
            file_row["message_id"],
            file_row["payment_info_id"],
            [bank_samples.Reject(rent[0], "MS03", rent[1])],
        ),
        "camt054-demo.xml": bank_samples.camt054_02(
            "DEMO-NTF-1", bank_samples.return_credit("DEMO-R-1", energy[0], energy[1], "AC04")
        ),
    }
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    return list(files)


def _decide_held_payments(app: App) -> list[str]:
    """The coach pays the rejected rent again and the returned energy money to
    the client (the energy company's account is closed)."""
    from ontzorging.adapters.locking import unit_of_work

    lines = []
    with unit_of_work(app.engine) as conn:
        for item in awaiting_decision(conn):
            decision = "repay" if item["status"] == "rejected" else "to_client"
            done = resolve_payment(
                conn, item["payment_id"], decision, DEMO_COACH, "demo", app.clock.now()
            )
            lines.append(
                f"payment {item['payment_id']} ({item['kind']} of {item['household_id']}, "
                f"{item['status']} {item['reason_code']}): {DEMO_COACH} decides {decision}, "
                f"new payment {done['new_payment_id']}"
            )
    return lines


def _end_household_early(app: App) -> str:
    """F moves away mid-June: its water reserve (two thirds of a quarter) is
    left when the ontzorging ends, and the next night pays it to F (R3)."""
    hid, on = demo_data.ENDED_HOUSEHOLD, demo_data.ENDED_ON
    with app.engine.begin() as conn:
        end_household(conn, hid, on, demo_data.ENDED_REASON, demo_data.ENDED_BY, app.clock.now())
    return (
        f"{demo_data.ENDED_BY} ends the ontzorging of {hid} on {on.isoformat()} "
        f"({demo_data.ENDED_REASON}): its water reserve goes to {hid} in the next run"
    )


def _refuse_if_used(app: App) -> None:
    with app.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(imported_files)).scalar():
            raise DemoRefused(f"{app.home.root} already holds data; the demo needs a fresh --home")


def _statements(app: App) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        return [
            statement(conn, hid, month)
            for hid in demo_data.MONTHLY_CENTS
            for month in demo_data.MONTHS
        ]


def _outputs(app: App) -> dict[str, list[str]]:
    outputs = {}
    for name in ("outbox/sepa", "overviews", "reports"):
        root = app.home.path(name)
        outputs[name] = sorted(str(p) for p in root.rglob("*") if p.is_file())
    return outputs


def _euro(cents: int) -> str:
    return f"{euro_nl(cents):>9}"


def _print_summary(
    statements: list[dict[str, Any]], outputs: dict[str, list[str]], echo: Callable[[str], Any]
) -> None:
    echo("")
    echo(
        "Statements (euro): household, month, income, paid to creditors, reserved, "
        "shortfall, payout to client"
    )
    for s in statements:
        if not s["income_cents"]:
            continue
        paid = sum(r["amount_cents"] for r in s["paid"])
        short = sum(r["amount_cents"] for r in s["shortfall"])
        echo(
            f"  {s['household_id']} {s['period']}  {_euro(s['income_cents'])} "
            f"{_euro(paid)} {_euro(s['reserved_cents'])} {_euro(short)} "
            f"{_euro(s['payout_to_client_cents'])}"
        )
        for r in s["reserve_to_client"]:
            echo(
                f"      + {_euro(r['amount_cents']).strip()} saved for {r['kind']} paid to the "
                f"client after the ontzorging ended (payment {r['payment_id']}, {r['status']})"
            )
    for name, files in outputs.items():
        echo(f"{name}: {len(files)} file(s)")
        for path in files:
            echo(f"  {path}")
    echo("Try: ontzorging --home <home> statement D --period 2026-03")
