"""Nightly and monthly runs through the CLI on a temporary home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ontzorging.entrypoints import demo_data
from ontzorging.entrypoints.cli import main


class Home:
    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.env = {"ONTZORGING_DATABASE_URL": database_url, "ONTZORGING_HOME": str(root)}

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)

    def json(self, *args: str, exit_code: int = 0) -> object:
        """The JSON document a command prints; ``exit_code`` 3 for a run
        that needs attention."""
        result = self(*args, "--json")
        assert result.exit_code == exit_code, result.output
        return json.loads(result.stdout)  # stderr carries warnings from the log

    def drop(self, month: date, text: str | None = None) -> Path:
        path = self.root / "inbox" / "bijstand" / f"bijstand-{month:%Y-%m}.csv"
        path.write_text(text or demo_data.bijstand_file(month), encoding="utf-8")
        return path


@pytest.fixture
def home(tmp_path: Path, database_url: str) -> Home:
    h = Home(tmp_path / "home", database_url)
    assert h("init").exit_code == 0
    for kind, text in (
        ("creditors", demo_data.CREDITORS),
        ("households", demo_data.HOUSEHOLDS),
        ("obligations", demo_data.OBLIGATIONS),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        assert h("import", kind, str(path)).exit_code == 0
    return h


def test_missed_nights_are_caught_up_once(home: Home) -> None:
    home.drop(date(2026, 2, 1))
    home.drop(date(2026, 3, 1))
    first = home.json("run", "nightly", "--date", "2026-03-30")
    assert first["counts"]["files_imported"] == 2
    assert first["counts"]["payments"] == 13  # February 6, March 6 + E's nabetaling
    again = home.json("run", "nightly", "--date", "2026-03-31")
    assert again["counts"].get("payments", 0) == 0 and again["counts"].get("batches", 0) == 0
    assert sorted(p.name for p in (home.root / "archive").iterdir()) == [
        "bijstand-2026-02.csv",
        "bijstand-2026-03.csv",
    ]
    statement = home.json("statement", "A", "--period", "2026-02")
    assert statement["payout_to_client_cents"] == 46683
    batches = home.json("batches", "list")
    assert isinstance(batches, list) and len(batches) == 1  # both months pay on 30 March
    assert home("check").exit_code == 0


def test_a_bad_inbox_file_is_quarantined_and_the_others_go_on(home: Home) -> None:
    home.drop(date(2026, 2, 1))
    bad = home.drop(
        date(2026, 3, 1),
        "payment_id;bsn;period;kind;amount;payout_date;iban\n"
        "X;100000009;2026-03;levensonderhoud;1,2,3;2026-03-26;\n",
    )
    run = home.json("run", "nightly", "--date", "2026-03-28", exit_code=3)
    assert run["status"] == "succeeded_with_rejections"
    assert run["counts"]["files_quarantined"] == 1 and run["counts"]["files_imported"] == 1
    errors = (home.root / "quarantine" / f"{bad.name}.errors.txt").read_text()
    assert ":2: amount:" in errors and "100000009" not in errors
    assert not bad.exists()


def test_approval_writes_the_file_once_and_monthly_writes_overviews(home: Home) -> None:
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    batch = home.json("batches", "list")[0]  # type: ignore[index]
    assert batch["status"] == "awaiting_approval" and batch["files"] == []
    approved = home.json("batches", "approve", str(batch["id"]), "--by", "M. de Vries")
    assert approved["status"] == "released" and len(approved["files"]) == 1
    files = sorted((home.root / "outbox" / "sepa").iterdir())
    again = home("batches", "approve", str(batch["id"]), "--by", "M. de Vries")
    assert again.exit_code == 0 and "approved before" in again.output
    assert sorted((home.root / "outbox" / "sepa").iterdir()) == files
    rejected = home("batches", "reject", str(batch["id"]), "--by", "x", "--reason", "te laat")
    assert rejected.exit_code == 1
    statement = home.json("statement", "D", "--period", "2026-03")
    assert {r["status"] for r in statement["paid"]} == {"released"}  # type: ignore[index]
    assert all(r["end_to_end_id"].startswith("OZ-") for r in statement["paid"])  # type: ignore[index]
    monthly = home.json("run", "monthly", "--month", "2026-03", "--coach", "Coach Bakker")
    assert monthly["counts"]["overview_html"] == 6
    overviews = sorted(p.name for p in (home.root / "overviews" / "2026-03").glob("*.html"))
    assert overviews == [
        "A.nl.html",
        "B.en.html",
        "C.nl.html",
        "D.nl.html",
        "E.en.html",
        "F.nl.html",
    ]
    reports = sorted(p.name for p in (home.root / "reports").iterdir())
    assert "caseload-2026-03.xlsx" in reports and "caseload-2026-03-coach-bakker.xlsx" in reports
    runs = home.json("runs", "list")
    assert [r["kind"] for r in runs] == ["monthly", "nightly"]  # type: ignore[index]


def test_a_coach_resolves_a_signal_once(home: Home) -> None:
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    shown = home.json("households", "show", "D")
    shortfalls = [s for s in shown["signals"] if s["kind"] == "shortfall"]  # type: ignore[index]
    assert len(shortfalls) == 2
    first = shortfalls[0]["id"]
    done = home.json(
        "signals",
        "resolve",
        str(first),
        "--by",
        "Coach Bakker",
        "--note",
        "betalingsregeling met Waterbedrijf",
    )
    assert done["resolved_by"] == "Coach Bakker"  # type: ignore[index]
    again = home("signals", "resolve", str(first), "--by", "Coach Bakker", "--note", "x")
    assert again.exit_code == 1 and "was resolved" in again.output
    left = home.json("households", "show", "D")["signals"]  # type: ignore[index]
    assert first not in [s["id"] for s in left]
    listing = {h["household_id"]: h["signals"] for h in home.json("households", "list")}  # type: ignore[union-attr]
    assert listing["D"] == ["shortfall"]  # one shortfall signal still open


def test_monthly_prints_batches_and_one_overview_is_there_on_demand(
    home: Home, tmp_path: Path, chromium: Path
) -> None:
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    monthly = home.json("run", "monthly", "--month", "2026-03")
    assert (monthly["counts"]["print_batches"], monthly["counts"]["print_letters"]) == (1, 6)
    month = home.root / "print" / "2026-03"
    assert sorted(p.name for p in month.iterdir()) == [
        "letters-2026-03-0001.csv",
        "letters-2026-03-0001.pdf",
    ]
    index = (month / "letters-2026-03-0001.csv").read_text("utf-8").splitlines()
    assert index[0] == "household_id,first_page,pages,language,coach"
    assert [line.split(",")[0] for line in index[1:]] == ["A", "B", "C", "D", "E", "F"]
    assert not list((home.root / "overviews" / "2026-03").glob("*.pdf"))
    out = tmp_path / "on-demand"
    made = home.json("overview", "D", "--month", "2026-03", "--pdf", "--output", str(out))
    assert made == {  # type: ignore[comparison-overlap]
        "household_id": "D",
        "month": "2026-03",
        "html": str(out / "D.nl.html"),
        "pdf": str(out / "D.nl.pdf"),
    }
    assert (out / "D.nl.pdf").read_bytes().startswith(b"%PDF-")
    assert home("overview", "ZZ", "--month", "2026-03").exit_code == 1


# --- The monthly run of a large register, as the console script runs it -----------


def _bsns(count: int) -> list[str]:
    """The first ``count`` nine-digit numbers from 100000000 that pass the eleven test."""
    found: list[str] = []
    candidate = 100_000_000
    while len(found) < count:
        digits = [int(c) for c in f"{candidate:09d}"]
        total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
        if total % 11 == 0:
            found.append(f"{candidate:09d}")
        candidate += 1
    return found


def _iban(n: int) -> str:
    account = f"{n:010d}"
    digits = "".join(str(int(c, 36)) for c in f"ABNA{account}NL00")
    return f"NL{98 - int(digits) % 97:02d}ABNA{account}"


def test_a_large_register_is_rendered_by_worker_processes(
    tmp_path: Path, database_url: str
) -> None:
    """2,100 households (more than four pages of 500) through the installed
    console script: the overviews are rendered by two spawned worker
    processes (the log says so) and every household has its overview."""
    script = Path(sys.executable).parent / "ontzorging"
    if not script.exists():
        pytest.skip("the ontzorging console script is not installed")
    root, config = tmp_path / "home", tmp_path / "config.toml"
    config.write_text('[overviews]\nworkers = 2\npdf = "never"\n', encoding="utf-8")
    env = {
        **os.environ,
        "ONTZORGING_HOME": str(root),
        "ONTZORGING_DATABASE_URL": database_url,
        "ONTZORGING_CONFIG": str(config),
    }
    count = 2_100
    households = tmp_path / "households.csv"
    header = (
        "household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;"
        "iban;bijstand_start;bijstand_end;coach;language\n"
    )
    bsns = _bsns(count)
    households.write_text(
        header
        + "".join(
            f"H{n:05d};{bsns[n]};Client {n};1990-01-01;;;;{_iban(n + 1)};2026-03-01;;"
            f"Coach {'ÜÅ'[n % 2]};{'en' if n % 3 == 0 else 'nl'}\n"
            for n in range(count)
        ),
        encoding="utf-8",
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args], env=env, capture_output=True, text=True, timeout=600
        )

    assert cli("init").returncode == 0
    imported = cli("import", "households", str(households))
    assert imported.returncode == 0, imported.stderr
    done = cli("run", "monthly", "--month", "2026-03", "--json")
    assert done.returncode in (0, 3), done.stderr
    assert json.loads(done.stdout)["counts"]["overview_households"] == count
    month_dir = root / "overviews" / "2026-03"
    # The workers inherit the command's umask: their files are private too.
    assert {p.stat().st_mode & 0o777 for p in month_dir.iterdir()} == {0o600}
    written = sorted(p.name for p in month_dir.iterdir())
    assert written == sorted(f"H{n:05d}.{'en' if n % 3 == 0 else 'nl'}.html" for n in range(count))
    log = (root / "logs" / "ontzorging.log").read_text(encoding="utf-8")
    rendering = [line for line in log.splitlines() if "event=overviews_rendering" in line]
    assert len(rendering) == 1 and f"households={count} workers=2" in rendering[0]
    # The caseload report reads the register with the same workers, and has
    # a row for each household with an overview.
    reading = [line for line in log.splitlines() if "event=caseload_reading" in line]
    assert len(reading) == 1 and f"households={count} workers=2" in reading[0]
    report = (root / "reports" / "caseload-2026-03.html").read_text(encoding="utf-8")
    assert f'data-count="{count}"' in report
    for bsn in bsns[:50]:
        assert bsn not in log
