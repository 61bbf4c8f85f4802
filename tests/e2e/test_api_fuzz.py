"""Every operation of both served OpenAPI documents, fuzzed on real processes.

A seeded demo agent and a ``--demo`` hub are started once; schemathesis draws requests
for every operation their ``/schema/openapi.json`` documents, with data that fits the
schema (positive) and data that breaks it (negative), signed in as the callers that
reach the handlers. Each answer must pass every check in :data:`CHECKS`:

- no 5xx, ever;
- every 4xx is a JSON object with a machine-readable ``code`` and a ``message``;
- a refused write changed nothing (the replica's state hash is the same before and
  after).

:data:`SCHEMA_CONFORMANCE_CHECKS` holds the checks against the documents themselves:
every answer has a documented status code and media type, and its body matches the
schema documented for them (schemathesis' own checks, as they are).

Beside the generated data, every operation is sent each request of
:data:`HEADER_DEFECTS` over a raw socket (odd Content-Type, a Content-Length that lies,
duplicate and non-ASCII headers, bad Authorization schemes, a huge Idempotency-Key, a
malformed Host) and a body of 10,000 nested arrays: each answer is a 4xx with a code,
never a 5xx or silence.

Bounded for CI: a few examples per operation and mode, derandomized under
``HYPOTHESIS_PROFILE=ci``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation

from tests.processes import AgentProcess, HubProcess, free_port, init_agent

pytestmark = pytest.mark.slow

#: Examples drawn per operation and generation mode (``POS_FUZZ_EXAMPLES`` for a deeper run).
MAX_EXAMPLES = int(os.environ.get("POS_FUZZ_EXAMPLES", "4"))
#: Operator sessions the sign-out operation may end (then it is sent a spent token).
SPARE_SESSIONS = 3
#: Seconds an answer may take before it counts as a hang.
ANSWER_TIMEOUT_S = 10
DEMO_ADMIN_TOKEN = "demo-admin-token-not-for-production"
OPERATOR_TOKEN = "fuzz-operator-token"
MANAGER_PIN = "9999"
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# --- the processes and who calls them ------------------------------------------------


@dataclass
class Target:
    """A running program, its document, and how each operation is signed."""

    name: str
    url: str
    schema: Any
    headers_for: Callable[[str], dict[str, str]]
    state_hash: Callable[[], str]
    known_ids: dict[str, list[str]] = field(default_factory=dict)
    #: The state hash after the last request, while no write may have changed it.
    last_hash: str | None = None

    def hash_before(self) -> str:
        if self.last_hash is None:
            self.last_hash = self.state_hash()
        return self.last_hash


def _agent_session(agent: AgentProcess, pin: str) -> str:
    answer = httpx.post(f"{agent.api}/auth/pin", json={"pin": pin}, timeout=10)
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def _agent_ids(agent: AgentProcess, bearer: dict[str, str]) -> dict[str, list[str]]:
    """A ticket with a line and a payment, so path parameters can name real things."""
    catalog = httpx.get(f"{agent.api}/catalog", headers=bearer, timeout=10).json()
    variant = catalog["products"][0]["variants"][0]["id"]
    ticket = httpx.post(
        f"{agent.api}/tickets", json={"kind": "counter"}, headers=bearer, timeout=10
    ).json()
    line = httpx.post(
        f"{agent.api}/tickets/{ticket['id']}/lines",
        json={"variant_id": variant, "quantity": 1},
        headers=bearer,
        timeout=10,
    ).json()
    return {"ticket_id": [ticket["id"]], "line_id": [line["lines"][0]["id"]]}


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data_dir = tmp_path_factory.mktemp("fuzz") / "agent"
    init_agent(data_dir)
    process = AgentProcess(data_dir, free_port())
    process.start()
    try:
        main = {"Authorization": f"Bearer {_agent_session(process, MANAGER_PIN)}"}
        spare = [_agent_session(process, MANAGER_PIN) for _ in range(SPARE_SESSIONS)]

        def headers_for(path: str) -> dict[str, str]:
            if path.endswith("/auth/signout"):  # each sign-out ends its own session
                return {"Authorization": f"Bearer {spare.pop() if spare else 'spent'}"}
            return main

        def state_hash() -> str:
            answer = httpx.get(f"{process.api}/sync/state-hash", headers=main, timeout=10)
            return answer.text

        schema = schemathesis.openapi.from_url(f"{process.url}/schema/openapi.json")
        yield Target(
            "agent", process.url, schema, headers_for, state_hash, _agent_ids(process, main)
        )
    finally:
        process.stop()


def _device_credential(hub: HubProcess) -> str:
    code = hub.cli("enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", "F01")
    answer = httpx.post(
        f"{hub.url}/api/v1/enroll",
        json={"code": code.splitlines()[0], "device_id": str(uuid.uuid4())},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    credential: str = answer.json()["credential"]
    return credential


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    path = tmp_path_factory.mktemp("fuzz") / "hub.sqlite3"
    process = HubProcess(f"sqlite+aiosqlite:///{path}", env={"POS_HUB_ADMIN_TOKEN": OPERATOR_TOKEN})
    process.start()
    try:
        device = {"Authorization": f"Bearer {_device_credential(process)}"}
        admin = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
        operator = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}

        def headers_for(path: str) -> dict[str, str]:
            if path.startswith("/sync/"):
                return device
            return operator if path == "/api/v1/tenants" else admin

        def state_hash() -> str:
            answer = httpx.get(
                f"{process.url}/api/v1/state-hash",
                params={"outlet": "DEMO1"},
                headers=admin,
                timeout=10,
            )
            return answer.text

        schema = schemathesis.openapi.from_url(f"{process.url}/schema/openapi.json")
        ids = {"code": ["DEMO1"], "outlet": ["DEMO1"]}
        yield Target("hub", process.url, schema, headers_for, state_hash, ids)
    finally:
        process.stop()


# --- the checks ----------------------------------------------------------------------


class Defect(AssertionError):
    """An answer that breaks one of the checks."""


def _error_body(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def no_server_error(case: Case, response: Response) -> None:
    if response.status_code >= 500:
        raise Defect(f"{response.status_code}: {response.content[:300]!r}")


def errors_carry_a_code(case: Case, response: Response) -> None:
    if not 400 <= response.status_code < 500:
        return
    body = _error_body(response)
    if not isinstance(body, dict):
        raise Defect(f"{response.status_code} without a JSON object: {response.content[:300]!r}")
    code, message = body.get("code"), body.get("message")
    if not (isinstance(code, str) and _CODE.match(code) and isinstance(message, str)):
        raise Defect(f"{response.status_code} without a code and message: {body!r}")


#: Checks every answer passes.
CHECKS: list[Callable[[Case, Response], None]] = [no_server_error, errors_carry_a_code]

#: Checks against the documents themselves: the status is one the operation documents,
#: the body matches the schema documented for that status and media type, and the media
#: type is a documented one.
SCHEMA_CONFORMANCE_CHECKS: list[Any] = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]


def _call(target: Target, case: Case) -> Response:
    response = case.call(
        base_url=target.url,
        headers=target.headers_for(case.operation.path),
        timeout=ANSWER_TIMEOUT_S,
    )
    for check in CHECKS:
        check(case, response)
    if SCHEMA_CONFORMANCE_CHECKS:
        case.validate_response(response, checks=SCHEMA_CONFORMANCE_CHECKS)
    return response


def _strategy(target: Target, operation: APIOperation, mode: GenerationMode) -> Any:
    """Cases of ``operation``; half of them name real things in their path and query."""
    drawn = operation.as_strategy(generation_mode=mode)
    known = target.known_ids
    path = {p.name: known[p.name][0] for p in operation.path_parameters if p.name in known}
    query = {p.name: known[p.name][0] for p in operation.query if p.name in known}
    if len(path) < len(operation.path_parameters) or not (path or query):
        return drawn
    real = operation.as_strategy(
        generation_mode=mode, path_parameters=path or None, query=query or None
    )
    return st.one_of(drawn, real)


def _fuzz_operation(
    target: Target, operation: APIOperation, mode: GenerationMode, defects: dict[str, str]
) -> None:
    """Draw cases of one operation in one mode; record the first failure of each kind."""

    @settings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None)
    @given(case=_strategy(target, operation, mode))
    def run(case: Case) -> None:
        writes = case.method.upper() in _WRITES
        before = target.hash_before() if writes else ""
        try:
            response = _call(target, case)
            if writes:
                target.last_hash = None
            if writes and 400 <= response.status_code < 500:
                target.last_hash = target.state_hash()
                if target.last_hash != before:
                    raise Defect(f"refused with {response.status_code} but wrote")
        # A check's failures come as a FailureGroup, a BaseException: caught too, so one
        # undocumented answer is reported beside the others instead of ending the run.
        except (Exception, FailureGroup) as exc:  # noqa: BLE001 - every failure is one finding
            target.last_hash = None
            key = f"{operation.label} [{mode.value}] {type(exc).__name__}"
            defects.setdefault(key, f"{exc}\n    {case.as_curl_command()}")

    try:
        run()
    except Unsatisfiable:  # nothing of this operation can be made invalid
        return


def fuzz(target: Target) -> list[str]:
    """Run every operation in both modes; the defects found, one per operation and kind."""
    defects: dict[str, str] = {}
    for result in target.schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(target, result.ok(), mode, defects)
    return [f"{key}: {detail}" for key, detail in sorted(defects.items())]


def test_every_agent_operation_answers_fuzzed_data_without_a_server_error(agent) -> None:
    defects = fuzz(agent)
    assert not defects, "\n".join(defects)


def test_every_hub_operation_answers_fuzzed_data_without_a_server_error(hub) -> None:
    defects = fuzz(hub)
    assert not defects, "\n".join(defects)


def _misdocumented(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with only ``GET /health`` and ``GET /api/v1/me``, both documented as
    answering nothing but 202 in XML."""
    wrong = {"202": {"description": "wrong", "content": {"application/xml": {"schema": {}}}}}
    paths = {
        path: {"get": {**document["paths"][path]["get"], "responses": wrong}}
        for path in ("/health", "/api/v1/me")
    }
    return {**document, "paths": paths}


