"""Suite-wide fixtures and the rule that CI never silently skips PostgreSQL tests.

PostgreSQL-marked tests use ``POS_TEST_POSTGRES_URL`` (default: the local ``test``
database). When no server answers they are skipped, unless
``POS_TEST_REQUIRE_POSTGRES=1`` (set by ``.ci/run``): then they fail, and the session
fails too if any of them was skipped or none ran.
"""

from __future__ import annotations

import os
import socket
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


def _postgres_required() -> bool:
    return os.environ.get("POS_TEST_REQUIRE_POSTGRES") == "1"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
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


class _PostgresTally:
    def __init__(self) -> None:
        self.passed = 0
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if "postgres" not in report.keywords:
            return
        if report.skipped:
            self.skipped.append(report.nodeid)
        elif report.when == "call" and report.passed:
            self.passed += 1

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not _postgres_required() or session.config.option.collectonly:
            return
        if self.skipped or self.passed == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not _postgres_required():
            return
        if self.skipped:
            terminalreporter.write_line(
                f"FAILED: {len(self.skipped)} PostgreSQL test(s) skipped but required:",
                red=True,
            )
            for nodeid in self.skipped:
                terminalreporter.write_line(f"  {nodeid}", red=True)
        elif self.passed == 0:
            terminalreporter.write_line("FAILED: no PostgreSQL test ran but required", red=True)
        else:
            terminalreporter.write_line(f"PostgreSQL tests passed: {self.passed}", green=True)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_PostgresTally(), "postgres-tally")
