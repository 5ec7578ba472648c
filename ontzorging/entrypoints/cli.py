"""The command line (DESIGN.md 5.3). Thin: parse, call one use case, render.

This module is the composition root: it is the one place in ``ontzorging``
that reaches into ``jobs`` (for runs, locking and the scheduler)."""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy import make_url

from ontzorging.adapters.db import DatabaseNotReady, upgrade_to_head
from ontzorging.adapters.incidents import is_database_unreachable, new_reference, write_incident
from ontzorging.adapters.logs import LEVELS, attach_file, command_logged, event
from ontzorging.adapters.private_files import owner_only_umask
from ontzorging.adapters.progress import Progress, reporting
from ontzorging.adapters.schema import ACTOR_NAME_MAX_CHARS, REASON_MAX_CHARS
from ontzorging.bootstrap import App, ClockError, HomeNotWritable, bootstrap, resolve_home
from ontzorging.domain.errors import InvariantBroken, OntzorgingError, Refused
from ontzorging.domain.money import euro_nl, euro_sign
from ontzorging.domain.periods import format_month, parse_month
from ontzorging.entrypoints.attention import needs_attention
from ontzorging.intake.parsing.problems import FileRejected
from ontzorging.settings import SettingsError
from payments.errors import PaymentsError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ATTENTION = 3
EXIT_INTERNAL = 70
EXIT_LOCKED = 75
F = TypeVar("F", bound=Callable[..., Any])


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        store = ctx.find_root().ensure_object(dict)
        if value not in (None, False):
            store[name] = value
        return value

    return callback


def common_options(func: F) -> F:
    """--home, --config, --database-url and --json, before or after the command."""
    options: list[tuple[str, dict[str, Any]]] = [
        ("--home", {"help": "Data home (default: ONTZORGING_HOME or ./ontzorging-data)."}),
        ("--config", {"help": "Settings file overriding the defaults (TOML)."}),
        ("--database-url", {"help": "Database URL (default: SQLite in the data home)."}),
        ("--json", {"is_flag": True, "help": "Print one JSON document."}),
        (
            "--log-level",
            {
                "type": click.Choice(LEVELS, case_sensitive=False),
                "help": "Log lines on stderr from this level (default: ONTZORGING_LOG_LEVEL "
                "or WARNING); the home's logs/ontzorging.log always gets INFO.",
            },
        ),
    ]
    for name, kwargs in reversed(options):
        key = name.lstrip("-").replace("-", "_")
        func = click.option(
            name, key + "_opt", expose_value=False, is_eager=True, callback=_remember(key), **kwargs
        )(func)
    return func


def _opts() -> dict[str, Any]:
    return click.get_current_context().find_root().ensure_object(dict)


def _wants_json() -> bool:
    return bool(_opts().get("json"))


def _app(require_schema: bool = True, read_only: bool = False) -> App:
    """``read_only=True`` for commands that only read: they also work on a
    data home this user may not write to."""
    o = _opts()
    return bootstrap(
        o.get("home"),
        o.get("config"),
        o.get("database_url"),
        require_schema=require_schema,
        read_only=read_only,
    )


def emit(data: Any, human: Callable[[], None]) -> None:
    if _wants_json():
        click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))
    else:
        human()


@contextmanager
def _failures() -> Iterator[None]:
    from ontzorging.adapters.locking import LockHeld

    try:
        yield
    except LockHeld as exc:
        _fail("locked", str(exc), EXIT_LOCKED)
    except FileRejected as exc:
        problems = [str(problem) for problem in exc.problems]
        message = f"file rejected with {len(problems)} problem(s); nothing was imported"
        _fail("file_rejected", message, EXIT_FAILED, problems)
    except HomeNotWritable as exc:
        _fail("not_writable", str(exc), EXIT_FAILED)
    except DatabaseNotReady as exc:
        _fail("database_not_ready", str(exc), EXIT_FAILED)
    except (SettingsError, ClockError) as exc:
        _fail("settings", str(exc), EXIT_FAILED)
    except InvariantBroken as exc:
        _internal_error(exc)  # a bug or corrupted data, never bad input
    except OntzorgingError as exc:
        _fail(exc.code, str(exc), EXIT_FAILED)
    except PaymentsError as exc:
        _fail("payments", str(exc), EXIT_FAILED)
    except PermissionError as exc:
        _fail("not_writable", f"permission denied: {exc.filename or exc.strerror}", EXIT_FAILED)
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise  # click's own: usage errors (exit 2) and aborts
    except Exception as exc:
        _internal_error(exc)


