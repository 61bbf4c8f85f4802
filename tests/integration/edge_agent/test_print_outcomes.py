"""A print job is done only when the printer confirmed it or the line drained it.

Printers on a pty (a modelled 9600-baud serial line) and on a 127.0.0.1 socket that
stays silent, hangs, or reads slowly. What the printer received is decoded; the job's
state must say exactly what happened to it.
"""

from __future__ import annotations

import pytest

from edge_agent.printing import queue, registry
from edge_agent.printing.render import kick_job
from tests.integration.edge_agent.print_harness import bench, network, serial
from tests.integration.edge_agent.print_simulators import (
    PAPER_OUT,
    SILENT,
    NetworkPrinter,
    PtyPrinter,
    eventually,
)

pytestmark = pytest.mark.slow

BAUD_9600 = 960  # bytes per second on a 9600 8N1 line


def receipt(n: int, lines: int = 12) -> bytes:
    body = b"".join(
        b"Receipt %d line %02d ........................ 350.00\n" % (n, i) for i in range(lines)
    )
    return b"\x1b@\x1bt\x13" + body + b"\x1bd\x03\x1dV\x01"


def test_a_printer_that_stops_answering_status_keeps_its_job_waiting_and_says_so(tmp_path):
    silent = NetworkPrinter(status=dict(SILENT))
    b = bench(tmp_path, network(silent.port))
    b.enqueue("j1", receipt(1))
    try:
        b.worker.step()
        with b.store.read() as conn:
            message = registry.overview(conn)[0].message
            alerts = registry.alerts(conn)
        printed = silent.printed
    finally:
        silent.stop()

    assert b.job("j1").state == "pending"
    assert printed.jobs == []
    assert message == "receipt printer not answering, 1 job waiting"
    assert alerts == [message]


def test_jobs_on_a_slow_serial_line_without_status_are_done_only_when_drained_and_print_whole(
    tmp_path,
):
    # Ten receipts are more than the line's buffers hold: most are still on their way
    # when the last one has been handed to the port.
    printer = PtyPrinter(tmp_path / "ttySLOW", status=dict(SILENT), bytes_per_s=4 * BAUD_9600)
    b = bench(tmp_path, serial(printer.link, status=False, baudrate=38400, timeout_s=5.0))
    sent = [receipt(n, lines=20) for n in range(10)]
    for n, job in enumerate(sent):
        b.enqueue(f"r{n}", job)
    try:
        for _ in sent:
            b.worker.step()
        states = [b.job(f"r{n}").state for n in range(len(sent))]
        # A bound, not a timing: the simulated line drains in about 2 s on a free machine.
        whole = eventually(
            lambda: len(printer.printed.jobs) == len(sent) and printer.printed, timeout_s=60
        )
    finally:
        printer.unplug()

    assert states == ["done"] * len(sent)
    assert [job.data for job in whole.jobs] == sent
    assert not whole.incomplete


def test_a_long_job_on_a_slow_serial_printer_is_confirmed_once_and_never_reprinted(tmp_path):
    printer = PtyPrinter(tmp_path / "ttyKITCHEN", bytes_per_s=BAUD_9600)
    b = bench(tmp_path, serial(printer.link, baudrate=9600))
    long_ticket = receipt(1, lines=40)  # about 2 KB: two seconds on the wire
    b.enqueue("kitchen", long_ticket)
    try:
        b.worker.step()
        b.retry_now("kitchen")
        b.worker.step()
        printed = eventually(lambda: printer.printed.jobs and printer.printed)
    finally:
        printer.unplug()

    assert len(long_ticket) > 0.5 * BAUD_9600 * 2
    assert b.job("kitchen").state == "done"
    assert b.job("kitchen").attempts == 1
    assert [job.data for job in printed.jobs] == [long_ticket]


def test_a_slow_network_printer_gets_a_confirmation_wait_that_follows_the_job_size(tmp_path):
    slow = NetworkPrinter(bytes_per_s=1500)
    b = bench(tmp_path, network(slow.port, line_bytes_per_s=1500))
    job = receipt(1, lines=50)  # about 2.6 KB: nearly two seconds to take in
    b.enqueue("j1", job)
    try:
        b.worker.step()
        printed = slow.printed
    finally:
        slow.stop()

    assert b.job("j1").state == "done"
    assert [j.data for j in printed.jobs] == [job]


def test_a_job_the_printer_never_confirms_is_unconfirmed_visible_and_not_printed_again(
    tmp_path,
):
    hung = NetworkPrinter(hang_on_job=True)
    b = bench(tmp_path, network(hung.port))
    b.enqueue("j1", receipt(1))
    try:
        b.worker.step()
        b.clock.advance(60_000)
        again = b.worker.step()
        with b.store.read() as conn:
            alerts = registry.alerts(conn)
            waiting = queue.waiting(conn)
    finally:
        hung.stop()

    job = b.job("j1")
    assert job.state == "unconfirmed"
    assert "did not confirm" in (job.last_error or "")
    assert again is None
    assert hung.connections == 1
    assert waiting == {}
    assert alerts == ["receipt printer ready, 1 job unconfirmed: check it printed"]


def test_an_unconfirmed_job_sent_again_prints_once_complete(tmp_path):
    hung = NetworkPrinter(hang_on_job=True)
    b = bench(tmp_path, network(hung.port))
    b.enqueue("j1", receipt(1))
    try:
        b.worker.step()
        hung.hang_on_job = False
        with b.store.write() as conn:
            resent = queue.resend(conn, "j1", b.clock())
        b.worker.step()
    finally:
        hung.stop()

    assert resent is True
    assert b.job("j1").state == "done"
    assert [job.data for job in hung.printed.jobs] == [receipt(1)]


def test_the_drawer_kick_is_the_real_time_pulse_that_opens_even_with_paper_out(tmp_path):
    empty = NetworkPrinter(status=dict(PAPER_OUT))
    b = bench(tmp_path, network(empty.port))
    b.enqueue("kick", kick_job(b.printer), kind=queue.KICK)
    try:
        b.worker.step()
        printed = eventually(lambda: empty.printed.realtime_kicks and empty.printed)
        openings = empty.drawer_openings
    finally:
        empty.stop()

    assert b.job("kick").state == "done"
    assert printed.realtime_kicks == [(2, 100, 100)]
    assert printed.kicks == []
    assert openings == 1


def test_a_kick_a_hung_printer_cannot_take_in_its_window_is_dropped_never_delayed(tmp_path):
    printer = NetworkPrinter()
    b = bench(tmp_path, network(printer.port))
    printer.hang()
    b.enqueue("kick", kick_job(b.printer), kind=queue.KICK)
    try:
        b.worker.step()
        first = b.job("kick")
        b.clock.advance(16_000)
        b.worker.step()
        printer.resume()
        eventually(lambda: printer.printed.status_queries, what="the printer reading again")
        printed = printer.printed
    finally:
        printer.stop()

    assert first.state == "pending"
    assert b.job("kick").state == "expired"
    assert printed.realtime_kicks == []
    assert printed.kicks == []
    assert printer.drawer_openings == 0
