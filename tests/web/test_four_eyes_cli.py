"""Four eyes on the command line: `batches approve --by` counts as one
approval bound to the file's SHA-256; two different names release; the same
name twice does not; a change of the batch lapses earlier approvals. And the
`users` commands."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from ontzorging.adapters.schema import payment_instructions
from tests.web.conftest import PASSWORD, WebHome, build_home

pytestmark = pytest.mark.postgres


@pytest.fixture
def home(tmp_path: Path, database_url: str) -> WebHome:
    """Registers and February's batch awaiting approval (approvals_required = 2)."""
    return build_home(tmp_path / "home", database_url, february_only=True)


def test_two_names_release_the_file_whose_sha256_they_approved(home: WebHome) -> None:
    shown: Any = home.json("batches", "show", "1")
    digest = shown["sha256_to_approve"]
    first: Any = home.json("batches", "approve", "1", "--by", "M. de Vries")
    assert first["status"] == "awaiting_approval" and first["approved_by"] == ["M. de Vries"]
    assert first["approved_sha256"] == digest and first["files"] == []
    twice = home.cli("batches", "approve", "1", "--by", "m. de vries ", "--yes")
    assert twice.exit_code == 1 and "already" in twice.output
    second: Any = home.json("batches", "approve", "1", "--by", "J. Jansen")
    assert second["status"] == "released"
    (name,) = second["files"]
    data = (home.root / "outbox" / "sepa" / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest == second["sha256"][name]


def test_a_change_of_the_batch_lapses_the_earlier_approval(home: WebHome) -> None:
    before: Any = home.json("batches", "show", "1")
    home.json("batches", "approve", "1", "--by", "M. de Vries")
    with home.app().engine.begin() as conn:  # the remittance of one payment changes
        conn.execute(
            update(payment_instructions)
            .where(payment_instructions.c.id == 1)
            .values(remittance="gewijzigd")
        )
    after: Any = home.json("batches", "show", "1")
    assert after["sha256_to_approve"] != before["sha256_to_approve"]
    assert after["approved_by"] == []  # lapsed
    second: Any = home.json("batches", "approve", "1", "--by", "J. Jansen")
    assert second["status"] == "awaiting_approval"  # one approval of the new file only


def test_users_add_list_disable(home: WebHome) -> None:
    added = home.cli(
        "users",
        "add",
        "jan",
        "--role",
        "coach",
        "--role",
        "finance",
        "--coach",
        "Coach Smit",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert "otpauth://totp/" in added.output
    short = home.cli("users", "add", "piet", "--role", "beheer", "--password-stdin", input="kort\n")
    assert short.exit_code == 1 and "at least 12" in short.output
    no_coach = home.cli(
        "users", "add", "kees", "--role", "coach", "--password-stdin", input=PASSWORD
    )
    assert no_coach.exit_code == 1 and "--coach" in no_coach.output
    again = home.cli("users", "add", "jan", "--role", "beheer", "--password-stdin", input=PASSWORD)
    assert again.exit_code == 1 and "exists" in again.output
    bad_role = home.cli("users", "add", "x", "--role", "admin", "--password-stdin", input=PASSWORD)
    assert bad_role.exit_code == 2
    listed = json.loads(home.cli("users", "list", "--json").stdout)
    assert [(u["name"], u["roles"], u["coach"]) for u in listed] == [
        ("jan", ["coach", "finance"], "Coach Smit")
    ]
    assert "password" not in json.dumps(listed) and "totp" not in json.dumps(listed)
    assert home.cli("users", "disable", "jan").exit_code == 0
    assert json.loads(home.cli("users", "list", "--json").stdout)[0]["disabled"] is True
    assert home.cli("users", "disable", "nobody").exit_code == 1