def _fail(code: str, message: str, exit_code: int, problems: Sequence[str] = ()) -> NoReturn:
    """Say what failed: the problems and ``error: message`` on stderr and,
    under ``--json``, one document on stdout; then exit with ``exit_code``."""
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"error: {message}", err=True)
    event(logging.INFO, "command_failed", code=code, message=message, problems=len(problems))
    if _wants_json():
        error = {"code": code, "message": message, "problems": list(problems)}
        click.echo(json.dumps({"error": error}, ensure_ascii=False))
    sys.exit(exit_code)


def _internal_error(exc: Exception) -> NoReturn:
    """A bug or a database failure: one line without the exception's text
    (a database error's text holds names, IBANs, amounts and BSNs), exit 70;
    the traceback goes to the incident log in the data home."""
    now = datetime.now().astimezone()  # a log stamp, not a booking date: no Clock
    reference = new_reference(now)
    command = click.get_current_context().command_path
    log = write_incident(resolve_home(_opts().get("home")).root, reference, now, command, exc)
    if is_database_unreachable(exc):
        code, message = "database_unavailable", f"the database does not answer ({_database()})"
    else:
        code, message = "internal", f"internal error ({type(exc).__name__})"
    where = f"details in {log}" if log else "no incident log could be written"
    click.echo(f"error: {message}; {where} (reference {reference})", err=True)
    if _wants_json():
        error = {"code": code, "message": message, "problems": [], "reference": reference}
        click.echo(json.dumps({"error": error}))
    sys.exit(EXIT_INTERNAL)


def _database() -> str:
    """Which database, without user name or password: host, port, name."""
    o = _opts()
    home = resolve_home(o.get("home"))
    text = o.get("database_url") or os.environ.get("ONTZORGING_DATABASE_URL") or home.database_url
    try:
        url = make_url(text)
    except Exception:
        return "the database URL given"
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    port = f":{url.port}" if url.port else ""
    host = url.host or "the local socket"
    return f"{url.get_backend_name()} at {host}{port}, database {url.database}"


