"""The agent's OpenAPI document is the contract: exact, typed, committed, and what the
agent really answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from litestar.testing import TestClient

import edge_agent.http.errors as http_errors
from edge_agent.bootstrap import init_device
from edge_agent.http.app import create_app
from edge_agent.http.schema_site import ASSETS, swagger_ui_assets
from edge_agent.http.schemas.errors import HTTP_STATUS, error_codes
from edge_agent.settings import AgentSettings
from tests.openapi_documents import AGENT_DOCUMENT, render, served_agent_document

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
METHODS = ("get", "post", "put", "patch", "delete")
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict[str, Any]:
    return served_agent_document(tmp_path_factory.mktemp("agent"))


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_committed_agent_document_is_the_one_the_agent_serves(document):
    committed = AGENT_DOCUMENT.read_text(encoding="utf-8")

    assert render(document) == committed, "run `make openapi` and commit docs/openapi/agent.json"


def test_every_operation_has_a_summary_and_a_description(document):
    for method, path, operation in operations(document):
        summary = operation.get("summary", "")
        # A sentence of its own, not litestar's default made of the handler's name.
        assert " " in summary, (method, path, summary)
        assert "callable" not in summary.lower(), (method, path, summary)
        assert operation.get("description"), (method, path)


def _untyped(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "string" and "format" not in schema:
        return True
    return (
        schema.get("type") == "object"
        and "properties" not in schema
        and (schema.get("additionalProperties") in ({}, True, None))
    )


def test_every_success_answer_has_a_typed_schema(document):
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = response["content"]
            json_schema = content.get("application/json", {}).get("schema")
            if json_schema is None:
                assert all(media.startswith("text/") for media in content), (method, path)
                continue
            assert not _untyped(json_schema), (method, path, status, json_schema)


def test_no_schema_of_an_answer_is_an_untyped_object(document):
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if name == "ErrorBody" and field == "detail":
                continue
            assert not _untyped(prop) or prop.get("type") == "string", (name, field, prop)


def test_every_error_answer_is_the_error_body(document):
    for method, path, operation in operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert "403" in errors, (method, path)
        for status, response in errors.items():
            assert response["content"]["application/json"]["schema"] == ERROR_BODY, (
                method,
                path,
                status,
            )


def test_the_error_body_enumerates_every_code_of_the_error_tree(document):
    schemas = document["components"]["schemas"]

    code = schemas["ErrorBody"]["properties"]["code"]
    enum = schemas[code["$ref"].rsplit("/", 1)[-1]]["enum"] if "$ref" in code else code["enum"]

    assert set(enum) == set(error_codes())
    assert {"ticket_closed", "not_signed_in", "idempotency_key_reused", "wrong_pin"} <= set(enum)


def test_commands_declare_the_idempotency_key_and_protected_routes_a_bearer_token(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["OperatorSession"]["scheme"] == "bearer"
    assert schemes["ServiceToken"]["scheme"] == "bearer"
    for method, path, operation in operations(document):
        public = operation.get("security") == []
        assert public == (path in ("/health", "/api/v1/auth/pin", "/api/v1/pairing/claim")), (
            method,
            path,
        )
        if method == "POST" and "201" in operation["responses"] and not public:
            names = [p["name"] for p in operation.get("parameters", [])]
            assert "Idempotency-Key" in names, (method, path)


def test_fields_kept_for_one_release_are_marked_deprecated_beside_their_new_names(document):
    schemas = document["components"]["schemas"]

    assert schemas["Catalog"]["properties"]["categorys"]["deprecated"] is True
    assert "categories" in schemas["Catalog"]["properties"]
    assert schemas["TicketSummary"]["properties"]["balance"]["deprecated"] is True
    assert "balance_due" in schemas["TicketSummary"]["properties"]
    assert schemas["Line"]["properties"]["modifiers"]["deprecated"] is True
    assert "merged" in schemas["Ticket"]["properties"]


class Contract:
    """Checks real answers against the document's schema for their operation and status."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.checked: list[tuple[str, str, int]] = []

    def check(self, method: str, path: str, answer: Any) -> None:
        operation = self.document["paths"][path][method.lower()]
        status = str(answer.status_code)
        assert status in operation["responses"], (method, path, status, answer.text)
        self.checked.append((method, path, answer.status_code))
        if status == "204":
            return
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        root = {"components": self.document["components"], **schema}
        errors = [e.message for e in jsonschema_rs.validator_for(root).iter_errors(answer.json())]
        assert not errors, (method, path, status, errors[:3])


