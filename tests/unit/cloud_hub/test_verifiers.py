"""Which staff documents keep their PIN hash on the way to a device."""

from __future__ import annotations

import uuid
from typing import Any

from cloud_hub.services.verifiers import redact, works_at
from sync_protocol import FieldEdit, Tombstone, uuid7
from sync_protocol.hlc import pack

HASH = "scrypt$8192$8$1$00$11"
_seq = iter(range(1, 1000))


def envelope(entity: str) -> dict[str, Any]:
    seq = next(_seq)
    return {
        "op_id": uuid7(1_700_000_000_000 + seq),
        "tenant": "acme",
        "outlet": "HUB",
        "device_id": uuid.UUID(int=1),
        "device_seq": seq,
        "hlc": pack(1_700_000_000_000 + seq, 0),
        "entity": entity,
        "entity_id": "s1",
    }


def staff_edit(**doc: Any) -> FieldEdit:
    return FieldEdit(**envelope("ref.staff"), changes={"doc": {"name": "A", **doc}}, base={})


def test_a_staff_document_without_outlets_or_with_all_works_everywhere() -> None:
    assert works_at({"name": "A"}, "NBO1")
    assert works_at({"outlets": "all"}, "NBO1")
    assert works_at({"outlets": ["NBO1", "MSA1"]}, "NBO1")
    assert not works_at({"outlets": ["MSA1"]}, "NBO1")
    assert not works_at({"outlets": []}, "NBO1")


def test_a_version_that_is_kept_reaches_the_device_with_its_hash() -> None:
    op = staff_edit(pin_hash=HASH)

    assert redact(op, frozenset({str(op.op_id)})) is op


def test_any_other_version_reaches_the_device_without_its_hash_and_nothing_else_changes() -> None:
    op = staff_edit(pin_hash=HASH, role="cashier")

    sent = redact(op, frozenset())

    assert isinstance(sent, FieldEdit)
    assert sent.changes["doc"] == {"name": "A", "role": "cashier"}
    assert (sent.op_id, sent.hlc, sent.base) == (op.op_id, op.hlc, op.base)


def test_ops_other_than_staff_documents_pass_untouched() -> None:
    product = FieldEdit(**envelope("ref.product"), changes={"doc": {"pin_hash": HASH}}, base={})
    gone = Tombstone(**envelope("ref.staff"))

    assert redact(product, frozenset()) is product
    assert redact(gone, frozenset()) is gone
