"""Receipts for a screen or an email: plain text and HTML, all of Unicode kept."""

from __future__ import annotations

from dataclasses import replace

from edge_agent.printing.plain import to_html, to_text
from edge_agent.printing.receipt import receipt_layout
from tests.unit.edge_agent.printing.samples import LATTE, SAMOSA, TICKET_ID, receipt_ticket


def screen_receipt(**changes):
    return receipt_layout(receipt_ticket(**changes), columns=48, code_page=None)


def test_the_text_view_keeps_the_euro_sign_and_has_no_printer_commands() -> None:
    document = screen_receipt(lines=(replace(LATTE, notes="€2 voucher"), SAMOSA))

    text = to_text(document)

    assert "Note: €2 voucher" in text
    assert "\x1b" not in text
    assert text.splitlines()[0].strip() == "Demo Café"
    assert f"[QR {TICKET_ID}]" in text


def test_the_html_view_escapes_what_customers_type() -> None:
    document = screen_receipt(lines=(replace(LATTE, notes="<script>alert(1)</script>"),))

    html = to_html(document)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<meta charset="utf-8">' in html
    assert "<title>Receipt DEMO1-D01-000042</title>" in html


def test_the_html_view_marks_large_and_bold_lines() -> None:
    html = to_html(screen_receipt())

    assert '<div class="l center bold big">Demo Café</div>' in html
    assert '<div class="l left bold tall">TOTAL' in html
