"""The outlet-scope rule, without I/O: which entities an op names, and when it is refused.

The classification cannot drift from what the tills write: the edge agent's sources are
read for every entity and event it puts in an op (``Draft`` and the helpers that build
one), and each must be classified in ``cloud_hub.domain.outlet_scope``.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud_hub.domain.outlet_scope import (
    CODE,
    ENTITY_SCOPES,
    EVENTS,
    REFERENCE_KEYS,
    named_entities,
    outlet_refusal,
)
from cloud_hub.domain.quarantine import Writer, refusal
from tests.hub_rows import HubDevice, OpMaker

EDGE_AGENT = Path(__file__).resolve().parents[3] / "edge_agent"
NOW_MS = 1_772_431_200_000
DEVICE = HubDevice(str(uuid.uuid4()), "t", "D01", "tenant-1", "demo", "outlet-a", "DEMO1")
WRITER = Writer(DEVICE.uuid, "demo", "DEMO1", "outlet-a")
#: Helpers that build a ``Draft``: name -> (position of the entity, or the entity
#: itself when the helper fixes it; position of the event name, None for non-events).
HELPERS: dict[str, tuple[int | str, int | None]] = {
    "event": ("ticket", 1),  # edge_agent.services.tickets.event(ticket_id, name, data)
    "_event": (0, 2),  # edge_agent.services.drawer._event(entity, entity_id, name, data)
    "_pairing_event": (
        "pairing",
        2,
    ),  # edge_agent.services.pairing._pairing_event(conn, id, name, ..)
    "_audit_job": ("audit", 1),  # edge_agent.services.print_jobs._audit_job(ctx, name, job)
}


def ops() -> OpMaker:
    return OpMaker(DEVICE, clock_ms=NOW_MS - 1_000)


def test_an_op_names_its_entity_and_every_reference_at_any_depth() -> None:
    op = ops().event(
        "ticket",
        "t1",
        "payment_taken",
        {
            "payment_id": "p1",
            "drawer_session": "s1",
            "duplicate_reference_of": [{"ticket_id": "t0", "payment_id": "p0"}],
            "line_id": "l1",
            "by": "staff-1",
        },
    )

    named = [key for key, _ in named_entities(op)]

    assert named == [
        ("ticket", "t1"),
        ("payment", "p1"),
        ("drawer_session", "s1"),
        ("ticket", "t0"),
        ("payment", "p0"),
    ]


def test_ids_nobody_holds_and_ids_of_the_devices_own_outlet_are_writable() -> None:
    op = ops().event("ticket", "t1", "payment_confirmed", {"payment_id": "p1"})

    assert outlet_refusal(op, "outlet-a", {}) is None
    assert outlet_refusal(op, "outlet-a", {("ticket", "t1"): "outlet-a"}) is None


@pytest.mark.parametrize(
    ("owners", "named"),
    [
        ({("ticket", "t1"): "outlet-b"}, "ticket t1"),
        ({("payment", "p1"): "outlet-b"}, "data.payment_id (payment p1)"),
        ({("ticket", "t1"): None}, "ticket t1"),
    ],
)
def test_an_op_reaching_another_outlets_or_the_tenants_entity_is_refused_saying_which(
    owners, named
) -> None:
    op = ops().event("ticket", "t1", "payment_confirmed", {"payment_id": "p1"})

    refused = outlet_refusal(op, "outlet-a", owners)

    assert refused is not None
    assert refused.code == CODE == "foreign_outlet_entity"
    assert refused.reason.startswith(named)


def test_a_shared_entity_takes_events_from_any_outlet_and_nothing_else() -> None:
    maker = ops()
    sign_in = maker.event("staff", "s1", "signed_in")
    rename = maker.field("staff", "s1", {"name": "x"})
    owned_elsewhere = {("staff", "s1"): "outlet-b"}

    assert outlet_refusal(sign_in, "outlet-a", owned_elsewhere) is None
    assert outlet_refusal(rename, "outlet-a", owned_elsewhere) == (
        "read_only",
        "entity 'staff' is shared by the tenant's outlets: a device only adds events to it, "
        "not a field",
    )


def test_the_hub_checks_outlet_scope_after_the_credential_and_before_the_clock() -> None:
    maker = OpMaker(DEVICE, clock_ms=NOW_MS + 86_400_000)
    far_ahead_on_b = maker.event("ticket", "t1", "line_added", {"line_id": "l"})
    foreign_outlet = maker.event("ticket", "t2", "line_added", {}, outlet="OTHER")
    owned = {("ticket", "t1"): "outlet-b", ("ticket", "t2"): "outlet-b"}

    first = refusal(far_ahead_on_b, WRITER, NOW_MS, owners=owned)
    second = refusal(foreign_outlet, WRITER, NOW_MS, owners=owned)

    assert (first.code if first else None) == "foreign_outlet_entity"
    assert (second.code if second else None) == "wrong_device"


def test_every_reference_an_event_carries_is_a_reference_key() -> None:
    carried = set().union(*EVENTS.values())

    assert carried <= set(REFERENCE_KEYS)
    assert {entity for entity, _ in EVENTS} <= set(ENTITY_SCOPES)


def test_every_entity_and_event_a_till_writes_is_classified_for_outlet_scope() -> None:
    written = set(_written_by_the_edge_agent())
    entities = {entity for entity, _ in written}
    events = {(entity, name) for entity, name in written if name is not None}

    # The scan must see the tills' ops at all, or it proves nothing.
    assert {("ticket", "payment_confirmed"), ("drawer_session", "cash_movement")} <= events
    assert entities - set(ENTITY_SCOPES) == set()
    assert events - set(EVENTS) == set()
    assert set(EVENTS) - events == set()  # no stale entry hides a renamed event


def _written_by_the_edge_agent() -> Iterator[tuple[str, str | None]]:
    """(entity, event name or None) of every op the edge agent's sources build."""
    trees = {path: ast.parse(path.read_text()) for path in sorted(EDGE_AGENT.rglob("*.py"))}
    constants = _string_constants(trees.values())
    for path, tree in trees.items():
        # A module's own constants first: two modules may give one name different values.
        own = _string_constants([tree])
        for function in ast.walk(tree):
            if not isinstance(function, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            local = {**constants, **own, **_local_dicts(function)}
            for call in _own_calls(function):
                name = _callee(call)
                if name == "Draft":
                    yield from _from_draft(path, call, local)
                elif name in HELPERS:
                    yield _from_helper(path, call, name, local)


def _own_calls(function: ast.AST) -> Iterator[ast.Call]:
    """Calls in ``function``'s own body (not in the functions it defines)."""
    todo: list[ast.AST] = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def _from_draft(path: Path, call: ast.Call, local: dict) -> Iterator[tuple[str, str | None]]:
    kind, entity, payload = call.args[0], call.args[1], call.args[3]
    if isinstance(payload, ast.Name) and isinstance(local.get(payload.id), ast.Dict):
        payload = local[payload.id]
    if _is_param(entity) or _is_param(payload):
        return  # a helper's own body: its callers are read instead (HELPERS)
    entity_name = _resolve(path, entity, local)
    if _resolve(path, kind, local) != "event":
        yield entity_name, None
        return
    assert isinstance(payload, ast.Dict), f"{path}:{call.lineno}: cannot read the event"
    fields = dict(zip(payload.keys, payload.values, strict=True))
    (name,) = [v for k, v in fields.items() if isinstance(k, ast.Constant) and k.value == "name"]
    if not _is_param(name):
        yield entity_name, _resolve(path, name, local)


def _from_helper(path: Path, call: ast.Call, helper: str, local: dict) -> tuple[str, str | None]:
    entity_at, name_at = HELPERS[helper]
    entity = (
        entity_at if isinstance(entity_at, str) else _resolve(path, call.args[entity_at], local)
    )
    return entity, None if name_at is None else _resolve(path, call.args[name_at], local)


def _is_param(node: ast.AST) -> bool:
    # The helpers' bodies build drafts from their parameters, named like these.
    return isinstance(node, ast.Name) and node.id in {"entity", "name", "payload", "data"}


def _resolve(path: Path, node: ast.AST, local: dict) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    key = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    value = local.get(key)
    assert isinstance(value, str), f"{path}:{node.lineno}: cannot tell which {key!r} this is"
    return value


def _string_constants(trees) -> dict[str, str]:
    """Module-level ``NAME = "text"`` of every module (names are unique enough here)."""
    found: dict[str, str] = {}
    for tree in trees:
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        found.setdefault(target.id, node.value.value)
    return found


def _local_dicts(function: ast.AST) -> dict[str, ast.Dict]:
    return {
        target.id: node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None
