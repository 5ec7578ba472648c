"""The SHA-256 shown before approval is the SHA-256 of the file approval
writes: every value of the file is fixed when the batch is gathered, so the
rendering is a function of stored data (DOMAIN R6, issue 13)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ontzorging.adapters.schema import batches, payment_files, payment_instructions
from ontzorging.batches.service import (
    BatchRefused,
    DigestMismatch,
    Unwritable,
    approval_digest,
    approve_batch,
    combined_sha256,
    gather_batches,
    reject_batch,
    release_batch,
    take_out_unwritable,
    write_missing_files,
)
from ontzorging.integrity.checks import check_all
from ontzorging.settings import Settings, load_settings
from payments.validate import validate_xsd
from tests.conftest import NOW
from tests.scenario import load_registers, run_months

MARCH = (date(2026, 3, 1),)
LATER = NOW + timedelta(days=2, hours=5, minutes=7)  # approval comes later than review


def _sepa(settings: Settings, **changes: object) -> Settings:
    return replace(settings, sepa=replace(settings.sepa, **changes))


def _pending(engine: Engine, tmp_path: Path) -> int:
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path, MARCH)
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(payment_instructions.c.status == "pending")
            ).scalar_one()
        )


def _gather(engine: Engine, settings: Settings) -> None:
    with engine.begin() as conn:
        gather_batches(conn, date(2026, 3, 26), settings, None, NOW)


def _outbox_files(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*.xml")) if outbox.exists() else []


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
@pytest.mark.parametrize("files", [1, 3])
def test_the_digest_shown_before_approval_is_that_of_the_files_written(
    engine: Engine, tmp_path: Path, version: str, files: int
) -> None:
    count = _pending(engine, tmp_path)
    per_file = -(-count // files)  # ceil: exactly `files` files
    assert count >= 3 and -(-count // per_file) == files
    gathered = _sepa(load_settings(), version=version, max_transactions_per_file=per_file)
    _gather(engine, gathered)
    with engine.connect() as conn:
        shown = approval_digest(conn, 1, gathered)
        assert approval_digest(conn, 1, gathered) == shown  # rendering again: same bytes
    assert len(shown.files) == files and shown.sha256 is not None
    assert sum(f.count for f in shown.files) == count
    # Approved days later, after the settings moved on: the batch keeps what it was gathered with.
    approving = _sepa(
        load_settings(),
        version="pain.001.001.03" if version.endswith("09") else "pain.001.001.09",
        max_transactions_per_file=count + 1,
    )
    with engine.begin() as conn:
        assert release_batch(conn, 1, "M. de Vries", LATER, approving, expected_sha256=shown.sha256)
    outbox = tmp_path / "outbox"
    with engine.connect() as conn:
        written = write_missing_files(conn, outbox, approving)
        recorded = list(
            conn.execute(
                select(payment_files.c.file_name, payment_files.c.sha256).order_by(
                    payment_files.c.sequence
                )
            )
        )
        assert check_all(conn) == []
    assert [p.name for p in written] == [f.file_name for f in shown.files]
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in written]
    assert digests == [f.sha256 for f in shown.files]
    assert [tuple(r) for r in recorded] == [(f.file_name, f.sha256) for f in shown.files]
    assert combined_sha256(digests) == shown.sha256
    for path in written:
        validate_xsd(path.read_bytes(), version)


def test_the_batch_digest_is_defined_as_documented() -> None:
    one, two = "a" * 64, "b" * 64
    assert combined_sha256([one]) == one  # one file: the file's own SHA-256
    expected = hashlib.sha256(f"{one}\n{two}\n".encode()).hexdigest()
    assert combined_sha256([one, two]) == expected
    assert combined_sha256([two, one]) != expected  # the order of the files counts


def test_a_payment_taken_out_changes_the_digest_and_a_stale_digest_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    _pending(engine, tmp_path)
    settings = load_settings()
    _gather(engine, settings)
    pi = payment_instructions
    with engine.connect() as conn:
        reviewed = approval_digest(conn, 1, settings)
        one = conn.execute(select(pi).where(pi.c.batch_id == 1).limit(1)).mappings().one()
    with engine.begin() as conn:
        gone = Unwritable(one["id"], one["end_to_end_id"], one["kind"], one["creditor_id"], ("x",))
        assert take_out_unwritable(conn, 1, [gone], "M. de Vries", NOW) > 0
    with engine.connect() as conn:
        now_shown = approval_digest(conn, 1, settings)
    assert now_shown.sha256 != reviewed.sha256
    assert reviewed.sha256 is not None
    with pytest.raises(DigestMismatch, match="nothing was written") as refused:
        approve_batch(engine, 1, "M. de Vries", LATER, settings, expected_sha256=reviewed.sha256)
    assert reviewed.sha256 in str(refused.value) and str(now_shown.sha256) in str(refused.value)
    outbox = tmp_path / "outbox"
    with engine.connect() as conn:
        assert write_missing_files(conn, outbox, settings) == []
        assert conn.execute(select(func.count()).select_from(payment_files)).scalar() == 0
        assert conn.execute(select(batches.c.status)).scalar_one() == "awaiting_approval"
        assert set(conn.execute(select(pi.c.status).where(pi.c.batch_id == 1)).scalars()) == {
            "pending"
        }
    assert _outbox_files(outbox) == []
    # Approving what is shown now releases exactly that.
    assert approve_batch(
        engine, 1, "M. de Vries", LATER, settings, expected_sha256=now_shown.sha256.upper()
    )
    with engine.connect() as conn:
        (path,) = write_missing_files(conn, outbox, settings)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == now_shown.sha256


def test_a_rebatched_payment_makes_another_digest(engine: Engine, tmp_path: Path) -> None:
    _pending(engine, tmp_path)
    settings = load_settings()
    _gather(engine, settings)
    with engine.connect() as conn:
        first = approval_digest(conn, 1, settings)
    with engine.begin() as conn:
        reject_batch(conn, 1, "M. de Vries", "IBAN controleren", NOW, rebatch=True)
    _gather(engine, settings)
    with engine.connect() as conn:
        again = approval_digest(conn, 2, settings)
        with pytest.raises(BatchRefused, match="rejected"):
            approval_digest(conn, 1, settings)
    assert again.sha256 != first.sha256
    with pytest.raises(DigestMismatch):
        approve_batch(engine, 2, "M. de Vries", LATER, settings, expected_sha256=first.sha256)


def test_other_debtor_settings_at_approval_refuse_the_reviewed_digest(
    engine: Engine, tmp_path: Path
) -> None:
    """The debtor (the municipality's name and account) comes from the
    settings: changed between review and approval, the digest tells."""
    _pending(engine, tmp_path)
    settings = load_settings()
    _gather(engine, settings)
    with engine.connect() as conn:
        reviewed = approval_digest(conn, 1, settings)
    renamed = replace(settings, municipality=replace(settings.municipality, name="Gemeente X"))
    with pytest.raises(DigestMismatch):
        approve_batch(engine, 1, "M. de Vries", LATER, renamed, expected_sha256=reviewed.sha256)


def test_a_released_batchs_files_are_never_rewritten(engine: Engine, tmp_path: Path) -> None:
    _pending(engine, tmp_path)
    settings = load_settings()
    _gather(engine, settings)
    with engine.connect() as conn:
        reviewed = approval_digest(conn, 1, settings)
    assert approve_batch(engine, 1, "M. de Vries", NOW, settings, expected_sha256=reviewed.sha256)
    outbox = tmp_path / "outbox"
    with engine.connect() as conn:
        (path,) = write_missing_files(conn, outbox, settings)
    written = path.read_bytes()
    path.write_bytes(b"moved on by finance")  # what is in the outbox is left alone
    later = _sepa(settings, version="pain.001.001.03", max_transactions_per_file=1)
    assert approve_batch(engine, 1, "M. K.", LATER, later, expected_sha256="0" * 64) is False
    with engine.connect() as conn:
        assert write_missing_files(conn, outbox, later) == []
        with pytest.raises(BatchRefused, match="released"):
            approval_digest(conn, 1, later)
        (recorded,) = conn.execute(select(payment_files.c.sha256)).scalars()
    assert path.read_bytes() == b"moved on by finance"
    path.unlink()
    with engine.connect() as conn:
        assert write_missing_files(conn, outbox, settings) == []
    assert not path.exists() and recorded == hashlib.sha256(written).hexdigest()


def test_a_batch_gathered_before_migration_0005_still_writes_what_was_shown(
    engine: Engine, tmp_path: Path
) -> None:
    """Its file values are NULL: its created_at and the settings stand in,
    the same at review and at approval."""
    _pending(engine, tmp_path)
    settings = load_settings()
    _gather(engine, settings)
    with engine.begin() as conn:
        conn.execute(
            batches.update().values(file_created_at=None, pain_version=None, max_per_file=None)
        )
    with engine.connect() as conn:
        shown = approval_digest(conn, 1, settings)
    assert approve_batch(engine, 1, "M. de Vries", LATER, settings, expected_sha256=shown.sha256)
    with engine.connect() as conn:
        (path,) = write_missing_files(conn, tmp_path / "outbox", settings)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == shown.sha256