def handled(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _logged(), _failures():
            return func(*args, **kwargs)

    return common_options(wrapper)  # type: ignore[return-value]


def _logged() -> AbstractContextManager[None]:
    o = _opts()
    home = resolve_home(o.get("home")).root
    command = click.get_current_context().command_path
    return command_logged(command, home, o.get("log_level"))


def _progress() -> AbstractContextManager[Progress]:
    """A bar on a terminal's stderr, not under --json; log lines otherwise."""
    return reporting(sys.stderr, _wants_json())


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "ontzorging"


class PlainText(click.ParamType):
    """A ``--by`` name or a ``--reason``/``--note`` as the audit columns hold
    it: at most ``max_chars`` characters (longer fails the insert on
    PostgreSQL) and no control or format characters, which could fake or
    hide lines in a record read on a terminal."""

    def __init__(self, name: str, max_chars: int) -> None:
        self.name = name
        self.max_chars = max_chars

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        what = self.name.lower()
        if not text:
            self.fail(f"a {what} is required", param, ctx)
        if len(text) > self.max_chars:
            self.fail(f"at most {self.max_chars} characters, not {len(text)}", param, ctx)
        if any(_is_control(char) for char in text):
            self.fail(f"control characters are not allowed in a {what}", param, ctx)
        return text


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


class JsonUsageGroup(click.Group):
    """Under ``--json`` a usage error is one JSON document on stdout too
    (exit 2); without it, click's own message."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            returned = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            exc.show()
            error = {"code": "usage", "message": exc.format_message(), "problems": []}
            click.echo(json.dumps({"error": error}, ensure_ascii=False))
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(EXIT_FAILED)
        sys.exit(returned if isinstance(returned, int) else 0)  # ctx.exit(n) returns n


class Sha256Hex(click.ParamType):
    """A SHA-256 as `batches show` prints it: 64 hexadecimal digits."""

    name = "HEX"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        if len(text) != 64 or any(char not in "0123456789abcdef" for char in text):
            self.fail("a SHA-256 is 64 hexadecimal digits, as `batches show` prints it", param, ctx)
        return text


ACTOR_NAME = PlainText("NAME", ACTOR_NAME_MAX_CHARS)
SHA256_HEX = Sha256Hex()
REASON = PlainText("TEXT", REASON_MAX_CHARS)


@click.group(cls=JsonUsageGroup)
@click.version_option(package_name="ontzorging", prog_name="ontzorging")
@common_options
def main() -> None:
    """Ontzorging: pays fixed costs from bijstand (art. 56a Participatiewet)."""
    owner_only_umask()  # the data home holds BSNs: nothing in it for group or others


@main.command()
@handled
def init() -> None:
    """Create the data home and bring the database to the current schema."""
    app = _app(require_schema=False)
    app.home.create()
    upgrade_to_head(app.engine)
    emit(
        {"home": str(app.home.root), "status": "ready"},
        lambda: click.echo(f"ready: {app.home.root}"),
    )


@main.command("import")
@click.argument(
    "kind", type=click.Choice(["households", "creditors", "obligations", "bijstand", "bank"])
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handled
def import_command(kind: str, file: Path) -> None:
    """Import one file, all or nothing."""
    from ontzorging.intake.imports import import_file

    if kind == "bank":
        _import_bank(file)
        return
    app = _app()
    from ontzorging.adapters.locking import unit_of_work

    with unit_of_work(app.engine) as conn:
        outcome = import_file(
            conn, kind, file, _actor(), app.clock.now(), limits=app.settings.amount_limits
        )
    data = outcome.__dict__
    if outcome.status == "unchanged":
        message = f"{file.name}: identical to a file imported before; nothing changed"
    else:
        message = (
            f"{file.name}: imported {outcome.rows_new} new {kind} row(s)"
            f"{f', {outcome.rows_known} already known' if outcome.rows_known else ''}"
        )
        if outcome.rows_held:
            message += (
                f"\nattention: {outcome.rows_held} payment(s) repeat payments imported before "
                "and are held, not paid: see `ontzorging bijstand held`"
            )
    if outcome.rows_held:
        data = {**data, "attention": needs_attention("", {"payments_held": outcome.rows_held})}
    emit(data, lambda: click.echo(message))
    if outcome.rows_held:
        sys.exit(EXIT_ATTENTION)


def _import_bank(file: Path) -> None:
    """``import bank FILE``: a pain.002, camt.053 or camt.054 document."""
    from ontzorging.adapters.locking import unit_of_work
    from ontzorging.bank.feedback_import import import_bank_file

    app = _app()
    with unit_of_work(app.engine) as conn:
        outcome = import_bank_file(conn, file, _actor(), app.clock.now())
    data = outcome.__dict__
    counts = outcome.counts

    def human() -> None:
        if outcome.status == "unchanged":
            click.echo(
                f"{file.name}: {outcome.kind} {outcome.message_id} was imported before; "
                "nothing changed"
            )
            return
        held = counts.get("instructions_rejected", 0) + counts.get("instructions_returned", 0)
        click.echo(
            f"{file.name}: {outcome.kind} {outcome.message_id}: "
            f"{counts.get('instructions_rejected', 0)} payment(s) rejected, "
            f"{counts.get('instructions_returned', 0)} returned, "
            f"{counts.get('instructions_settled', 0)} settled, "
            f"{counts.get('unmatched', 0)} item(s) not ours (kept as unmatched)"
        )
        if held:
            click.echo(
                f"attention: the money of {held} payment(s) is held until the coach decides: "
                "see `ontzorging payments list`"
            )
        for problem in outcome.problems:
            click.echo(f"attention: {problem}")

    emit(data, human)
    if outcome.problems:
        sys.exit(EXIT_ATTENTION)


@main.group()
def run() -> None:
    """The nightly and monthly runs."""


@run.command("nightly")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Run as of this date (default: today).",
)
@handled
def run_nightly_command(as_of: Any) -> None:
    """Everything due up to the date: inbox, allocation, ledger, batches, signals."""
    from ontzorging.runs.service import run_nightly

    app = _app()
    day = as_of.date() if as_of else app.clock.today()
    with _progress() as progress:
        outcome = run_nightly(app, day, _actor(), progress=progress)
    _print_run(outcome)


@run.command("monthly")
@click.option("--month", type=str, default=None, help="YYYY-MM (default: last month).")
@click.option("--coach", default=None, help="Also write a caseload report for this coach only.")
@handled
def run_monthly_command(month: str | None, coach: str | None) -> None:
    """Overviews and reports for a month."""
    from ontzorging.runs.service import run_monthly

    app = _app()
    if month:
        first = parse_month(month)
    else:
        today = app.clock.today().replace(day=1)
        first = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    with _progress() as progress:
        outcome = run_monthly(app, first, _actor(), coach, progress=progress)
    _print_run(outcome)


def _print_run(outcome: Any) -> None:
    def human() -> None:
        click.echo(
            f"run {outcome.run_id} ({outcome.kind}, as of {outcome.as_of}): {outcome.status}"
        )
        for key, value in sorted(outcome.counts.items()):
            click.echo(f"  {key}: {value}")
        for problem in outcome.problems:
            click.echo(f"  rejected: {problem}")
        for name in outcome.quarantined:
            click.echo(f"  quarantined: {name}")
        for name in outcome.skipped:
            click.echo(f"  skipped: {name}")
        for reason in attention:
            click.echo(f"attention: {reason}")

    attention = needs_attention(outcome.status, outcome.counts)

    emit(
        {
            "id": outcome.run_id,
            "kind": outcome.kind,
            "as_of": outcome.as_of.isoformat(),
            "status": outcome.status,
            "counts": outcome.counts,
            "problems": list(outcome.problems),
            "quarantined": list(outcome.quarantined),
            "skipped": list(outcome.skipped),
            "attention": attention,
        },
        human,
    )
    if attention:
        sys.exit(EXIT_ATTENTION)


@main.group()
def runs() -> None:
    """The record of past runs."""


@runs.command("list")
@handled
def runs_list() -> None:
    from ontzorging.runs.records import list_runs

    items = list_runs(_app(read_only=True).engine)

    def human() -> None:
        click.echo(
            f"{'id':>5} {'kind':<8} {'as of':<10} {'status':<26} {'started':<19}    "
            f"{'finished':<19} counts"
        )
        for r in items:
            click.echo(
                f"{r['id']:>5} {r['kind']:<8} {r['as_of']} {r['status']:<26} "
                f"{r['started_at'][:19]} -> {(r['finished_at'] or '')[:19]} "
                f"{json.dumps(r['counts'])}{'  ' + r['error'] if r['error'] else ''}"
            )

    emit(items, human)


@main.command()
@click.argument("household_id")
@click.option("--period", required=True, help="YYYY-MM")
@handled
def statement(household_id: str, period: str) -> None:
    """What happened to a household's money in a month."""
    from ontzorging.reports.statements import statement as build

    with _app(read_only=True).engine.connect() as conn:
        data = build(conn, household_id, parse_month(period))
    emit(data, lambda: _print_statement(data))


@main.command()
@click.argument("household_id")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--pdf", is_flag=True, help="Also print a PDF copy (needs Chromium).")
@click.option(
    "--output",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder to write the overview to.",
)
@handled
def overview(household_id: str, month: str, pdf: bool, output: str) -> None:
    """One household's monthly overview on demand: HTML, and a PDF with --pdf
    (the monthly run prints the month's letters in batches instead)."""
    from ontzorging.adapters.pdf import chromium_for, print_to_pdf
    from ontzorging.reports.overviews import write_overview

    wanted = parse_month(month)
    chromium = chromium_for(True) if pdf else None
    with _app(read_only=True).engine.connect() as conn:
        html_path = write_overview(conn, household_id, wanted, Path(output))
    data: dict[str, Any] = {"household_id": household_id, "month": month, "html": str(html_path)}
    if chromium is not None:
        data["pdf"] = str(print_to_pdf(html_path, html_path.with_suffix(".pdf"), chromium))
    emit(
        data, lambda: click.echo("\n".join(str(v) for k, v in data.items() if k in ("html", "pdf")))
    )


def _print_statement(d: dict[str, Any]) -> None:
    click.echo(
        f"Household {d['household_id']}, {d['period']} "
        f"({'in ontzorging' if d['in_ontzorging'] else 'not in ontzorging'}, "
        f"period {d['period_start']} to {d['period_end']})"
    )
    click.echo(f"  income                {euro_sign(d['income_cents']):>14}")
    for row in d["paid"]:
        click.echo(
            f"  paid {row['kind']:<16} {euro_sign(row['amount_cents']):>14}  "
            f"{row['creditor_id']} ({row['status']})"
        )
    if d["reserved_cents"]:
        click.echo(f"  reserved              {euro_sign(d['reserved_cents']):>14}")
    for row in d["shortfall"]:
        click.echo(f"  shortfall {row['kind']:<11} {euro_sign(row['amount_cents']):>14}")
    click.echo(f"  payout to client      {euro_sign(d['payout_to_client_cents']):>14}")


@main.group()
def households() -> None:
    """The register of households."""


@households.command("list")
@handled
def households_list() -> None:
    from ontzorging.register.households import list_households

    with _app(read_only=True).engine.connect() as conn:
        items = list_households(conn)

    def human() -> None:
        click.echo(f"{'household':<12} {'name':<28} {'period':<23}  {'coach':<16} open signals")
        for h in items:
            click.echo(
                f"{h['household_id']:<12} {h['name']:<28} {h['period_start']} - "
                f"{h['period_end']}  {h['coach']:<16} {','.join(h['signals'])}"
            )

    emit(items, human)


@households.command("show")
@click.argument("household_id")
@click.option("--reveal-bsn", is_flag=True, help="Show BSNs in full (audited use only).")
@handled
def households_show(household_id: str, reveal_bsn: bool) -> None:
    from ontzorging.register.households import show_household

    with _app(read_only=True).engine.connect() as conn:
        data = show_household(conn, household_id, reveal_bsn)
    emit(data, lambda: click.echo(json.dumps(data, indent=2, ensure_ascii=False)))


@households.command("end")
@click.argument("household_id")
@click.option("--date", "on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--reason", type=REASON, required=True)
@click.option(
    "--by", "actor", type=ACTOR_NAME, default=None, help="Who decides (default: the OS user)."
)
@handled
def households_end(household_id: str, on: Any, reason: str, actor: str | None) -> None:
    from ontzorging.adapters.locking import unit_of_work
    from ontzorging.register.households import end_household

    app = _app()
    with unit_of_work(app.engine) as conn:
        data = end_household(
            conn, household_id, on.date(), reason, actor or _actor(), app.clock.now()
        )
    emit(data, lambda: click.echo(f"{household_id}: ontzorging ends on {on.date()}"))


@main.group("batches")
def batches_group() -> None:
    """Payment batches and their approval."""


@batches_group.command("list")
@handled
def batches_list() -> None:
    from ontzorging.batches.service import list_batches

    with _app(read_only=True).engine.connect() as conn:
        items = list_batches(conn)

    def human() -> None:
        click.echo(f"{'id':>5} {'status':<18} {'execution':<10} {'count':>7} {'total':>16}  files")
        for b in items:
            waiting = " ".join(b["files_pending"])
            pending = f" (not yet written: {waiting})" if waiting else ""
            click.echo(
                f"{b['id']:>5} {b['status']:<18} {b['execution_date']} {b['count']:>7} "
                f"{euro_sign(b['total_cents']):>16}  {' '.join(b['files'])}{pending}"
            )

    emit(items, human)


@batches_group.command("show")
@click.argument("batch_id", type=int)
@handled
def batches_show(batch_id: int) -> None:
    """A batch as a controller reviews it before approval: totals per kind and
    per creditor in euros, the ten largest transfers, creditors and IBANs new
    or changed since the previous batch, and the SHA-256 of the file(s).

    Example: ontzorging batches show 12
    """
    from ontzorging.batches.approvals import review_for_approval
    from ontzorging.batches.review import review_lines

    app = _app(read_only=True)
    with app.engine.connect() as conn:
        data = review_for_approval(conn, batch_id, app.settings)
    emit(data, lambda: click.echo("\n".join(review_lines(data))))


@batches_group.command("approve")
@click.argument("batch_id", type=int)
@click.option(
    "--by", "actor", type=ACTOR_NAME, required=True, help="Name of the person who approves."
)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask for confirmation (asked only on a terminal, never under --json).",
)
@click.option(
    "--sha256",
    "expected_sha256",
    type=SHA256_HEX,
    help="The batch SHA-256 you checked in `batches show`: approve only if the file(s) "
    "written now are exactly those; otherwise nothing is written (exit 1).",
)
@handled
def batches_approve(batch_id: int, actor: str, yes: bool, expected_sha256: str | None) -> None:
    """Approve a batch: its pain.001 file(s) are written to outbox/sepa/.

    With sepa.approvals_required = 2 this is one of two approvals: the batch
    is released when two different names approved the same file SHA-256
    (here or in the web interface).

    Every file is rendered and validated first; a payment that cannot be
    written is taken out of the batch (cancelled, the money stays held) and
    nothing is released (exit 1): check the batch and approve it again.
    With --sha256 the batch is approved only when its file(s) are byte for
    byte the ones reviewed in `batches show`."""
    from ontzorging.adapters.locking import run_lock
    from ontzorging.batches.approvals import approve
    from ontzorging.batches.service import list_batches

    app = _app()
    if not (yes or _wants_json() or not _stdin_is_terminal()):
        _confirm_approval(app, batch_id, actor)
    with run_lock(app.engine):
        outcome = approve(
            app.engine,
            batch_id,
            actor,
            app.clock.now(),
            app.settings,
            app.home.path("outbox/sepa"),
            app.home.path("reports"),
            sha256=expected_sha256,
        )
        with app.engine.connect() as conn:
            item = next(b for b in list_batches(conn) if b["id"] == batch_id)
    item = {
        **item,
        "approved_by": list(outcome.approved_by),
        "approvals_required": outcome.approvals_required,
        "approved_sha256": outcome.sha256,
    }
    if outcome.status == "awaiting_approval":
        message = (
            f"batch {batch_id}: approval by {actor} recorded ({len(outcome.approved_by)} of "
            f"{outcome.approvals_required}) for SHA-256 {outcome.sha256}; it is released when "
            "someone else approves the same file"
        )
    elif outcome.status == "released":
        message = f"batch {batch_id} approved by {item['decided_by']}: " + ", ".join(item["files"])
    else:
        message = (
            f"batch {batch_id} is already released (approved before); no new file: "
            + ", ".join(item["files"])
        )
    emit(item, lambda: click.echo(message))


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _confirm_approval(app: App, batch_id: int, actor: str) -> None:
    """Show the totals and ask; "no" leaves the batch as it is (exit 1)."""
    from ontzorging.batches.approvals import review_for_approval

    with app.engine.connect() as conn:
        review = review_for_approval(conn, batch_id, app.settings)
    if review["status"] != "awaiting_approval":
        return  # approve_batch says what is the matter
    for kind in review["per_kind"]:
        click.echo(f"  {kind['kind']:<20} {kind['count']:>6} {euro_nl(kind['total_cents']):>16}")
    changed = len(review["new_or_changed"])
    if changed:
        click.echo(f"  {changed} creditor(s) new or with a changed IBAN: see `batches show`")
    if review["batch_sha256"]:
        click.echo(f"  batch SHA-256 {review['batch_sha256']}")
    question = (
        f"Approve batch {batch_id} as {actor}: {review['count']} transfer(s), "
        f"EUR {euro_nl(review['total_cents'])}, execution date {review['execution_date']}?"
    )
    if not click.confirm(question, default=False):
        raise Refused(f"batch {batch_id} not approved; nothing changed")


