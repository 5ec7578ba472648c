"""The one atomic writer of reports, overviews and PDFs (ontzorging.adapters.files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontzorging.adapters.files import replacing, write_bytes_atomically, write_text_atomically


def test_a_file_is_replaced_whole_and_no_temporary_is_left(tmp_path: Path) -> None:
    target = tmp_path / "overview.html"
    target.write_text("old", encoding="utf-8")
    write_text_atomically(target, "nieuw ✓")
    assert target.read_text(encoding="utf-8") == "nieuw ✓"
    write_bytes_atomically(target, b"%PDF-1.7")
    assert target.read_bytes() == b"%PDF-1.7"
    assert [p.name for p in tmp_path.iterdir()] == ["overview.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "caseload.xlsx"
    target.write_bytes(b"the approved one")
    with pytest.raises(RuntimeError), replacing(target, ".xlsx") as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full halfway")
    assert target.read_bytes() == b"the approved one"
    assert [p.name for p in tmp_path.iterdir()] == ["caseload.xlsx"]


def test_the_temporary_keeps_the_extension_a_writer_needs(tmp_path: Path) -> None:
    with replacing(tmp_path / "summary.xlsx", ".xlsx") as temporary:
        assert temporary.suffix == ".xlsx" and temporary.parent == tmp_path
        assert temporary.name.startswith(".")
        temporary.write_bytes(b"x")
    assert (tmp_path / "summary.xlsx").read_bytes() == b"x"
