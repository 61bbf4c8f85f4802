"""An in-memory replica, the reference every store is checked against."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sync_protocol.hashing import state_hash
from sync_protocol.lifecycle import DEFAULT_LIFECYCLES, Lifecycle
from sync_protocol.merge import Conflict, EntityState, apply_op
from sync_protocol.operations import Op


class Replica:
    """An in-memory replica: entity states by (entity, entity_id).

    The agent and the hub keep their state in their own stores; this class is the
    reference every store is checked against (tests replay an op log into it and compare
    state hashes).
    """

    def __init__(self, lifecycles: Mapping[str, Lifecycle] = DEFAULT_LIFECYCLES) -> None:
        self.lifecycles = lifecycles
        self._entities: dict[tuple[str, str], EntityState] = {}

    def apply(self, op: Op) -> bool:
        """Apply an operation; return False if it was already applied.

        Raises:
            MergeError: if the op cannot be merged; the replica is left unchanged.
        """
        key = (op.entity, op.entity_id)
        state = self._entities.get(key)
        if state is None:
            state = EntityState(op.entity, op.entity_id)
            applied = apply_op(state, op, self.lifecycles)
            self._entities[key] = state
            return applied
        return apply_op(state, op, self.lifecycles)

    def get(self, entity: str, entity_id: str) -> EntityState | None:
        return self._entities.get((entity, entity_id))

    def __iter__(self) -> Iterator[EntityState]:
        return iter(self._entities.values())

    def __len__(self) -> int:
        return len(self._entities)

    def state_hash(self) -> str:
        """The canonical hash of everything this replica holds."""
        return state_hash(self._entities.values(), self.lifecycles)

    def conflicts(self) -> list[Conflict]:
        """Every conflict on every entity, in a stable order."""
        return [
            conflict
            for key in sorted(self._entities)
            for conflict in self._entities[key].conflicts()
        ]