@batches_group.command("reject")
@click.argument("batch_id", type=int)
@click.option("--by", "actor", type=ACTOR_NAME, required=True)
@click.option("--reason", type=REASON, required=True)
@click.option(
    "--rebatch",
    is_flag=True,
    help="Put the payments back for the next run (after correcting the cause) "
    "instead of cancelling them.",
)
@handled
def batches_reject(batch_id: int, actor: str, reason: str, rebatch: bool) -> None:
    from ontzorging.adapters.locking import unit_of_work
    from ontzorging.batches.service import reject_batch

    app = _app()
    with unit_of_work(app.engine) as conn:
        count = reject_batch(conn, batch_id, actor, reason, app.clock.now(), rebatch=rebatch)
    outcome = "back to pending" if rebatch else "cancelled; the money stays held"
    emit(
        {"id": batch_id, "status": "rejected", "instructions": count, "rebatch": rebatch},
        lambda: click.echo(f"batch {batch_id} rejected: {count} payment(s) {outcome}"),
    )


@main.group("bijstand")
def bijstand_group() -> None:
    """Benefits payments held because they repeat an earlier one (never twice)."""


@bijstand_group.command("held")
@handled
def bijstand_held() -> None:
    """List the held repeats that await a decision (no BSN)."""
    from ontzorging.intake.never_twice import held_payments

    with _app().engine.connect() as conn:
        items = held_payments(conn)

    def human() -> None:
        if not items:
            click.echo("no held payments")
        for r in items:
            click.echo(
                f"{r['payment_id']}  repeats {r['duplicate_of']}  "
                f"household {r['household_id'] or '-'}  {r['period']} {r['kind']} "
                f"{euro_sign(r['amount_cents'])} on {r['payout_date']}"
            )

    emit(items, human)


