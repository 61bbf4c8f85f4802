"""Transport tests: a real pyserial printer at the end of a pty, and a TCP printer on
127.0.0.1 that answers status bytes, stalls, or drops the connection mid-job."""

from __future__ import annotations

import errno
import socket
import time
from types import SimpleNamespace

import pytest
from escpos.printer import Serial as EscposSerial

from edge_agent.printing import registry
from edge_agent.printing.errors import PrinterDisconnected, PrinterTimeout, PrinterUnavailable
from edge_agent.printing.usb_backend import UsbTransport
from tests.escpos_decoder import decode
from tests.integration.edge_agent.print_harness import bench, network, serial
from tests.integration.edge_agent.print_simulators import (
    PAPER_OUT,
    SILENT,
    NetworkPrinter,
    PtyPrinter,
    StallingPrinter,
)
from tests.processes import free_port

JOB = b"\x1b@\x1bt\x13" + b"\x1ba\x01Caf\x82 \xd5 KSh\n" * 80 + b"\x1bd\x06\x1dV\x01"


@pytest.fixture
def tcp_printer():
    printer = NetworkPrinter()
    yield printer
    printer.stop()


@pytest.fixture
def pty_printer(tmp_path):
    printer = PtyPrinter(tmp_path / "ttyPRINTER")
    yield printer
    printer.unplug()


def test_a_job_reaches_a_network_printer_whole_after_a_status_check(tmp_path, tcp_printer):
    b = bench(tmp_path, network(tcp_printer.port))
    b.enqueue("j1", JOB)

    handled = b.worker.step()

    assert handled == "j1"
    assert b.job("j1").state == "done"
    printed = tcp_printer.printed
    assert [job.data for job in printed.jobs] == [JOB]
    assert printed.status_queries == [1, 2, 3, 4, 1]
    assert b.status() == ("online", "")


def test_a_job_reaches_a_serial_printer_on_a_pty(tmp_path, pty_printer):
    b = bench(tmp_path, serial(pty_printer.link))
    b.enqueue("j1", JOB)

    b.worker.step()

    assert b.job("j1").state == "done"
    assert [job.data for job in pty_printer.printed.jobs] == [JOB]
    assert decode(pty_printer.printed.jobs[0].data).text[0] == "Café € KSh"


def test_a_printer_that_gives_no_status_reply_is_unknown_never_ok(tmp_path):
    silent = NetworkPrinter(status=SILENT)
    b = bench(tmp_path, network(silent.port))
    try:
        status = b.worker.check_status()
    finally:
        silent.stop()

    assert status.state == "unknown"
    assert b.status()[0] == "unknown"
    assert b.status()[1].startswith("no reply to DLE EOT 1")


def test_python_escpos_reads_no_reply_as_paper_ok_where_our_probe_says_unknown(tmp_path):
    silent = PtyPrinter(tmp_path / "ttySILENT", status=SILENT)
    b = bench(tmp_path, serial(silent.link))
    try:
        library = EscposSerial(devfile=str(silent.link), timeout=0.2)
        library_says = library.paper_status()
        library.close()
        ours = b.worker.check_status()
    finally:
        silent.unplug()

    assert library_says == 2  # "paper adequate", from a printer that never answered
    assert ours.state == "unknown"


def test_replies_without_the_fixed_status_bits_are_unknown(tmp_path):
    garbled = NetworkPrinter(status={1: 0xFF, 2: 0x12, 3: 0x12, 4: 0x12})
    b = bench(tmp_path, network(garbled.port))
    try:
        status = b.worker.check_status()
    finally:
        garbled.stop()

    assert status.state == "unknown"
    assert "invalid reply to DLE EOT 1" in status.detail


def test_paper_out_keeps_the_receipt_waiting_but_still_opens_the_drawer(tmp_path):
    empty = NetworkPrinter(status=dict(PAPER_OUT))
    b = bench(tmp_path, network(empty.port))
    b.enqueue("receipt", JOB)
    b.enqueue("kick", b"\x1bp\x00\x32\x32", kind="drawer_kick")
    try:
        first, second = b.worker.step(), b.worker.step()
        waiting = b.job("receipt")
        with b.store.read() as conn:
            message = registry.overview(conn)[0].message
        empty.status.update({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12})
        b.retry_now("receipt")
        third = b.worker.step()
    finally:
        empty.stop()

    assert (first, second, third) == ("kick", "receipt", "receipt")
    assert waiting.state == "pending"
    assert "out of paper" in (waiting.last_error or "")
    assert message == "receipt printer out of paper, 1 job waiting"
    assert empty.printed.kicks == [(2, 100, 100)]
    assert [job.data for job in empty.printed.jobs] == [JOB]
    assert b.job("receipt").state == "done"


