"""A ticket's money, folded from its merged events, and the money invariants it breaks.

One pure function shared by the edge agent and the hub, so every replica holding the
same ops shows the same totals and the same money conflicts. The events are the ones a
till writes (``line_added`` with the line as sold: unit price, modifier deltas,
quantity, tax rates and line discount; ``line_changed``, ``line_moved``,
``line_voided``, ``discount_applied``, ``payment_taken``, ``payment_confirmed``,
``refund_issued``, ``ticket_reinstated``). They carry every figure the total needs, so
the fold recomputes it with the till's rules: per line ``(unit price + modifier deltas)
x quantity``, less the line discount and its share of the ticket discount (largest
remainder), then taxes rounded half up per line (inclusive taxes inside the price,
exclusive ones added on the net). A value a device shaped wrongly is skipped, never
raised: ops are facts, and the fold must never stop a pull or a push.

Money conflicts are derived from the merged state, never stored in it (they are not in
the state hash); they disappear on every replica as soon as the op that settles them
(a refund, a late payment, a reinstatement, a confirmation) is merged:

- ``overpaid``: paid (declined tenders excluded) exceeds the total plus refunds;
- ``balance_due``: a paid or closed ticket owes money (a round added on another till,
  a declined tender);
- ``voided_with_payments``: a voided ticket holds money (paid less refunded) and was
  not reinstated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync_protocol.merge import EntityState, Stamped
from sync_protocol.minor_units import allocate as _prorate
from sync_protocol.minor_units import round_half_up as _round_half_up
from sync_protocol.promotions import BasketLine
from sync_protocol.ticket_promotions import EVENT as PROMOTIONS_PRICED
from sync_protocol.ticket_promotions import TicketPromotions, from_event

PAYMENT_OUTCOMES = frozenset({"confirmed", "declined"})
#: How each kind of money conflict is settled, at a till.
RESOLUTIONS: Mapping[str, tuple[str, ...]] = {
    "overpaid": ("refund",),
    "balance_due": ("late_payment",),
    "voided_with_payments": ("refund", "reinstate"),
}
SETTLED = frozenset({"paid", "closed"})
_BP = 10_000


@dataclass(frozen=True, slots=True)
class Tender:
    """One ``payment_taken``, with the outcome its confirmations gave it.

    ``status`` is ``pending``, ``confirmed`` or ``declined``; the earliest outcome (by
    order key) stands, and a tender taken as confirmed (cash, an online card) stays so.
    """

    payment_id: str
    method: str
    amount: int
    tip: int
    status: str
    hlc: int


@dataclass(frozen=True, slots=True)
class MoneyConflict:
    """A broken money invariant of one ticket and how to settle it."""

    conflict_id: str
    ticket_id: str
    kind: str
    amount: int
    resolutions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TicketMoney:
    """What a ticket costs, took and gave back, in minor units.

    ``paid`` counts pending tenders and leaves declined ones out; ``status`` is the
    lifecycle status and ``reinstated`` says a voided ticket was brought back as a sale.
    """

    ticket_id: str
    status: str
    reinstated: bool
    total: int
    paid: int
    pending: int
    declined: int
    refunded: int
    tenders: tuple[Tender, ...]

    @property
    def balance_due(self) -> int:
        """What is still owed on the ticket (refunds do not reopen a balance)."""
        return max(0, self.total - self.paid)

    @property
    def overpaid(self) -> int:
        """Money taken beyond the total and what was already given back."""
        return max(0, self.paid - self.total - self.refunded)

    @property
    def held(self) -> int:
        """Money the ticket holds: paid less refunded."""
        return self.paid - self.refunded

    @property
    def voided(self) -> bool:
        """Voided and not reinstated: its money is no sale."""
        return self.status == "voided" and not self.reinstated

    @property
    def settled(self) -> bool:
        """Paid or closed (a reinstated ticket counts as closed)."""
        return self.status in SETTLED or (self.status == "voided" and self.reinstated)

    def conflicts(self) -> list[MoneyConflict]:
        """The money invariants the ticket breaks: none, or exactly one."""
        if self.voided:
            if self.held > 0:
                return [self._conflict("voided_with_payments", self.held)]
            return []
        if self.overpaid > 0:
            return [self._conflict("overpaid", self.overpaid)]
        if self.settled and self.balance_due > 0:
            return [self._conflict("balance_due", self.balance_due)]
        return []

    def _conflict(self, kind: str, amount: int) -> MoneyConflict:
        conflict_id = money_conflict_id(self.ticket_id, kind)
        return MoneyConflict(conflict_id, self.ticket_id, kind, amount, RESOLUTIONS[kind])


def money_conflict_id(ticket_id: str, kind: str) -> str:
    """The stable id of a money conflict: 32 hex digits of SHA-256, like field conflicts."""
    raw = "\x1f".join(("ticket", ticket_id, "money", kind)).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def ticket_money(state: EntityState) -> TicketMoney:
    """Fold a ticket's merged events into its money (see the module docstring)."""
    lines: dict[str, _Line] = {}
    ticket_discount: tuple[str, int] | None = None
    taken: dict[str, Stamped] = {}
    outcomes: dict[str, str] = {}
    refunded, reinstated = 0, False
    promotions: TicketPromotions | None = None
    for event in sorted(state.events.values(), key=lambda e: e.order_key):
        data: Mapping[str, Any] = event.data if isinstance(event.data, dict) else {}
        name = event.name
        if name == "line_added":
            line = _line(data)
            if line is not None:
                lines[line.line_id] = line
        elif name == "line_changed":
            _change(lines, data)
        elif name == "line_moved":
            lines.pop(_key(data), None)
        elif name == "line_voided" and _key(data) in lines:
            lines[_key(data)].voided = True
        elif name == "discount_applied":
            discount = _discount(data)
            if discount is not None and data.get("line_id") is None:
                ticket_discount = discount
            elif discount is not None and _key(data) in lines:
                lines[_key(data)].discount = discount
        elif name == "payment_taken" and _positive(data.get("amount")):
            payment_id = data.get("payment_id")
            taken.setdefault(payment_id if isinstance(payment_id, str) else event.op_id, event)
        elif name == "payment_confirmed" and data.get("status", "confirmed") in PAYMENT_OUTCOMES:
            outcomes.setdefault(str(data.get("payment_id")), data.get("status", "confirmed"))
        elif name == "refund_issued" and _positive(data.get("amount")):
            refunded += data["amount"]
        elif name == "ticket_reinstated":
            reinstated = True
        elif name == PROMOTIONS_PRICED:
            promotions = from_event(data) or promotions
    tenders = tuple(_tender(pid, event, outcomes.get(pid)) for pid, event in taken.items())
    return TicketMoney(
        ticket_id=state.entity_id,
        status=state.status or "open",
        reinstated=reinstated,
        total=ticket_total(list(lines.values()), ticket_discount, promotions),
        paid=sum(t.amount for t in tenders if t.status != "declined"),
        pending=sum(t.amount for t in tenders if t.status == "pending"),
        declined=sum(t.amount for t in tenders if t.status == "declined"),
        refunded=refunded,
        tenders=tenders,
    )


