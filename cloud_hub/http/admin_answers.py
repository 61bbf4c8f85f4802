"""Answer bodies of the admin API that are not a service's own result type.

The error body every admin route answers with, who a credential is (``/api/v1/me``),
the catalog, roles and staff as listed, and the state hash. Reference documents are
listed with the shapes devices read (``cloud_hub.services.documents``) plus their id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from cloud_hub.http.api_types import MaybeMillis
from cloud_hub.services import documents

Id = Annotated[str, msgspec.Meta(description="The document's id.", examples=["latte"])]


class ErrorBody(msgspec.Struct, frozen=True, omit_defaults=True):
    """Every error answer of the admin API."""

    code: Annotated[
        str,
        msgspec.Meta(
            description="Machine-readable error code, stable across versions; the list of "
            "codes is in this schema's enumeration and in docs/api.md.",
            examples=["not_found"],
        ),
    ]
    message: Annotated[str, msgspec.Meta(description="What went wrong, for people.")]
    detail: Annotated[
        Any,
        msgspec.Meta(description="Reserved for structured details; not sent today."),
    ] = None


class Me(msgspec.Struct, frozen=True):
    """``GET /api/v1/me``: who the admin credential of the request is."""

    token_id: Annotated[
        str, msgspec.Meta(description="The admin token's id (`demo` for the demo token).")
    ]
    name: Annotated[str, msgspec.Meta(description="The token's holder name.")]
    scope: Annotated[
        str, msgspec.Meta(description="`tenant`: administers one tenant.", examples=["tenant"])
    ]
    tenant: Annotated[str, msgspec.Meta(description="The tenant's slug.", examples=["acme"])]
    tenant_name: Annotated[str, msgspec.Meta(description="The tenant's name.")]
    currency: Annotated[str, msgspec.Meta(description="The tenant's default currency (ISO 4217).")]
    expires_ms: MaybeMillis
    fingerprint: Annotated[
        str, msgspec.Meta(description="First 8 hex digits of the token's SHA-256 (audit trails).")
    ]
    permissions: Annotated[
        list[str], msgspec.Meta(description="What the credential may do on this hub's API.")
    ]


def _entry(doc_type: type[msgspec.Struct]) -> type[msgspec.Struct]:
    return msgspec.defstruct(
        f"{doc_type.__name__}Entry",
        [("id", Id)],
        bases=(doc_type,),
        kw_only=True,
        frozen=True,
    )


#: A listed catalog document type per catalog entity.
CATALOG_ENTRIES: dict[str, type[msgspec.Struct]] = {
    entity: _entry(kind) for entity, kind in documents.CATALOG.items()
}
#: A listed role.
RoleEntry = _entry(documents.Role)

#: ``GET /api/v1/catalog``: every live catalog document, by entity.
Catalog = msgspec.defstruct(
    "Catalog",
    [(entity, list[kind]) for entity, kind in CATALOG_ENTRIES.items()],  # type: ignore[valid-type]
    frozen=True,
)


def catalog_entry(entity: str, doc_id: str, doc: dict[str, Any]) -> msgspec.Struct:
    """A stored document as listed: its id and its (validated) body."""
    kind = RoleEntry if entity == "role" else CATALOG_ENTRIES[entity]
    return msgspec.convert({**doc, "id": doc_id}, kind)


class StaffView(msgspec.Struct, frozen=True):
    """A staff member as the admin API shows it: never the PIN or its hash."""

    id: Annotated[str, msgspec.Meta(description="The staff member's id.")]
    name: Annotated[str, msgspec.Meta(description="The staff member's name.")]
    role: Annotated[str, msgspec.Meta(description="The id of the staff member's role.")]
    outlets: Annotated[
        list[str] | Literal["all"],
        msgspec.Meta(
            description="The outlet codes the staff member works at, or `all`: only their "
            "tills hold the PIN hash."
        ),
    ] = "all"


class StaffWritten(StaffView, frozen=True, kw_only=True):
    """``PUT /api/v1/staff/{id}``: the staff member as written."""

    version: Annotated[
        str | None, msgspec.Meta(description="The op id of the document's current version.")
    ]
    changed: Annotated[bool, msgspec.Meta(description="False when the write changed nothing.")]


class StateHash(msgspec.Struct, frozen=True):
    """``GET /api/v1/state-hash``."""

    state_hash: Annotated[
        str,
        msgspec.Meta(
            description="Canonical hash of the outlet's merged ops and the tenant's reference "
            "data; equal on every replica that holds the same ops."
        ),
    ]