def _decide(payment_id: str, decision: str, actor: str, reason: str) -> None:
    from ontzorging.adapters.locking import unit_of_work
    from ontzorging.intake.never_twice import decide

    app = _app()
    with unit_of_work(app.engine) as conn:
        data = decide(conn, payment_id, decision, actor, reason, app.clock.now())
    emit(data, lambda: click.echo(f"benefits payment {payment_id}: {decision} by {actor}"))


@bijstand_group.command("release")
@click.argument("payment_id")
@click.option("--by", "actor", type=ACTOR_NAME, required=True, help="Who decides.")
@click.option("--reason", type=REASON, required=True, help="Why it is a genuine second payment.")
@handled
def bijstand_release(payment_id: str, actor: str, reason: str) -> None:
    """A genuine second payment: the next nightly run allocates and pays it.

    Example: ontzorging bijstand release R2-P17 --by "M. de Vries" --reason "correctie"
    """
    _decide(payment_id, "release", actor, reason)


@bijstand_group.command("cancel")
@click.argument("payment_id")
@click.option("--by", "actor", type=ACTOR_NAME, required=True, help="Who decides.")
@click.option("--reason", type=REASON, required=True, help="Why it must not be paid.")
@handled
def bijstand_cancel(payment_id: str, actor: str, reason: str) -> None:
    """A repeat, or any payment not allocated yet: never paid; the record stays.

    Example: ontzorging bijstand cancel R2-P17 --by "M. de Vries" --reason "run dubbel"
    """
    _decide(payment_id, "cancel", actor, reason)