def test_a_cashier_day_answers_what_the_document_says(tmp_path, document):
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    contract = Contract(document)
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:

        def call(method: str, template: str, path: str | None = None, **kw: Any) -> Any:
            answer = client.request(method, path or template, **kw)
            contract.check(method, template, answer)
            return answer

        call("GET", "/api/v1/me")
        cashier = call("POST", "/api/v1/auth/pin", json={"pin": "1111"}).json()
        client.headers["Authorization"] = f"Bearer {cashier['token']}"
        me = call("GET", "/api/v1/me").json()
        call("POST", "/api/v1/drawer/open", json={"float": 100_000})
        catalog = call("GET", "/api/v1/catalog").json()
        ticket = call("POST", "/api/v1/tickets", json={}).json()
        one = "/api/v1/tickets/{ticket_id}"
        at = f"/api/v1/tickets/{ticket['id']}"
        line = {"variant_id": "latte-r", "modifier_ids": ["milk-oat"]}
        ticket = call("POST", one + "/lines", at + "/lines", json=line).json()
        added = ticket["lines"][0]
        due = ticket["totals"]["cash_due"]
        cash = {"method": "cash", "amount": due + 5_000, "tip": 5_000}
        call("POST", one + "/payments", at + "/payments", json=cash)
        call("POST", one + "/close", at + "/close")
        call("POST", one + "/close", at + "/close")
        call("GET", one, at)
        call("GET", one, "/api/v1/tickets/no-such-ticket")
        listed = call("GET", "/api/v1/tickets").json()
        call("GET", "/api/v1/reports/x")
        call("GET", "/api/v1/reports/x", headers={"X-Manager-Pin": "9999"})
        call("POST", "/api/v1/drawer/close", json={"counted": {"100000": 2}, "manager_pin": "9999"})
        call("GET", "/api/v1/sync/status")
        call("POST", "/api/v1/auth/signout")
        call("GET", "/api/v1/me")

    assert me["operator"]["staff_id"] == cashier["staff_id"]
    assert me["outlet"]["cash_increment"] == 100
    assert me["outlet"]["currency"] == "KES"
    assert catalog["categories"] == catalog["categorys"]
    assert added["chosen_modifiers"] == [{"id": "milk-oat", "name": "Oat milk", "price": 5000}]
    assert added["modifiers"] == ["Oat milk"]
    assert [(t["balance_due"], t["balance"], t["merged"]) for t in listed] == [(0, 0, False)]
    statuses = {status for _, _, status in contract.checked}
    assert {200, 201, 204, 401, 403, 404, 409} <= statuses, statuses


def test_the_schema_pages_load_nothing_from_outside_the_device(tmp_path):
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        document = client.get("/schema/openapi.json")
        page = client.get("/schema")
        assets = [
            client.get(f"{ASSETS}/{name}") for name in ("swagger-ui-bundle.js", "swagger-ui.css")
        ]

    assert document.status_code == 200
    assert document.json()["info"]["title"] == "BengoBox POS agent"
    assert page.status_code == 200
    assert "https://" not in page.text.split("const ui")[0]
    if swagger_ui_assets() is not None:
        assert f"{ASSETS}/swagger-ui-bundle.js" in page.text
        assert [a.status_code for a in assets] == [200, 200]
    else:
        assert page.json() == document.json()


def test_every_schema_and_every_field_says_what_it_is(document):
    for name, schema in document["components"]["schemas"].items():
        assert schema.get("description"), name
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), (name, field)


def test_money_fields_say_their_unit(document):
    schemas = document["components"]["schemas"]

    for name, field in [
        ("PaymentRequest", "amount"),
        ("Totals", "balance_due"),
        ("DiscountRequest", "value"),
        ("CloseRequest", "counted"),
        ("OpenDrawer", "float"),
    ]:
        assert "minor units" in schemas[name]["properties"][field]["description"].lower()
    assert "basis points" in schemas["DiscountRequest"]["properties"]["value"]["description"]
    assert "tip included" in schemas["PaymentRequest"]["properties"]["amount"]["description"]
    assert "0 = Monday" in schemas["TimeWindow"]["properties"]["weekdays"]["description"]


