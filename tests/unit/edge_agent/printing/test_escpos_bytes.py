"""Byte-level: ESC/POS jobs decoded back into lines, styles, cuts, QR codes and pulses.

The decoder (tests/escpos_decoder.py) is itself checked against what python-escpos's
``Dummy`` printer emits, so both sides of these tests are pinned to the library.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from escpos.printer import Dummy

from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.document import Document, Pulse, Text
from edge_agent.printing.kitchen import kitchen_layout
from edge_agent.printing.receipt import receipt_layout
from edge_agent.printing.render import kick_job, to_escpos
from tests.escpos_decoder import DecodeError, Line, decode, jobs
from tests.unit.edge_agent.printing.samples import (
    LATTE,
    MUG,
    SAMOSA,
    TICKET_ID,
    receipt_ticket,
)
from tests.unit.edge_agent.printing.test_kitchen_layout import ticket as kitchen_ticket

SWAHILI = ("Asante sana kwa kununua!", "Bei ni KSh 350. Karibu tena.")


def multilingual_receipt(code_page: str, columns: int = 48) -> bytes:
    ticket = receipt_ticket(
        lines=(replace(LATTE, name="Café au lait", notes="€2 off voucher"), MUG),
        footer=(*SWAHILI, "Habari za asubuhi \u2013 ng\u2019ombe"),
    )
    return to_escpos(receipt_layout(ticket, columns=columns, code_page=code_page))


def test_the_decoder_reads_what_python_escpos_dummy_emits() -> None:
    printer = Dummy()
    printer.set(align="center", bold=True, double_width=True, double_height=True)
    printer._raw(b"Hello\n")
    printer.qr("receipt-1", native=True)
    printer.cashdraw([27, 112, 1, 60, 60])
    printer.cut(mode="FULL")

    decoded = decode(printer.output)

    assert decoded.lines[0] == Line("Hello", "center", True, 2, 2)
    assert decoded.qr == ["receipt-1"]
    assert decoded.pulses == [(5, 120, 120)]
    assert decoded.cuts == ["full"]


def test_the_decoder_refuses_bytes_it_does_not_know() -> None:
    with pytest.raises(DecodeError):
        decode(b"\x1b@\x1bZ\x00")


@pytest.mark.parametrize(("code_page", "number"), [("CP858", 19), ("CP437", 0)])
def test_every_job_starts_with_a_reset_then_its_code_page(code_page: str, number: int) -> None:
    data = multilingual_receipt(code_page)

    events = decode(data).events

    assert data.startswith(b"\x1b@\x1bt" + bytes((number,)))
    assert [e.kind for e in events[:2]] == ["reset", "code_page"]
    assert events[1].value == number


def test_a_receipt_with_cafe_euro_ksh_and_swahili_prints_the_right_cp858_bytes() -> None:
    data = multilingual_receipt("CP858")

    text = decode(data).text

    assert b"Caf\x82 au lait" in data
    assert b"Note: \xd52 off voucher" in data
    assert b"Bei ni KSh 350." in data
    assert b"?" not in data
    assert "  Note: €2 off voucher" in text
    assert "Habari za asubuhi - ng'ombe" in text
    assert all(line in text for line in SWAHILI)


def test_the_same_receipt_on_a_cp437_printer_spells_the_euro_out() -> None:
    data = multilingual_receipt("CP437")

    text = decode(data).text

    assert b"Caf\x82 au lait" in data
    assert b"Note: EUR2 off voucher" in data
    assert b"\xd5" not in data
    assert b"?" not in data
    assert "  Note: EUR2 off voucher" in text
    assert "Demo Café" in text


def test_styles_survive_to_the_bytes() -> None:
    decoded = decode(multilingual_receipt("CP858"))

    by_text = {line.text: line for line in decoded.lines}

    assert by_text["Demo Café"] == Line("Demo Café", "center", True, 2, 2)
    total = next(line for line in decoded.lines if line.text.startswith("TOTAL"))
    assert (total.bold, total.height, total.width, total.align) == (True, 2, 1, "left")
    assert by_text["Moi Avenue, Nairobi"].align == "center"


def test_a_receipt_ends_with_its_qr_code_and_one_cut() -> None:
    decoded = decode(multilingual_receipt("CP858"))

    assert decoded.qr == [TICKET_ID]
    assert decoded.cuts == ["partial"]
    assert decoded.events[-1].kind == "cut"


def test_a_copy_is_marked_copy_in_large_bold_type() -> None:
    data = to_escpos(receipt_layout(receipt_ticket(), columns=48, code_page="CP858", copy=True))

    marks = [line for line in decode(data).lines if line.text == "*** COPY ***"]

    assert marks == [Line("*** COPY ***", "center", True, 2, 2)] * 2


def test_a_kitchen_ticket_prints_large_with_a_full_cut_when_configured() -> None:
    document = kitchen_layout(
        kitchen_ticket(SAMOSA), columns=48, code_page="CP858", cut_partial=False
    )

    decoded = decode(to_escpos(document))

    assert Line("KITCHEN", "center", True, 2, 2) in decoded.lines
    assert Line("3 x Beef samosa", "left", True, 1, 2) in decoded.lines
    assert decoded.cuts == ["full"]


@pytest.mark.parametrize(
    ("pin", "pulse_ms", "m", "t"), [(2, 100, 0, 1), (5, 200, 1, 2), (2, 250, 0, 3), (2, 510, 0, 6)]
)
def test_a_drawer_kick_is_the_real_time_pulse_of_the_configured_pin_and_time(
    pin, pulse_ms, m, t
) -> None:
    printer = PrinterConfig(
        name="receipt",
        role="receipt",
        backend="file",
        path="r.prn",
        drawer_pin=pin,
        drawer_pulse_ms=pulse_ms,
    )

    data = kick_job(printer)

    assert data == bytes((0x10, 0x14, 0x01, m, t))
    assert jobs(data).realtime_kicks == [(pin, t * 100, t * 100)]


@pytest.mark.parametrize(("pin", "pulse_ms", "m"), [(2, 100, 0), (5, 200, 1), (2, 510, 0)])
def test_a_printer_without_the_real_time_pulse_gets_esc_p_with_the_configured_time(
    pin, pulse_ms, m
) -> None:
    printer = PrinterConfig(
        name="receipt",
        role="receipt",
        backend="file",
        path="r.prn",
        drawer_pin=pin,
        drawer_pulse_ms=pulse_ms,
        drawer_command="esc_p",
    )

    data = kick_job(printer)

    assert data == bytes((0x1B, 0x70, m, pulse_ms // 2, pulse_ms // 2))
    assert jobs(data).kicks == [(pin, pulse_ms, pulse_ms)]


def test_a_pulse_inside_a_document_is_the_only_one() -> None:
    document = Document("d", 48, "CP858", (Text("x"), Pulse(5, 60)))

    assert decode(to_escpos(document)).pulses == [(5, 60, 60)]


def test_a_note_cannot_smuggle_a_drawer_kick_or_a_cut_into_a_job() -> None:
    sneaky = replace(SAMOSA, notes="no onions\x1bp\x00\x19\xfa\x1dV\x00")
    document = kitchen_layout(kitchen_ticket(sneaky), columns=48, code_page="CP858")

    decoded = decode(to_escpos(document))

    assert decoded.pulses == []
    assert decoded.cuts == ["partial"]


def test_a_screen_document_cannot_be_sent_to_a_printer() -> None:
    with pytest.raises(ValueError, match="screen"):
        to_escpos(Document("d", 48, None, ()))
