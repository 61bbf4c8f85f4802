"""The device's secrets on disk are owner-only whatever the umask, and ``serve`` refuses
a data directory whose secrets others may read. Real ``pos-agent`` processes, run under
``umask 000`` (the widest a misconfigured service could have)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.processes import AGENT_ENV, AgentProcess, free_port


def pos_agent(data_dir: Path, *args: str, umask: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge_agent.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **AGENT_ENV},
        timeout=60,
        preexec_fn=lambda: os.umask(umask),
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_serve_and_backup_make_owner_only_files_under_a_wide_umask(tmp_path) -> None:
    data_dir = tmp_path / "till"
    assert pos_agent(data_dir, "init", "--demo").returncode == 0
    agent = AgentProcess(data_dir, free_port())
    old = os.umask(0)
    try:
        agent.start()  # the child inherits umask 000
    finally:
        os.umask(old)
    try:
        running = {
            name: mode(data_dir / name)
            for name in ("agent.sqlite3-wal", "agent.sqlite3-shm", "service.token")
        }
    finally:
        agent.stop()
    backed_up = pos_agent(data_dir, "backup")

    assert mode(data_dir) == 0o700
    assert mode(data_dir / "agent.sqlite3") == 0o600
    assert running == dict.fromkeys(running, 0o600)
    assert backed_up.returncode == 0, backed_up.stderr
    [backup] = (data_dir / "backups").iterdir()
    assert (mode(data_dir / "backups"), mode(backup)) == (0o700, 0o600)


def test_the_credential_fallback_file_is_owner_only_under_a_wide_umask(tmp_path) -> None:
    script = (
        "import os, sys; from pathlib import Path; from keyring.backends import null;"
        "from edge_agent.sync.credentials import CredentialStore;"
        "os.umask(0); CredentialStore(Path(sys.argv[1]), backend=null.Keyring(),"
        " warn=lambda _: None).save('d', 'secret')"
    )

    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "till")], timeout=60)

    assert done.returncode == 0
    assert mode(tmp_path / "till" / "credential") == 0o600
    assert mode(tmp_path / "till") == 0o700


def test_serve_refuses_a_database_others_can_read_naming_the_file_and_the_fix(tmp_path) -> None:
    data_dir = tmp_path / "till"
    assert pos_agent(data_dir, "init", "--demo").returncode == 0
    database = data_dir / "agent.sqlite3"
    database.chmod(0o644)

    refused = pos_agent(data_dir, "serve", "--port", str(free_port()))

    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert str(database) in refused.stderr
    assert f"chmod 600 {database}" in refused.stderr
    assert mode(database) == 0o644


def test_serve_refuses_a_data_directory_others_can_enter(tmp_path) -> None:
    data_dir = tmp_path / "till"
    assert pos_agent(data_dir, "init", "--demo").returncode == 0
    data_dir.chmod(0o755)

    refused = pos_agent(data_dir, "serve", "--port", str(free_port()))

    assert refused.returncode == 1
    assert f"chmod 700 {data_dir}" in refused.stderr


def test_init_makes_the_exposed_files_owner_only_again_and_says_so(tmp_path) -> None:
    data_dir = tmp_path / "till"
    assert pos_agent(data_dir, "init", "--demo").returncode == 0
    (data_dir / "agent.sqlite3").chmod(0o644)
    data_dir.chmod(0o755)

    repaired = pos_agent(data_dir, "init")

    assert repaired.returncode == 0, repaired.stderr
    assert "agent.sqlite3 was open to other users" in repaired.stdout
    assert (mode(data_dir), mode(data_dir / "agent.sqlite3")) == (0o700, 0o600)
