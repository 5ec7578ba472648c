"""Atomic, durable writing of payment files."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from payments import files
from payments.errors import FileConflict, PaymentsError
from payments.files import clean_temp_files, sha256_of_file, write_atomically

DATA = b'<?xml version="1.0" encoding="UTF-8"?>\n<Document/>\n'


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_the_bytes_with_mode_0600_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "GEM-20260302-0001.xml"
    digest = write_atomically(target, DATA)
    assert digest == hashlib.sha256(DATA).hexdigest() == sha256_of_file(target)
    assert target.read_bytes() == DATA
    assert mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["GEM-20260302-0001.xml"]


def test_mode_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_atomically(tmp_path / "a.xml", DATA)
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.xml") == 0o600


def test_writing_the_same_bytes_again_is_a_no_op(tmp_path: Path) -> None:
    target = tmp_path / "a.xml"
    first = write_atomically(target, DATA)
    before = target.stat().st_mtime_ns
    assert write_atomically(target, DATA) == first
    assert target.stat().st_mtime_ns == before


def test_different_content_is_never_written_over(tmp_path: Path) -> None:
    target = tmp_path / "a.xml"
    write_atomically(target, DATA)
    with pytest.raises(FileConflict):
        write_atomically(target, DATA + b"<!-- changed -->")
    assert target.read_bytes() == DATA
    assert issubclass(FileConflict, PaymentsError)


def test_a_stale_temp_file_is_replaced(tmp_path: Path) -> None:
    stale = tmp_path / ".a.xml.tmp"
    stale.write_bytes(b"half a file from a crash")
    stale.chmod(0o644)
    write_atomically(tmp_path / "a.xml", DATA)
    assert not stale.exists()
    assert mode(tmp_path / "a.xml") == 0o600


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "a.xml", DATA)
    assert list(tmp_path.iterdir()) == []


def test_clean_temp_files_removes_only_our_temp_files(tmp_path: Path) -> None:
    for name in [".a.xml.tmp", ".b.xml.tmp", "c.xml", ".hidden", "d.tmp"]:
        (tmp_path / name).write_bytes(b"x")
    assert clean_temp_files(tmp_path) == (".a.xml.tmp", ".b.xml.tmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", "c.xml", "d.tmp"]
    assert clean_temp_files(tmp_path) == ()
