"""A client generated from the committed agent document type-checks and makes a sale.

openapi-python-client (the ``dev`` extra) generates the package ``agent_client`` from
``docs/openapi/agent.json`` into a temporary directory; mypy (strict) checks it with
the driver :mod:`tests.e2e.generated_client_sale`, which then makes a sale through it
against a real agent process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.openapi_documents import AGENT_DOCUMENT
from tests.processes import running_agent

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("generated_client_sale.py")
BIN = Path(sys.executable).parent
#: No post hooks: the generated code is checked as generated, not as ruff would fix it.
CONFIG = """post_hooks: []
project_name_override: agent_client
package_name_override: agent_client
"""


def _run(args: list[str], cwd: Path, timeout_s: float = 240) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(cwd)}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("client")
    (where / "config.yaml").write_text(CONFIG)
    made = _run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(AGENT_DOCUMENT),
            "--meta",
            "none",
            "--config",
            "config.yaml",
            "--output-path",
            str(where / "agent_client"),
        ],
        where,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr
    shutil.copy(DRIVER, where / DRIVER.name)
    return where


def test_the_generated_agent_client_type_checks_with_mypy_strict(generated: Path) -> None:
    checked = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "agent_client",
            DRIVER.name,
        ],
        generated,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_sale_through_the_generated_client_shows_in_the_x_report(
    generated: Path, tmp_path: Path
) -> None:
    with running_agent(tmp_path / "agent") as agent:
        made = _run([sys.executable, DRIVER.name, agent.url], generated, timeout_s=60)

    assert made.returncode == 0, made.stderr
    sale = json.loads(made.stdout)
    assert sale["status"] == "closed"
    assert sale["modifiers"] == ["milk-oat"]
    assert sale["tips"] == [["cash", 5_000]]
    assert sale["settled_tickets"] == 1
    assert sale["gross_sales"] == sale["due"] > 0
    assert sale["cash_sales"] == sale["due"] + 5_000
    assert sale["tips_total"] == 5_000
