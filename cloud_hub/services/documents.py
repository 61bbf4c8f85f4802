"""The reference documents devices replicate, and their validation.

Each document is the JSON object the edge agent reads from its ``reference_data`` table
(``edge_agent/services/catalog.py``, ``staff.py``): the shapes below are that contract,
copied rather than imported because the hub and the agent never import each other.
Money is integer minor units; a float anywhere is refused. A valid document is stored
exactly as given (so a field left out stays left out, as the agent's demo writes it).
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Literal

import msgspec

from cloud_hub.services.errors import DocumentInvalid
from sync_protocol.promotions import AnyPromotion

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Money = Annotated[int, msgspec.Meta(ge=0, le=10**15)]
Delta = Annotated[int, msgspec.Meta(ge=-(10**15), le=10**15)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1000)]
Basis = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^[0-2][0-9]:[0-5][0-9]$")]
Permission = Literal[
    "void",
    "discount_above_limit",
    "refund",
    "no_sale",
    "price_override",
    "drawer_close",
    "reports",
    "drawer_open",
    "manage_drawer",
    "confirm_payment",
    "pay_out",
    "pay_out_above_limit",
    "pair_devices",
    "cancel_print_job",
    "kitchen",
    "tab_over_limit",
]
PIN_HASH = r"^scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[0-9a-f]+\$[0-9a-f]+$"


class _Doc(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every document: unknown fields are refused, to catch typos early."""


class Named(_Doc, frozen=True):
    """A category or a kitchen station."""

    name: Text


class TaxRate(_Doc, frozen=True):
    """A tax rate in basis points; ``code`` is also its id."""

    code: Ref
    name: Text
    rate_bp: Annotated[int, msgspec.Meta(ge=0, le=100_000)]
    inclusive: bool


class Option(_Doc, frozen=True):
    """One option of a modifier group."""

    id: Ref
    name: Text
    price_delta: Delta = 0


class ModifierGroup(_Doc, frozen=True):
    """Options of which between ``min_select`` and ``max_select`` are chosen."""

    name: Text
    min_select: Count
    max_select: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    options: Annotated[list[Option], msgspec.Meta(max_length=200)]


class Variant(_Doc, frozen=True):
    """A sellable size or flavour with its own price."""

    id: Ref
    name: Text
    price: Money
    sku: Ref | None = None
    barcode: Ref | None = None


class Product(_Doc, frozen=True):
    """A product, its variants and what it refers to."""

    name: Text
    category_id: Ref | None
    variants: Annotated[list[Variant], msgspec.Meta(min_length=1, max_length=200)]
    station: Ref | None = None
    tax_codes: Annotated[list[Ref], msgspec.Meta(max_length=20)] = []
    modifier_group_ids: Annotated[list[Ref], msgspec.Meta(max_length=50)] = []


class Window(_Doc, frozen=True):
    """Weekly local hours (0 = Monday) when a price book applies."""

    weekdays: Annotated[
        list[Annotated[int, msgspec.Meta(ge=0, le=6)]], msgspec.Meta(min_length=1, max_length=7)
    ]
    start: HourMinute
    end: HourMinute


class PriceBook(_Doc, frozen=True):
    """Prices per variant id that replace variant prices while active."""

    name: Text
    priority: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
    outlet_code: Ref | None
    prices: Annotated[dict[Ref, Money], msgspec.Meta(max_length=10_000)]
    windows: Annotated[list[Window], msgspec.Meta(max_length=50)] = []


class PromotionTarget(_Doc, frozen=True, omit_defaults=True):
    """The lines a promotion covers: any listed variant, product or category (none: all)."""

    variant_ids: Annotated[list[Ref], msgspec.Meta(max_length=1000)] = []
    product_ids: Annotated[list[Ref], msgspec.Meta(max_length=1000)] = []
    category_ids: Annotated[list[Ref], msgspec.Meta(max_length=1000)] = []


class BundleItem(_Doc, frozen=True, omit_defaults=True):
    """One part of a bundle: ``quantity`` units of lines the target covers."""

    target: PromotionTarget
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1


PromotionKind = Literal[
    "percent_off", "amount_off", "buy_x_get_y", "bundle", "group_price", "service_charge"
]


