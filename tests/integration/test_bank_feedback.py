"""Bank feedback on a released demo month: rejects, returns and the booked
batch debit reconciled, held money in the ledger, signals, and the coach's
decisions (DOMAIN.md R7, DESIGN.md 5.7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from ledger import accounts
from ledger.schema import ledger_postings
from ontzorging.adapters.schema import (
    bank_documents,
    bank_feedback_items,
    batches,
    creditors,
    households,
    instruction_events,
    payment_files,
    payment_instructions,
    signals,
)
from ontzorging.bank import samples as docs
from ontzorging.bank.decisions import (
    PaymentDecisionRefused,
    awaiting_decision,
    resolve_payment,
)
from ontzorging.bank.feedback_import import import_bank_file
from ontzorging.bank.missing_debits import raise_missing_debit_signals
from ontzorging.batches.finance_summary import batch_summary_frames
from ontzorging.batches.service import gather_batches, release_batch
from ontzorging.intake.parsing.problems import FileRejected
from ontzorging.integrity.checks import check_all
from ontzorging.register.households import show_household
from ontzorging.reports.caseload import caseload_frame
from ontzorging.reports.overviews import overview_html
from ontzorging.settings import load_settings
from payments.bank_reader import read_bank_file
from payments.calendar import target_business_days_after
from payments.reason_codes import reason_for
from tests.conftest import NOW
from tests.scenario import load_registers, run_months

MARCH = (date(2026, 3, 1),)


@dataclass(frozen=True)
class Released:
    engine: Engine
    tmp_path: Path
    message_id: str
    payment_info_id: str
    file_name: str
    instructions: dict[int, Any]

    def creditor_payment(self, kind: str, household_id: str) -> Any:
        return next(
            r
            for r in self.instructions.values()
            if r["kind"] == kind and r["household_id"] == household_id and r["creditor_id"]
        )

    def client_payout(self, household_id: str) -> Any:
        return next(
            r
            for r in self.instructions.values()
            if r["household_id"] == household_id and r["creditor_id"] is None
        )


@pytest.fixture
def released(engine: Engine, tmp_path: Path) -> Released:
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path, MARCH)
    settings = load_settings()
    with engine.begin() as conn:
        gather_batches(conn, date(2026, 3, 26), settings, None, NOW)
        release_batch(conn, 1, "M. de Vries", NOW, settings)
    with engine.connect() as conn:
        (file_row,) = conn.execute(select(payment_files)).mappings().all()
        rows = conn.execute(select(payment_instructions)).mappings().all()
    return Released(
        engine,
        tmp_path,
        file_row["message_id"],
        file_row["payment_info_id"],
        file_row["file_name"],
        {r["id"]: r for r in rows},
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    read_bank_file(text.encode())  # the reader accepts what the test wrote
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_path(engine: Engine, path: Path) -> Any:
    with engine.begin() as conn:
        return import_bank_file(conn, path, "test", NOW)


def status(conn: Connection, instruction_id: int) -> str:
    pi = payment_instructions
    return str(conn.execute(select(pi.c.status).where(pi.c.id == instruction_id)).scalar_one())


def balance(conn: Connection, account: str) -> int:
    lp = ledger_postings
    total = conn.execute(select(func.sum(lp.c.amount_cents)).where(lp.c.account == account))
    return int(total.scalar() or 0)


@dataclass(frozen=True)
class Feedback:
    rejected: Any  # huur of A, rejected by pain.002 (MS03)
    returned: Any  # energie of A, returned on the camt.053 (AC04)
    notified: Any  # B's leefgeld, returned on a camt.054 (AC06)
    paths: tuple[Path, ...]
    outcomes: tuple[Any, ...]


def send_feedback(r: Released) -> Feedback:
    rejected = r.creditor_payment("huur", "A")
    returned = r.creditor_payment("energie", "A")
    notified = r.client_payout("B")
    total = sum(i["amount_cents"] for i in r.instructions.values())
    pain002 = docs.pain002_10(
        "BNG-PSR-1",
        r.message_id,
        r.payment_info_id,
        [
            docs.Reject(rejected["end_to_end_id"], "MS03", rejected["amount_cents"]),
            docs.Reject("SOMEONE-ELSES-1", "AC01"),
        ],
    )
    debit = total - rejected["amount_cents"]
    camt053 = docs.camt053_02(
        "BNG-STMT-1",
        "STMT-2026-03-30",
        41,
        1_000_000,
        1_000_000 - debit + returned["amount_cents"] + 5_000,
        docs.batch_debit("REF-1", r.message_id, r.payment_info_id, debit, len(r.instructions) - 1)
        + docs.return_credit("REF-2", returned["end_to_end_id"], returned["amount_cents"], "AC04")
        + docs.other_credit("REF-3", "DD-ELSEWHERE-9", 5_000),
    )
    camt054 = docs.camt054_02(
        "BNG-NTF-1",
        docs.return_credit("REF-4", notified["end_to_end_id"], notified["amount_cents"], "AC06"),
    )
    paths = (
        write(r.tmp_path, "pain002.xml", pain002),
        write(r.tmp_path, "camt053.xml", camt053),
        write(r.tmp_path, "camt054.xml", camt054),
    )
    outcomes = tuple(import_path(r.engine, p) for p in paths)
    return Feedback(rejected, returned, notified, paths, outcomes)


def test_rejects_returns_and_the_batch_debit_are_reconciled(released: Released) -> None:
    r = released
    f = send_feedback(r)
    assert [o.status for o in f.outcomes] == ["imported"] * 3
    assert f.outcomes[0].counts["rejected"] == 1 and f.outcomes[0].counts["unmatched"] == 1
    assert f.outcomes[1].counts["settled"] == 1 and f.outcomes[1].counts["returned"] == 1
    assert f.outcomes[1].counts["instructions_settled"] == len(r.instructions) - 1
    assert f.outcomes[1].counts["unmatched"] == 1 and f.outcomes[1].problems == ()
    assert f.outcomes[2].counts["returned"] == 1
    with r.engine.connect() as conn:
        assert status(conn, f.rejected["id"]) == "rejected"
        assert status(conn, f.returned["id"]) == "returned"
        assert status(conn, f.notified["id"]) == "returned"
        others = set(r.instructions) - {f.rejected["id"], f.returned["id"], f.notified["id"]}
        assert {status(conn, i) for i in others} == {"settled"}
        held_a = f.rejected["amount_cents"] + f.returned["amount_cents"]
        assert balance(conn, accounts.returned("A")) == -held_a
        assert balance(conn, accounts.returned("B")) == -f.notified["amount_cents"]
        kinds = conn.execute(
            select(signals.c.household_id, signals.c.kind, signals.c.detail).where(
                signals.c.kind.like("payment_%")
            )
        ).all()
        assert sorted((h, k) for h, k, _ in kinds) == [
            ("A", "payment_rejected"),
            ("A", "payment_returned"),
            ("B", "payment_returned"),
        ]
        assert all("100000009" not in d for _, _, d in kinds)
        reasons = conn.execute(
            select(instruction_events.c.reason).where(
                instruction_events.c.instruction_id == f.returned["id"],
                instruction_events.c.status == "returned",
            )
        ).scalar_one()
        assert "AC04" in reasons
        unmatched = conn.execute(
            select(bank_feedback_items.c.end_to_end_id).where(
                bank_feedback_items.c.outcome == "unmatched"
            )
        ).scalars()
        assert sorted(unmatched) == ["DD-ELSEWHERE-9", "SOMEONE-ELSES-1"]
        assert check_all(conn) == []


def test_the_same_documents_again_change_nothing(released: Released) -> None:
    f = send_feedback(released)
    with released.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(ledger_postings)).scalar()
    again = [import_path(released.engine, p) for p in f.paths]
    assert [o.status for o in again] == ["unchanged"] * 3
    renamed = released.tmp_path / "renamed.xml"
    renamed.write_text(f.paths[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert import_path(released.engine, renamed).status == "unchanged"  # same MsgId
    with released.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ledger_postings)).scalar() == before
        assert conn.execute(select(func.count()).select_from(bank_documents)).scalar() == 3


def test_a_group_reject_rejects_every_payment_of_the_file(released: Released) -> None:
    path = write(
        released.tmp_path,
        "grp.xml",
        docs.pain002_group_reject("PSR-G", released.message_id, "FF01"),
    )
    outcome = import_path(released.engine, path)
    assert outcome.counts["instructions_rejected"] == len(released.instructions)
    with released.engine.connect() as conn:
        assert {status(conn, i) for i in released.instructions} == {"rejected"}
        assert check_all(conn) == []


def test_a_statement_gap_is_reported_and_signalled(released: Released) -> None:
    first = docs.camt053_02("S-1", "ST-1", 7, 0, 100, docs.other_credit("X-1", "E-1", 100))
    gap = docs.camt053_02("S-2", "ST-2", 9, 150, 250, docs.other_credit("X-2", "E-2", 100))
    import_path(released.engine, write(released.tmp_path, "s1.xml", first))
    outcome = import_path(released.engine, write(released.tmp_path, "s2.xml", gap))
    assert outcome.status == "imported" and len(outcome.problems) == 2
    with released.engine.connect() as conn:
        (detail,) = conn.execute(
            select(signals.c.detail).where(signals.c.kind == "statement_gap")
        ).scalars()
    assert "150" in detail and "9" in detail


def test_a_return_of_another_amount_is_stored_and_reported(released: Released) -> None:
    paid = released.creditor_payment("huur", "B")
    short = paid["amount_cents"] - 250
    doc = docs.camt054_02("N-1", docs.return_credit("R-1", paid["end_to_end_id"], short, "AC04"))
    outcome = import_path(released.engine, write(released.tmp_path, "n.xml", doc))
    assert outcome.counts["amount_mismatches"] == 1 and "differs" in outcome.problems[0]
    with released.engine.connect() as conn:
        assert status(conn, paid["id"]) == "returned"
        assert (
            conn.execute(
                select(bank_feedback_items.c.amount_cents).where(
                    bank_feedback_items.c.end_to_end_id == paid["end_to_end_id"]
                )
            ).scalar_one()
            == short
        )
        assert check_all(conn) == []


HOSTILE = {
    "truncated": lambda ok: ok[: len(ok) // 2],
    "wrong namespace": lambda ok: ok.replace("pain.002.001.10", "pain.002.001.99"),
    "not xml": lambda ok: "hello",
    "xxe": lambda ok: ok.replace(
        "<Document",
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document',
    ).replace("BNG-PSR-1", "&x;"),
    "billion laughs": lambda ok: ok.replace(
        "<Document", '<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Document'
    ).replace("BNG-PSR-1", "&b;"),
    "missing end-to-end id": lambda ok: ok.replace(
        "<OrgnlEndToEndId>SOMEONE-ELSES-1</OrgnlEndToEndId>", ""
    ),
    "external dtd": lambda ok: ok.replace(
        "<Document", '<!DOCTYPE Document SYSTEM "http://example.invalid/x.dtd"><Document'
    ),
    "empty": lambda ok: "",
    "not euro": lambda ok: ok.replace('Ccy="EUR"', 'Ccy="USD"'),
    "fraction of a cent": lambda ok: ok.replace(">10.00<", ">10.001<"),
    "contradicting statuses": lambda ok: ok.replace(
        "</OrgnlPmtInfAndSts>",
        "<TxInfAndSts><OrgnlEndToEndId>SOMEONE-ELSES-1</OrgnlEndToEndId><TxSts>ACCP</TxSts>"
        "</TxInfAndSts></OrgnlPmtInfAndSts>",
    ),
    "a payment file, not feedback": lambda ok: ok.replace("pain.002.001.10", "pain.001.001.09"),
    "no message id": lambda ok: ok.replace("<MsgId>BNG-PSR-1</MsgId>", ""),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_malformed_document_is_refused_and_nothing_changes(released: Released, case: str) -> None:
    ok = docs.pain002_10(
        "BNG-PSR-1",
        released.message_id,
        released.payment_info_id,
        [docs.Reject("SOMEONE-ELSES-1", "AC01", 1000)],
    )
    path = released.tmp_path / "bad.xml"
    path.write_text(HOSTILE[case](ok), encoding="utf-8")
    with released.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(instruction_events)).scalar()
    with pytest.raises(FileRejected) as refused:
        import_path(released.engine, path)
    assert refused.value.problems and all(p.file == "bad.xml" for p in refused.value.problems)
    with released.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(bank_documents)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(instruction_events)).scalar() == before


NEW_ENER_IBAN = "NL39RABO0300065264"


def resolve(engine: Engine, payment_id: Any, decision: str) -> dict[str, Any]:
    with engine.begin() as conn:
        return resolve_payment(conn, str(payment_id), decision, "Coach Smit", "gebeld", NOW)


def test_the_coach_repays_after_the_iban_is_fixed_or_pays_the_client(released: Released) -> None:
    r = released
    f = send_feedback(r)
    with pytest.raises(PaymentDecisionRefused, match="AC04"):
        resolve(r.engine, f.returned["id"], "repay")  # ENER's IBAN is the one that failed
    with pytest.raises(PaymentDecisionRefused, match="AC06"):
        resolve(r.engine, f.notified["id"], "to_client")  # B's own account is blocked
    with r.engine.begin() as conn:
        conn.execute(
            creditors.update()
            .where(creditors.c.creditor_id == f.returned["creditor_id"])
            .values(iban=NEW_ENER_IBAN)
        )
    repaid = resolve(r.engine, f.returned["id"], "repay")
    to_client = resolve(r.engine, f.rejected["id"], "to_client")
    assert repaid["payee_iban"] == NEW_ENER_IBAN
    with pytest.raises(PaymentDecisionRefused, match="decided before"):
        resolve(r.engine, f.returned["id"], "to_client")
    with pytest.raises(PaymentDecisionRefused, match="settled"):
        settled = set(r.instructions) - {f.rejected["id"], f.returned["id"], f.notified["id"]}
        resolve(r.engine, min(settled), "repay")
    with r.engine.connect() as conn:
        assert [p["payment_id"] for p in awaiting_decision(conn)] == [str(f.notified["id"])]
        assert balance(conn, accounts.returned("A")) == 0
        assert check_all(conn) == []
        open_kinds = conn.execute(
            select(signals.c.kind).where(
                signals.c.household_id == "A",
                signals.c.kind.like("payment_%"),
                signals.c.resolved_on.is_(None),
            )
        ).all()
        assert open_kinds == []
    settings = load_settings()
    with r.engine.begin() as conn:
        gather_batches(conn, date(2026, 3, 31), settings, None, NOW)
        assert release_batch(conn, 2, "M. de Vries", NOW, settings) is True
        pi = payment_instructions
        batch = conn.execute(
            select(pi.c.id, pi.c.payee_iban, pi.c.kind, pi.c.amount_cents).where(pi.c.batch_id == 2)
        ).all()
        assert sorted(batch) == sorted(
            [
                (int(repaid["new_payment_id"]), NEW_ENER_IBAN, "energie",
                 f.returned["amount_cents"]),
                (int(to_client["new_payment_id"]), "NL91ABNA0417164300", "leefgeld",
                 f.rejected["amount_cents"]),
            ]
        )  # fmt: skip
        assert check_all(conn) == []


def test_a_reject_after_the_statement_settled_the_batch_still_holds_the_money(
    released: Released,
) -> None:
    r = released
    total = sum(i["amount_cents"] for i in r.instructions.values())
    rent = r.creditor_payment("huur", "C")
    statement = docs.camt053_02(
        "S-9",
        "ST-9",
        1,
        total,
        0,
        docs.batch_debit("D-9", r.message_id, r.payment_info_id, total, len(r.instructions)),
    )
    import_path(r.engine, write(r.tmp_path, "s.xml", statement))
    report = docs.pain002_10(
        "PSR-9", r.message_id, r.payment_info_id, [docs.Reject(rent["end_to_end_id"], "AC01")]
    )
    outcome = import_path(r.engine, write(r.tmp_path, "p.xml", report))
    assert outcome.counts["instructions_rejected"] == 1
    with r.engine.connect() as conn:
        assert status(conn, rent["id"]) == "rejected"
        assert balance(conn, accounts.returned("C")) == -rent["amount_cents"]
        assert check_all(conn) == []


OCA_DATA = Path(__file__).parents[1] / "unit" / "payments" / "data"
OCA_SAMPLES = ("oca-pain002-unpaid.xml", "oca-camt054-unpaid.xml", "oca-camt053.xml")


def our_state(conn: Connection) -> tuple[Any, ...]:
    """Everything bank feedback may change about our payments."""
    pi = payment_instructions
    return (
        sorted(conn.execute(select(pi.c.id, pi.c.status)).all()),
        conn.execute(select(func.count()).select_from(ledger_postings)).scalar(),
        conn.execute(select(func.count()).select_from(instruction_events)).scalar(),
        conn.execute(select(func.count()).select_from(signals)).scalar(),
    )


def test_real_world_samples_of_someone_elses_payments_are_kept_as_unmatched(
    released: Released,
) -> None:
    """The test documents of OCA's Odoo importers (AGPL-3.0, used as test data
    with attribution; see tests/unit/payments/data/README.md for repository,
    path and commit): OCA/account-payment
    ``account_payment_return_import_iso20022/test_files/test-sepa-pain-unpaid.xml``
    and ``test-sepa-camt-unpaid.xml`` (branch 14.0), OCA/bank-statement-import
    ``account_statement_import_camt/test_files/test-camt053`` (branch 16.0).
    They are about direct debits and transfers of another organisation: stored
    and reported as unmatched, never an error, and nothing of ours changes."""
    r = released
    with r.engine.connect() as conn:
        before = our_state(conn)
    outcomes = [import_path(r.engine, OCA_DATA / name) for name in OCA_SAMPLES]
    assert [(o.status, o.kind) for o in outcomes] == [
        ("imported", "pain.002"),
        ("imported", "camt.054"),
        ("imported", "camt.053"),
    ]
    # The camt.053 has a batch debit with a reversal indicator: it settles nothing,
    # so its two transactions are kept one by one (four items, not three).
    assert [o.counts["unmatched"] for o in outcomes] == [4, 1, 4]
    assert all(o.problems == () for o in outcomes)
    with r.engine.connect() as conn:
        assert our_state(conn) == before
        bfi = bank_feedback_items
        stored = conn.execute(select(bfi.c.outcome, bfi.c.end_to_end_id)).all()
        assert {outcome for outcome, _ in stored} == {"unmatched"}
        assert sorted(e2e for _, e2e in stored if e2e) == [
            "115", "435005714488-ABNO33052620", "E2EID1", "E2EID1", "E2EID2", "E2EID3", "E2EID4",
            "TESTBANK/NL/20141229/01206407", "TESTBANK/NL/20141229/01206408",
        ]  # fmt: skip
        assert check_all(conn) == []
    again = [import_path(r.engine, OCA_DATA / name) for name in OCA_SAMPLES]
    assert [o.status for o in again] == ["unchanged"] * 3
    with r.engine.connect() as conn:
        assert our_state(conn) == before
        assert conn.execute(select(func.count()).select_from(bank_documents)).scalar() == 3


def test_the_real_world_statement_without_balances_is_refused(released: Released) -> None:
    """OCA/account-payment (branch 12.0)
    ``account_payment_return_import_iso20022/test_files/test-sepa-camt-053-unpaid.xml``
    (see tests/unit/payments/data/README.md): a camt.053 without ``Bal`` cannot
    be checked for continuity, so the use case refuses it and changes nothing."""
    r = released
    with r.engine.connect() as conn:
        before = our_state(conn)
    with pytest.raises(FileRejected) as refused:
        import_path(r.engine, OCA_DATA / "oca-camt053-unpaid-no-balances.xml")
    (problem,) = refused.value.problems
    assert problem.file == "oca-camt053-unpaid-no-balances.xml"
    assert "a statement without balances cannot be checked" in problem.message
    with r.engine.connect() as conn:
        assert our_state(conn) == before
        assert conn.execute(select(func.count()).select_from(bank_documents)).scalar() == 0


def missing_debits(engine: Engine, as_of: date) -> list[tuple[Any, ...]]:
    with engine.begin() as conn:
        raise_missing_debit_signals(conn, as_of)
    with engine.connect() as conn:
        s = signals.c
        return list(
            conn.execute(
                select(s.household_id, s.subject, s.raised_on).where(s.kind == "debit_missing")
            ).all()
        )


def test_a_batch_debit_missing_from_the_statements_is_signalled_for_finance(
    released: Released,
) -> None:
    r = released
    with r.engine.connect() as conn:
        (execution,) = conn.execute(select(batches.c.execution_date)).scalars()
    deadline = target_business_days_after(execution, 2)
    assert missing_debits(r.engine, deadline + timedelta(days=7)) == []  # no statement read yet
    unrelated = docs.camt053_02("S-1", "ST-1", 1, 0, 100, docs.other_credit("X-1", "E-1", 100))
    import_path(r.engine, write(r.tmp_path, "s1.xml", unrelated))
    assert missing_debits(r.engine, deadline) == []  # the second business day: not yet
    late = deadline + timedelta(days=1)
    assert missing_debits(r.engine, late) == [(None, f"{r.file_name} {r.payment_info_id}", late)]
    assert len(missing_debits(r.engine, late + timedelta(days=3))) == 1  # raised once


def test_a_booked_batch_debit_is_not_missing(released: Released) -> None:
    r = released
    total = sum(i["amount_cents"] for i in r.instructions.values())
    later = date(2026, 4, 30)
    statement = docs.camt053_02(
        "S-1",
        "ST-1",
        1,
        total,
        0,
        docs.batch_debit("D-1", r.message_id, r.payment_info_id, total, len(r.instructions)),
    )
    import_path(r.engine, write(r.tmp_path, "s.xml", statement))
    assert missing_debits(r.engine, later) == []


def test_a_wholly_rejected_file_has_no_debit_to_miss(released: Released) -> None:
    r = released
    import_path(
        r.engine,
        write(r.tmp_path, "g.xml", docs.pain002_group_reject("PSR-G", r.message_id, "FF01")),
    )
    unrelated = docs.camt053_02("S-1", "ST-1", 1, 0, 100, docs.other_credit("X-1", "E-1", 100))
    import_path(r.engine, write(r.tmp_path, "s1.xml", unrelated))
    assert missing_debits(r.engine, date(2026, 4, 30)) == []


def test_held_payments_show_in_the_household_overview_caseload_and_batch_summary(
    released: Released,
) -> None:
    r = released
    f = send_feedback(r)
    with r.engine.connect() as conn:
        shown = show_household(conn, "A")["payments_awaiting_decision"]
        assert [(p["payment_id"], p["status"], p["reason_code"]) for p in shown] == [
            (str(f.rejected["id"]), "rejected", "MS03"),
            (str(f.returned["id"]), "returned", "AC04"),
        ]
        assert shown[1]["reason"] == reason_for("AC04").nl
        assert show_household(conn, "C")["payments_awaiting_decision"] == []
        page = overview_html(conn, "A", MARCH[0])
        assert (
            "De betaling van uw energie (gas en stroom) kwam terug. Uw budgetcoach regelt dit."
            in page
        )
        assert "De bank kon uw huur niet betalen. Uw budgetcoach regelt dit." in page
        assert "staat zolang bij de gemeente" in page
        frame = caseload_frame(conn, MARCH[0])
        assert frame.iloc[0]["household_id"] == "A"
        counts = dict(zip(frame["household_id"], frame["problem_payments"], strict=True))
        assert counts["A"] == 2 and counts["C"] == 0
        head = batch_summary_frames(conn, 1)["batch"]
        assert (int(head["Afgeschreven"][0]), int(head["Geweigerd"][0]), int(head["Teruggekomen"][0])) == (
            len(r.instructions) - 3, 1, 2)  # fmt: skip
    resolve(r.engine, f.rejected["id"], "to_client")
    with r.engine.connect() as conn:
        assert len(show_household(conn, "A")["payments_awaiting_decision"]) == 1
        frame = caseload_frame(conn, MARCH[0])
        counts = dict(zip(frame["household_id"], frame["problem_payments"], strict=True))
        assert counts["A"] == 1  # only what still awaits a decision
        page = overview_html(conn, "A", MARCH[0])
        assert "Uw budgetcoach heeft besloten: het geld" in page


def test_the_overview_in_english_says_the_payment_came_back(released: Released) -> None:
    r = released
    send_feedback(r)
    with r.engine.begin() as conn:
        conn.execute(
            households.update().where(households.c.household_id == "A").values(language="en")
        )
    with r.engine.connect() as conn:
        page = overview_html(conn, "A", MARCH[0])
    assert (
        "The payment of your energy (gas and electricity) came back. Your budget coach is sorting it out."
        in page
    )