def test_answers_the_document_does_not_describe_are_all_reported(agent) -> None:
    document = httpx.get(f"{agent.url}/schema/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(_misdocumented(document))
    target = Target("misdocumented", agent.url, schema, agent.headers_for, agent.state_hash)

    defects = fuzz(target)

    assert {d.split(" [")[0] for d in defects} == {"GET /api/v1/me", "GET /health"}, defects
    assert all("Undocumented status code" in d for d in defects), defects


# --- raw requests: header defects and deep nesting -----------------------------------

_BODY = b'{"kind": "counter"}'
_NESTED = b"[" * 10_000 + b"]" * 10_000


@dataclass(frozen=True)
class RawRequest:
    """How to send one operation's request wrong: extra head lines, a body, a Host."""

    head: tuple[str, ...] = ()
    body: bytes = _BODY
    host: str | None = "127.0.0.1"
    content_type: str | None = "application/json"
    content_length: str | None = None  # the real length when None
    authorization: bool = True


HEADER_DEFECTS: dict[str, RawRequest] = {
    "text/plain body": RawRequest(content_type="text/plain"),
    "form body": RawRequest(content_type="application/x-www-form-urlencoded"),
    "multipart body without boundary": RawRequest(content_type="multipart/form-data"),
    "multipart body": RawRequest(content_type="multipart/form-data; boundary=x"),
    "json in utf-16": RawRequest(content_type="application/json; charset=utf-16"),
    "no content type": RawRequest(content_type=None),
    "garbage content type": RawRequest(content_type="\x01;;=="),
    "content length short": RawRequest(content_length="3"),
    "content length not a number": RawRequest(content_length="ten"),
    "content length negative": RawRequest(content_length="-1"),
    "two content lengths": RawRequest(head=("Content-Length: 1",)),
    "duplicate authorization": RawRequest(head=("Authorization: Bearer forged",)),
    "duplicate content type": RawRequest(head=("Content-Type: text/plain",)),
    "non-ascii authorization": RawRequest(
        head=("Authorization: Bearer t\xe9st\xff",), authorization=False
    ),
    "utf-8 authorization": RawRequest(
        head=("Authorization: Bearer caf\xc3\xa9",), authorization=False
    ),
    "basic authorization": RawRequest(head=("Authorization: Basic YTpi",), authorization=False),
    "bare bearer": RawRequest(head=("Authorization: Bearer",), authorization=False),
    "bearer with spaces": RawRequest(head=("Authorization: Bearer a b c",), authorization=False),
    "overlong authorization": RawRequest(
        head=("Authorization: Bearer " + "a" * 20_000,), authorization=False
    ),
    "no authorization": RawRequest(authorization=False),
    "huge idempotency key": RawRequest(head=("Idempotency-Key: " + "k" * 20_000,)),
    "non-ascii idempotency key": RawRequest(head=("Idempotency-Key: cl\xe9-\xff",)),
    "empty idempotency key": RawRequest(head=("Idempotency-Key: ",)),
    "non-ascii manager pin": RawRequest(head=("X-Manager-Pin: \xe9\xe9\xe9\xe9",)),
    "overlong header": RawRequest(head=("X-Filler: " + "x" * 30_000,)),
    "many headers": RawRequest(head=tuple(f"X-H{n}: {n}" for n in range(500))),
    "host with bad port": RawRequest(host="127.0.0.1:notaport"),
    "host unbalanced bracket": RawRequest(host="[::1"),
    "host with many colons": RawRequest(host="a:b:c"),
    "empty host": RawRequest(host=""),
    "non-ascii host": RawRequest(host="h\xf6st"),
    "no host": RawRequest(host=None),
    "nested json": RawRequest(body=_NESTED),
    "nested json objects": RawRequest(body=b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
}


def _head_bytes(target: Target, method: str, path: str, how: RawRequest) -> bytes:
    lines = [f"{method} {path} HTTP/1.1"]
    if how.host is not None:
        lines.append(f"Host: {how.host}")
    if how.authorization:
        lines += [f"{k}: {v}" for k, v in target.headers_for(path).items()]
    if how.content_type is not None:
        lines.append(f"Content-Type: {how.content_type}")
    length = how.content_length if how.content_length is not None else str(len(how.body))
    lines += [f"Content-Length: {length}", "Connection: close", *how.head]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")


def raw_exchange(port: int, request: bytes) -> tuple[int | None, bytes]:
    """Send ``request`` and read the answer until the server closes the connection.

    Returns:
        The status (None when the server closed without answering) and the body.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S) as sock:
        # The server may answer and close before it took everything (a body too large).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        received = b""
        try:
            with contextlib.suppress(ConnectionResetError):
                while chunk := sock.recv(65536):
                    received += chunk
        except TimeoutError:
            raise Defect(f"no answer within {ANSWER_TIMEOUT_S} s") from None
    if not received:
        return None, b""
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _concrete(path: str, target: Target) -> str:
    def fill(match: re.Match[str]) -> str:
        known = target.known_ids.get(match.group(1))
        return known[0] if known else "x"

    return re.sub(r"\{([^}]+)\}", fill, path)


def header_defects(target: Target) -> list[str]:
    """Every operation sent every request of :data:`HEADER_DEFECTS`; the bad answers."""
    defects = []
    for result in target.schema.get_all_operations():
        operation = result.ok()
        path = _concrete(operation.path, target)
        for name, how in HEADER_DEFECTS.items():
            request = _head_bytes(target, operation.method.upper(), path, how) + how.body
            try:
                status, body = raw_exchange(int(target.url.rsplit(":", 1)[1]), request)
                if status is None:
                    continue  # closed unanswered: a framing error with nobody to tell
                if status >= 500:
                    raise Defect(f"{status}: {body[:200]!r}")
                if 400 <= status < 500:
                    parsed = json.loads(body) if body.startswith(b"{") else None
                    if not (isinstance(parsed, dict) and isinstance(parsed.get("code"), str)):
                        raise Defect(f"{status} without a JSON code: {body[:200]!r}")
            except Defect as exc:
                defects.append(f"{operation.label} [{name}]: {exc}")
    return defects


def test_every_agent_operation_answers_header_defects_and_deep_nesting_with_a_code(agent) -> None:
    defects = header_defects(agent)
    assert not defects, "\n".join(defects)


def test_every_hub_operation_answers_header_defects_and_deep_nesting_with_a_code(hub) -> None:
    defects = header_defects(hub)
    assert not defects, "\n".join(defects)
