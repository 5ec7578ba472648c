"""A hostile or broken inbox never blocks the nightly run: each bad file is
that file's problem (quarantined with the reason, or skipped unread), the
other files are imported and their households paid, and the next night runs
as usual. Only a failure that belongs to no file stops the run."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from ontzorging.entrypoints import demo_data
from ontzorging.runs import service as runner
from payments.pain001 import render_pain001
from tests.e2e.test_cli_runs import Home
from tests.integration.test_payout_file_import import TRANSFERS, payout_file

INBOX = Path("inbox") / "bijstand"


@pytest.fixture
def home(tmp_path: Path, database_url: str) -> Home:
    """The demo registers on a fresh home (as in test_cli_runs)."""
    h = Home(tmp_path / "home", database_url)
    assert h("init").exit_code == 0
    for kind in ("creditors", "households", "obligations"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(getattr(demo_data, kind.upper()), encoding="utf-8")
        assert h("import", kind, str(path)).exit_code == 0
    return h


def payout_xml(old: bytes = b"", new: bytes = b"") -> bytes:
    """A payout file for March paying A and D (and one person of no household),
    with ``old`` replaced by ``new`` once."""
    xml = render_pain001(payout_file(TRANSFERS), "pain.001.001.09")
    assert old in xml
    return xml.replace(old, new, 1)


def paid_households(h: Home, period: str = "2026-03") -> set[str]:
    paid = set()
    for hid in "ABCDEF":
        statement = h.json("statement", hid, "--period", period)
        if statement["paid"]:  # type: ignore[index]
            paid.add(hid)
    return paid


def test_a_payout_file_with_an_end_to_end_id_twice_is_quarantined(home: Home) -> None:
    bad = home.root / INBOX / "a-uitkering.xml"
    bad.write_bytes(payout_xml(b"<EndToEndId>D-2026-03<", b"<EndToEndId>A-2026-03<"))
    home.drop(date(2026, 3, 1))
    run = home.json("run", "nightly", "--date", "2026-03-28", exit_code=3)
    assert run["status"] == "succeeded_with_rejections"  # type: ignore[index]
    assert run["counts"]["files_quarantined"] == 1  # type: ignore[index]
    assert run["counts"]["files_imported"] == 1  # type: ignore[index]
    assert run["quarantined"] == ["a-uitkering.xml"]  # type: ignore[index]
    errors = (home.root / "quarantine" / "a-uitkering.xml.errors.txt").read_text()
    assert ": EndToEndId: duplicate in this file, also at transfer 1" in errors
    assert "IntegrityError" not in errors
    assert not bad.exists() and (home.root / "quarantine" / "a-uitkering.xml").exists()
    assert paid_households(home) == set("ABCDEF")  # the CSV's households were paid
    record = home.json("runs", "list")[0]  # type: ignore[index]
    assert record["error"] == "quarantined: a-uitkering.xml"
    next_night = home.json("run", "nightly", "--date", "2026-03-29")
    assert next_night["status"] == "succeeded"  # type: ignore[index]


def test_a_payee_name_longer_than_the_database_holds_is_a_problem(home: Home) -> None:
    long_name = b"Ahmad Haddad " + b"x" * 58  # 71 characters: the XSD allows 140
    bad = home.root / INBOX / "uitkering.xml"
    bad.write_bytes(payout_xml(b"Ahmad Haddad", long_name))
    run = home.json("run", "nightly", "--date", "2026-03-28", exit_code=3)
    assert run["counts"]["files_quarantined"] == 1  # type: ignore[index]
    errors = (home.root / "quarantine" / "uitkering.xml.errors.txt").read_text()
    assert ": Nm: creditor name has 71 characters, at most 70" in errors
    assert "DataError" not in errors


def test_a_file_name_that_is_not_utf8_is_quarantined_and_shown_safely(home: Home) -> None:
    inbox = os.fsencode(home.root / INBOX)
    latin1, newline = b"bijstand-\xff.csv", b"bijstand-\xfe\n.csv"
    for name in (latin1, newline):
        with open(os.path.join(inbox, name), "wb") as out:
            out.write(demo_data.bijstand_file(date(2026, 2, 1)).encode())
    (home.root / INBOX / "bijstand-maart-ë.csv").write_text(
        demo_data.bijstand_file(date(2026, 3, 1)), encoding="utf-8"
    )
    run = home.json("run", "nightly", "--date", "2026-03-28", exit_code=3)
    assert run["counts"]["files_imported"] == 1  # type: ignore[index]
    assert run["quarantined"] == ["bijstand-\\xfe\\n.csv", "bijstand-\\xff.csv"]  # type: ignore[index]
    assert run["problems"][0] == (  # type: ignore[index]
        f"{home.root / INBOX}/bijstand-\\xfe\\n.csv:0: -: "
        "the file name is not UTF-8 text; rename the file and put it back"
    )
    assert os.listdir(home.root / "archive") == ["bijstand-maart-ë.csv"]
    assert sorted(os.listdir(os.fsencode(home.root / "quarantine"))) == [
        newline,
        newline + b".errors.txt",
        latin1,
        latin1 + b".errors.txt",
    ]
    errors = (home.root / "quarantine" / os.fsdecode(latin1 + b".errors.txt")).read_text()
    assert errors == run["problems"][1] + "\n"  # type: ignore[index]
    assert "bijstand-\\xff.csv:0: -: the file name is not UTF-8" in errors
    assert paid_households(home) == set("ABCDEF")


@pytest.fixture
def fifo_watchdog() -> Iterator[list[Path]]:
    """Turns a hang on a FIFO into a failure: after a while, a writer opens
    each FIFO, so a run that (wrongly) opened one sees an empty file instead
    of blocking the test forever."""
    fifos: list[Path] = []

    def unblock() -> None:
        for fifo in fifos:
            with contextlib.suppress(OSError):  # no reader: nobody opened it, as it should be
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(30, unblock)
    timer.start()
    yield fifos
    timer.cancel()


def test_links_directories_and_fifos_are_skipped_unread(
    home: Home, tmp_path: Path, fifo_watchdog: list[Path]
) -> None:
    inbox = home.root / INBOX
    outside = tmp_path / "outside.csv"
    outside.write_text(demo_data.bijstand_file(date(2026, 2, 1)), encoding="utf-8")
    (inbox / "a-dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    (inbox / "b-outside.csv").symlink_to(outside)
    (inbox / "x.csv").mkdir()
    os.mkfifo(inbox / "y.csv")
    fifo_watchdog.append(inbox / "y.csv")
    home.drop(date(2026, 3, 1))
    run = home.json("run", "nightly", "--date", "2026-03-28", exit_code=3)
    assert run["status"] == "succeeded_with_rejections"  # type: ignore[index]
    assert run["counts"]["files_skipped"] == 4  # type: ignore[index]
    assert run["counts"]["files_imported"] == 1  # type: ignore[index]
    assert "files_quarantined" not in run["counts"]  # type: ignore[index]
    assert run["skipped"] == ["a-dangling.csv", "b-outside.csv", "x.csv", "y.csv"]  # type: ignore[index]
    problems = "\n".join(run["problems"])  # type: ignore[index]
    for name, what in (
        ("a-dangling.csv", "a symbolic link"),
        ("b-outside.csv", "a symbolic link"),
        ("x.csv", "a directory"),
        ("y.csv", "a FIFO"),
    ):
        assert f"{inbox / name}:0: -: {what}" in problems
    assert sorted(p.name for p in inbox.iterdir()) == [
        "a-dangling.csv",
        "b-outside.csv",
        "x.csv",
        "y.csv",
    ]  # left where they are, for a person to look at
    assert outside.exists()
    assert home.json("statement", "A", "--period", "2026-02")["income_cents"] == 0  # type: ignore[index]
    assert paid_households(home) == set("ABCDEF")
    record = home.json("runs", "list")[0]  # type: ignore[index]
    assert record["error"] == "skipped: a-dangling.csv, b-outside.csv, x.csv, y.csv"


def _database_refused(*args: object, **kwargs: object) -> None:
    params = {"bsn": "100000009", "payee_name": "Ahmad Haddad", "iban": "NL91ABNA0417164300"}
    raise IntegrityError("INSERT INTO benefit_payments ...", params, Exception("duplicate key"))


def test_an_unexpected_failure_quarantines_the_file_without_personal_data(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = runner.import_file

    def import_file(conn: object, kind: str, path: Path, *args: object, **kwargs: object) -> object:
        if path.name.startswith("a-"):
            _database_refused()
        return real_import(conn, kind, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "import_file", import_file)
    (home.root / INBOX / "a-first.csv").write_text(
        demo_data.bijstand_file(date(2026, 2, 1)), encoding="utf-8"
    )
    home.drop(date(2026, 3, 1))
    run = home.json("run", "nightly", "--date", "2026-03-28", exit_code=3)
    assert run["counts"] == run["counts"] | {"files_quarantined": 1, "files_imported": 1}  # type: ignore[operator]
    errors = (home.root / "quarantine" / "a-first.csv.errors.txt").read_text()
    assert errors.endswith(
        "a-first.csv:0: -: the database refused the file (IntegrityError); see the log\n"
    )
    for secret in ("100000009", "Ahmad", "NL91ABNA0417164300"):
        assert secret not in errors and secret not in str(run)
    assert paid_households(home) == set("ABCDEF")


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError(
            "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
        ),
        OSError(errno.ENOSPC, "No space left on device"),
    ],
    ids=["database-gone", "disk-full"],
)
def test_a_failure_of_no_file_stops_the_run_and_leaves_the_file(
    home: Home, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    def import_file(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(runner, "import_file", import_file)
    path = home.drop(date(2026, 3, 1))
    stopped = home("run", "nightly", "--date", "2026-03-28")
    assert stopped.exit_code == 70  # it belongs to no one: an incident, one line, no data
    *log_lines, last = stopped.output.strip().splitlines()
    assert last.startswith("error:")  # one line for the person; the rest is the log's
    assert all(line.startswith("ts=") for line in log_lines)
    assert path.exists() and not list((home.root / "quarantine").iterdir())
    record = home.json("runs", "list")[0]  # type: ignore[index]
    assert record["status"] == "failed"
    monkeypatch.undo()
    again = home.json("run", "nightly", "--date", "2026-03-29")
    assert again["status"] == "succeeded" and again["counts"]["files_imported"] == 1  # type: ignore[index]
