"""A real agent killed with SIGKILL at random moments loses nothing it acknowledged.

A till runs a stream of cash checkouts against a ``pos-agent serve`` process and a
seeded generator decides, request by request, whether the process dies and how: before
the request is sent; at a random moment while it runs or just after it answered (from a
timer thread); or right after its transaction committed, with the answer lost. After
each kill the agent is restarted and the till does what a real one does with a request
that got no answer: it sends the same request again with the same ``Idempotency-Key``,
or now and then gives the checkout up and carries on with the next customer.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge_agent.services import tickets
from edge_agent.store import oplog
from sync_protocol import Replica
from tests.processes import AgentProcess, free_port, init_agent

pytestmark = pytest.mark.slow

SEED = 20_240_603
MIN_CHECKOUTS = 30
MAX_CHECKOUTS = 45
MIN_KILLS = 14
KILL_CHANCE = 0.15  # per request attempt
MAX_KILL_DELAY_S = 0.03  # a chai checkout request takes a few ms; some kills land after it
GIVE_UP_CHANCE = 0.2  # a till that got no answer sometimes abandons the checkout
MAX_ATTEMPTS = 12
DATABASE = "agent.sqlite3"
RECEIPT = re.compile(r"^DEMO1-D01-(\d{6})$")


class NoAnswer(Exception):
    """The agent died before answering; the request may or may not have taken effect."""


@dataclass
class Till:
    """A till that talks to a killable agent and remembers what was acknowledged."""

    agent: AgentProcess
    rng: random.Random
    token: str = ""
    attempts: int = 0
    kills: int = 0
    opened: dict[str, str] = field(default_factory=dict)  # ticket id -> receipt number
    lines: dict[str, list[str]] = field(default_factory=dict)  # ticket id -> line ids
    payments: dict[str, list[str]] = field(default_factory=dict)  # ticket id -> payment ids
    closed: set[str] = field(default_factory=set)
    abandoned_opens: int = 0
    abandoned_tickets: set[str] = field(default_factory=set)

    def sign_in(self) -> None:
        response = httpx.post(f"{self.agent.api}/auth/pin", json={"pin": "1111"}, timeout=10)
        assert response.status_code == 201, response.text
        self.token = response.json()["token"]
        # Cash goes only into an open drawer session; a restart keeps the one opened.
        opened = httpx.post(
            f"{self.agent.api}/drawer/open",
            json={"float": 0},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert opened.status_code in (201, 409), opened.text

    def send_once(self, path: str, body: bytes, key: str) -> dict[str, Any]:
        """One attempt; the generator decides whether and how the agent dies during it.

        Raises:
            NoAnswer: the agent was killed and the till got no answer.
        """
        self.attempts += 1
        draw = self.rng.random()
        if draw < KILL_CHANCE / 3:
            self.kill_and_restart()
            raise NoAnswer(f"{path}: killed before it was sent")
        if draw < 2 * KILL_CHANCE / 3:
            self.send_and_lose_the_answer(path, body, key)
            raise NoAnswer(f"{path}: committed, then killed before answering")
        killer = None
        if draw < KILL_CHANCE:
            killer = threading.Timer(self.rng.uniform(0, MAX_KILL_DELAY_S), self.agent.kill)
            killer.start()
        try:
            response = httpx.post(
                f"{self.agent.api}{path}", content=body, headers=self.headers(key), timeout=10
            )
        except httpx.TransportError as exc:
            if killer is None:
                raise  # no answer from a live agent is not a fault this test injects
            raise NoAnswer(f"{path}: killed in flight") from exc
        finally:
            if killer is not None:
                killer.join()
                self.restart()
        assert response.is_success, f"{path}: {response.status_code} {response.text}"
        document: dict[str, Any] = response.json()
        return document

    def send_and_lose_the_answer(self, path: str, body: bytes, key: str) -> None:
        """Kill the agent right after it commits the request, before the till reads the answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.agent.port, timeout=10)
        try:
            connection.request("POST", f"/api/v1{path}", body=body, headers=self.headers(key))
            self.wait_until_committed(key)
            self.kill_and_restart()
        finally:
            connection.close()

    def wait_until_committed(self, key: str) -> None:
        """Poll the database until the answer for ``key`` is committed (it is stored with
        the request's effects, in the same transaction)."""
        deadline = time.monotonic() + 10
        with closing(_read_only(self.agent.data_dir / DATABASE)) as conn:
            while time.monotonic() < deadline:
                if conn.execute("SELECT 1 FROM idempotency WHERE key = ?", (key,)).fetchone():
                    return
        raise AssertionError(f"request {key} was not committed within 10 s")

    def headers(self, key: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }

    def kill_and_restart(self) -> None:
        self.agent.kill()
        self.restart()

    def restart(self) -> None:
        """Start the agent again after a SIGKILL; the session token lives in the database."""
        self.kills += 1
        self.agent.start()

    def send(self, path: str, document: dict[str, Any], key: str) -> dict[str, Any] | None:
        """Send until answered, retrying with the same key; None if the till gives up."""
        body = json.dumps(document).encode()  # a retry must be the same request, byte for byte
        for _ in range(MAX_ATTEMPTS):
            try:
                return self.send_once(path, body, key)
            except NoAnswer:
                if self.rng.random() < GIVE_UP_CHANCE:
                    return None
        raise AssertionError(f"{path} got no answer in {MAX_ATTEMPTS} attempts")

    def checkout(self, n: int) -> None:
        opened = self.send("/tickets", {"kind": "counter"}, f"durability-{n}-open")
        if opened is None:
            self.abandoned_opens += 1
            return
        ticket_id = opened["id"]
        self.opened[ticket_id] = opened["receipt_no"]
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("line", f"/tickets/{ticket_id}/lines", {"variant_id": "chai", "quantity": 1}),
            ("pay", f"/tickets/{ticket_id}/payments", {"method": "cash", "amount": 20000}),
            ("close", f"/tickets/{ticket_id}/close", {}),
        ]
        for step, path, body in steps:
            document = self.send(path, body, f"durability-{n}-{step}")
            if document is None:
                self.abandoned_tickets.add(ticket_id)
                return
            if step == "line":
                self.lines[ticket_id] = [line["id"] for line in document["lines"]]
            elif step == "pay":
                self.payments[ticket_id] = [payment["id"] for payment in document["payments"]]
            else:
                self.closed.add(ticket_id)


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    init_agent(tmp_path)
    agent = AgentProcess(tmp_path, free_port())
    agent.start()
    till = Till(agent, random.Random(SEED))
    try:
        till.sign_in()
        yield till
    finally:
        agent.stop()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _receipt_seq(receipt_no: str) -> int:
    match = RECEIPT.match(receipt_no)
    assert match is not None, f"malformed receipt number {receipt_no!r}"
    return int(match.group(1))


