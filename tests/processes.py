"""Real agent and hub processes for integration and end-to-end tests."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

#: Agents in tests keep their hub credential in the 0600 file, never in a desktop keyring.
AGENT_ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}


#: Ports the tests' servers listen on: below the kernel's ephemeral range (32768-60999
#: here), so no outgoing connection takes one between its choice and the server's bind,
#: and a block per pytest-xdist worker, so two workers never choose the same one.
PORT_BLOCK = 1500
FIRST_PORT = 20000
#: Where the next search in the block starts: ports are handed out in turn, round the
#: block, so a test asking for two ports before starting what binds them never gets the
#: same one twice (a random choice did, now and then). The start is random, not the global
#: generator, which Hypothesis seeds.
_NEXT = [random.SystemRandom().randrange(PORT_BLOCK)]


def free_port() -> int:
    """A port no process listens on, the next in turn in this test worker's own block."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    low = FIRST_PORT + (int(worker) if worker.isdigit() else 0) % 8 * PORT_BLOCK
    for _ in range(PORT_BLOCK):
        port = low + _NEXT[0] % PORT_BLOCK
        _NEXT[0] += 1
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {low}..{low + PORT_BLOCK - 1}")


def wait_until_up(url: str, process: subprocess.Popen[str], timeout_s: float = 20) -> None:
    """Poll ``url`` until it answers; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited early: {process.communicate()}")
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.05)  # polling a starting process, not waiting for a result
            continue
        return
    raise AssertionError(f"nothing answered at {url} within {timeout_s} s")


class _ServerProcess:
    """A program of ours serving HTTP on 127.0.0.1, started and stopped by tests.

    Its stderr goes to a log file, not a pipe: a chatty process never blocks on a full
    pipe, and what it said is there to read when a test fails.
    """

    port: int
    process: subprocess.Popen[str] | None
    log_path: Path | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _launch(self, args: list[str], env: dict[str, str], timeout_s: float) -> None:
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="bengobox-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *args, "--port", str(self.port)],
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
            )
        try:
            wait_until_up(f"{self.url}/health", self.process, timeout_s)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.log_tail()}") from None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, chars: int = 4000) -> str:
        """The end of what the process wrote to stderr."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@dataclass
class AgentProcess(_ServerProcess):
    """A ``pos-agent serve`` process on a data directory."""

    data_dir: Path
    port: int
    process: subprocess.Popen[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    serve_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.log_path is None:
            self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def service(self) -> dict[str, str]:
        """The header of the device's service token (made when the agent first serves)."""
        token = (self.data_dir / "service.token").read_text().strip()
        return {"Authorization": f"Bearer {token}"}

    def start(self) -> None:
        args = ["edge_agent.cli", "--data-dir", str(self.data_dir), "serve", *self.serve_args]
        self._launch(args, {**AGENT_ENV, **self.env}, timeout_s=20)


def init_agent(data_dir: Path, *, demo: bool = True) -> None:
    args = [sys.executable, "-m", "edge_agent.cli", "--data-dir", str(data_dir), "init"]
    subprocess.run([*args, "--demo"] if demo else args, check=True, capture_output=True, text=True)


@contextmanager
def running_agent(data_dir: Path) -> Iterator[AgentProcess]:
    """A demo agent process on a fresh SQLite file in ``data_dir``."""
    init_agent(data_dir)
    agent = AgentProcess(data_dir, free_port())
    agent.start()
    try:
        yield agent
    finally:
        agent.stop()


@dataclass
class HubProcess(_ServerProcess):
    """A ``pos-hub serve --demo`` process on a database URL (without ``--demo`` if not demo)."""

    database_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    demo: bool = True
    serve_args: tuple[str, ...] = ()

    def cli(self, *args: str) -> str:
        """Run a ``pos-hub`` command on the same database; return its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "cloud_hub.cli", "--database-url", self.database_url, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        args = ["cloud_hub.cli", "--database-url", self.database_url, "serve", *self.serve_args]
        self._launch([*args, "--demo"] if self.demo else args, self.env, timeout_s=40)


def enroll(data_dir: Path, hub_url: str, code: str) -> None:
    """``pos-agent enroll`` a fresh data directory with a one-time code."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "edge_agent.cli",
            "--data-dir",
            str(data_dir),
            "enroll",
            "--hub",
            hub_url,
            "--code",
            code,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **AGENT_ENV},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