class Promotion(_Doc, frozen=True, omit_defaults=True):
    """A promotion; which fields it takes depends on its ``kind``.

    Every kind: ``name``, ``priority``, ``exclusive``, ``outlet_codes``,
    ``customer_groups``, ``windows``, ``min_subtotal``. Then ``percent_off``:
    ``percent_bp``, ``scope``, ``target``; ``amount_off``: ``amount``, ``scope``,
    ``target``; ``buy_x_get_y``: ``buy``, ``get``, ``target``, ``reward``, ``reward_bp``;
    ``bundle``: ``items``, ``price``; ``group_price``: ``prices`` (and customer groups);
    ``service_charge``: ``percent_bp``. The rules are ``sync_protocol.promotions``'s
    (ADR 0028), the types every device prices with. Listed without the fields left
    at their defaults.
    """

    kind: PromotionKind
    name: Text
    priority: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)] = 0
    exclusive: bool = False
    outlet_codes: Annotated[list[Ref], msgspec.Meta(max_length=1000)] = []
    customer_groups: Annotated[list[Ref], msgspec.Meta(max_length=100)] = []
    windows: Annotated[list[Window], msgspec.Meta(max_length=50)] = []
    min_subtotal: Money = 0
    percent_bp: Basis | None = None
    amount: Money | None = None
    scope: Literal["line", "ticket"] | None = None
    target: PromotionTarget | None = None
    buy: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    get: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    reward: PromotionTarget | None = None
    reward_bp: Basis | None = None
    items: Annotated[list[BundleItem], msgspec.Meta(min_length=1, max_length=20)] | None = None
    price: Money | None = None
    prices: Annotated[dict[Ref, Money], msgspec.Meta(max_length=10_000)] | None = None


class OfflineCard(_Doc, frozen=True):
    """An outlet's limits on card tenders stored while offline."""

    per_transaction_limit: Money
    cumulative_limit: Money
    expiry_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 30)]


ZOpenTicketsRule = Literal["warn", "refuse"]
SessionIdleMinutes = Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]
SessionMaxHours = Annotated[int, msgspec.Meta(ge=1, le=24 * 7)]
KioskQuantityMax = Annotated[int, msgspec.Meta(ge=1, le=1000)]
#: The devices' defaults of the kiosk caps (edge_agent.domain.kiosk).
KIOSK_LINE_QUANTITY_MAX, KIOSK_ORDER_QUANTITY_MAX = 10, 30


class OutletSettings(_Doc, frozen=True):
    """What an outlet's settings may hold; no ``offline_card``: no offline cards.

    ``pay_out_limit``: above it a pay-out takes a manager (none: no limit).
    ``z_open_tickets``: a Z report with tickets still open warns and lists them
    (``warn``, the default), or is refused until they are settled (``refuse``).
    ``tab_limit``: the limit a bar tab opened at the outlet takes unless it names its own
    (none: no limit).
    ``session_idle_minutes``, ``session_max_hours``: an operator session on a till ends
    after this long without a request, and this long after sign-in at most
    (defaults 30 minutes and 12 hours).
    ``kiosk_line_quantity_max``, ``kiosk_order_quantity_max``: the most items on one
    self-order kiosk line and on one kiosk order (defaults 10 and 30; ADR 0031).
    """

    offline_card: OfflineCard | None = None
    pay_out_limit: Money | None = None
    z_open_tickets: ZOpenTicketsRule | None = None
    session_idle_minutes: SessionIdleMinutes | None = None
    session_max_hours: SessionMaxHours | None = None
    tab_limit: Money | None = None
    kiosk_line_quantity_max: KioskQuantityMax | None = None
    kiosk_order_quantity_max: KioskQuantityMax | None = None


class Outlet(_Doc, frozen=True):
    """The outlet document devices read (keyed by outlet code)."""

    name: Text
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
    timezone: Text
    offline_card: OfflineCard | None = None
    pay_out_limit: Money | None = None
    z_open_tickets: ZOpenTicketsRule | None = None
    session_idle_minutes: SessionIdleMinutes | None = None
    session_max_hours: SessionMaxHours | None = None
    tab_limit: Money | None = None
    kiosk_line_quantity_max: KioskQuantityMax | None = None
    kiosk_order_quantity_max: KioskQuantityMax | None = None


PinLength = Annotated[int, msgspec.Meta(ge=4, le=12)]
#: A staff member's outlets: codes, or ``"all"`` (also what a document without them means).
Outlets = Annotated[list[Ref], msgspec.Meta(max_length=1000)] | Literal["all"]


class Role(_Doc, frozen=True):
    """A role's rights, the largest discount it may give, the shortest PIN it takes and
    whether it sells (a kitchen screen's role does not: it reads tickets and bumps)."""

    name: Text
    permissions: Annotated[list[Permission], msgspec.Meta(max_length=20)]
    discount_limit_bp: Basis
    min_pin_length: PinLength = 4
    sells: bool = True


