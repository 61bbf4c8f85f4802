"""The agent's OpenAPI document: litestar generates it from the handlers and the
msgspec Structs of :mod:`edge_agent.http.schemas`; :func:`finish` adds what litestar
cannot see from a handler's signature:

- the security schemes (operator session, device service token) and the public routes;
- the ``Idempotency-Key`` header on the commands (every POST and PATCH a cashier makes);
- the error answers of every operation, each with :class:`ErrorBody`, derived from what
  the operation has (a credential, a body, a path id, a command, a manager PIN) and the
  codes of the one error-to-status map (:mod:`edge_agent.http.errors`);
- the other media types an answer comes in (a report as printable text);
- ``deprecated`` on fields kept for one release (described ``Deprecated: ...``), and
  each schema's description from its Struct's docstring.
"""

from __future__ import annotations

import inspect
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.utils import SEPARATORS_CLEANUP_PATTERN
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.types import Method
from litestar.utils.sync import AsyncCallable

from edge_agent.http import schemas
from edge_agent.http.access import PUBLIC
from edge_agent.http.schema_site import render_plugins
from edge_agent.http.schemas import (
    catalog,
    devices,
    drawer,
    kiosk,
    kitchen,
    pairing,
    requests,
    sync,
    tabs,
    tickets,
)
from edge_agent.http.schemas.errors import codes_by_status

VERSION = "1.0.0"
_FINISHED = "openapi_finished"
SCHEMA_PATH = "/schema"
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Unique text per command (a UUID). The first answer is stored on the device, per "
        "key and caller, in the same transaction as the command, and kept: a retry with the "
        "same key, path and body gets the first answer again with nothing done twice; the "
        "same key with another path or body answers 409 idempotency_key_reused."
    ),
    "schema": {"type": "string", "minLength": 1},
}
#: Handler ``opt`` key: error statuses a route answers beyond what its shape implies.
MORE_ERRORS = "more_errors"
#: Handler ``opt`` key: other media types its success answer comes in (``?format=``),
#: each with a description; the body is then text.
ALSO_AS = "also_as"
#: Commands that are not answered once per key: they change nothing a retry could double.
RUN_EVERY_TIME = frozenset({"/api/v1/auth/signout", "/api/v1/printers/reload", "/api/v1/sync/run"})
_REASONS = {
    400: "The request is malformed or breaks the schema",
    401: "No valid credential, or a wrong PIN",
    403: "Not allowed: the role lacks a permission, or a Host the agent does not answer to",
    404: "No such entity",
    409: "Conflicts with the state of the till",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "A business rule refuses it",
    423: "PIN entry is locked out after too many wrong PINs",
    429: "Too many wrong pairing codes: wait for Retry-After",
}


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI configuration of the agent app (security schemes included)."""
    return OpenAPIConfig(
        title="BengoBox POS agent",
        version=VERSION,
        path=SCHEMA_PATH,
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
        render_plugins=render_plugins(),
        description=(
            "The local API of a till. Money is in minor units of the outlet currency; times "
            "are milliseconds since the epoch (UTC). See docs/api.md."
        ),
        security=[{"OperatorSession": []}, {"ServiceToken": []}],
        components=Components(
            security_schemes={
                "OperatorSession": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An operator session token from POST /api/v1/auth/pin.",
                ),
                "ServiceToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description=(
                        "The device's service token (file service.token in the data "
                        "directory): reads and sync only, never a cashier's action."
                    ),
                ),
            }
        ),
    )


def operation_id(handler: Any, method: Method, path_components: list[Any]) -> str:
    """litestar's operationId (path words, then the handler's name in title case), named
    after the handler's own function: litestar wraps a ``sync_to_thread`` handler once it
    is registered, and its own creator would then name it ``AsyncCallable``."""
    fn = handler.fn
    while isinstance(fn, AsyncCallable):  # wrapped again by each app it is registered in
        fn = fn.func
    name = str(fn.__name__).title()
    if len(handler.http_methods) > 1:
        name = method.title() + name
    words = ""
    for component in (getattr(c, "name", c) for c in path_components):
        if component.title() not in words:
            words += component.title()
    return SEPARATORS_CLEANUP_PATTERN.sub("", words + name)


async def finish_before_serving(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: complete the document before ``/schema`` first serves it
    (built on demand: it takes half a second a till need not spend at every start)."""
    if request.url.path.startswith(SCHEMA_PATH):
        finish(request.app)