def money_conflicts(state: EntityState) -> list[MoneyConflict]:
    """The money conflicts of a merged ticket (none for any other entity)."""
    return ticket_money(state).conflicts() if state.entity == "ticket" else []


@dataclass(slots=True)
class _Line:
    line_id: str
    each: int
    quantity: int
    rates: tuple[tuple[str, int, bool], ...]
    discount: tuple[str, int] | None
    variant_id: str = ""
    product_id: str = ""
    category_id: str | None = None
    voided: bool = False

    @property
    def subtotal(self) -> int:
        return self.each * self.quantity

    def basket_line(self) -> BasketLine:
        return BasketLine(
            line_id=self.line_id,
            variant_id=self.variant_id,
            product_id=self.product_id,
            category_id=self.category_id,
            quantity=self.quantity,
            unit_price=self.each,
        )


def ticket_total(
    lines: Sequence[_Line],
    ticket_discount: tuple[str, int] | None,
    promotions: TicketPromotions | None = None,
) -> int:
    """The ticket's total: lines after promotions and discounts, service charges and
    exclusive taxes added (:mod:`sync_protocol.ticket_promotions` gives the order)."""
    live = [line for line in lines if not line.voided]
    promoted = [line.subtotal for line in live]
    if promotions is not None:
        priced = promotions.price([line.basket_line() for line in live])
        off = {result.line_id: result.discount for result in priced.lines}
        promoted = [line.subtotal - off[line.line_id] for line in live]
    after = [
        amount - _off(amount, line.discount) for line, amount in zip(live, promoted, strict=True)
    ]
    shares = _prorate(_off(sum(after), ticket_discount), after)
    nets = [amount - share for amount, share in zip(after, shares, strict=True)]
    if promotions is not None:
        charged = promotions.charges(priced, nets)
        nets = [net + sum(a.amount for a in c) for net, c in zip(nets, charged, strict=True)]
    return sum(_gross(net, line.rates) for line, net in zip(live, nets, strict=True))


