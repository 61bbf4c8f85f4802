"""Errors raised by the edge agent's domain rules.

One tree, rooted at :class:`DomainError`; every class has a stable, machine-readable,
snake_case ``code`` that the HTTP layer puts on the wire unchanged::

    DomainError                             domain_error
    ├── InvalidValue (ValueError)           invalid_value
    │   ├── UnknownCurrency                 unknown_currency
    │   ├── InvalidAmount                   invalid_amount
    │   ├── NegativeQuantity                negative_quantity
    │   ├── InvalidDiscount                 invalid_discount
    │   ├── InvalidPin                      invalid_pin
    │   ├── InvalidSplit                    invalid_split
    │   ├── ModifierSelectionInvalid        modifier_selection_invalid
    │   └── KioskQuantityOverCap            kiosk_quantity_over_cap
    ├── ReasonRequired                      reason_required
    ├── TicketClosed                        ticket_closed
    ├── BalanceDue                          balance_due
    ├── NothingDue                          nothing_due
    ├── OverTender                          over_tender
    ├── ReferenceRequired                   reference_required
    ├── OfflineCardLimit                    offline_card_limit
    ├── RefundExceedsPayment                refund_exceeds_payment
    ├── PaymentAlreadySettled               payment_already_settled
    ├── NothingToReinstate                  nothing_to_reinstate
    ├── TabLimitExceeded                    tab_limit_exceeded
    ├── WrongPin                            wrong_pin
    ├── StaffLockedOut                      staff_locked_out
    ├── PermissionDenied                    insufficient_permission
    │   └── DiscountOverLimit               discount_over_limit
    ├── RoleCannotSell                      role_cannot_sell
    ├── KioskNotAllowed                     kiosk_not_allowed
    └── NotFound (LookupError)              not_found
        ├── CategoryNotFound                category_not_found
        ├── ProductNotFound                 product_not_found
        ├── VariantNotFound                 variant_not_found
        ├── ModifierNotFound                modifier_not_found
        ├── ModifierGroupNotFound           modifier_group_not_found
        ├── StationNotFound                 station_not_found
        ├── PriceBookNotFound               price_book_not_found
        ├── TaxRateNotFound                 tax_rate_not_found
        └── LineNotFound                    line_not_found

Not-found errors carry the id that was looked up (``entity_id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .rbac import Permission


class DomainError(Exception):
    """Base of every error the domain raises; ``code`` is machine-readable."""

    code: ClassVar[str] = "domain_error"


class InvalidValue(DomainError, ValueError):
    """A value object was given a value outside its rules (a programming or input error)."""

    code = "invalid_value"


class UnknownCurrency(InvalidValue):
    """An ISO currency code the till does not know."""

    code = "unknown_currency"

    def __init__(self, currency_code: str) -> None:
        super().__init__(f"unknown currency {currency_code!r}")
        self.currency_code = currency_code


class InvalidAmount(InvalidValue):
    """A money amount that is zero, negative, or not payable where one is required."""

    code = "invalid_amount"


class NegativeQuantity(InvalidValue):
    """A line quantity below one."""

    code = "negative_quantity"


class InvalidDiscount(InvalidValue):
    """A negative discount, a percentage above 100 %, or an unknown discount kind."""

    code = "invalid_discount"


class InvalidPin(InvalidValue):
    """A PIN that is not 4 to 12 ASCII digits."""

    code = "invalid_pin"


class InvalidSplit(InvalidValue):
    """A split that loses a line, repeats one, or leaves a check empty."""

    code = "invalid_split"


class ModifierSelectionInvalid(InvalidValue):
    """Chosen modifiers break a group's min/max or are not offered (``group_id``: which)."""

    code = "modifier_selection_invalid"

    def __init__(self, message: str, group_id: str | None = None) -> None:
        super().__init__(message)
        self.group_id = group_id


class KioskQuantityOverCap(InvalidValue):
    """A kiosk line, or a kiosk order, above the outlet's quantity cap."""

    code = "kiosk_quantity_over_cap"


class ReasonRequired(DomainError):
    """An action that must be explained (pay-out, drop, discount, refund) had no reason."""

    code = "reason_required"


class TicketClosed(DomainError):
    """A change to a ticket that is already paid, closed or voided."""

    code = "ticket_closed"


class PaymentAlreadySettled(DomainError):
    """Confirming a declined tender, or declining a confirmed one: the first outcome stands."""

    code = "payment_already_settled"

    def __init__(self, status: str, wanted: str) -> None:
        super().__init__(f"the tender is already {status}; it cannot become {wanted}")
        self.status = status


class NothingToReinstate(DomainError):
    """Reinstating a ticket that is not voided, is reinstated already, or holds no money."""

    code = "nothing_to_reinstate"