def test_operations_taking_a_manager_pin_document_the_pin_lockout(document):
    for path in (
        "/api/v1/tickets/{ticket_id}/lines",
        "/api/v1/tickets/{ticket_id}/discounts",
        "/api/v1/drawer/close",
        "/api/v1/auth/pin",
    ):
        responses = document["paths"][path]["post"]["responses"]
        assert {"401", "423"} <= set(responses), path
    assert "423" in document["paths"]["/api/v1/reports/x"]["get"]["responses"]
    assert (
        "423" not in document["paths"]["/api/v1/tickets/{ticket_id}/payments"]["post"]["responses"]
    )


#: How the HTTP layer's sources answer a code of their own (``status`` where it is beside it).
_ANSWERED = (
    re.compile(r'_refuse\(send, (?P<status>\d{3}), "(?P<code>[a-z_]+)"'),
    re.compile(r'_body\("(?P<code>[a-z_]+)".*status_code=(?P<status>\d{3})'),
    re.compile(r'\{"code": "(?P<code>[a-z_]+)"'),
    re.compile(r'(?P<status>\d{3}): "(?P<code>[a-z_]+)",'),
)


def test_every_code_the_http_layer_answers_itself_is_enumerated_with_its_status():
    answered: dict[str, str | None] = {}
    for source in Path(http_errors.__file__).parent.glob("*.py"):
        for pattern in _ANSWERED:
            for match in pattern.finditer(source.read_text()):
                answered[match["code"]] = match.groupdict().get("status")

    assert {"invalid_host", "client_disconnected", "body_too_large"} <= set(answered)
    for code, status in answered.items():
        assert code in HTTP_STATUS, code
        assert status is None or HTTP_STATUS[code] == int(status), (code, status)


def test_every_operation_id_is_unique_and_named_after_its_handler(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]

    assert len(ids) == len(set(ids))
    assert not [i for i in ids if "callable" in i.lower()], ids
    assert document["paths"]["/api/v1/tickets"]["get"]["operationId"] == "ApiV1TicketsListTickets"
    assert (
        document["paths"]["/api/v1/pairings"]["post"]["operationId"]
        == "ApiV1PairingsCreatePairingCode"
    )


def test_text_answers_come_in_a_documented_media_type_with_one_charset(tmp_path, document):
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        token = client.post("/api/v1/auth/pin", json={"pin": "9999"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        client.post("/api/v1/drawer/open", json={"float": 0})
        ticket = client.post("/api/v1/tickets", json={}).json()
        answers = {
            ("/api/v1/reports/x", "text/plain"): client.get("/api/v1/reports/x?format=text"),
            ("/api/v1/tickets/{ticket_id}/receipt", "text/html"): client.get(
                f"/api/v1/tickets/{ticket['id']}/receipt?format=html"
            ),
            ("/api/v1/tickets/{ticket_id}/receipt", "text/plain"): client.get(
                f"/api/v1/tickets/{ticket['id']}/receipt"
            ),
        }

    for (path, media), answer in answers.items():
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"] == f"{media}; charset=utf-8", path
        documented = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert documented[media]["schema"]["type"] == "string", path


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_no_schema_holds_a_list_or_an_object_under_its_own_name(document):
    # A generated client names a model's local variable after the model: such a field
    # shadows it, and the generated model does not type-check.
    for name, schema in document["components"]["schemas"].items():
        prop = schema.get("properties", {}).get(_snake(name), {})
        assert prop.get("type") not in ("array", "object"), name
        assert "$ref" not in prop, name


def test_the_swagger_ui_served_renders_the_openapi_version_of_both_documents(document):
    # Swagger UI 4 renders only OpenAPI 3.0 ("Unable to render this definition").
    assets = swagger_ui_assets()
    hub = json.loads((AGENT_DOCUMENT.parent / "hub.json").read_text(encoding="utf-8"))

    assert assets is not None, "swagger-ui-bundle-v2 is a dependency"
    version = re.search(r"(\d+)\.(\d+)\.(\d+)$", assets.name)
    assert version is not None, assets
    assert document["openapi"].startswith("3.1.")
    assert hub["openapi"].startswith("3.1.")
    assert int(version[1]) >= 5, assets.name
