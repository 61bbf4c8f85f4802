"""A till with a long history does per request the work of a till with a short one.

Two tills are made by the services themselves (signed-in cashiers selling counter
tickets: open, three lines, cash, close): a short history and one ten times longer.
Each request of a cashier's day is run on both, in process against the real database
file, and the SQLite virtual machine's instructions and the statements it ran are
counted (no timing): starting the agent, signing in, a quick sale, the sync status and
the ticket list; and no statement of the day (the X report included) reads a table that
grows with the log whole, by SQLite's own query plans. The longer log may cost a deeper
index (a few more instructions), never a pass over the log. The state hash after a sale
refolds the sale's ticket only (its last step reads one kept hash per entity: see
``edge_agent.store.kept_state``).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from edge_agent.bootstrap import build_app
from edge_agent.settings import AgentSettings
from edge_agent.store import gateway
from tests.bench.year_log import make_year

SHORT, LONG = 1_200, 12_000
#: VM instructions counted per progress-handler call.
GRAIN = 10


@dataclass
class Meter:
    """SQLite work on the store's connection: VM instructions and statements."""

    steps: int = 0
    statements: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.steps = 0
        self.statements.clear()

    def tick(self) -> int:
        self.steps += GRAIN
        return 0


@dataclass
class Till:
    client: TestClient[Any]
    meter: Meter
    service: dict[str, str]
    started_steps: int
    start_statements: list[str]
    operator: dict[str, str] = field(default_factory=dict)

    def measure(self, request: Callable[[], Any]) -> Meter:
        self.meter.reset()
        request()
        return Meter(self.meter.steps, list(self.meter.statements))


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    made = {}
    for count in (SHORT, LONG):
        made[count] = tmp_path_factory.mktemp(f"till-{count}") / "data"
        make_year(made[count], count)
    return made


@contextmanager
def running(source: Path, where: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Till]:
    data = where / "data"
    shutil.copytree(source, data)
    meter = Meter()
    opened = gateway.Store.__init__

    def metered(store: gateway.Store, path: Path) -> None:
        opened(store, path)
        conn = store._conn  # the one connection every request goes through
        conn.set_progress_handler(meter.tick, GRAIN)
        conn.set_trace_callback(meter.statements.append)

    monkeypatch.setattr(gateway.Store, "__init__", metered)
    app = build_app(AgentSettings(data_dir=data))
    started, start_statements = meter.steps, list(meter.statements)
    service = {"Authorization": f"Bearer {(data / 'service.token').read_text().strip()}"}
    with TestClient(app, base_url="http://127.0.0.1:4114") as client:
        yield Till(client, meter, service, started, start_statements)


def sign_in(till: Till) -> None:
    answer = till.client.post("/api/v1/auth/pin", json={"pin": "1111"}, headers=till.service)
    assert answer.status_code == 201, answer.text
    till.operator = {"Authorization": f"Bearer {answer.json()['token']}"}


def quick_sale(till: Till) -> None:
    client, who = till.client, till.operator
    ticket = client.post("/api/v1/tickets", json={"kind": "counter"}, headers=who).json()
    path = f"/api/v1/tickets/{ticket['id']}"
    line = client.post(f"{path}/lines", json={"variant_id": "chai"}, headers=who)
    due = line.json()["totals"]["balance_due"]
    paid = client.post(f"{path}/payments", json={"method": "cash", "amount": due}, headers=who)
    closed = client.post(f"{path}/close", headers=who)
    assert (line.status_code, paid.status_code, closed.status_code) == (201, 201, 200)


def get(till: Till, path: str, headers: dict[str, str]) -> Callable[[], None]:
    def request() -> None:
        answer = till.client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text

    return request


