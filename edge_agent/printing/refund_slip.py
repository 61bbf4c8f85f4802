"""The refund slip: what was given back, for which lines, how, why and by whom.

Pure: the caller gives the figures and the names already resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent.domain.money import format_money
from edge_agent.printing.document import Document, Page
from edge_agent.printing.receipt import METHOD_NAMES


@dataclass(frozen=True, slots=True)
class RefundSlip:
    """What a refund slip shows; ``lines`` are ``(quantity, name)`` taken back."""

    refund_id: str
    receipt_no: str
    currency: str
    outlet_name: str
    when: str
    method: str
    amount: int
    reason: str
    lines: Sequence[tuple[int, str]] = ()
    by: str | None = None


def refund_layout(
    slip: RefundSlip, *, columns: int, code_page: str | None, cut_partial: bool = True
) -> Document:
    """Lay out a refund slip for the receipt printer."""
    page = Page(f"Refund {slip.receipt_no}", columns, code_page)
    page.line(slip.outlet_name, align="center", bold=True, big=True)
    page.rule()
    page.line("REFUND", align="center", bold=True, big=True)
    page.pair("Receipt no.", slip.receipt_no)
    page.pair("Date", slip.when)
    if slip.by:
        page.pair("By", slip.by)
    page.rule()
    for quantity, name in slip.lines:
        page.line(f"{quantity} x {name} returned")
    page.line(f"Reason: {slip.reason}")
    page.rule()
    page.pair(
        f"Refunded {METHOD_NAMES.get(slip.method, slip.method)}",
        format_money(slip.amount, slip.currency),
        bold=True,
        tall=True,
    )
    page.line("Signature: ____________________")
    page.qr(slip.refund_id)
    page.line("Refund id", align="center")
    page.line(slip.refund_id, align="center")
    page.cut(partial=cut_partial)
    return page.done()
