"""Every key of a tenant's data leads with ``tenant_id`` (ADR 0024).

A device names its tickets, tenders, entities, conflicts and ops itself, so nothing it
names may have to be unique beyond its tenant; and keys that lead with the tenant let
the schema be distributed by tenant (Citus) without a change. Checked over the hub's
SQLAlchemy metadata: every primary key, unique constraint and index. What is not one
tenant's data, or is keyed by something only the hub makes, is listed here with why.
"""

from __future__ import annotations

import sqlalchemy as sa

from cloud_hub.store.models import metadata

#: Tables that are not one tenant's data.
NOT_TENANT_DATA = {
    "hub_meta": "hub-wide facts (the hub's epoch), no tenant's",
    "tenants": "the tenants themselves: keyed by the tenant's id, its slug and its hub "
    "writer device's id are unique hub-wide by design (made by the hub); a reference table "
    "when distributed",
    "admin_credentials": "looked up by the digest of a bearer token before any tenant is "
    "known; operator tokens belong to no tenant",
    "admin_idempotency": "keyed by the caller's scope first: the tenant's id for a tenant's "
    "admin, or 'operator' / 'enroll' for callers that have no tenant yet",
    "enrollment_codes": "looked up by the digest of a one-time code before the device's "
    "tenant is known",
}
#: Keys of tenant data that need not lead with the tenant, each named
#: ``table:column,column`` (``pk`` for a primary key), with why.
HUB_MADE_KEYS = {
    "outlets:pk": "an outlet's id is made by the hub (uuid7), never by a device",
    "devices:credential_hash": "the digest of a secret the hub made, looked up before the "
    "device's tenant is known",
}


def keys(table: sa.Table) -> dict[str, list[str]]:
    """Every primary key, unique constraint and index of ``table``, named as above."""
    found = {"pk": [c.name for c in table.primary_key.columns]}
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            columns = [c.name for c in constraint.columns]
            found[",".join(columns)] = columns
    for index in table.indexes:
        columns = [c.name for c in index.columns]
        found[",".join(columns)] = columns
    return found


def test_every_key_of_a_tenants_data_leads_with_the_tenant() -> None:
    leading_elsewhere = [
        f"{table.name}:{name}"
        for table in metadata.sorted_tables
        if table.name not in NOT_TENANT_DATA
        for name, columns in keys(table).items()
        if columns[0] != "tenant_id" and f"{table.name}:{name}" not in HUB_MADE_KEYS
    ]

    assert leading_elsewhere == []


def test_the_listed_exceptions_name_real_tables_and_keys() -> None:
    tables = {table.name: table for table in metadata.sorted_tables}
    named = {f"{name}:{key}" for name, table in tables.items() for key in keys(table)}

    assert set(NOT_TENANT_DATA) <= set(tables)
    assert set(HUB_MADE_KEYS) <= named


def test_every_table_of_tenant_data_has_a_tenant() -> None:
    without = [
        table.name
        for table in metadata.sorted_tables
        if table.name not in NOT_TENANT_DATA and "tenant_id" not in table.c
    ]

    assert without == []


def test_what_devices_name_is_keyed_by_tenant_first() -> None:
    tables = {table.name: table for table in metadata.sorted_tables}

    assert keys(tables["tickets"])["pk"] == ["tenant_id", "id"]
    assert keys(tables["payments"])["pk"] == ["tenant_id", "id"]
    assert keys(tables["conflicts"])["pk"] == ["tenant_id", "conflict_id"]
    assert keys(tables["entities"])["pk"] == ["tenant_id", "entity", "entity_id"]
    assert keys(tables["ops"])["pk"] == ["tenant_id", "op_id"]
    assert keys(tables["devices"])["pk"] == ["tenant_id", "id"]
