"""Outlet scope: a device writes only entities of its own outlet.

Every entity a device writes belongs to one outlet: the outlet of the device whose op
first created it on the hub (``entities.outlet_id``; for tenders and refunds, which live
inside their ticket, ``payments.outlet_id``). An op is set aside as
``foreign_outlet_entity`` when the entity it changes, or any entity its payload names
(:data:`REFERENCE_KEYS`: the ticket a line moves to, the tender a confirmation settles,
the drawer session a cash tender went into...), belongs to another outlet of the tenant
or to the tenant itself (hub-written data). Ids nobody holds yet are free: the op that
names them first claims them for its outlet.

Entities the tenant's outlets share (:data:`SHARED`, a staff member who works at two
outlets) have no owner; a device may only add events to them (its sign-ins): any
other op on them is ``read_only``, as hub-written data (``ref.*``, ``device.*``) is.

Every entity and event the protocol knows is classified here (:data:`ENTITY_SCOPES`,
:data:`EVENTS`); an entity nobody classified is treated as an outlet's. Pure: the hub
looks the owners up (one indexed query per entity kind per push) and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from cloud_hub.domain.refusals import Refusal
from sync_protocol import Event, FieldEdit, Op

CODE = "foreign_outlet_entity"
#: The kind of entity the ``payments`` read model holds: tenders and refunds.
PAYMENT = "payment"
TICKET = "ticket"
DRAWER_SESSION = "drawer_session"


class Scope(Enum):
    """Who an entity belongs to."""

    OUTLET = "outlet"  # the outlet that first wrote it
    SHARED = "shared"  # the tenant's outlets alike; devices only add events


#: Every entity a device writes, and its scope.
ENTITY_SCOPES: Mapping[str, Scope] = {
    TICKET: Scope.OUTLET,
    DRAWER_SESSION: Scope.OUTLET,
    "z_report": Scope.OUTLET,
    "audit": Scope.OUTLET,  # id: the device's id
    "device_clock": Scope.OUTLET,  # id: the device's id
    "pairing": Scope.OUTLET,  # a tablet paired to one till, and its codes
    "staff": Scope.SHARED,  # id: the staff member's; events: sign-ins
}

#: Payload keys (at any depth of an event's data or a field edit's changes) whose value
#: is the id of an entity, and the kind of that entity.
REFERENCE_KEYS: Mapping[str, str] = {
    "ticket_id": TICKET,
    "to_ticket_id": TICKET,
    "split_from": TICKET,
    "payment_id": PAYMENT,
    "flagged_payment_id": PAYMENT,
    "refund_id": PAYMENT,
    "drawer_session": DRAWER_SESSION,
    "session_id": DRAWER_SESSION,
}

#: Every event a device writes, by entity, with the reference keys its data carries.
EVENTS: Mapping[tuple[str, str], frozenset[str]] = {
    (TICKET, "line_added"): frozenset({"ticket_id"}),  # moved_from.ticket_id
    (TICKET, "line_changed"): frozenset(),
    (TICKET, "line_voided"): frozenset(),
    (TICKET, "line_moved"): frozenset({"to_ticket_id"}),
    (TICKET, "discount_applied"): frozenset({"split_from"}),
    (TICKET, "sent_to_kitchen"): frozenset(),
    (TICKET, "split_evenly"): frozenset(),
    (TICKET, "merged_into"): frozenset({"ticket_id"}),
    (TICKET, "payment_taken"): frozenset({"payment_id", "drawer_session", "ticket_id"}),
    (TICKET, "payment_confirmed"): frozenset({"payment_id"}),
    (TICKET, "payment_reference_duplicated"): frozenset(
        {"payment_id", "ticket_id", "flagged_payment_id"}
    ),
    (TICKET, "refund_issued"): frozenset({"refund_id", "drawer_session"}),
    (TICKET, "ticket_voided"): frozenset(),
    (TICKET, "ticket_reinstated"): frozenset(),
    (TICKET, "promotions_priced"): frozenset(),
    (TICKET, "kitchen_bumped"): frozenset(),
    (TICKET, "tab_preauthorised"): frozenset(),
    (TICKET, "tab_limit_overridden"): frozenset(),
    (TICKET, "kiosk_checked_out"): frozenset(),
    (DRAWER_SESSION, "drawer_opened"): frozenset(),
    (DRAWER_SESSION, "cash_movement"): frozenset(),
    (DRAWER_SESSION, "drawer_counted"): frozenset(),
    ("z_report", "z_report_issued"): frozenset({"session_id"}),
    ("audit", "identity_replaced"): frozenset(),
    ("audit", "print_job_resent"): frozenset({"ticket_id"}),
    ("audit", "print_job_confirmed"): frozenset({"ticket_id"}),
    ("audit", "print_job_cancelled"): frozenset({"ticket_id"}),
    ("device_clock", "hlc_rebased"): frozenset(),
    ("staff", "signed_in"): frozenset(),
    ("pairing", "pairing_code_created"): frozenset(),
    ("pairing", "device_paired"): frozenset(),
    ("pairing", "pairing_revoked"): frozenset(),
}

EntityKey = tuple[str, str]
#: (kind, id) -> the id of the outlet it belongs to (None: the tenant's, hub-written).
Owners = Mapping[EntityKey, str | None]


def scope_of(entity: str) -> Scope:
    """The scope of an entity kind; one nobody classified is an outlet's."""
    return ENTITY_SCOPES.get(entity, Scope.OUTLET)


