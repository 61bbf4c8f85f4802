"""The hub's OpenAPI document: how each operation is described, and what litestar cannot
say on its own.

Handlers describe themselves with :func:`admin_op` (or :func:`device_op`): a summary, a
description, the credential they take, and the hub errors their use case raises. The
statuses and codes an operation answers come from those error classes through the one
error-to-status map (``cloud_hub.http.errors.status_for``), plus what every request of
its kind can meet (a bad credential, a body too large or too slow, a database that
cannot serve). :func:`complete` then adds what lives outside the handlers' signatures:
the error-code enumeration (every code of the hub's error tree), the ``Idempotency-Key``
header of creating requests, the sync protocol's bodies (JSON or MessagePack, schemas
made by msgspec from ``sync_protocol``'s wire types) and the reference documents' shapes.

The document is served at ``/schema/openapi.json``, and shown by Swagger UI at ``/schema``
from files the hub serves itself (:mod:`cloud_hub.http.schema_site`).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Example, Reference, SecurityScheme
from litestar.routes import HTTPRoute

from cloud_hub.http import errors as error_map
from cloud_hub.http.admin_answers import ErrorBody
from cloud_hub.http.openapi_examples import add_examples
from cloud_hub.http.openapi_glossary import describe
from cloud_hub.http.schema_site import render_plugins
from cloud_hub.services import documents, idempotency
from cloud_hub.services import errors as hub_errors
from sync_protocol import ErrorCode, ErrorMessage, Handshake, PullRequest
from sync_protocol.messages import (
    HandshakeAccepted,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_protocol.recovery import (
    KnownOpsRequest,
    KnownOpsResponse,
    SuccessorGranted,
    SuccessorRequest,
)

ADMIN, OPERATOR, DEVICE = "AdminToken", "OperatorToken", "DeviceCredential"
SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    ADMIN: SecurityScheme(
        type="http",
        scheme="bearer",
        description="A tenant's admin token (`pos-hub token create`, `POST /api/v1/admin-tokens`)"
        ": the tenant of every request is the token's, never one named in the request.",
    ),
    OPERATOR: SecurityScheme(
        type="http",
        scheme="bearer",
        description="The hub operator's token (`POS_HUB_ADMIN_TOKEN`, or a stored token of "
        "scope `operator`).",
    ),
    DEVICE: SecurityScheme(
        type="http",
        scheme="bearer",
        description="A device credential, received once from `POST /api/v1/enroll`.",
    ),
}

#: Codes answered by the transport rather than a use case, with their status.
TRANSPORT_CODES: dict[str, int] = {
    "malformed": 400,
    "bad_request": 400,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "request_timeout": 408,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "too_many_requests": 429,
    "internal_error": 500,
    "unavailable": 503,
}
_DESCRIPTIONS = {
    400: "Bad input: the request is not the shape the operation takes.",
    401: "No credential, or one the hub refuses.",
    403: "The credential may not do this.",
    404: "Nothing with that key in the caller's tenant (another tenant's is not shown).",
    408: "The request body did not arrive in time.",
    409: "Refused in the current state.",
    413: "The request body is over the operation's limit.",
    415: "A body of a media type the operation does not take.",
    422: "A value the use case refuses.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "The hub's database cannot serve now; nothing was written; retry after "
    "`Retry-After` seconds.",
}
_ADMIN_AUTH = (
    hub_errors.Unauthorized,
    hub_errors.AdminTokenRevoked,
    hub_errors.AdminTokenExpired,
    hub_errors.DemoTokenRefused,
)
_OPERATOR_AUTH = _ADMIN_AUTH[:3]
_BODY = (("malformed", 400), ("request_timeout", 408), ("body_too_large", 413))
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
    "description": "Makes the request run at most once: a repeat with the same key, "
    "method, path and body within "
    f"{idempotency.KEPT_MS // 3_600_000} hours gets the first answer (same status and "
    "body) and changes nothing; the same key with another request is refused 409 "
    "`idempotency_key_reused`. Keys are scoped to the caller (a tenant, the hub operator, "
    "or enrolling devices). Use a random UUID.",
}


def code_of(error: type[hub_errors.HubError]) -> tuple[str, int]:
    """A hub error class's code and the HTTP status it is answered with."""
    return error.code, error_map.status_for(error.__new__(error))


def all_codes() -> list[str]:
    """Every error code an admin route can answer: the hub's error tree and the transport's."""
    found = {"hub_error", *TRANSPORT_CODES}
    pending = [hub_errors.HubError]
    while pending:
        kind = pending.pop()
        found.add(kind.code)
        pending.extend(kind.__subclasses__())
    return sorted(found)