class BalanceDue(DomainError):
    """Closing a ticket that is not fully paid; ``balance_due`` is what is still owed."""

    code = "balance_due"

    def __init__(self, balance_due: int) -> None:
        super().__init__(f"the ticket still has {balance_due} (minor units) to pay")
        self.balance_due = balance_due


class NothingDue(DomainError):
    """A payment on a ticket whose balance is already zero."""

    code = "nothing_due"


class OverTender(DomainError):
    """A non-cash tender larger than the balance due (only cash gives change)."""

    code = "over_tender"


class ReferenceRequired(DomainError):
    """A mobile-money tender without the customer's confirmation reference."""

    code = "reference_required"


class OfflineCardLimit(DomainError):
    """An offline (store-and-forward) card tender above ``limit``, an outlet's limit."""

    code = "offline_card_limit"

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class RefundExceedsPayment(DomainError):
    """A refund larger than what the tender type took, less earlier refunds.

    Attributes:
        method: the tender type the refund goes back to.
        available: what can still be refunded to it, in minor units.
    """

    code = "refund_exceeds_payment"

    def __init__(self, method: str, requested: int, available: int) -> None:
        super().__init__(
            f"refund of {requested} to {method} exceeds the {available} still refundable"
        )
        self.method = method
        self.requested = requested
        self.available = available


class TabLimitExceeded(DomainError):
    """A tab would go above its limit and nobody with the right overrode it."""

    code = "tab_limit_exceeded"

    def __init__(self, limit: int, total: int) -> None:
        super().__init__(
            f"this would take the tab to {total}, above its limit of {limit};"
            " a manager's PIN can override"
        )
        self.detail = {"limit": limit, "total": total}


class WrongPin(DomainError):
    """A PIN that does not match the staff member's."""

    code = "wrong_pin"


class StaffLockedOut(DomainError):
    """Too many wrong PINs: the staff member is locked out until ``until``."""

    code = "staff_locked_out"

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked out until {until.isoformat()}")
        self.until = until


class PermissionDenied(DomainError):
    """The operator's role lacks a permission; a manager may override inline.

    Attributes:
        permission: the permission that was required.
        role: the name of the role that lacks it.
    """

    code = "insufficient_permission"

    def __init__(self, permission: Permission, role: str, message: str | None = None) -> None:
        super().__init__(message or f"role {role!r} lacks permission {permission.value!r}")
        self.permission = permission
        self.role = role


class RoleCannotSell(DomainError):
    """The operator's role does not sell (a kitchen screen's): it may read tickets and do
    what its permissions allow, but not open, change or take payment for a ticket."""

    code = "role_cannot_sell"


class KioskNotAllowed(DomainError):
    """A kiosk asked for something only staff do (a discount, a void, the drawer, a
    report, another device's ticket): a kiosk browses, orders and pays, nothing else."""

    code = "kiosk_not_allowed"


class DiscountOverLimit(PermissionDenied):
    """A discount above the role's limit, without the ``discount_above_limit`` permission."""

    code = "discount_over_limit"

    def __init__(self, permission: Permission, role: str, limit_bp: int, requested_bp: int) -> None:
        super().__init__(
            permission,
            role,
            f"a {requested_bp} bp discount exceeds role {role!r}'s limit of {limit_bp} bp",
        )
        self.limit_bp = limit_bp
        self.requested_bp = requested_bp


class NotFound(DomainError, LookupError):
    """Something looked up by id does not exist; ``entity_id`` is the id."""

    code = "not_found"
    entity: ClassVar[str] = "entity"

    def __init__(self, entity_id: str) -> None:
        super().__init__(f"{self.entity} {entity_id!r} not found")
        self.entity_id = entity_id


class CategoryNotFound(NotFound):
    """No category with this id."""

    code = "category_not_found"
    entity = "category"


class ProductNotFound(NotFound):
    """No product with this id."""

    code = "product_not_found"
    entity = "product"


class VariantNotFound(NotFound):
    """No variant with this id, SKU or barcode."""

    code = "variant_not_found"
    entity = "variant"


class ModifierNotFound(NotFound):
    """No modifier with this id."""

    code = "modifier_not_found"
    entity = "modifier"


class ModifierGroupNotFound(NotFound):
    """No modifier group with this id."""

    code = "modifier_group_not_found"
    entity = "modifier group"


class StationNotFound(NotFound):
    """No kitchen station with this id."""

    code = "station_not_found"
    entity = "kitchen station"


class PriceBookNotFound(NotFound):
    """No price book with this id."""

    code = "price_book_not_found"
    entity = "price book"


class TaxRateNotFound(NotFound):
    """No tax rate with this code."""

    code = "tax_rate_not_found"
    entity = "tax rate"


class LineNotFound(NotFound):
    """No ticket line with this id."""

    code = "line_not_found"
    entity = "ticket line"
