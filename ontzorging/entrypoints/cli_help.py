"""Help text for the command line: what each command does, an example of
each, help for options that had none, and the environment variables.

Kept apart from ``cli.py`` so the commands stay short; :func:`apply_help`
fills in the command tree once, at import. A command's own docstring wins;
an example is appended when its docstring has none."""

from __future__ import annotations

from typing import Final

import click

ENVIRONMENT: Final = """\b
Environment:
  ONTZORGING_HOME          the data home (default ./ontzorging-data)
  ONTZORGING_DATABASE_URL  database URL (default: SQLite in the data home)
  ONTZORGING_CONFIG        settings file (TOML) overriding the defaults
  ONTZORGING_TODAY         a fixed date for the clock (YYYY-MM-DD; tests, replays)
  ONTZORGING_LOG_LEVEL     log level on stderr (default WARNING)

Exit codes: 0 done, 1 failed or refused, 2 usage, 3 done but needs
attention, 70 internal error, 75 locked (see the README).

Example: ontzorging run nightly --date 2026-03-26"""

HELP: Final[dict[str, tuple[str | None, str]]] = {
    # command path: (help when the command has none, example)
    "init": (None, "ontzorging init --home /srv/ontzorging"),
    "import": (None, "ontzorging import households households.xlsx"),
    "run": (None, "ontzorging run nightly"),
    "run nightly": (None, "ontzorging run nightly --date 2026-03-26"),
    "run monthly": (None, 'ontzorging run monthly --month 2026-03 --coach "Coach Bakker"'),
    "runs": (None, "ontzorging runs list"),
    "runs list": (
        "The last 100 runs: id, kind, date, status, start and end, counts, error.",
        "ontzorging runs list --json",
    ),
    "statement": (None, "ontzorging statement D --period 2026-03"),
    "overview": (None, "ontzorging overview D --month 2026-03 --pdf --output /tmp"),
    "households": (None, "ontzorging households list"),
    "households list": (
        "Every household: id, name, period in ontzorging, coach, open signals.",
        "ontzorging households list",
    ),
    "households show": (
        "One household: register data, fixed costs and open signals (BSN masked).",
        "ontzorging households show D",
    ),
    "households end": (
        "End ontzorging for a household on a date (a decision, recorded with its reason).",
        'ontzorging households end C --date 2026-04-15 --reason "verhuisd" --by "Coach Bakker"',
    ),
    "payments": (None, "ontzorging payments list --status returned"),
    "payments list": (None, "ontzorging payments list --status rejected --json"),
    "payments resolve": (
        None,
        'ontzorging payments resolve 17 --repay --by "Coach Bakker" --note "IBAN gecorrigeerd"',
    ),
    "batches": (None, "ontzorging batches list"),
    "batches list": (
        "Every payment batch: id, status, execution date, count, total, files.",
        "ontzorging batches list",
    ),
    "batches show": (None, "ontzorging batches show 12"),
    "batches approve": (
        None,
        'ontzorging batches approve 12 --by "M. de Vries" --sha256 <batch SHA-256 of batches show>',
    ),
    "batches reject": (
        "Reject a batch: its payments are cancelled (the money stays held) or, "
        "with --rebatch, put back for the next run.",
        'ontzorging batches reject 12 --by "M. de Vries" --reason "IBAN fout" --rebatch',
    ),
    "bijstand": (None, "ontzorging bijstand held"),
    "bijstand held": (None, "ontzorging bijstand held --json"),
    "bijstand release": (
        None,
        'ontzorging bijstand release R2-P17 --by "M. de Vries" --reason "correctie"',
    ),
    "bijstand cancel": (
        None,
        'ontzorging bijstand cancel R2-P17 --by "M. de Vries" --reason "dubbel"',
    ),
    "signals": (None, 'ontzorging signals resolve 17 --by "Coach Bakker" --note "regeling"'),
    "signals resolve": (
        "Close a coach's signal with a note on what was done about it.",
        'ontzorging signals resolve 17 --by "Coach Bakker" --note "regeling met Waterbedrijf"',
    ),
    "check": (None, "ontzorging check"),
    "export": (None, "ontzorging export beancount --output ledger.beancount"),
    "export beancount": (
        "The ledger as a beancount file (all households, or one), for bean-check.",
        "ontzorging export beancount --household D --output d.beancount",
    ),
    "scheduler": (None, "ontzorging scheduler --home /srv/ontzorging"),
    "demo": (None, "ontzorging demo --home /tmp/demo --web"),
    "web": (None, "ontzorging web --host 127.0.0.1 --port 8080"),
    "users": (None, "ontzorging users list"),
}

OPTION_HELP: Final = {
    ("households end", "on"): "The last day in ontzorging (YYYY-MM-DD).",
    ("households end", "reason"): "Why ontzorging ends (at most 200 characters).",
    ("batches reject", "actor"): "Name of the person who rejects.",
    ("batches reject", "reason"): "Why the batch is rejected (at most 200 characters).",
    ("export beancount", "household"): "Only this household's accounts.",
    ("export beancount", "output"): "Write to this file instead of stdout.",
    ("statement", "period"): "The month, YYYY-MM.",
    ("web", "threads"): "Requests served at the same time.",
}

ARGUMENT_HELP: Final = {
    "import": "KIND is households, creditors, obligations, bijstand or bank; FILE a CSV, "
    "XLSX or (bijstand) pain.001 XML file.",
}


def apply_help(root: click.Group) -> None:
    """Fill in help, examples and option help across the command tree."""
    root.epilog = ENVIRONMENT
    for path, command in _walk(root, ""):
        default_help, example = HELP.get(path, (None, ""))
        text = (command.help or default_help or "").rstrip()
        if path in ARGUMENT_HELP:
            text += "\n\n" + ARGUMENT_HELP[path]
        if example and "Example:" not in text:
            text += f"\n\n\b\nExample: {example}"
        command.help = text
        for param in command.params:
            key = (path, param.name or "")
            if isinstance(param, click.Option) and not param.help and key in OPTION_HELP:
                param.help = OPTION_HELP[key]


def _walk(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    found = [(path, command)] if path else []
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += _walk(sub, f"{path} {name}".strip())
    return found