def day(till: Till) -> dict[str, Meter]:
    """Each request of a cashier's day, metered; the state hash after one sale."""
    work = {"sign-in": till.measure(lambda: sign_in(till))}
    work["quick sale"] = till.measure(lambda: quick_sale(till))
    work["sync status"] = till.measure(get(till, "/api/v1/sync/status", till.service))
    work["ticket list"] = till.measure(get(till, "/api/v1/tickets", till.operator))
    manager = till.operator | {"X-Manager-Pin": "9999"}
    work["x report"] = till.measure(get(till, "/api/v1/reports/x", manager))
    till.measure(get(till, "/api/v1/sync/state-hash", till.service))
    quick_sale(till)
    work["state hash after a sale"] = till.measure(
        get(till, "/api/v1/sync/state-hash", till.service)
    )
    return work


@pytest.fixture(scope="module")
def measured(
    histories: dict[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, tuple[int, dict[str, Meter]]]:
    found = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for count, source in histories.items():
            where = tmp_path_factory.mktemp(f"run-{count}")
            with running(source, where, monkeypatch) as till:
                found[count] = (till.started_steps, day(till))
                found[count][1]["start"] = Meter(till.started_steps, till.start_statements)
            found[count][1]["plans"] = Meter(0, full_scans(where / "data" / "agent.sqlite3", found))
    return found


#: Tables that grow with the log: a request may search them, never read them whole (the
#: state hash's last step reads ``entity_digests`` whole, by design: see kept_state).
GROWING = ("ops", "tickets", "print_jobs", "staff_sessions", "idempotency", "superseded_ops")


def full_scans(database: Path, found: dict[int, tuple[int, dict[str, Meter]]]) -> list[str]:
    """The statements of the last till's day whose plan reads a growing table whole."""
    statements = {
        s
        for _, work in found.values()
        for name, meter in work.items()
        if name != "plans"
        for s in meter.statements
    }
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    partial = {
        name
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        if sql and " WHERE " in sql.upper()
    }
    scans = []
    for statement in statements:
        if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            continue
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}")]
        if any(_reads_whole(step, statement, partial) for step in plan):
            scans.append(f"{statement[:120]} -> {plan}")
    conn.close()
    return scans


def _reads_whole(step: str, statement: str, partial: set[str]) -> bool:
    """A plan step that walks a growing table whole: no index, or a whole index that is
    neither partial (only the rows asked for) nor cut short by a LIMIT."""
    words = step.split()
    if words[:1] != ["SCAN"] or words[1] not in GROWING:
        return False
    index = words[-1] if "INDEX" in words else None
    return index is None or (index not in partial and " LIMIT " not in statement)


def test_no_request_of_the_day_reads_a_table_that_grows_with_the_log_whole(
    measured: dict[int, tuple[int, dict[str, Meter]]],
) -> None:
    scans = measured[LONG][1]["plans"].statements

    assert scans == []


@pytest.mark.parametrize("request_name", ["sign-in", "quick sale", "sync status", "ticket list"])
def test_a_request_does_the_same_sql_work_on_a_ten_times_longer_log(
    measured: dict[int, tuple[int, dict[str, Meter]]], request_name: str
) -> None:
    short, long = measured[SHORT][1][request_name], measured[LONG][1][request_name]

    assert long.steps <= short.steps * 1.3 + 2_000, (short.steps, long.steps)


def test_the_state_hash_after_a_sale_refolds_only_the_sale_whatever_the_log(
    measured: dict[int, tuple[int, dict[str, Meter]]],
) -> None:
    short, long = (measured[n][1]["state hash after a sale"] for n in (SHORT, LONG))

    assert op_reads(long) == op_reads(short)
    assert [s for s in op_reads(long) if "entity = 'ticket'" not in s] == []


def op_reads(meter: Meter) -> list[str]:
    """The statements that read op bodies (entity ids masked: each till has its own)."""
    return [s.split(" AND entity_id")[0] for s in meter.statements if s.startswith("SELECT body")]


def test_starting_the_agent_does_the_same_sql_work_on_a_ten_times_longer_log(
    measured: dict[int, tuple[int, dict[str, Meter]]],
) -> None:
    short, long = measured[SHORT][0], measured[LONG][0]

    assert long <= short * 1.3 + 2_000, (short, long)
