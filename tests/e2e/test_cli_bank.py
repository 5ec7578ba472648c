"""Bank feedback through the CLI: `import bank`, the nightly run's `inbox/bank/`,
`payments list` and `payments resolve`, the statement and `check`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree

from ontzorging.bank import samples as docs
from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (the fixture)

PAIN001 = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def released_march(home: Home) -> tuple[str, str]:  # noqa: F811
    home.drop(date(2026, 3, 1))
    home.json("run", "nightly", "--date", "2026-03-26")
    home.json("batches", "approve", "1", "--by", "M. de Vries")
    (path,) = (home.root / "outbox" / "sepa").iterdir()
    root = etree.fromstring(path.read_bytes())
    message_id = root.xpath("string(//p:GrpHdr/p:MsgId)", namespaces=PAIN001)
    payment_info_id = root.xpath("string(//p:PmtInf/p:PmtInfId)", namespaces=PAIN001)
    return message_id, payment_info_id


def paid_row(statement: Any, kind: str) -> Any:
    return next(p for p in statement["paid"] if p["kind"] == kind)


def test_feedback_from_the_bank_is_shown_held_and_decided(home: Home, tmp_path: Path) -> None:  # noqa: F811
    message_id, payment_info_id = released_march(home)
    before = home.json("statement", "A", "--period", "2026-03")
    huur, energie = paid_row(before, "huur"), paid_row(before, "energie")
    assert huur["status"] == "released" and before["held_cents"] == 0

    pain002 = tmp_path / "pain002.xml"
    pain002.write_text(
        docs.pain002_10(
            "PSR-1", message_id, payment_info_id, [docs.Reject(huur["end_to_end_id"], "MS03")]
        ),
        encoding="utf-8",
    )
    imported = home("import", "bank", str(pain002))
    assert imported.exit_code == 0, imported.output
    assert "1 payment(s) rejected" in imported.output
    again = home("import", "bank", str(pain002))
    assert again.exit_code == 0 and "nothing changed" in again.output

    inbox = home.root / "inbox" / "bank"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "a-camt054.xml").write_text(
        docs.camt054_02(
            "NTF-1",
            docs.return_credit("R-1", energie["end_to_end_id"], energie["amount_cents"], "AC04"),
        ),
        encoding="utf-8",
    )
    (inbox / "b-broken.xml").write_text("<Document>", encoding="utf-8")
    run = home.json("run", "nightly", "--date", "2026-03-30", exit_code=3)  # quarantined
    assert isinstance(run, dict)
    assert run["counts"]["bank_instructions_returned"] == 1
    assert run["quarantined"] == ["b-broken.xml"]
    assert (home.root / "archive" / "a-camt054.xml").exists()
    assert (home.root / "quarantine" / "b-broken.xml.errors.txt").exists()

    statement = home.json("statement", "A", "--period", "2026-03")
    assert paid_row(statement, "huur")["status"] == "rejected"
    assert paid_row(statement, "huur")["reason_code"] == "MS03"
    assert paid_row(statement, "energie")["status"] == "returned"
    assert paid_row(statement, "energie")["reason_code"] == "AC04"
    assert statement["held_cents"] == huur["amount_cents"] + energie["amount_cents"]
    listed = home.json("payments", "list", "--status", "returned")
    assert isinstance(listed, list)
    assert [p["payment_id"] for p in listed] == [energie["payment_id"]]
    assert listed[0]["reason_code"] == "AC04" and listed[0]["reason"]
    assert home("check").exit_code == 0

    refused = home("payments", "resolve", energie["payment_id"], "--repay", "--by", "Coach Smit")
    assert refused.exit_code == 1 and "AC04" in refused.output
    assert home("payments", "resolve", huur["payment_id"], "--by", "Coach Smit").exit_code == 2
    to_client = home.json(
        "payments", "resolve", energie["payment_id"], "--to-client", "--by", "Coach Smit"
    )
    repaid = home.json("payments", "resolve", huur["payment_id"], "--repay", "--by", "Coach Smit")
    assert isinstance(to_client, dict) and isinstance(repaid, dict)
    twice = home("payments", "resolve", huur["payment_id"], "--repay", "--by", "Coach Smit")
    assert twice.exit_code == 1 and "decided before" in twice.output
    assert home.json("payments", "list") == []
    decided = home.json("statement", "A", "--period", "2026-03")
    assert paid_row(decided, "energie")["decision"] == "to_client"
    assert paid_row(decided, "huur")["new_payment_id"] == repaid["new_payment_id"]
    assert home.json("statement", "A", "--period", "2026-03")["held_cents"] == 0  # type: ignore[index]
    assert home("check").exit_code == 0

    home.json("run", "nightly", "--date", "2026-03-31")
    batches = home.json("batches", "show", "2")
    assert isinstance(batches, dict) and batches["count"] == 2
    assert batches["total_cents"] == huur["amount_cents"] + energie["amount_cents"]


def test_the_demo_shows_a_rejected_and_a_returned_payment_each_decided(tmp_path: Path) -> None:
    demo = Home(tmp_path / "demo", f"sqlite:///{tmp_path / 'demo.db'}")
    assert demo("demo").exit_code == 0
    february = demo.json("statement", "A", "--period", "2026-02")
    rows = [(p["kind"], p["status"], p.get("reason_code")) for p in february["paid"]]  # type: ignore[index]
    assert ("huur", "rejected", "MS03") in rows and ("energie", "returned", "AC04") in rows
    assert ("huur", "released", None) in rows  # paid again: the whole path shows
    assert february["held_cents"] == 0  # type: ignore[index]  # both decided
    assert demo.json("payments", "list") == []
    assert demo("check").exit_code == 0
