"""X and Z reports as rows, for the screen (text) and for the receipt printer.

Pure: the caller gives the report document (the JSON the API answers) and the width.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edge_agent.domain.money import format_money
from edge_agent.printing.document import Document, Page
from edge_agent.printing.receipt import COPY_BANNER, finish

RULE = "-"
Row = tuple[str, str] | str
CASH_ROWS = (
    ("Cash sales", "cash_sales"),
    ("Cash refunds", "cash_refunds"),
    ("Pay-ins", "pay_ins"),
    ("Pay-outs", "pay_outs"),
    ("Drops", "drops"),
    ("Expected cash", "expected_cash"),
)


def report_rows(document: Mapping[str, Any]) -> list[Row]:
    """The report as rows: ``(label, value)`` pairs, titles, and :data:`RULE`."""
    session, shift = document["session"], document["report"]
    cur = session["currency"]

    def money(label: str, amount: int) -> tuple[str, str]:
        return label, format_money(amount, cur)

    def each(prefix: str, amounts: Mapping[str, int]) -> list[Row]:
        return [money(f"{prefix} {key}", amount) for key, amount in amounts.items()]

    is_z = "number" in document
    rows: list[Row] = [
        f"Z REPORT #{document['number']}" if is_z else "X REPORT (mid-shift)",
        "Session",
        session["id"],
        f"Opened by {session['opened_by']}",
        RULE,
        money("Opening float", shift["opening_float"]),
        *(money(label, shift[key]) for label, key in CASH_ROWS),
        ("No-sales", str(shift["no_sales"])),
        RULE,
        *each("Sales", shift["sales_by_method"]),
        *each("Refunds", shift["refunds_by_method"]),
        money("Gross sales", shift["gross_sales"]),
        money("Net sales", shift["net_sales"]),
        *each("Pending", shift.get("pending_by_method", {})),
        *each("Tips", shift.get("tips_by_method", {})),
        *each("Tax", shift.get("tax_by_rate", {})),
        money("Discounts", shift["discounts_total"]),
        ("Tickets", str(shift["tickets_count"])),
        ("Refunds", str(shift.get("refunds_count", 0))),
        ("Voids", str(shift["voids_count"])),
        money("Voided", shift.get("voids_total", 0)),
    ]
    if is_z:
        rows += [RULE, money("Counted cash", document["counted"])]
        rows.append(money("Variance (+over / -short)", document["variance"]))
    still_open = document.get("open_tickets") or []
    if still_open:
        rows += [RULE, f"OPEN TICKETS: {len(still_open)}"]
        rows += [money(f"{t['receipt_no']} {t['status']}", t["balance"]) for t in still_open]
    return rows


def report_text(document: Mapping[str, Any], columns: int = 42) -> str:
    """The report as plain text, ``columns`` wide (the title centred)."""
    lines = []
    for number, row in enumerate(report_rows(document)):
        if row == RULE:
            lines.append("-" * columns)
        elif isinstance(row, str):
            lines.append(row.center(columns).rstrip() if number == 0 else row)
        else:
            label, value = row
            lines.append(f"{label:<{columns - len(value) - 1}} {value}")
    return "\n".join(lines) + "\n"


def report_layout(
    document: Mapping[str, Any],
    *,
    columns: int,
    code_page: str | None,
    copy: bool = False,
    reprinted_at: str | None = None,
    cut_partial: bool = True,
) -> Document:
    """A report for the receipt printer; ``copy`` marks a reprint COPY, top and bottom."""
    page = Page("Z report" if "number" in document else "X report", columns, code_page)
    if copy:
        page.line(COPY_BANNER, align="center", bold=True, big=True)
    for number, row in enumerate(report_rows(document)):
        if row == RULE:
            page.rule()
        elif isinstance(row, str):
            page.line(row, align="center" if number == 0 else "left", bold=number == 0)
        else:
            page.pair(*row)
    return finish(page, copy=copy, reprinted_at=reprinted_at, cut_partial=cut_partial)
