"""Lifecycles: the ordered statuses an entity moves through.

A status change is merged monotonically: an entity's status is the highest-ranked status
any replica has seen, so it never moves back whatever the order of delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sync_protocol.errors import UnknownStatusError


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """An entity's statuses in the order they may be reached.

    Attributes:
        entity: the entity name the lifecycle belongs to.
        statuses: every status, lowest rank first.
        terminal: statuses after which the entity takes no more edits; an edit stamped
            after the entity reached one is kept but flagged as late.
        allowed_after_terminal: event names that are normal after a terminal status
            (a refund of a closed ticket), and so are never flagged.
    """

    entity: str
    statuses: tuple[str, ...]
    terminal: frozenset[str] = frozenset()
    allowed_after_terminal: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(set(self.statuses)) != len(self.statuses):
            raise ValueError(f"lifecycle of {self.entity!r} repeats a status")
        if not self.terminal <= set(self.statuses):
            raise ValueError(f"lifecycle of {self.entity!r} has unknown terminal statuses")

    def rank(self, status: str) -> int:
        """Return the status's rank; higher ranks win.

        Raises:
            UnknownStatusError: if the status is not part of this lifecycle.
        """
        try:
            return self.statuses.index(status)
        except ValueError:
            raise UnknownStatusError(self.entity, status) from None


TICKET = Lifecycle(
    entity="ticket",
    statuses=("open", "sent", "billed", "paid", "closed", "voided"),
    terminal=frozenset({"closed", "voided"}),
    allowed_after_terminal=frozenset(
        {
            "refund_issued",
            "receipt_printed",
            "payment_confirmed",
            "payment_reference_duplicated",
            "kitchen_bumped",  # a paid order is still being made
        }
    ),
)
DRAWER_SESSION = Lifecycle(
    entity="drawer_session",
    statuses=("open", "closing", "closed"),
    terminal=frozenset({"closed"}),
)

#: The lifecycles every replica knows, by entity name.
DEFAULT_LIFECYCLES: Mapping[str, Lifecycle] = {
    lifecycle.entity: lifecycle for lifecycle in (TICKET, DRAWER_SESSION)
}
