"""``batches show ID`` as the review a controller checks before approval."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest

from ontzorging.batches.review import euro_nl
from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0,00"), (5, "0,05"), (133423, "1.334,23"), (-100, "-1,00"), (123456789, "1.234.567,89")],
)
def test_euros_in_dutch_notation(cents: int, text: str) -> None:
    assert euro_nl(cents) == text


def test_the_review_adds_up_and_names_what_is_new(home: Home) -> None:  # noqa: F811
    home.drop(date(2026, 2, 1))
    home.json("run", "nightly", "--date", "2026-02-26")
    first = home.json("batches", "show", "1")
    assert isinstance(first, dict)
    total = first["total_cents"]
    assert sum(k["total_cents"] for k in first["per_kind"]) == total
    assert sum(c["total_cents"] for c in first["per_creditor"]) == total
    assert len(first["largest"]) == min(10, first["count"])
    amounts = [r["amount_cents"] for r in first["largest"]]
    assert amounts == sorted(amounts, reverse=True)
    assert {c["change"] for c in first["new_or_changed"]} == {"new"}  # no batch before
    (planned,) = first["file_digests"]
    assert re.fullmatch(r"[0-9a-f]{64}", planned["sha256"]) and not planned["recorded"]
    assert planned["total_cents"] == total

    human = home("batches", "show", "1")
    assert human.exit_code == 0
    for header in ("Per kind", "Per creditor", "Largest transfers", "New or changed", "SHA-256"):
        assert header in human.output
    assert euro_nl(total) in human.output
    # Rendered again: the same bytes, so the same SHA-256 (the batch's own for one file).
    assert f"{planned['file_name']}  {planned['sha256']}\n" in human.output
    assert first["batch_sha256"] == planned["sha256"]  # one file: its SHA-256
    assert f"Batch SHA-256: {planned['sha256']}" in human.output
    assert not list((home.root / "outbox" / "sepa").glob("*.xml"))  # nothing written

    approved = home("batches", "approve", "1", "--by", "M. de Vries", "--sha256", planned["sha256"])
    assert approved.exit_code == 0, approved.output
    (written,) = (home.root / "outbox" / "sepa").glob("*.xml")
    assert hashlib.sha256(written.read_bytes()).hexdigest() == planned["sha256"]
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    second = home.json("batches", "show", "2")
    assert second["new_or_changed"] == []  # type: ignore[index]
    released = home.json("batches", "show", "1")
    (recorded,) = released["file_digests"]  # type: ignore[index]
    assert recorded["recorded"] and recorded["sha256"] == released["sha256"][recorded["file_name"]]  # type: ignore[index]


def test_the_summary_is_written_with_the_batch_and_again_at_release(home: Home) -> None:  # noqa: F811
    import pandas as pd

    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    summary = home.root / "reports" / "batch-1-summary.xlsx"
    before = pd.read_excel(summary, sheet_name="Batch")
    assert list(before["Status"]) == ["awaiting_approval"]
    assert home("batches", "approve", "1", "--by", "M. de Vries").exit_code == 0
    after = pd.read_excel(summary, sheet_name="Batch")
    assert list(after["Status"]) == ["released"]
    assert list(after["Goedgekeurd door"]) == ["M. de Vries"]


def test_approval_on_a_terminal_shows_the_totals_and_asks(
    home: Home,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from ontzorging.entrypoints.cli import main

    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    total = home.json("batches", "show", "1")["total_cents"]  # type: ignore[index]
    monkeypatch.setattr("ontzorging.entrypoints.cli._stdin_is_terminal", lambda: True)
    approve = ["batches", "approve", "1", "--by", "M. de Vries"]
    no = CliRunner().invoke(main, approve, env=home.env, input="n\n")
    assert no.exit_code == 1 and f"EUR {euro_nl(total)}" in no.output  # type: ignore[arg-type]
    assert "not approved" in no.output
    assert home.json("batches", "show", "1")["status"] == "awaiting_approval"  # type: ignore[index]
    yes = CliRunner().invoke(main, [*approve, "--yes"], env=home.env, input="")
    assert yes.exit_code == 0 and "Approve batch" not in yes.output
    assert home.json("batches", "show", "1")["status"] == "released"  # type: ignore[index]


def test_approval_with_a_stale_sha256_refuses_and_writes_nothing(home: Home) -> None:  # noqa: F811
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    shown = home.json("batches", "show", "1")["batch_sha256"]  # type: ignore[index]
    stale = ("0" if shown[0] != "0" else "1") + shown[1:]
    approve = ["batches", "approve", "1", "--by", "M. de Vries", "--sha256"]
    refused = home(*approve, stale)
    assert refused.exit_code == 1
    assert f"the SHA-256 given ({stale})" in refused.output and shown in refused.output
    error = home.json(*approve, stale, exit_code=1)["error"]  # type: ignore[index]
    assert error["code"] == "refused" and "nothing was written" in error["message"]
    assert home("batches", "approve", "1", "--by", "M. de Vries", "--sha256", "abc").exit_code == 2
    assert not list((home.root / "outbox" / "sepa").glob("*.xml"))
    assert home.json("batches", "show", "1")["status"] == "awaiting_approval"  # type: ignore[index]
    assert home(*approve, shown.upper()).exit_code == 0
    (written,) = (home.root / "outbox" / "sepa").glob("*.xml")
    assert hashlib.sha256(written.read_bytes()).hexdigest() == shown