@main.group("payments")
def payments_group() -> None:
    """Payments the bank rejected or returned: their money is held until the coach decides."""


@payments_group.command("list")
@click.option(
    "--status",
    type=click.Choice(["rejected", "returned"]),
    default=None,
    help="Only rejected or only returned payments (default: both).",
)
@handled
def payments_list(status: str | None) -> None:
    """What awaits a decision, oldest first (no BSN)."""
    from ontzorging.bank.decisions import awaiting_decision

    with _app(read_only=True).engine.connect() as conn:
        items = awaiting_decision(conn, status)

    def human() -> None:
        if not items:
            click.echo("no payments await a decision")
        for r in items:
            payee = f"creditor {r['creditor_id']}" if r["creditor_id"] else "the client"
            click.echo(
                f"{r['payment_id']}  household {r['household_id'] or '-'}  {r['period']} "
                f"{r['kind']} {euro_sign(r['amount_cents'])} to {payee}: {r['status']} "
                f"({r['reason_code'] or '?'}: {r['reason']})"
            )

    emit(items, human)


@payments_group.command("resolve")
@click.argument("payment_id")
@click.option("--repay", "decision", flag_value="repay", help="Pay the payee again.")
@click.option(
    "--to-client", "decision", flag_value="to_client", help="Pay the held money to the client."
)
@click.option("--by", "actor", type=ACTOR_NAME, required=True, help="The coach who decides.")
@click.option("--note", default=None, help="Why, or what was arranged.")
@handled
def payments_resolve(payment_id: str, decision: str | None, actor: str, note: str | None) -> None:
    """Decide on a rejected or returned payment (the statement's payment_id).

    Example: ontzorging payments resolve 17 --repay --by "Coach Smit"
    """
    from ontzorging.adapters.locking import unit_of_work
    from ontzorging.bank.decisions import resolve_payment

    if decision is None:
        raise click.UsageError("choose --repay or --to-client")
    app = _app()
    with unit_of_work(app.engine) as conn:
        data = resolve_payment(conn, payment_id, decision, actor, note, app.clock.now())
    what = "paid again" if decision == "repay" else "paid to the client"
    emit(
        data,
        lambda: click.echo(
            f"payment {payment_id}: {what} in the next nightly run's batch as payment "
            f"{data['new_payment_id']} ({euro_sign(data['amount_cents'])} to {data['payee_iban']})"
        ),
    )