def finish(app: Litestar) -> dict[str, Any]:
    """Complete the app's OpenAPI document in place, once (it is served as it is cached)."""
    document = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
    if app.state.get(_FINISHED):
        return document
    app.state[_FINISHED] = True
    components = document.setdefault("components", {}).setdefault("schemas", {})
    _, defs = msgspec.json.schema_components(
        [schemas.ErrorBody], ref_template="#/components/schemas/{name}"
    )
    components.update(defs)
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format.startswith(SCHEMA_PATH):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = document["paths"][route.path_format].get(method.lower())
                if operation is not None:
                    public = bool(handler.opt.get(PUBLIC))
                    _finish_operation(operation, route.path_format, method, public, components)
                    for status in handler.opt.get(MORE_ERRORS, ()):
                        operation["responses"][str(status)] = _error_response(status)
                    _add_media_types(operation, handler.opt.get(ALSO_AS, {}))
    _describe_components(components)
    return document


def _finish_operation(
    operation: dict[str, Any], path: str, method: str, public: bool, components: dict[str, Any]
) -> None:
    if public:
        operation["security"] = []
    parameters = operation.setdefault("parameters", [])
    if method in ("POST", "PATCH") and not public and path not in RUN_EVERY_TIME:
        parameters.append(IDEMPOTENCY_KEY)
    body = "requestBody" in operation
    names = {p["name"].lower() for p in parameters}
    statuses = {403} | ({400} if "400" in operation["responses"] else set())
    if not public:
        statuses.add(401)
    if body:
        statuses |= {400, 413, 415, 422}
    if any(p["in"] == "query" for p in parameters):
        statuses.add(400)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if method in ("POST", "PATCH") and not public:
        statuses |= {409, 422}
    if public and body:
        statuses |= {401, 423}
    if "x-manager-pin" in names or "manager_pin" in _body_fields(operation, components):
        statuses |= {401, 423}
    if not parameters:
        del operation["parameters"]
    for status in sorted(statuses):
        operation["responses"][str(status)] = _error_response(status)


def _add_media_types(operation: dict[str, Any], media_types: dict[str, str]) -> None:
    for status, response in operation["responses"].items():
        if status.startswith("2") and "content" in response:
            for media, description in media_types.items():
                response["content"][media] = {
                    "schema": {"type": "string", "description": description}
                }


def _body_fields(operation: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The property names of an operation's JSON body (through ``$ref``, ``oneOf``, ``allOf``)."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    found: set[str] = set()
    for option in [schema, *schema.get("oneOf", ()), *schema.get("allOf", ())]:
        ref = option.get("$ref", "")
        target = components.get(ref.rsplit("/", 1)[-1], option) if ref else option
        found |= set(target.get("properties", {}))
    return found


def _error_response(status: int) -> dict[str, Any]:
    codes = ", ".join(codes_by_status().get(status, ()))
    return {
        "description": f"{_REASONS[status]} (code: {codes}).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


_STRUCT_MODULES = (catalog, devices, drawer, kiosk, kitchen, pairing, requests, sync, tabs, tickets)


def _describe_components(components: dict[str, Any]) -> None:
    structs = {
        name: kind
        for module in _STRUCT_MODULES
        for name, kind in vars(module).items()
        if inspect.isclass(kind) and issubclass(kind, msgspec.Struct)
    }
    for name, schema in components.items():
        kind = structs.get(name)
        if kind is not None and kind.__doc__ and "description" not in schema:
            schema["description"] = inspect.cleandoc(kind.__doc__)
    for schema in components.values():
        for prop in schema.get("properties", {}).values():
            if str(prop.get("description", "")).startswith("Deprecated:"):
                prop["deprecated"] = True
            target = _referenced(prop)
            if "description" not in prop and target in components:
                described = components[target].get("description", target)
                many = prop.get("type") == "array"
                prop["description"] = ("Each: " if many else "") + described.split("\n\n")[0]


def _referenced(prop: dict[str, Any]) -> str:
    """The component a property holds (itself, in a list, or or-null), if any."""
    for option in [prop, prop.get("items", {}), *prop.get("oneOf", ())]:
        if "$ref" in option:
            return str(option["$ref"]).rsplit("/", 1)[-1]
    return ""
