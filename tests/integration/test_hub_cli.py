"""``pos-hub`` as an operator runs it: real processes on a SQLite file.

Exit 0 on success, 2 on bad usage or a value the hub refuses, 1 on failure, with one
line on stderr.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cloud_hub.store.schema import head_revision

CODE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$", re.M)


class PosHub:
    """Runs ``pos-hub`` in a subprocess on one SQLite file."""

    def __init__(self, database: Path, cwd: Path) -> None:
        self.database, self.cwd = database, cwd

    def __call__(self, *args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cloud_hub.cli", "--database-url",
             f"sqlite:///{self.database}", *args],
            capture_output=True, text=True, cwd=self.cwd, timeout=60,
            preexec_fn=None if umask is None else (lambda: os.umask(umask) and None),
        )  # fmt: skip


@pytest.fixture
def pos_hub(tmp_path):
    """``pos-hub`` on a database file that does not exist yet."""
    return PosHub(tmp_path / "db" / "hub.sqlite3", tmp_path)


@pytest.fixture(scope="module")
def acme_template(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("template")
    run = PosHub(where / "hub.sqlite3", where)
    run("tenant", "create", "acme", "--name", "Acme")
    run("outlet", "create", "--tenant", "acme", "NBO1", "--name", "N", "--timezone", "UTC")
    return run.database


@pytest.fixture
def acme_hub(tmp_path, acme_template):
    """``pos-hub`` on a copy of a database with tenant ``acme`` and outlet ``NBO1``."""
    shutil.copy(acme_template, tmp_path / "hub.sqlite3")
    return PosHub(tmp_path / "hub.sqlite3", tmp_path)


def epoch(database) -> str:
    with sqlite3.connect(database) as conn:
        return str(conn.execute("SELECT value FROM hub_meta WHERE key = 'epoch'").fetchone()[0])


def assert_one_line_failure(result, code: int, *words: str) -> None:
    assert result.returncode == code, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("pos-hub: ")
    for word in words:
        assert word in result.stderr


def test_migrate_creates_the_database_with_an_epoch(pos_hub) -> None:
    first = pos_hub("migrate")
    again = pos_hub("migrate")

    assert (first.returncode, again.returncode) == (0, 0)
    assert f"revision {head_revision()}" in again.stdout
    assert re.fullmatch(r"[0-9a-f]{32}", epoch(pos_hub.database))


def test_an_operator_sets_up_a_tenant_an_outlet_and_an_enrollment_code(pos_hub) -> None:
    tenant = pos_hub("tenant", "create", "acme", "--name", "Acme Ltd", "--currency", "UGX")
    outlet = pos_hub(
        "outlet", "create", "--tenant", "acme", "KLA1", "--name", "Kampala",
        "--timezone", "Africa/Kampala",
    )  # fmt: skip
    code = pos_hub("enroll-code", "--tenant", "acme", "--outlet", "KLA1", "--device", "D02")

    assert tenant.returncode == outlet.returncode == code.returncode == 0
    assert re.search(r"admin token \(shown once\): \S{40,}", tenant.stdout)
    assert "KLA1 (Africa/Kampala, UGX)" in outlet.stdout
    assert CODE.search(code.stdout)
    assert "KLA1-D02" in code.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("tenant", "create", "Bad Slug", "--name", "x"), ("slug",)),
        (("tenant", "create", "ok", "--name", "x", "--currency", "shillings"), ("currency",)),
        (("outlet", "create", "--tenant", "acme", "HUB", "--name", "x", "--timezone", "UTC"),
         ("reserved",)),
        (("outlet", "create", "--tenant", "acme", "X1", "--name", "x", "--timezone", "Mars/Base"),
         ("time zone",)),
        (("enroll-code", "--tenant", "acme", "--outlet", "NBO1", "--device", "d-2"),
         ("device code",)),
        (("enroll-code", "--tenant", "acme", "--outlet", "NBO1", "--device", "D2",
          "--expires-hours", "0"), ("hours",)),
        (("serve", "--port", "70000"), ("out of range",)),
        (("serve", "--workers", "2"), ("needs PostgreSQL", "SQLite")),
        (("serve", "--workers", "0"), ("--workers",)),
        (("token", "create", "--tenant", "acme", "--name", "x", "--expires-days", "0"),
         ("days",)),
        (("token", "create", "--operator", "--name", "", "--expires-days", "5"),
         ("token name",)),
    ],
)  # fmt: skip
def test_a_value_the_hub_refuses_is_bad_usage(acme_hub, args, words) -> None:
    result = acme_hub(*args)

    assert_one_line_failure(result, 2, *words)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("tenant", "create", "acme", "--name", "Again"), ("exists",)),
        (("outlet", "create", "--tenant", "nobody", "X1", "--name", "x", "--timezone", "UTC"),
         ("tenant", "nobody")),
        (("enroll-code", "--tenant", "acme", "--outlet", "NOPE", "--device", "D2"),
         ("outlet", "NOPE")),
        (("worker",), ("not available",)),
        (("token", "create", "--tenant", "nobody", "--name", "x"), ("tenant", "nobody")),
        (("token", "revoke", "0193a6d4-0000-7000-8000-000000000000"), ("admin token",)),
    ],
)  # fmt: skip
def test_a_failure_exits_1_with_one_line(acme_hub, args, words) -> None:
    result = acme_hub(*args)

    assert_one_line_failure(result, 1, *words)


def test_an_unreachable_database_fails_with_one_line(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cloud_hub.cli", "--database-url",
         "postgresql://nobody@127.0.0.1:1/none", "migrate"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert_one_line_failure(result, 1, "database")


def test_a_lost_admin_token_is_replaced_by_a_new_one(acme_hub) -> None:
    result = acme_hub("tenant", "token", "acme", "--name", "night manager")

    with sqlite3.connect(acme_hub.database) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM admin_credentials")]
    assert result.returncode == 0
    assert re.search(r"admin token for acme \(shown once\): \S{40,}", result.stdout)
    assert sorted(names) == ["first admin", "night manager"]


def test_admin_tokens_are_created_listed_without_secrets_and_revoked(acme_hub) -> None:
    created = acme_hub("token", "create", "--tenant", "acme", "--name", "night manager")
    operator = acme_hub("token", "create", "--operator", "--name", "ops", "--expires-days", "7")
    token_id = re.search(r"admin token (\S+) for tenant acme, expires \d{4}-", created.stdout)
    secret = re.search(r"token \(shown once\): (\S{40,})", created.stdout)
    assert token_id is not None, created
    assert secret is not None, created

    revoked = acme_hub("token", "revoke", token_id.group(1))
    again = acme_hub("token", "revoke", token_id.group(1))
    listing = acme_hub("token", "list")
    acme_only = acme_hub("token", "list", "--tenant", "acme")

    assert [r.returncode for r in (created, operator, revoked, again, listing)] == [0] * 5
    assert "for the hub operator" in operator.stdout
    assert revoked.stdout == again.stdout, "revoking twice keeps the first revocation"
    lines = listing.stdout.splitlines()
    assert len(lines) == 3
    assert secret.group(1) not in listing.stdout
    assert hashlib.sha256(secret.group(1).encode()).hexdigest() not in listing.stdout
    assert any(token_id.group(1) in line and "revoked" in line for line in lines)
    assert any("operator" in line and "active" in line for line in lines)
    assert len(acme_only.stdout.splitlines()) == 2


def test_restore_mark_starts_a_new_epoch(pos_hub) -> None:
    pos_hub("migrate")
    before = epoch(pos_hub.database)

    result = pos_hub("restore-mark")

    assert result.returncode == 0
    assert epoch(pos_hub.database) != before
    assert epoch(pos_hub.database) in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("serve",),
        ("migrate",),
        ("worker",),
        ("restore-mark",),
        ("tenant",),
        ("tenant", "create"),
        ("tenant", "token"),
        ("outlet",),
        ("outlet", "create"),
        ("enroll-code",),
        ("token",),
        ("token", "create"),
        ("token", "list"),
        ("token", "revoke"),
    ],
)
def test_every_command_has_help(pos_hub, command) -> None:
    result = pos_hub(*command, "--help")

    assert result.returncode == 0
    assert result.stdout.startswith("usage: pos-hub")


def test_a_missing_argument_is_bad_usage(pos_hub) -> None:
    result = pos_hub("enroll-code", "--tenant", "acme")

    assert result.returncode == 2
    assert "required" in result.stderr


def test_the_hub_creates_its_sqlite_files_for_its_owner_alone(pos_hub) -> None:
    migrated = pos_hub("migrate")
    pos_hub("tenant", "create", "acme", "--name", "Acme")

    files = sorted(pos_hub.database.parent.iterdir())
    modes = {path.name: path.stat().st_mode & 0o777 for path in files}
    assert migrated.returncode == 0, migrated.stderr
    assert pos_hub.database.parent.stat().st_mode & 0o777 == 0o700
    assert modes["hub.sqlite3"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes


def test_the_hub_can_write_its_files_whatever_the_operators_umask(pos_hub) -> None:
    migrated = pos_hub("migrate", umask=0o277)
    created = pos_hub("tenant", "create", "acme", "--name", "Acme", umask=0o277)

    assert migrated.returncode == 0, migrated.stderr
    assert created.returncode == 0, created.stderr
    assert pos_hub.database.parent.stat().st_mode & 0o777 == 0o700
    assert pos_hub.database.stat().st_mode & 0o777 == 0o600
