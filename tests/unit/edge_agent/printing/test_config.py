"""Printer configuration: the printers file, read strictly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from edge_agent.printing.config import parse_printer, parse_printers
from edge_agent.printing.errors import PrinterConfigError
from edge_agent.printing.files import DEMO_PRINTERS


def test_the_demo_file_describes_a_receipt_printer_with_a_drawer_and_two_stations() -> None:
    printers = parse_printers(tomllib.loads(DEMO_PRINTERS), Path("/data"))

    by_name = {p.name: p for p in printers}
    assert set(by_name) == {"receipt", "kitchen", "bar"}
    assert by_name["receipt"].drawer
    assert by_name["receipt"].path == "/data/printers/receipt.prn"
    assert by_name["bar"].stations == ("bar",)
    assert by_name["bar"].columns == 32
    assert by_name["kitchen"].columns == 48


def test_a_receipt_printer_drives_the_drawer_unless_told_otherwise() -> None:
    receipt = parse_printer({"name": "r", "role": "receipt", "backend": "network", "host": "h"})
    kitchen = parse_printer({"name": "k", "role": "kitchen", "backend": "network", "host": "h"})

    assert receipt.drawer
    assert not kitchen.drawer
    assert receipt.port == 9100


def test_usb_ids_may_be_written_in_hex() -> None:
    printer = parse_printer(
        {
            "name": "u",
            "role": "receipt",
            "backend": "usb",
            "usb_vendor": "0x04b8",
            "usb_product": "0x0202",
        }
    )

    assert (printer.usb_vendor, printer.usb_product) == (0x04B8, 0x0202)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"colour": "red"}, "unknown settings ['colour']"),
        ({"code_page": "CP1252"}, "code_page must be one of"),
        ({"paper_mm": 76}, "paper_mm must be one of"),
        ({"drawer_pin": 3}, "drawer_pin must be 2 or 5"),
        ({"drawer_pulse_ms": 1000}, "drawer_pulse_ms"),
        ({"backend": "network", "path": None}, "needs a host"),
        ({"backend": "bluetooth"}, "backend must be one of"),
        ({"timeout_s": 0}, "timeouts and retry delays"),
        ({"baudrate": "fast"}, "baudrate has the wrong type"),
        ({"port": True}, "port has the wrong type"),
        ({"stations": "bar"}, "stations must be a list"),
        ({"backend": "network", "host": "192.168.1.50:9100"}, "put the TCP port in 'port'"),
        ({"backend": "network", "host": "tcp://printer"}, "must be a host name or an IP"),
        ({"backend": "network", "host": "kitchen printer"}, "must be a host name or an IP"),
        ({"backend": "network", "host": "300.1.1.1"}, "must be a host name or an IP"),
        ({"status_every_s": 0}, "status_every_s must be between"),
        ({"line_bytes_per_s": 0}, "line_bytes_per_s must be between"),
        ({"drawer_command": "kick"}, "drawer_command must be realtime or esc_p"),
        ({"baudrate": 12}, "baudrate must be between"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_printer(raw, message) -> None:
    base = {"name": "kitchen", "role": "kitchen", "backend": "file", "path": "k.prn"}

    with pytest.raises(PrinterConfigError, match="kitchen") as caught:
        parse_printer(base | raw)

    assert message in str(caught.value)


def test_two_printers_with_one_name_are_refused() -> None:
    one = {"name": "bar", "role": "bar", "backend": "file", "path": "b.prn"}

    with pytest.raises(PrinterConfigError, match="unique"):
        parse_printers({"printer": [one, one]})


def test_a_configuration_round_trips_through_its_dictionary() -> None:
    printer = parse_printers(tomllib.loads(DEMO_PRINTERS), Path("/d"))[0]

    assert parse_printer(printer.to_dict()) == printer


@pytest.mark.parametrize("host", ["192.168.1.50", "fe80::1", "kitchen-printer.local", "KP01"])
def test_a_network_printer_takes_a_host_name_or_an_address(host) -> None:
    printer = parse_printer({"name": "k", "role": "kitchen", "backend": "network", "host": host})

    assert printer.where() == f"tcp {host}:9100"


def test_the_confirmation_wait_grows_with_the_job_and_the_line_speed() -> None:
    serial = parse_printer(
        {"name": "bar", "role": "bar", "backend": "serial", "path": "/dev/x", "baudrate": 9600}
    )
    network = parse_printer({"name": "k", "role": "kitchen", "backend": "network", "host": "k"})

    small, large = serial.confirm_wait_s(100), serial.confirm_wait_s(5_500)

    assert serial.bytes_per_s == 960
    assert network.bytes_per_s == 1000
    assert large - small == pytest.approx(1.5 * 5_400 / 960)
    assert large > 5_500 / 960 + serial.timeout_s


def test_idle_printers_are_asked_their_status_every_five_seconds_by_default() -> None:
    printer = parse_printer({"name": "k", "role": "kitchen", "backend": "network", "host": "k"})

    assert printer.status_every_s == 5.0
