"""Suite-wide fixtures and the rule that CI never silently skips PostgreSQL or Redis tests.

PostgreSQL-marked tests use ``POS_TEST_POSTGRES_URL`` (default: the local ``test``
database). When no server answers they are skipped, unless
``POS_TEST_REQUIRE_POSTGRES=1`` (set by ``.ci/run``): then they fail, and the session
fails too if any of them was skipped or none ran. Redis-marked tests do the same with
``POS_TEST_REDIS_URL`` (default: the local server, database 0) and
``POS_TEST_REQUIRE_REDIS=1``; each test takes its own channel prefix
(``channel_prefix``), so parallel workers on one Redis do not hear each other.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _postgres_required() -> bool:
    return os.environ.get("POS_TEST_REQUIRE_POSTGRES") == "1"


def _redis_required() -> bool:
    return os.environ.get("POS_TEST_REQUIRE_REDIS") == "1"


def _reachable(url: str, default_port: int = 5432) -> bool:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or default_port)
    try:
        with socket.create_connection(address, 2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of a PostgreSQL database the tests may create schemas in."""
    url = os.environ.get("POS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if not _reachable(url):
        message = f"no PostgreSQL answers at {url}"
        if _postgres_required():
            pytest.fail(message + " and POS_TEST_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis server the tests may publish on (under their own prefix)."""
    url = os.environ.get("POS_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    if not _reachable(url, 6379):
        message = f"no Redis answers at {url}"
        if _redis_required():
            pytest.fail(message + " and POS_TEST_REQUIRE_REDIS=1")
        pytest.skip(message)
    return url


@pytest.fixture
def channel_prefix() -> str:
    """A pub/sub namespace of this test alone."""
    return f"pos-test-{uuid.uuid4().hex[:12]}"


class _ServiceTally:
    """Counts the tests of one marker; fails the session when they were required and
    any was skipped or none ran."""

    def __init__(self, marker: str, name: str, required: Callable[[], bool]) -> None:
        self.marker = marker
        self.name = name
        self.required = required
        self.passed = 0
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.marker not in report.keywords:
            return
        if report.skipped:
            self.skipped.append(report.nodeid)
        elif report.when == "call" and report.passed:
            self.passed += 1

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.required() or session.config.option.collectonly:
            return
        if self.skipped or self.passed == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.required():
            return
        if self.skipped:
            terminalreporter.write_line(
                f"FAILED: {len(self.skipped)} {self.name} test(s) skipped but required:",
                red=True,
            )
            for nodeid in self.skipped:
                terminalreporter.write_line(f"  {nodeid}", red=True)
        elif self.passed == 0:
            terminalreporter.write_line(f"FAILED: no {self.name} test ran but required", red=True)
        else:
            terminalreporter.write_line(f"{self.name} tests passed: {self.passed}", green=True)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(
        _ServiceTally("postgres", "PostgreSQL", _postgres_required), "postgres-tally"
    )
    config.pluginmanager.register(_ServiceTally("redis", "Redis", _redis_required), "redis-tally")