def test_a_socket_dropped_mid_job_is_retried_and_prints_once_complete(tmp_path):
    flaky = NetworkPrinter(drop_after=300)
    b = bench(tmp_path, network(flaky.port))
    b.enqueue("j1", JOB)
    try:
        b.worker.step()
        failed = b.job("j1")
        b.retry_now("j1")
        b.worker.step()
    finally:
        flaky.stop()

    assert failed.state == "pending"
    assert failed.attempts == 1
    assert "127.0.0.1" in (failed.last_error or "")
    assert b.job("j1").state == "done"
    assert [job.data for job in flaky.printed.jobs] == [JOB]
    assert len(flaky.lost) == 1


def test_a_printer_that_stops_reading_is_given_up_on_within_its_timeout(tmp_path):
    stalled = StallingPrinter()
    b = bench(tmp_path, network(stalled.port, timeout_s=0.3))
    b.enqueue("big", b"\x1b@" + b"A" * (4 << 20))
    started = time.monotonic()
    try:
        b.worker.step()
    finally:
        stalled.stop()

    assert time.monotonic() - started < 3
    assert b.job("big").state == "pending"
    assert "stalled" in (b.job("big").last_error or "")


def test_a_serial_printer_unplugged_mid_job_prints_once_complete_when_plugged_back(
    tmp_path, pty_printer
):
    b = bench(tmp_path, serial(pty_printer.link))
    b.enqueue("j1", JOB)
    pty_printer.unplug_after = 200

    b.worker.step()
    pty_printer.wait_unplugged()
    b.retry_now("j1")
    b.worker.step()
    while_unplugged = b.job("j1")
    pty_printer.plug()
    b.retry_now("j1")
    b.worker.step()

    assert while_unplugged.state == "pending"
    assert while_unplugged.attempts == 2
    assert "no serial device" in (while_unplugged.last_error or "")
    assert b.job("j1").state == "done"
    assert [job.data for job in pty_printer.printed.jobs] == [JOB]
    assert len(pty_printer.lost) == 1


def test_a_network_printer_that_is_off_leaves_the_job_waiting(tmp_path):
    b = bench(tmp_path, network(free_port()))
    b.enqueue("j1", JOB)

    b.worker.step()

    assert b.job("j1").state == "pending"
    assert "cannot connect" in (b.job("j1").last_error or "")
    assert b.status()[0] == "unknown"


def test_a_file_printer_appends_each_job_whole(tmp_path):
    target = tmp_path / "printers" / "receipt.prn"
    b = bench(tmp_path, network(9100, backend="file", path=str(target), host=None))
    b.enqueue("j1", JOB)
    b.enqueue("j2", JOB)

    b.worker.step(), b.worker.step()

    assert target.read_bytes() == JOB + JOB
    assert b.status() == ("unknown", "this connection cannot carry status replies")


class _USBError(OSError):
    pass


class _USBTimeoutError(_USBError):
    pass


def _usb_core(device):
    return SimpleNamespace(
        find=lambda **_: device, USBError=_USBError, USBTimeoutError=_USBTimeoutError
    )


class _BusyDevice:
    def is_kernel_driver_active(self, interface):
        return True

    def detach_kernel_driver(self, interface):
        raise _USBError(errno.EBUSY, "Resource busy")


class _LockedDevice(_BusyDevice):
    def detach_kernel_driver(self, interface):
        raise _USBError(errno.EACCES, "Access denied (insufficient permissions)")


@pytest.mark.parametrize(
    ("device", "hint"),
    [
        (None, "unplugged or switched off"),
        (_BusyDevice(), "usblp"),
        (_LockedDevice(), "packaging/udev/60-bengobox-printers.rules"),
    ],
)
def test_usb_errors_say_what_to_fix(device, hint):
    config = network(9100, backend="usb", usb_vendor=0x04B8, usb_product=0x0202, host=None)

    with pytest.raises(PrinterUnavailable, match="04b8:0202") as caught:
        UsbTransport(config, core=_usb_core(device))

    assert hint in str(caught.value)


def test_every_printer_error_is_an_os_error_the_worker_retries():
    assert all(issubclass(e, OSError) for e in (PrinterDisconnected, PrinterTimeout))
    assert socket.timeout is TimeoutError


def test_an_idle_printer_is_asked_its_status_every_five_seconds(tmp_path, tcp_printer):
    b = bench(tmp_path, network(tcp_printer.port))

    b.worker._idle_wait_s()
    first = len(tcp_printer.printed.status_queries)
    b.clock.advance(4_900)
    b.worker._idle_wait_s()
    too_soon = len(tcp_printer.printed.status_queries)
    b.clock.advance(200)
    b.worker._idle_wait_s()
    status = b.status()

    assert first == 4
    assert too_soon == first
    assert len(tcp_printer.printed.status_queries) == 8
    assert status == ("online", "")