def named_entities(op: Op) -> list[tuple[EntityKey, str]]:
    """Every entity ``op`` changes or names, with where the op names it.

    The op's own entity comes first (unless the tenant's outlets share it), then each
    reference found in its event data or field changes.
    """
    named: list[tuple[EntityKey, str]] = []
    if scope_of(op.entity) is Scope.OUTLET:
        named.append(((op.entity, op.entity_id), f"{op.entity} {op.entity_id}"))
    if isinstance(op, Event):
        _references(op.data, "data", [], named)
    elif isinstance(op, FieldEdit):
        _references(op.changes, "changes", [], named)
    return named


def _references(
    value: Any, root: str, trail: list[str], found: list[tuple[EntityKey, str]]
) -> None:
    """Add each reference in ``value`` to ``found``; only containers are walked into, and
    a place is spelled out only for a reference (a push names thousands of values).

    Payloads are decoded JSON or MessagePack: exact ``dict``, ``list`` and ``str``
    (``type(...) is`` checks, several times faster than ``isinstance`` here).
    """
    kind_of = REFERENCE_KEYS.get
    if type(value) is dict:
        for key, item in value.items():
            shape = type(item)
            if shape is str:
                kind = kind_of(key)
                if kind is not None:
                    where = "".join([root, *trail, f".{key}"])
                    found.append(((kind, item), f"{where} ({kind} {item})"))
            elif shape is dict or shape is list or shape is tuple:
                trail.append(f".{key}")
                _references(item, root, trail, found)
                trail.pop()
    elif type(value) is list or type(value) is tuple:
        for index, item in enumerate(value):
            shape = type(item)
            if shape is dict or shape is list or shape is tuple:
                trail.append(f"[{index}]")
                _references(item, root, trail, found)
                trail.pop()


def outlet_refusal(op: Op, outlet_id: str, owners: Owners) -> Refusal | None:
    """Why ``op`` of a device of outlet ``outlet_id`` reaches outside it, or None.

    Args:
        op: the op, already known to claim the device's own tenant and outlet.
        outlet_id: the hub's id of the device's outlet.
        owners: the owner of every entity the op names that the hub holds (ids it does
            not hold are absent).
    """
    if scope_of(op.entity) is Scope.SHARED and not isinstance(op, Event):
        return Refusal(
            "read_only",
            f"entity {op.entity!r} is shared by the tenant's outlets: a device only adds "
            f"events to it, not a {op.kind}",
        )
    for key, where in named_entities(op):
        if key not in owners or owners[key] == outlet_id:
            continue
        whose = "another outlet" if owners[key] is not None else "the tenant (hub-written)"
        return Refusal(
            CODE,
            f"{where} belongs to {whose}; a device writes only its own outlet's entities",
        )
    return None