class Staff(_Doc, frozen=True):
    """A staff member: the PIN only as its scrypt hash, and the outlets they work at.

    Devices of other outlets receive the document without ``pin_hash``
    (:mod:`cloud_hub.services.verifiers`).
    """

    name: Text
    role: Ref
    pin_hash: Annotated[str, msgspec.Meta(max_length=300, pattern=PIN_HASH)]
    outlets: Outlets = "all"


#: Catalog entities an admin edits with ``PUT /api/v1/catalog/{entity}/{id}``.
CATALOG: dict[str, type[_Doc]] = {
    "category": Named,
    "station": Named,
    "tax_rate": TaxRate,
    "modifier_group": ModifierGroup,
    "product": Product,
    "price_book": PriceBook,
    "promotion": Promotion,
}
#: Every reference entity, by the name the agent uses (ops carry ``ref.<name>``).
SCHEMAS: dict[str, type[_Doc]] = {**CATALOG, "outlet": Outlet, "role": Role, "staff": Staff}


def validate(entity: str, doc_id: str, doc: Any) -> Any:
    """Check one document against its entity's shape and its own rules.

    Returns:
        The validated document as a typed struct.

    Raises:
        DocumentInvalid: naming the first problem and where it is.
    """
    try:
        parsed = msgspec.convert(doc, SCHEMAS[entity], strict=True)
    except msgspec.ValidationError as exc:
        raise DocumentInvalid(f"{entity} {doc_id!r}: {exc}") from None
    _rules(entity, doc_id, parsed)
    if isinstance(parsed, Promotion):
        _promotion_rules(doc_id, doc)
    return parsed


def validate_settings(code: str, settings: Any) -> dict[str, Any]:
    """Check an outlet's settings; return them as plain data, unset keys left out.

    Raises:
        DocumentInvalid: naming the first problem and where it is.
    """
    try:
        parsed = msgspec.convert(settings, OutletSettings, strict=True)
    except msgspec.ValidationError as exc:
        raise DocumentInvalid(f"outlet {code!r} settings: {exc}") from None
    line_max = parsed.kiosk_line_quantity_max or KIOSK_LINE_QUANTITY_MAX
    if line_max > (parsed.kiosk_order_quantity_max or KIOSK_ORDER_QUANTITY_MAX):
        raise DocumentInvalid(
            f"outlet {code!r} settings: a kiosk line may not take more than a kiosk order"
        )
    plain: dict[str, Any] = msgspec.to_builtins(parsed)
    return {key: value for key, value in plain.items() if value is not None}


def _rules(entity: str, doc_id: str, doc: Any) -> None:
    problem = None
    if isinstance(doc, TaxRate) and doc.code != doc_id:
        problem = f"a tax rate's code must equal its id ({doc.code!r} != {doc_id!r})"
    elif isinstance(doc, ModifierGroup):
        problem = _group_problem(doc)
    elif isinstance(doc, Product):
        problem = _duplicates("variant id", [v.id for v in doc.variants])
    elif isinstance(doc, PriceBook):
        problem = next(filter(None, map(_window_problem, doc.windows)), None)
    elif isinstance(doc, Staff) and doc.outlets != "all":
        problem = _duplicates("outlet", list(doc.outlets))
    if problem is not None:
        raise DocumentInvalid(f"{entity} {doc_id!r}: {problem}")


def _promotion_rules(doc_id: str, doc: dict[str, Any]) -> None:
    """A promotion must be one the devices' engine reads, with only its kind's fields."""
    try:
        promotion = msgspec.convert({**doc, "id": doc_id}, AnyPromotion, strict=True)
    except msgspec.ValidationError as exc:
        raise DocumentInvalid(f"promotion {doc_id!r}: {exc}") from None
    foreign = sorted(set(doc) - {"kind", *promotion.__struct_fields__})
    if foreign:
        raise DocumentInvalid(
            f"promotion {doc_id!r}: a {promotion.kind} promotion takes no {foreign}"
        )


def _group_problem(group: ModifierGroup) -> str | None:
    if group.min_select > group.max_select:
        return "min_select must not exceed max_select"
    if group.min_select > len(group.options):
        return "min_select asks for more options than the group offers"
    return _duplicates("option id", [o.id for o in group.options])


def _window_problem(window: Window) -> str | None:
    for text in (window.start, window.end):
        try:
            time.fromisoformat(text)
        except ValueError:
            return f"{text!r} is not a time of day (HH:MM)"
    return None


def _duplicates(what: str, values: list[str]) -> str | None:
    seen = {v for v in values if values.count(v) > 1}
    return f"duplicate {what}s: {sorted(seen)}" if seen else None