def test_sigkilled_agent_keeps_every_acknowledged_checkout_and_a_consistent_store(
    till: Till, tmp_path: Path
) -> None:
    n = 0
    while n < MAX_CHECKOUTS and (n < MIN_CHECKOUTS or till.kills < MIN_KILLS):
        till.checkout(n)
        n += 1

    served = {
        ticket_id: httpx.get(
            f"{till.agent.api}/tickets/{ticket_id}", headers=till.agent.service, timeout=10
        )
        for ticket_id in till.opened
    }
    till.agent.stop()

    assert till.kills >= MIN_KILLS
    assert till.closed == set(till.opened) - till.abandoned_tickets
    assert len(till.closed) >= MIN_CHECKOUTS // 2
    assert {t: r.status_code for t, r in served.items()} == dict.fromkeys(till.opened, 200)
    documents = {ticket_id: response.json() for ticket_id, response in served.items()}
    for ticket_id, receipt_no in till.opened.items():
        assert documents[ticket_id]["receipt_no"] == receipt_no
    for ticket_id, line_ids in till.lines.items():
        assert [line["id"] for line in documents[ticket_id]["lines"]] == line_ids
        assert len(line_ids) == 1
    for ticket_id, payment_ids in till.payments.items():
        assert [payment["id"] for payment in documents[ticket_id]["payments"]] == payment_ids
        assert len(payment_ids) == 1
    for ticket_id in till.closed:
        totals = documents[ticket_id]["totals"]
        assert documents[ticket_id]["status"] == "closed"
        assert totals["paid"] == totals["total"] > 0

    with closing(_read_only(tmp_path / DATABASE)) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        rows = conn.execute("SELECT id, receipt_no, status, total, paid FROM tickets").fetchall()
        ticket_entities = {
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT entity_id FROM ops WHERE entity = ?", ("ticket",)
            )
        }
        folded = {row[0]: tickets.load(conn, row[0]) for row in rows}
        receipt_seq, last_seq = conn.execute("SELECT receipt_seq, last_seq FROM device").fetchone()
        device_seqs = [
            row[0]
            for row in conn.execute(
                "SELECT device_seq FROM ops WHERE local = 1 ORDER BY device_seq"
            )
        ]
        replayed = oplog.replay(conn)
        applied = Replica()
        for op in oplog.local_ops(conn):
            applied.apply(op)

    assert integrity == [("ok",)]
    assert {row[0] for row in rows} == ticket_entities
    for ticket_id, _receipt_no, status, total, paid in rows:
        view = folded[ticket_id]
        assert (status, total, paid) == (view.status, view.totals().total, view.totals().paid)
    unacknowledged = {row[0] for row in rows} - set(till.opened)
    assert len(unacknowledged) <= till.abandoned_opens
    assert all(folded[t].status == "open" and not folded[t].lines for t in unacknowledged)
    assert all(len(v.lines) <= 1 and len(v.payments) <= 1 for v in folded.values())
    assert sorted(_receipt_seq(row[1]) for row in rows) == list(range(1, receipt_seq + 1))
    assert receipt_seq == len(rows)
    assert device_seqs == list(range(1, last_seq + 1))
    assert replayed.state_hash() == applied.state_hash()
    assert len(replayed) == len(applied) > len(rows)
