"""Hub-wide facts in ``hub_meta``: the epoch that names the hub's current history.

Every pull cursor carries the epoch. ``pos-hub restore-mark`` gives a restored hub a new
one (:func:`new_epoch`), so devices holding cursors of the old history are told to reset
instead of being served numbers the restored hub may reuse for other ops.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.store.dialect import insert
from cloud_hub.store.models import hub_meta

EPOCH_KEY = "epoch"


async def ensure_epoch(conn: AsyncConnection) -> str:
    """The hub's epoch, created (a uuid4 hex) if the database has none yet.

    Safe under concurrency: two hubs creating it at once agree on one value.
    """
    query = sa.select(hub_meta.c.value).where(hub_meta.c.key == EPOCH_KEY)
    epoch = (await conn.execute(query)).scalar_one_or_none()
    if epoch is not None:
        return str(epoch)
    await conn.execute(
        insert(conn, hub_meta)
        .values(key=EPOCH_KEY, value=uuid.uuid4().hex)
        .on_conflict_do_nothing(index_elements=[hub_meta.c.key])
    )
    return str((await conn.execute(query)).scalar_one())


async def new_epoch(conn: AsyncConnection) -> str:
    """Start a new history (after restoring a backup) and return its epoch."""
    epoch = uuid.uuid4().hex
    await conn.execute(
        insert(conn, hub_meta)
        .values(key=EPOCH_KEY, value=epoch)
        .on_conflict_do_update(index_elements=[hub_meta.c.key], set_={"value": epoch})
    )
    return epoch
