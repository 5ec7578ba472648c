"""Batches and pain.001 files from the engine's instructions."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, func, select

from ontzorging.adapters.schema import (
    audit_log,
    batches,
    payment_files,
    payment_instructions,
    signals,
)
from ontzorging.batches.service import (
    BatchRefused,
    BatchUnwritable,
    DeliveryConflict,
    approve_batch,
    gather_batches,
    list_batches,
    reject_batch,
    release_batch,
    write_missing_files,
)
from ontzorging.integrity.checks import check_all
from ontzorging.settings import load_settings
from payments.validate import validate_xsd
from tests.conftest import NOW
from tests.scenario import load_registers, run_months

MARCH = (date(2026, 3, 1),)


@pytest.fixture
def batched(engine: Engine, tmp_path: Path) -> Engine:
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path, MARCH)
    with engine.begin() as conn:
        gather_batches(conn, date(2026, 3, 26), load_settings(), None, NOW)
    return engine


def test_approved_batch_file_is_valid_and_equals_the_instructions(
    batched: Engine, tmp_path: Path
) -> None:
    settings = load_settings()
    outbox = tmp_path / "outbox"
    with batched.begin() as conn:
        assert release_batch(conn, 1, "M. de Vries", NOW, settings) is True
    with batched.connect() as conn:
        written = write_missing_files(conn, outbox, settings)
    assert len(written) == 1
    data = written[0].read_bytes()
    validate_xsd(data, "pain.001.001.09")
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    root = etree.fromstring(data)
    amounts = [
        round(float(a) * 100)
        for a in root.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=ns)
    ]
    e2e = root.xpath("//p:CdtTrfTxInf/p:PmtId/p:EndToEndId/text()", namespaces=ns)
    with batched.connect() as conn:
        rows = conn.execute(
            select(payment_instructions.c.end_to_end_id, payment_instructions.c.amount_cents)
            .where(payment_instructions.c.batch_id == 1)
            .order_by(payment_instructions.c.id)
        ).all()
        assert check_all(conn) == []
    assert list(e2e) == [r[0] for r in rows]
    assert amounts == [r[1] for r in rows]
    assert root.xpath("string(//p:GrpHdr/p:NbOfTxs)", namespaces=ns) == str(len(rows))
    assert round(float(root.xpath("string(//p:GrpHdr/p:CtrlSum)", namespaces=ns)) * 100) == sum(
        amounts
    )
    assert b"100000009" not in data


def test_approving_twice_or_rerendering_gives_no_second_file(
    batched: Engine, tmp_path: Path
) -> None:
    settings = load_settings()
    outbox = tmp_path / "outbox"
    with batched.begin() as conn:
        release_batch(conn, 1, "M. de Vries", NOW, settings)
    with batched.connect() as conn:
        first = write_missing_files(conn, outbox, settings)[0]
    content = first.read_bytes()
    # A crash after the commit, before the file was written: no file, no SHA-256.
    first.unlink()
    with batched.begin() as conn:
        conn.execute(payment_files.update().values(sha256=None))
    with batched.begin() as conn:
        assert release_batch(conn, 1, "someone else", NOW, settings) is False
    with batched.connect() as conn:
        again = write_missing_files(conn, outbox, settings)
        assert write_missing_files(conn, outbox, settings) == []
        gather_batches(conn, date(2026, 3, 27), settings, None, NOW)
        assert len(list_batches(conn)) == 1
    assert again == [first] and first.read_bytes() == content


def test_batches_list_names_only_files_that_were_written(batched: Engine, tmp_path: Path) -> None:
    """A file is listed once its writing is recorded; a file recorded at
    approval but not yet written (a crash between the two) is pending."""
    settings = load_settings()
    outbox = tmp_path / "outbox" / "sepa"
    with batched.begin() as conn:
        (awaiting,) = list_batches(conn)
        release_batch(conn, 1, "M. de Vries", NOW, settings)
        (unwritten,) = list_batches(conn)
    with batched.connect() as conn:  # files are written for a committed release only
        write_missing_files(conn, outbox, settings)
        (released,) = list_batches(conn)
    assert awaiting["status"] == "awaiting_approval"
    assert (awaiting["files"], awaiting["sha256"], awaiting["files_pending"]) == ([], {}, [])
    assert unwritten["files"] == [] and unwritten["sha256"] == {}
    assert unwritten["files_pending"] == ["pain001-20260326-B1-1.xml"]
    assert released["files"] == unwritten["files_pending"] and released["files_pending"] == []
    for name in released["files"]:
        data = (outbox / name).read_bytes()
        assert released["sha256"][name] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("rebatch", [False, True])
def test_rejected_batch_pays_nothing(batched: Engine, rebatch: bool) -> None:
    with batched.begin() as conn:
        count = reject_batch(conn, 1, "M. de Vries", "verkeerde IBAN", NOW, rebatch=rebatch)
        assert count > 0
        with pytest.raises(BatchRefused):
            release_batch(conn, 1, "M. de Vries", NOW, load_settings())
        statuses = set(conn.execute(select(payment_instructions.c.status)).scalars())
        assert statuses == ({"pending"} if rebatch else {"cancelled"})
        assert check_all(conn) == []
        gather_batches(conn, date(2026, 3, 27), load_settings(), None, NOW)
        batched_again = conn.execute(
            select(func.count())
            .select_from(payment_instructions)
            .where(payment_instructions.c.batch_id == 2)
        ).scalar()
    assert batched_again == (count if rebatch else 0)


@pytest.mark.parametrize("version", ["pain.001.001.09", "pain.001.001.03"])
def test_every_file_of_a_split_batch_is_valid_and_adds_up(
    engine: Engine, tmp_path: Path, version: str
) -> None:
    """Files split at the configured maximum; each file valid against its XSD,
    read back independently; structured references for a betalingskenmerk
    (issuer CUR) and an RF reference (ISO), free text otherwise."""
    base = load_settings()
    settings = replace(base, sepa=replace(base.sepa, version=version, max_transactions_per_file=7))
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path, MARCH, settings)
    with engine.begin() as conn:
        gather_batches(conn, date(2026, 3, 26), settings, None, NOW)
        release_batch(conn, 1, "M. de Vries", NOW, settings)
    with engine.connect() as conn:
        written = write_missing_files(conn, tmp_path / "outbox", settings)
        expected = {
            r.end_to_end_id: (r.amount_cents, r.reference_kind, r.reference)
            for r in conn.execute(
                select(payment_instructions).where(payment_instructions.c.batch_id == 1)
            )
        }
    assert len(written) == -(-len(expected) // 7) > 1
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    seen: dict[str, tuple[int, str, str]] = {}
    for path in written:
        data = path.read_bytes()
        validate_xsd(data, version)  # type: ignore[arg-type]
        root = etree.fromstring(data)
        txs = root.xpath("//p:CdtTrfTxInf", namespaces=ns)
        assert 1 <= len(txs) <= 7
        group_sum = root.xpath("string(//p:GrpHdr/p:CtrlSum)", namespaces=ns)
        info_sum = root.xpath("string(//p:PmtInf/p:CtrlSum)", namespaces=ns)
        for tx in txs:
            e2e = tx.xpath("string(p:PmtId/p:EndToEndId)", namespaces=ns)
            cents = round(float(tx.xpath("string(p:Amt/p:InstdAmt)", namespaces=ns)) * 100)
            issuer = tx.xpath("string(p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:Issr)", namespaces=ns)
            ref = tx.xpath("string(p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref)", namespaces=ns)
            ustrd = tx.xpath("string(p:RmtInf/p:Ustrd)", namespaces=ns)
            kind = {"CUR": "betalingskenmerk", "ISO": "rf", "": "free"}[issuer]
            seen[e2e] = (cents, kind, ref if issuer else expected[e2e][2])
            assert bool(issuer) != bool(ustrd), "never both structured and free remittance"
            if not issuer:
                assert expected[e2e][2] in ustrd  # the customer number reaches the creditor
        total = sum(seen[tx.xpath("string(p:PmtId/p:EndToEndId)", namespaces=ns)][0] for tx in txs)
        assert round(float(group_sum) * 100) == round(float(info_sum) * 100) == total
    assert seen == expected
    kinds = {kind for _, kind, _ in seen.values()}
    assert kinds == {"betalingskenmerk", "rf", "free"}


def test_quarterly_reserve_is_paid_out_of_the_reserve(engine: Engine, tmp_path: Path) -> None:
    """F's water: 22,00 reserved in February, March and April, the whole 66,00
    paid from the reserve in April; after release the reserve is empty."""
    from ledger.accounts import reserve
    from ledger.store import balances

    settings = load_settings()
    load_registers(engine, tmp_path)
    for number, month in enumerate((date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)), 1):
        run_months(engine, tmp_path, (month,), settings)
        with engine.begin() as conn:
            gather_batches(conn, month.replace(day=26), settings, None, NOW)
            held_before = balances(conn, ["F"])[reserve("F", "F3")]
            release_batch(conn, number, "M. de Vries", NOW, settings)
            assert check_all(conn) == []
        assert held_before == 2200 * number
    with engine.connect() as conn:
        assert balances(conn, ["F"])[reserve("F", "F3")] == 0
        water = conn.execute(
            select(
                payment_instructions.c.amount_cents, payment_instructions.c.source_account
            ).where(payment_instructions.c.obligation_id == "F3")
        ).all()
    assert water == [(6600, reserve("F", "F3"))]


def test_a_file_finance_moved_away_is_never_written_again(batched: Engine, tmp_path: Path) -> None:
    settings = load_settings()
    outbox = tmp_path / "outbox"
    with batched.begin() as conn:
        release_batch(conn, 1, "M. de Vries", NOW, settings)
    with batched.connect() as conn:
        first = write_missing_files(conn, outbox, settings)[0]
    first.rename(tmp_path / first.name)  # imported into the bank and archived
    with batched.connect() as conn:
        assert write_missing_files(conn, outbox, settings) == []
    assert list(outbox.iterdir()) == []


def _released_and_written(engine: Engine, tmp_path: Path) -> Path:
    settings = load_settings()
    with engine.begin() as conn:
        release_batch(conn, 1, "M. de Vries", NOW, settings)
    with engine.connect() as conn:
        return write_missing_files(conn, tmp_path / "outbox", settings)[0]


def test_a_file_in_the_outbox_whose_record_was_lost_is_recorded_not_rewritten(
    batched: Engine, tmp_path: Path
) -> None:
    """A crash between the rename and the record: the file is there, whole."""
    path = _released_and_written(batched, tmp_path)
    with batched.begin() as conn:
        digest = conn.execute(select(payment_files.c.sha256)).scalar_one()
        conn.execute(payment_files.update().values(sha256=None))
    before = path.stat()
    with batched.connect() as conn:
        assert write_missing_files(conn, tmp_path / "outbox", load_settings()) == [path]
        assert conn.execute(select(payment_files.c.sha256)).scalar_one() == digest
        actions = list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert actions[-2:] == ["file_written", "file_found_written"]


def test_another_file_under_a_released_name_is_never_overwritten(
    batched: Engine, tmp_path: Path
) -> None:
    path = _released_and_written(batched, tmp_path)
    with batched.begin() as conn:
        conn.execute(payment_files.update().values(sha256=None))
    path.write_bytes(b"<Document>someone else's payments</Document>")
    with batched.connect() as conn, pytest.raises(DeliveryConflict, match=path.name):
        write_missing_files(conn, tmp_path / "outbox", load_settings())
    assert path.read_bytes() == b"<Document>someone else's payments</Document>"
    with batched.connect() as conn:
        assert conn.execute(select(payment_files.c.sha256)).scalar_one() is None


def test_no_file_is_written_for_a_release_that_is_not_committed(
    batched: Engine, tmp_path: Path
) -> None:
    settings = load_settings()
    with batched.begin() as conn:
        release_batch(conn, 1, "M. de Vries", NOW, settings)
        with pytest.raises(RuntimeError, match="not committed"):
            write_missing_files(conn, tmp_path / "outbox", settings)
    assert list((tmp_path / "outbox").iterdir()) == []


EMOJI_ONLY = "\U0001f600 \U0001f389"  # nothing of it has a Latin form
CONTROL_ONLY = "\x01\x02\x07"


def _unwritable_payee(engine: Engine, name: str) -> tuple[int, str, int]:
    """Give one instruction of batch 1 a payee name no pain.001 file can carry."""
    pi = payment_instructions
    with engine.begin() as conn:
        bad_id, e2e, cents = conn.execute(
            select(pi.c.id, pi.c.end_to_end_id, pi.c.amount_cents)
            .where(pi.c.batch_id == 1, pi.c.creditor_id.is_not(None))
            .order_by(pi.c.id)
            .limit(1)
        ).one()
        conn.execute(pi.update().where(pi.c.id == bad_id).values(payee_name=name))
    return bad_id, e2e, cents


@pytest.mark.parametrize("name", [EMOJI_ONLY, CONTROL_ONLY])
def test_a_payment_that_cannot_be_written_is_taken_out_and_nothing_released(
    batched: Engine, tmp_path: Path, name: str
) -> None:
    settings = load_settings()
    bad_id, e2e, cents = _unwritable_payee(batched, name)
    with batched.connect() as conn:
        count, total = conn.execute(select(batches.c.count, batches.c.total_cents)).one()
    with pytest.raises(BatchUnwritable) as refused:
        approve_batch(batched, 1, "M. de Vries", NOW, settings)
    message = str(refused.value)
    assert f"instruction {bad_id} (EndToEndId {e2e}" in message and "name" in message
    assert "100000009" not in message  # never a BSN
    assert [u.instruction_id for u in refused.value.instructions] == [bad_id]
    pi = payment_instructions
    with batched.connect() as conn:
        assert conn.execute(select(func.count()).select_from(payment_files)).scalar() == 0
        batch = conn.execute(select(batches)).mappings().one()
        bad = conn.execute(select(pi).where(pi.c.id == bad_id)).mappings().one()
        statuses = set(conn.execute(select(pi.c.status).where(pi.c.batch_id == 1)).scalars())
        kinds = list(conn.execute(select(signals.c.kind, signals.c.subject)))
        assert check_all(conn) == []
    assert batch["status"] == "awaiting_approval"
    assert (batch["count"], batch["total_cents"]) == (count - 1, total - cents)
    assert (bad["status"], bad["batch_id"]) == ("cancelled", None)
    assert statuses == {"pending"}
    assert ("payment_cancelled", f"instruction {bad_id}") in kinds
    # The approver looks again and approves the rest: one file, without it.
    assert approve_batch(batched, 1, "M. de Vries", NOW, settings) is True
    with batched.connect() as conn:
        written = write_missing_files(conn, tmp_path / "outbox", settings)
        assert check_all(conn) == []
    data = b"".join(p.read_bytes() for p in written)
    assert f"<EndToEndId>{e2e}<".encode() not in data and data.count(b"<EndToEndId>") == count - 1


def test_a_file_fault_of_no_payment_releases_nothing_and_takes_nothing_out(
    batched: Engine,
) -> None:
    base = load_settings()
    wrong = replace(base.municipality, iban="NL00BANK0123456789")
    with pytest.raises(BatchUnwritable, match="IBAN") as refused:
        approve_batch(batched, 1, "M. de Vries", NOW, replace(base, municipality=wrong))
    assert refused.value.instructions == () and refused.value.problems
    with batched.connect() as conn:
        statuses = set(conn.execute(select(payment_instructions.c.status)).scalars())
        assert conn.execute(select(batches.c.status)).scalar_one() == "awaiting_approval"
    assert statuses == {"pending"}


def test_without_approval_the_unwritable_payment_is_taken_out_and_the_rest_released(
    engine: Engine, tmp_path: Path
) -> None:
    base = load_settings()
    settings = replace(base, sepa=replace(base.sepa, require_approval=False))
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path, MARCH, settings)
    pi = payment_instructions
    with engine.begin() as conn:
        bad_id = conn.execute(select(func.min(pi.c.id)).where(pi.c.creditor_id.is_not(None)))
        bad_id = bad_id.scalar_one()
        conn.execute(pi.update().where(pi.c.id == bad_id).values(payee_name=EMOJI_ONLY))
        counts = gather_batches(conn, date(2026, 3, 26), settings, None, NOW)
        assert check_all(conn) == []
        statuses = dict(conn.execute(select(pi.c.id, pi.c.status)).all())
    assert counts["instructions_taken_out"] == 1 and counts["batches_released"] == 1
    assert statuses.pop(bad_id) == "cancelled" and set(statuses.values()) == {"released"}
