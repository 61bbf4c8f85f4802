"""The durable print queue on a real SQLite file: idempotent jobs, order, retries with
backoff and jitter, drawer kicks that expire, and jobs that survive a crash."""

from __future__ import annotations

import pytest

from edge_agent.printing import queue, registry
from edge_agent.printing.worker import PrintWorker
from tests.integration.edge_agent.print_harness import START_MS, bench, network
from tests.integration.edge_agent.print_simulators import NetworkPrinter, eventually
from tests.processes import free_port

JOB = b"\x1b@\x1bt\x13receipt\n\x1dV\x01"
KICK = b"\x1bp\x00\x32\x32"


@pytest.fixture
def tcp_printer():
    printer = NetworkPrinter()
    yield printer
    printer.stop()


def test_queueing_one_job_id_twice_keeps_the_first_job_only(tmp_path):
    b = bench(tmp_path, network(free_port()))

    with b.store.write() as conn:
        first = queue.enqueue(conn, "receipt:t1", "receipt", "receipt", JOB, START_MS)
        second = queue.enqueue(conn, "receipt:t1", "receipt", "receipt", b"other", START_MS)
        jobs = queue.listing(conn)
        stored = queue.payload(conn, "receipt:t1")

    assert (first, second) == (True, False)
    assert len(jobs) == 1
    assert stored == JOB


def test_a_queued_job_is_gone_if_its_sale_rolls_back(tmp_path):
    b = bench(tmp_path, network(free_port()))

    def failing_sale() -> None:
        with b.store.write() as conn:
            queue.enqueue(conn, "kitchen:t1", "receipt", "kitchen", JOB, START_MS)
            raise RuntimeError("the sale failed")

    with pytest.raises(RuntimeError):
        failing_sale()

    with b.store.read() as conn:
        assert queue.listing(conn) == []


def test_a_failed_job_is_retried_later_with_backoff_and_jitter(tmp_path):
    b = bench(tmp_path, network(free_port(), retry_base_s=1.0), jitter=0.5)
    b.enqueue("j1", JOB)

    b.worker.step()
    first = b.job("j1")
    not_yet = b.worker.step()
    b.retry_now("j1")
    b.worker.step()
    second = b.job("j1")

    assert first.next_attempt_ms - START_MS == 750  # 1 s, jittered to 75 %
    assert not_yet is None
    assert second.attempts == 2
    assert second.next_attempt_ms - first.next_attempt_ms == 1500


def test_kitchen_tickets_keep_their_order_behind_a_failed_one(tmp_path):
    b = bench(tmp_path, network(free_port()))
    b.enqueue("first", JOB)
    b.enqueue("second", JOB)
    b.worker.step()

    overtaken = b.worker.step()

    assert overtaken is None
    assert b.job("second").attempts == 0


def test_drawer_kicks_go_before_waiting_receipts(tmp_path, tcp_printer):
    b = bench(tmp_path, network(tcp_printer.port))
    b.enqueue("receipt", JOB)
    b.enqueue("kick", KICK, kind=queue.KICK)

    order = [b.worker.step(), b.worker.step()]

    assert order == ["kick", "receipt"]


def test_a_drawer_kick_older_than_15_s_is_dropped_never_replayed(tmp_path):
    port = free_port()
    b = bench(tmp_path, network(port, retry_base_s=2.0))
    b.enqueue("kick", KICK, kind=queue.KICK)
    b.worker.step()
    b.clock.advance(15_001)
    printer = NetworkPrinter(port=port)
    try:
        handled = b.worker.step()
    finally:
        printer.stop()

    assert handled is None
    assert b.job("kick").state == "expired"
    assert printer.connections == 0
    assert printer.printed.kicks == []


def test_a_kick_within_15_s_is_retried(tmp_path):
    port = free_port()
    b = bench(tmp_path, network(port))
    b.enqueue("kick", KICK, kind=queue.KICK)
    b.worker.step()
    b.clock.advance(14_000)
    printer = NetworkPrinter(port=port)
    try:
        b.worker.step()
    finally:
        printer.stop()

    assert b.job("kick").state == "done"
    assert printer.printed.kicks == [(2, 100, 100)]


def test_jobs_of_a_printer_taken_out_of_the_configuration_fail_visibly(tmp_path):
    b = bench(tmp_path, network(free_port()))
    b.enqueue("j1", JOB)

    with b.store.write() as conn:
        registry.save(conn, ())
        failed = queue.fail_orphans(conn, set(), START_MS)

    assert failed == 1
    assert b.job("j1").state == "failed"
    assert b.job("j1").last_error == "printer no longer configured"


def test_a_job_cut_short_by_a_crash_prints_again_and_the_worker_thread_drains_the_queue(
    tmp_path, tcp_printer
):
    b = bench(tmp_path, network(tcp_printer.port))
    b.enqueue("interrupted", JOB)
    b.enqueue("next", JOB)
    with b.store.write() as conn:
        queue.claim(conn, "receipt", START_MS)  # a worker took it, then the process died
    worker = PrintWorker(b.store, b.printer, b.clock, idle_s=0.05)

    worker.start()
    try:
        eventually(lambda: b.job("next").state == "done", what="the queue drained")
    finally:
        worker.stop()

    assert b.job("interrupted").state == "done"
    assert len(tcp_printer.printed.jobs) == 2


def test_a_kick_whose_next_try_would_come_after_15_s_expires_at_once(tmp_path):
    b = bench(tmp_path, network(free_port(), retry_base_s=8.0))  # next try after 4 s
    b.enqueue("kick", KICK, kind=queue.KICK)
    b.clock.advance(12_000)

    b.worker.step()

    assert b.job("kick").state == "expired"
    assert "cannot connect" in (b.job("kick").last_error or "")