def _key(data: Mapping[str, Any]) -> str:
    line_id = data.get("line_id")
    return line_id if isinstance(line_id, str) else ""


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def _positive(value: Any) -> bool:
    return type(value) is int and value > 0


def _line(data: Mapping[str, Any]) -> _Line | None:
    price, quantity = _int(data.get("unit_price")), _int(data.get("quantity"))
    modifiers, rates = data.get("modifiers", []), data.get("tax_rates", [])
    if price is None or quantity is None or quantity < 1 or price < 0:
        return None
    if not isinstance(modifiers, list) or not isinstance(rates, list):
        return None
    deltas = [_int(m.get("price_delta")) if isinstance(m, dict) else None for m in modifiers]
    taxes = [_rate(r) for r in rates]
    if None in deltas or None in taxes:
        return None
    each = price + sum(d for d in deltas if d is not None)
    codes = [t[0] for t in taxes if t is not None]
    if each < 0 or len(set(codes)) != len(codes):
        return None
    raw = data.get("discount")
    discount = _discount(raw) if isinstance(raw, dict) else None
    category = data.get("category_id")
    return _Line(
        _key(data),
        each,
        quantity,
        tuple(t for t in taxes if t),
        discount,
        _text(data.get("variant_id")),
        _text(data.get("product_id")),
        category if isinstance(category, str) else None,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _rate(data: Any) -> tuple[str, int, bool] | None:
    if not isinstance(data, dict):
        return None
    code, bp, inclusive = data.get("code"), _int(data.get("rate_bp")), data.get("inclusive")
    if not isinstance(code, str) or bp is None or bp < 0 or not isinstance(inclusive, bool):
        return None
    return (code, bp, inclusive)


def _discount(data: Mapping[str, Any]) -> tuple[str, int] | None:
    kind, value = data.get("kind"), _int(data.get("value"))
    if value is None or value < 0 or kind not in ("percent", "amount"):
        return None
    if kind == "percent" and value > _BP:
        return None
    return (str(kind), value)


def _change(lines: dict[str, _Line], data: Mapping[str, Any]) -> None:
    line, changes = lines.get(_key(data)), data.get("changes")
    if line is None or not isinstance(changes, dict) or "quantity" not in changes:
        return
    quantity = _int(changes["quantity"])
    if quantity is not None and quantity >= 1:
        line.quantity = quantity


def _tender(payment_id: str, event: Stamped, outcome: str | None) -> Tender:
    data = event.data
    status = data.get("status")
    if status != "pending":
        status = "confirmed"
    elif outcome is not None:
        status = outcome
    method = data.get("method")
    tip = _int(data.get("tip"))
    return Tender(
        payment_id,
        method if isinstance(method, str) else "unknown",
        data["amount"],
        tip if tip is not None and tip > 0 else 0,
        status,
        event.hlc,
    )


def _off(subtotal: int, discount: tuple[str, int] | None) -> int:
    if discount is None or subtotal <= 0:
        return 0
    kind, value = discount
    if kind == "percent":
        return _round_half_up(subtotal * value, _BP)
    return min(value, subtotal)


def _gross(amount: int, rates: tuple[tuple[str, int, bool], ...]) -> int:
    inclusive_bp = sum(bp for _, bp, inclusive in rates if inclusive)
    inclusive = sum(
        _round_half_up(amount * bp, _BP + inclusive_bp) for _, bp, incl in rates if incl
    )
    net = amount - inclusive
    return net + inclusive + sum(_round_half_up(net * bp, _BP) for _, bp, incl in rates if not incl)