@main.group("signals")
def signals_group() -> None:
    """Signals for coaches (see `households show ID` for the open ones)."""


@signals_group.command("resolve")
@click.argument("signal_id", type=int)
@click.option("--by", "actor", type=ACTOR_NAME, required=True, help="The coach who resolves it.")
@click.option("--note", type=REASON, required=True, help="What was done about it.")
@handled
def signals_resolve(signal_id: int, actor: str, note: str) -> None:
    from ontzorging.adapters.locking import unit_of_work
    from ontzorging.register.households import resolve_signal

    app = _app()
    with unit_of_work(app.engine) as conn:
        data = resolve_signal(conn, signal_id, actor, note, app.clock.today(), app.clock.now())
    emit(
        data,
        lambda: click.echo(
            f"signal {signal_id} ({data['kind']}, household "
            f"{data['household_id']}) resolved by {actor}"
        ),
    )


@main.command()
@handled
def check() -> None:
    """Check the invariants of ledger and payments; exit 1 on any violation."""
    from ontzorging.integrity.checks import check_all, released_files_unchanged

    app = _app(read_only=True)
    with app.engine.connect() as conn:
        problems = check_all(conn) + released_files_unchanged(conn, app.home.path("outbox/sepa"))
    emit(
        {"ok": not problems, "problems": problems},
        lambda: click.echo("\n".join(problems) if problems else "ok: no violations"),
    )
    if problems:
        sys.exit(EXIT_FAILED)


@main.group()
def export() -> None:
    """Exports of the ledger."""


@export.command("beancount")
@click.option("--household", default=None)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@handled
def export_beancount_command(household: str | None, output: Path | None) -> None:
    from ledger.beancount_export import export_beancount

    with _app(read_only=True).engine.connect() as conn:
        lines = export_beancount(conn, household)
        if output is None:
            for line in lines:
                sys.stdout.write(line)
        else:
            with output.open("w", encoding="utf-8") as handle:
                handle.writelines(lines)