def admin_op(
    summary: str,
    description: str,
    *,
    errors: Iterable[type[hub_errors.HubError]] = (),
    body: bool = False,
    params: bool = False,
    idempotent: bool = False,
    credential: str = ADMIN,
) -> dict[str, Any]:
    """Route-handler keywords that document an admin operation.

    Args:
        errors: what its use case raises (beyond the credential's refusals).
        body: it reads a JSON body.
        params: it takes path or query parameters (bad ones are 400 ``malformed``).
        idempotent: it honours ``Idempotency-Key``.
        credential: the security scheme it takes (``None``: no credential).
    """
    codes: list[tuple[str, int]] = [code_of(kind) for kind in errors]
    if credential == ADMIN:
        codes += [code_of(kind) for kind in _ADMIN_AUTH]
    elif credential == OPERATOR:
        codes += [code_of(kind) for kind in _OPERATOR_AUTH]
    if body:
        codes += _BODY
    if params or idempotent:
        codes.append(("malformed", 400))
    if idempotent:
        codes.append(code_of(hub_errors.IdempotencyKeyReused))
    codes.append(("unavailable", 503))
    return {
        "summary": summary,
        "description": description,
        "security": [{credential: []}] if credential else [],
        "responses": dict(_error_responses(codes)),
        "opt": {"idempotent": idempotent},
    }


def device_op(summary: str, description: str) -> dict[str, Any]:
    """Route-handler keywords of a ``/sync/v1`` operation (bodies: :func:`complete`)."""
    return {
        "summary": summary,
        "description": description,
        "security": [{DEVICE: []}],
        "opt": {"sync": True},
    }


def _error_responses(codes: Iterable[tuple[str, int]]) -> Iterator[tuple[int, ResponseSpec]]:
    by_status: dict[int, set[str]] = defaultdict(set)
    for code, status in codes:
        by_status[status].add(code)
    for status, found in sorted(by_status.items()):
        listed = ", ".join(f"`{code}`" for code in sorted(found))
        first = sorted(found)[0]
        yield (
            status,
            ResponseSpec(
                ErrorBody,
                description=f"{_DESCRIPTIONS.get(status, 'Refused.')} Codes: {listed}.",
                generate_examples=False,
                examples=[Example(summary=first, value={"code": first, "message": f"{first} ..."})],
            ),
        )


# -- completing the document ------------------------------------------------------------

_SYNC_BODIES: dict[str, tuple[type[Any], type[Any]]] = {
    "/sync/v1/handshake": (Handshake, HandshakeAccepted),
    "/sync/v1/push": (PushRequest, PushResponse),
    "/sync/v1/pull": (PullRequest, PullResponse),
    "/sync/v1/successor": (SuccessorRequest, SuccessorGranted),
    "/sync/v1/known": (KnownOpsRequest, KnownOpsResponse),
}
_SYNC_MEDIA = ("application/json", "application/msgpack")
#: Request bodies checked by a service rather than litestar: path -> schema name.
_DOCUMENT_BODIES = {
    "/api/v1/catalog/{entity}/{doc_id}": "CatalogDocument",
    "/api/v1/roles/{role_id}": "Role",
    "/api/v1/outlets/{code}/settings": "OutletSettings",
}


#: Names of the reference-document types (litestar draws those the catalog lists).
_DOCUMENT_TYPES = {
    kind.__name__
    for kind in vars(documents).values()
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct)
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_SETTINGS = {
    "anyOf": [_ref("OutletSettings"), {"type": "null"}],
    "description": "The outlet's settings document.",
}
#: Properties held as JSON objects in Python whose shape a reference document gives.
_TYPED_PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("NewOutlet", "settings"): _SETTINGS,
    ("Outlet", "settings"): _SETTINGS,
    ("EnrolledOutlet", "settings"): _SETTINGS,
    ("Written", "doc"): {
        "anyOf": [_ref("CatalogDocument"), _ref("Role"), {"type": "null"}],
        "description": "The document as now held (its entity's shape); null once deleted.",
    },
}
#: Properties that hold any JSON value by design, and what they hold.
FREE_FORM: dict[tuple[str, str], str] = {
    ("ConflictView", "values"): "Each conflicting write's value, by op id: any JSON value "
    "the field can hold.",
    ("Resolution", "value"): "The value written: any JSON value the field can hold.",
    ("Resolve", "value"): "A new value for the field: any JSON value it can hold.",
    ("Event", "data"): "The event's payload; its shape is given by the event's `name` "
    "(docs/sync-protocol.md).",
    ("FieldEdit", "changes"): "The edited fields and their new values.",
    ("FieldEdit", "base"): "The version of each edited field the editor saw.",
}


