"""The hub's OpenAPI document is its contract: served, committed, exact.

Every operation has a human summary and a description, a typed answer, its credential,
and every error status it can answer with the one error body; creating requests
declare ``Idempotency-Key``; the committed ``docs/openapi/hub.json`` is what is served;
and real answers of the main admin flows fit the documented schemas.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from cloud_hub.http import errors as error_map
from cloud_hub.http.openapi import ADMIN, DEVICE, OPERATOR, all_codes
from cloud_hub.http.openapi_dump import hub_document
from cloud_hub.http.openapi_examples import EXAMPLES
from cloud_hub.http.schema_site import ASSETS
from sync_protocol import PROTOCOL_VERSION, SCHEMA_VERSION, ErrorCode
from tests.integration.cloud_hub.admin_harness import Till, auth, running_hub, store_device_ops
from tests.integration.cloud_hub.openapi_check import assert_documented

COMMITTED = Path(__file__).parents[3] / "docs" / "openapi" / "hub.json"
METHODS = ("get", "post", "put", "delete", "patch")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return hub_document()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.fixture
async def hub(tmp_path):
    async with running_hub(tmp_path) as hub:
        yield hub


async def test_the_served_document_is_the_committed_one(hub) -> None:
    answer = await hub.client.get("/schema/openapi.json")

    assert answer.status_code == 200
    assert answer.json() == json.loads(COMMITTED.read_text(encoding="utf-8")), (
        "docs/openapi/hub.json is stale: run `make openapi`"
    )


async def test_the_schema_pages_load_nothing_from_elsewhere(hub) -> None:
    answer = await hub.client.get("/schema")
    swagger = await hub.client.get("/schema/swagger")
    head = answer.text.split("const ui")[0]
    loaded = re.findall(r"(?:src|href)=['\"]([^'\"]+)", head)
    assets = [await hub.client.get(path) for path in loaded]

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert swagger.text == answer.text
    assert "cdn" not in head.lower()
    assert "unpkg" not in head.lower()
    assert "//" not in "".join(loaded), loaded
    assert {f"{ASSETS}/swagger-ui-bundle.js", f"{ASSETS}/swagger-ui.css"} <= set(loaded)
    assert [a.status_code for a in assets] == [200] * len(loaded)


async def test_the_swagger_page_shows_the_served_document_and_the_document_stays_public(
    hub,
) -> None:
    page = (await hub.client.get("/schema")).text
    served = await hub.client.get("/schema/openapi.json")  # no credential

    spec = page.split("spec: ", 1)[1].split(",\n                  dom_id", 1)[0]
    assert served.status_code == 200
    assert json.loads(spec) == served.json()


def test_every_operation_has_a_summary_that_is_not_its_handler_name_and_a_description(
    document,
) -> None:
    for method, path, operation in operations(document):
        summary = operation.get("summary", "")
        assert " " in summary, f"{method} {path}: {summary!r} reads like a handler name"
        assert summary[0].isupper(), f"{method} {path}: {summary!r}"
        assert len(operation.get("description", "")) > len(summary), f"{method} {path}"


def test_every_success_answer_is_typed(document) -> None:
    for method, path, operation in operations(document):
        ok = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert ok, f"{method} {path} documents no success"
        for status, response in ok.items():
            for media, content in response["content"].items():
                schema = resolve(document, content["schema"])
                if media.startswith("text/plain"):
                    continue  # the Prometheus text format
                if schema.get("type") == "array":
                    schema = resolve(document, schema["items"])
                assert schema.get("type") == "object" or "anyOf" in schema or "oneOf" in schema, (
                    f"{method} {path} {status}: {schema}"
                )
                assert schema.get("properties"), f"{method} {path} {status} is an untyped object"


def test_no_schema_is_an_untyped_object_unless_it_says_what_it_holds(document) -> None:
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            untyped = prop.get("type") == "object" and not prop.get("properties")
            untyped = untyped and prop.get("additionalProperties") in (None, {}, True)
            if untyped or prop == {}:
                assert prop.get("description"), f"{name}.{field} is an untyped object"


def test_every_field_of_every_schema_says_what_it_holds(document) -> None:
    missing = [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description") and "$ref" not in prop
    ]

    assert missing == []


def test_every_error_answer_is_the_one_error_body_or_the_sync_error_message(document) -> None:
    for method, path, operation in operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert "503" in errors, f"{method} {path} does not say its database may not serve"
        expected = "ErrorMessage" if path.startswith("/sync/v1/") else "ErrorBody"
        for status, response in errors.items():
            for content in response["content"].values():
                assert content["schema"]["$ref"].endswith(f"/{expected}"), (
                    f"{method} {path} {status}"
                )
            assert "Codes: `" in response["description"], f"{method} {path} {status}"


def test_the_error_code_enumeration_holds_every_code_the_hub_answers(document) -> None:
    enumerated = set(document["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"])

    assert set(error_map._HTTP_CODES.values()) <= enumerated
    assert {"malformed", "unauthorized", "not_found", "idempotency_key_reused"} <= enumerated
    assert {"unavailable", "request_timeout", "rate_limited", "internal_error"} <= enumerated
    assert enumerated == set(all_codes())
    sync_codes = document["components"]["schemas"]["ErrorMessage"]["properties"]["code"]
    assert sync_codes["maxLength"] == 64
    for code in ErrorCode:
        assert any(f"`{code.value}`" in r["description"] for r in _sync_errors(document)), code


def _sync_errors(document: dict[str, Any]) -> list[dict[str, Any]]:
    push = document["paths"]["/sync/v1/push"]["post"]["responses"]
    return [r for s, r in push.items() if s[0] in "45"]


def test_each_operation_names_its_credential(document) -> None:
    schemes = document["components"]["securitySchemes"]
    assert {ADMIN, DEVICE, OPERATOR} <= set(schemes)
    for method, path, operation in operations(document):
        names = {name for entry in operation.get("security", []) for name in entry}
        if path.startswith("/sync/v1/"):
            assert names == {DEVICE}, f"{method} {path}"
        elif path == "/api/v1/tenants":
            assert names == {OPERATOR}
        elif path.startswith("/api/v1/") and path != "/api/v1/enroll":
            assert names == {ADMIN}, f"{method} {path}"
        else:
            assert operation["security"] == [], f"{method} {path} takes no credential"


def test_creating_requests_declare_idempotency_key_with_its_lifetime_and_the_409(document) -> None:
    for method, path, operation in operations(document):
        if method not in {"POST", "PUT"} or path.startswith("/sync/v1/"):
            continue
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["Idempotency-Key"], f"{method} {path}"
        assert "24 hours" in headers[0]["description"]
        assert "`idempotency_key_reused`" in operation["responses"]["409"]["description"]


def test_sync_operations_take_and_answer_json_or_msgpack(document) -> None:
    push = document["paths"]["/sync/v1/push"]["post"]

    assert set(push["requestBody"]["content"]) == {"application/json", "application/msgpack"}
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PushRequest"
    )
    assert push["responses"]["200"]["content"]["application/msgpack"]["schema"]["$ref"].endswith(
        "/PushResponse"
    )
    assert "`batch_too_large`" in push["responses"]["413"]["description"]


def test_the_main_operations_show_examples_that_fit_their_schemas(document) -> None:
    for (path, method, where), value in EXAMPLES.items():
        operation = document["paths"][path][method]
        part = operation["requestBody"] if where == "request" else operation["responses"][where]
        for content in part["content"].values():
            assert content["examples"]["example"]["value"] == value
            schema = {**content["schema"], "components": document["components"]}
            errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(value)]
            assert errors == [], (path, method, where, errors)
    assert ("/api/v1/outlets/{outlet}/tickets", "get", "200") in EXAMPLES


def test_money_and_time_fields_say_their_unit(document) -> None:
    schemas = document["components"]["schemas"]
    for name, field in [
        ("TicketView", "total"),
        ("TicketView", "opened_ms"),
        ("TicketTotals", "paid"),
        ("PaymentView", "amount"),
        ("PaymentView", "recorded_ms"),
        ("Totals", "net"),
        ("Me", "expires_ms"),
    ]:
        description = schemas[name]["properties"][field]["description"]
        assert "minor units" in description or "milliseconds" in description, (name, field)


async def test_answers_of_the_main_admin_flows_fit_the_documented_schemas(hub) -> None:
    document = (await hub.client.get("/schema/openapi.json")).json()
    token = await hub.tenant("acme")
    admin = auth(token)
    device_id = str(uuid.uuid4())
    answers = [
        await hub.client.post(
            "/api/v1/outlets",
            json={"code": "NBO1", "name": "Nairobi", "timezone": "Africa/Nairobi"},
            headers=admin,
        ),
        await hub.client.post(
            "/api/v1/outlets/NBO1/enrollment-codes", json={"device_code": "D01"}, headers=admin
        ),
    ]
    code = answers[-1].json()["code"]
    answers.append(
        await hub.client.post("/api/v1/enroll", json={"code": code, "device_id": device_id})
    )
    till = Till(device_id, "acme", "NBO1", hub.clock())
    await store_device_ops(
        hub,
        "acme",
        "NBO1",
        [
            till.edit("t1", {"receipt_no": "NBO1-D01-000001", "currency": "KES"}),
            till.event(
                "t1",
                "payment_taken",
                {"payment_id": "p1", "method": "card", "amount": 500, "status": "pending"},
            ),
        ],
    )
    category = {"name": "Coffee"}
    answers += [
        await hub.client.get("/api/v1/me", headers=admin),
        await hub.client.get("/api/v1/outlets", headers=admin),
        await hub.client.get("/api/v1/outlets/NBO1", headers=admin),
        await hub.client.get("/api/v1/devices", headers=admin),
        await hub.client.put("/api/v1/catalog/category/coffee", json=category, headers=admin),
        await hub.client.put(
            "/api/v1/roles/cashier",
            json={"name": "Cashier", "permissions": ["refund"], "discount_limit_bp": 500},
            headers=admin,
        ),
        await hub.client.put(
            "/api/v1/staff/s1",
            json={"name": "Amina", "role": "cashier", "pin": "4821"},
            headers=admin,
        ),
        await hub.client.get("/api/v1/catalog", headers=admin),
        await hub.client.get("/api/v1/roles", headers=admin),
        await hub.client.get("/api/v1/staff", headers=admin),
        await hub.client.get("/api/v1/tickets/t1", headers=admin),
        await hub.client.get("/api/v1/tickets", headers=admin),
        await hub.client.get("/api/v1/outlets/NBO1/tickets?day=2026-03-02&limit=1", headers=admin),
        await hub.client.get("/api/v1/outlets/NBO1/payments?day=2026-03-02", headers=admin),
        await hub.client.get("/api/v1/payments/p1", headers=admin),
        await hub.client.post("/api/v1/payments/p1/confirm", json={}, headers=admin),
        await hub.client.get(
            "/api/v1/reports/settlement?outlet=NBO1&day=2026-03-02", headers=admin
        ),
        await hub.client.get("/api/v1/sync/status?outlet=NBO1", headers=admin),
        await hub.client.get("/api/v1/conflicts", headers=admin),
        await hub.client.get("/api/v1/quarantine", headers=admin),
        await hub.client.get("/api/v1/state-hash?outlet=NBO1", headers=admin),
        await hub.client.get("/api/v1/admin-tokens", headers=admin),
        await hub.client.post("/api/v1/admin-tokens", json={"name": "backup"}, headers=admin),
        await hub.client.get(f"/api/v1/devices/{device_id}/nothing", headers=admin),
        await hub.client.get("/health"),
        # refusals
        await hub.client.get("/api/v1/tickets/nope", headers=admin),
        await hub.client.get("/api/v1/payments/nope", headers=admin),
        await hub.client.get("/api/v1/outlets", headers=auth("wrong")),
        await hub.client.get("/api/v1/outlets/NBO1/tickets?day=2026-13-45", headers=admin),
        await hub.client.get("/api/v1/outlets/NBO1/tickets?day=2026-03-02&limit=0", headers=admin),
        await hub.client.post("/api/v1/outlets", content=b"{", headers=admin),
        await hub.client.delete("/api/v1/roles/cashier", headers=admin),
        await hub.client.post(
            "/api/v1/admin-tokens", json={"name": "x"}, headers={**admin, "Idempotency-Key": "k"}
        ),
        await hub.client.post(
            "/api/v1/admin-tokens", json={"name": "y"}, headers={**admin, "Idempotency-Key": "k"}
        ),
        await hub.client.post("/api/v1/enroll", json={"code": "WRONG", "device_id": device_id}),
    ]

    statuses = [answer.status_code for answer in answers]
    for answer in answers:
        if answer.status_code == 404 and answer.request.url.path.endswith("/nothing"):
            continue  # no such route: nothing to document
        assert_documented(document, answer)
    assert {200, 201, 400, 401, 404, 409, 422} <= set(statuses)


async def test_answers_of_the_sync_routes_fit_the_documented_schemas(hub) -> None:
    document = (await hub.client.get("/schema/openapi.json")).json()
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    device_id = str(uuid.uuid4())
    enrolled = await hub.enroll(await hub.code(token, "NBO1", "D01"), device_id)
    device = auth(enrolled["credential"])
    shake = {
        "type": "handshake",
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "device_id": device_id,
        "device_clock_ms": hub.clock(),
        "device_hlc": 0,
        "last_seq": 0,
    }
    pull = {"type": "pull", "cursor": None, "limit": 10}

    answers = [
        await hub.client.post("/sync/v1/handshake", json=shake, headers=device),
        await hub.client.post("/sync/v1/pull", json=pull, headers=device),
        await hub.client.post("/sync/v1/handshake", json=shake),
        await hub.client.post("/sync/v1/pull", content=b"{", headers=device),
        await hub.client.post(
            "/sync/v1/pull", content=b"x", headers={**device, "Content-Type": "text/plain"}
        ),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 401, 400, 415]
    for answer in answers:
        assert_documented(document, answer)