@main.command()
@handled
def scheduler() -> None:
    """Run the nightly and monthly runs on their schedule (foreground daemon).

    Stops gracefully on SIGTERM or SIGINT: a running job finishes first."""
    from jobs.scheduler import serve

    opts = _opts()
    serve(opts.get("home"), opts.get("config"), opts.get("database_url"))


@main.command()
@click.option("--web", "serve_web", is_flag=True, help="Then serve the web interface of the demo.")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --web: address.")
@click.option("--port", default=8080, show_default=True, type=int, help="With --web: port.")
@handled
def demo(serve_web: bool, host: str, port: int) -> None:
    """Load a demo municipality and run it through several months; it makes
    demo web users and prints their passwords. With --web the demo home is
    then served (second factor off, cookies over plain http: a demo only)."""
    from ontzorging.entrypoints.demo import run_demo

    opts = _opts()
    home = resolve_home(opts.get("home"))
    home.create()  # the demo makes it anyway; now its run lines reach the log
    attach_file(home.root)
    with _progress() as progress:
        run_demo(
            opts.get("home"),
            opts.get("config"),
            opts.get("database_url"),
            echo=click.echo,
            as_json=_wants_json(),
            progress=progress,
        )
    if serve_web:
        from dataclasses import replace

        from ontzorging.web.app import serve

        app = _app()
        web = replace(app.settings.web, require_mfa=False, secure_cookies=False)
        app = replace(app, settings=replace(app.settings, web=web))
        click.echo(f"Demo web interface on http://{host}:{port}/ (Ctrl+C stops it)", err=True)
        serve(app, host, port)


@main.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@handled
def web_command(host: str, port: int, threads: int) -> None:
    """Serve the web interface (waitress, a production WSGI server); put a
    reverse proxy with TLS in front (see the README)."""
    from ontzorging.web.app import serve

    app = _app()
    click.echo(f"Ontzorging web interface on http://{host}:{port}/", err=True)
    serve(app, host, port, threads=threads)


@main.group("users")
def users_group() -> None:
    """Accounts of the web interface (roles coach, finance, beheer)."""


@users_group.command("add")
@click.argument("name", type=ACTOR_NAME)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["coach", "finance", "beheer"]),
    help="coach, finance or beheer; repeat for several.",
)
@click.option("--coach", default=None, help="For a coach: the coach name in the register.")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from the first line of standard input.",
)
@handled
def users_add(name: str, roles: tuple[str, ...], coach: str | None, password_stdin: bool) -> None:
    """Add a local web user. The password is the first line of standard
    input (never an argument: it would show in the process list). Prints the
    TOTP link for the user's authenticator app (web.require_mfa).

    Example: ontzorging users add jan --role coach --coach "Coach Smit" --password-stdin
    """
    from ontzorging.web.accounts import add_user

    password = sys.stdin.readline().rstrip("\r\n")
    app = _app()
    with app.engine.begin() as conn:
        data = add_user(conn, name, roles, coach, password, _actor(), app.clock.now())
    emit(
        data,
        lambda: click.echo(
            f"user {name} added ({', '.join(data['roles'])}); authenticator app: {data['totp_uri']}"
        ),
    )


@users_group.command("list")
@handled
def users_list() -> None:
    """Every web user: name, roles, coach name, disabled, last login.

    Example: ontzorging users list --json
    """
    from ontzorging.web.accounts import list_users

    with _app(read_only=True).engine.connect() as conn:
        items = list_users(conn)

    def human() -> None:
        click.echo(f"{'name':<24} {'roles':<22} {'coach':<18} state")
        for u in items:
            state = "disabled" if u["disabled"] else "active"
            click.echo(
                f"{u['name']:<24} {','.join(u['roles']):<22} {u['coach'] or '-':<18} {state}"
            )

    emit(items, human)


@users_group.command("disable")
@click.argument("name")
@handled
def users_disable(name: str) -> None:
    """Disable a web user and end their sessions at once.

    Example: ontzorging users disable jan
    """
    from ontzorging.web.accounts import disable_user

    app = _app()
    with app.engine.begin() as conn:
        ended = disable_user(conn, name, _actor(), app.clock.now())
    emit(
        {"name": name, "disabled": True, "sessions_ended": ended},
        lambda: click.echo(f"user {name} disabled; {ended} session(s) ended"),
    )


def format_period(month: date) -> str:
    return format_month(month)


from ontzorging.entrypoints.cli_help import apply_help  # noqa: E402  (after every command is defined)

apply_help(main)