def _describe(schemas: dict[str, Any]) -> None:
    for name, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            if "description" not in prop and "$ref" not in prop:
                found = describe(name, field)
                if found is not None:
                    prop["description"] = found


def _retype(schemas: dict[str, Any]) -> None:
    for (name, field), schema in _TYPED_PROPERTIES.items():
        schemas[name]["properties"][field] = dict(schema)
    for (name, field), description in FREE_FORM.items():
        schemas[name]["properties"][field]["description"] = description


def _wire_components() -> dict[str, Any]:
    types: list[Any] = [ErrorMessage, documents.Role, documents.OutletSettings]
    types += [kind for pair in _SYNC_BODIES.values() for kind in pair]
    types += list(documents.CATALOG.values())
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    catalog = sorted({kind.__name__ for kind in documents.CATALOG.values()})
    components["CatalogDocument"] = {
        "description": "A catalog document; its shape is the path's `entity`: "
        + ", ".join(f"`{e}` is {kind.__name__}" for e, kind in documents.CATALOG.items())
        + ".",
        "anyOf": [_ref(name) for name in catalog],
    }
    return dict(components)


def _sync_operation(operation: dict[str, Any], path: str) -> None:
    request, answer = _SYNC_BODIES[path]
    both = {media: {"schema": _ref(request.__name__)} for media in _SYNC_MEDIA}
    operation["requestBody"] = {
        "required": True,
        "description": "The protocol message, as JSON (also when `Content-Type` is absent) "
        "or MessagePack; the answer is in the request's codec.",
        "content": both,
    }
    responses: dict[str, Any] = {
        "200": {
            "description": f"{answer.__name__}, in the request's codec.",
            "content": {media: {"schema": _ref(answer.__name__)} for media in _SYNC_MEDIA},
        }
    }
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in ErrorCode:
        by_status[_sync_status(code)].append(code.value)
    for status, codes in sorted(by_status.items()):
        listed = ", ".join(f"`{code}`" for code in sorted(codes))
        responses[str(status)] = {
            "description": f"{_DESCRIPTIONS.get(status, 'Refused.')} An ErrorMessage in the "
            f"request's codec (JSON for `unsupported_media_type`). Codes: {listed}.",
            "content": {media: {"schema": _ref("ErrorMessage")} for media in _SYNC_MEDIA},
        }
    operation["responses"] = responses


def _sync_status(code: str) -> int:
    from cloud_hub.http.sync import status_for  # the sync routes' own table

    return status_for(code)


def complete(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """The served document: litestar's, with what its signatures cannot say."""
    document = copy.deepcopy(generated)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _wire_components().items():
        if name in schemas and name not in _DOCUMENT_TYPES:
            raise ValueError(f"two different schemas are named {name!r}")
        # litestar already drew the document types the catalog listing holds.
        schemas.setdefault(name, schema)
    schemas["ErrorBody"]["properties"]["code"]["enum"] = all_codes()
    _retype(schemas)
    _describe(schemas)
    add_examples(document)
    for path, method, opt in _operations(app):
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:  # the document's own route
            continue
        operation.setdefault("security", [])  # litestar leaves "no credential" out
        if opt.get("idempotent"):
            operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_HEADER))
        if opt.get("sync"):
            _sync_operation(operation, path)
        if path in _DOCUMENT_BODIES and "requestBody" in operation:
            for media in operation["requestBody"]["content"].values():
                media["schema"] = _ref(_DOCUMENT_BODIES[path])
    return document


def _operations(app: Litestar) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                yield route.path_format, method.lower(), handler.opt


def document(app: Litestar) -> dict[str, Any]:
    """The OpenAPI document ``app`` serves at ``/schema/openapi.json``."""
    return complete(app, app.openapi_schema.to_schema())


class HubOpenAPIJson(JsonRenderPlugin):
    """Serves :func:`document` (litestar's JSON plugin serves the bare generated one)."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, complete(request.app, openapi_schema))


DESCRIPTION = """The BengoBox POS hub: enrollment, the sync protocol (`/sync/v1`) and the
admin API (`/api/v1`) of a tenant's outlets, devices, reference data, tickets and money.
Money is an integer in minor units; times are Unix milliseconds; errors are
`{"code", "message"}` with a stable `code`. See docs/api.md."""


def openapi_config(version: str) -> OpenAPIConfig:
    """The hub's OpenAPI settings: security schemes, the JSON document and Swagger UI."""
    return OpenAPIConfig(
        title="BengoBox POS hub",
        version=version,
        description=DESCRIPTION,
        path="/schema",
        render_plugins=render_plugins(HubOpenAPIJson(path="/openapi.json"), complete),
        components=Components(security_schemes=SECURITY_SCHEMES),
        create_examples=False,
    )
