"""Fakes shared by tests: ``FakeHub``, a small in-memory hub that follows the protocol.

``FakeHub.transport`` is an ``httpx.MockTransport``; ``serve_fake_hub`` puts the same hub
behind a real HTTP server on 127.0.0.1 for CLI and process tests. The hub keeps each
device's ``last_applied_seq``, gives accepted ops outlet or tenant commit sequences, serves
pull pages with real cursors (``sync_protocol.encode_cursor``), and can be told to fail:
go down, lose an answer after committing, refuse with an ``ErrorMessage``, quarantine
chosen ops, answer ``resend_from``, or be "restored" to a new epoch.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import msgspec

from edge_agent.domain.ticket import TicketLine
from edge_agent.services.ticket_view import line_data
from sync_protocol import (
    MSGPACK,
    ErrorMessage,
    Event,
    FieldEdit,
    Handshake,
    HandshakeAccepted,
    Op,
    OpResult,
    OpStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    StatusChange,
    Tombstone,
    codec_for,
    decode_cursor,
    encode_cursor,
    pack,
    uuid7,
)

_STATUS = {"rate_limited": 429, "unavailable": 503, "unauthorized": 401, "device_revoked": 403}


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def checked(op: Op) -> Op:
    """Round-trip an op through the codec, as every writer must (protocol §16.2)."""
    decoded: Op = MSGPACK.decode(MSGPACK.encode(op), Op)  # type: ignore[arg-type]
    return decoded


@dataclass
class Writer:
    """Makes ops for one device (or the hub's writer device), numbered and stamped."""

    tenant: str
    outlet: str
    device_id: uuid.UUID = field(default_factory=lambda: uuid7(wall_ms()))
    clock: Callable[[], int] = wall_ms
    seq: int = 0

    def op(
        self, kind: type[Op], entity: str, entity_id: str, outlet: str = "", **payload: Any
    ) -> Op:
        self.seq += 1
        stamp = pack(self.clock(), self.seq % 65536)
        return checked(
            kind(
                op_id=uuid7(stamp >> 16),
                tenant=self.tenant,
                outlet=outlet or self.outlet,
                device_id=self.device_id,
                device_seq=self.seq,
                hlc=stamp,
                entity=entity,
                entity_id=entity_id,
                **payload,
            )
        )

    def op_edit(self, ticket_id: str, changes: dict[str, Any], base: uuid.UUID) -> Op:
        """A header edit of a ticket made on the version ``base`` of each field."""
        return self.op(
            FieldEdit,
            "ticket",
            ticket_id,
            changes=changes,
            base=dict.fromkeys(changes, base),
        )

    def ticket(self, receipt_no: str, *prices: int, currency: str = "KES") -> list[Op]:
        """A ticket another till opened, with one line per price."""
        ticket_id = str(uuid7(self.clock()))
        header = {
            "kind": "counter",
            "receipt_no": receipt_no,
            "order_no": int(receipt_no.rsplit("-", 1)[-1]),
            "currency": currency,
            "opened_by": "staff-cashier",
            "opened_ms": self.clock(),
            "table": "T9",
            "name": None,
            "covers": None,
        }
        ops = [
            self.op(FieldEdit, "ticket", ticket_id, changes=header),
            self.op(StatusChange, "ticket", ticket_id, status="open"),
        ]
        for price in prices:
            line = TicketLine(str(uuid7(self.clock())), "chai", "chai", "Kenyan chai", 1, price)
            ops.append(self.op(Event, "ticket", ticket_id, name="line_added", data=line_data(line)))
        return ops


@dataclass
class Device:
    device_id: uuid.UUID
    device_code: str
    last_applied_seq: int = 0
    clock_skew_ms: int | None = None


@dataclass
class Code:
    device_code: str
    expires_ms: int
    used: bool = False


class FakeHub:
    """An in-memory hub for one tenant and one outlet.

    Args:
        tenant: the tenant slug.
        outlet: the outlet code.
        clock: the hub's wall clock, Unix ms.
    """

    def __init__(self, tenant: str = "demo", outlet: str = "DEMO1", clock=wall_ms) -> None:
        self.tenant, self.outlet, self.clock = tenant, outlet, clock
        self.epoch = uuid.uuid4().hex
        self.lock = threading.RLock()
        self.devices: dict[str, Device] = {}  # credential -> device
        self.codes: dict[str, Code] = {}
        self.outlet_log: list[Op] = []  # outlet commit seq n is outlet_log[n - 1]
        self.tenant_log: list[Op] = []
        self.writer = Writer(tenant, "HUB", clock=clock)
        self.down = False
        self.max_batch = 5000
        self.quarantine_seqs: dict[int, str] = {}  # device_seq -> code
        self.refusals: dict[str, list[ErrorMessage | None]] = {}  # path -> next answers
        self.after_handshake: Callable[[Device], None] | None = None
        self.lose_answers: dict[str, int] = {}  # path -> answers to lose after committing
        self.pulls_before_down: int | None = None
        self.requests: list[tuple[str, Any]] = []

    # -- arranging ---------------------------------------------------------------------

    def register(self, device_id: uuid.UUID, device_code: str = "D01") -> str:
        """Create a device directly; return its credential."""
        credential = secrets.token_urlsafe(32)
        with self.lock:
            self.devices[credential] = Device(device_id, device_code)
        return credential

    def issue_code(self, device_code: str = "D01", ttl_ms: int = 86_400_000) -> str:
        code = "".join(secrets.choice("ACDEFGHJKMNPQRTUVWXY34679") for _ in range(10))
        self.codes[code] = Code(device_code, self.clock() + ttl_ms)
        return f"{code[:4]}-{code[4:8]}-{code[8:]}"

    def commit(self, ops: list[Op]) -> None:
        """Commit another writer's ops in the outlet scope (another till pushed them)."""
        with self.lock:
            self.outlet_log.extend(ops)

    def put_reference(self, name: str, entity_id: str, doc: dict[str, Any]) -> Op:
        entity = f"ref.{name}"
        with self.lock:
            base = [o for o in self.tenant_log if (o.entity, o.entity_id) == (entity, entity_id)]
            op = self.writer.op(
                FieldEdit,
                entity,
                entity_id,
                changes={"doc": doc},
                base={"doc": base[-1].op_id} if base else {},
            )
            self.tenant_log.append(op)
        return op

    def delete_reference(self, name: str, entity_id: str) -> None:
        with self.lock:
            self.tenant_log.append(self.writer.op(Tombstone, f"ref.{name}", entity_id))

    def sign_out_before(self, device_id: uuid.UUID, before_ms: int) -> None:
        with self.lock:
            op = self.writer.op(
                FieldEdit,
                "device.session",
                str(device_id),
                outlet=self.outlet,  # outlet scope
                changes={"signout_before_ms": before_ms},
            )
            self.outlet_log.append(op)

    def refuse(self, path: str, code: str, *, after: int = 0, retry_after_s=None) -> None:
        """Answer the request to ``path`` after the next ``after`` ones with an error."""
        answer = ErrorMessage(code=code, message=f"refused: {code}", retry_after_s=retry_after_s)
        self.refusals.setdefault(path, []).extend([None] * after + [answer])

    def restore(self, *, keep_outlet_ops: int, last_applied_seq: int) -> None:
        """Act as if restored from a backup: a new epoch, later commits lost."""
        with self.lock:
            self.epoch = uuid.uuid4().hex
            self.outlet_log = self.outlet_log[:keep_outlet_ops]
            for device in self.devices.values():
                device.last_applied_seq = min(device.last_applied_seq, last_applied_seq)

    def pushed_ops(self, device_id: uuid.UUID) -> list[Op]:
        with self.lock:
            return [op for op in self.outlet_log if op.device_id == device_id]

    def device(self, device_id: uuid.UUID) -> Device:
        return next(d for d in self.devices.values() if d.device_id == device_id)

    # -- serving -----------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if path == "/api/v1/enroll":
            return self._enroll(request)
        codec = codec_for(request.headers.get("content-type"))
        message = codec.decode_message(request.content)
        with self.lock:
            self.requests.append((path, message))
            refusal = self.refusals[path].pop(0) if self.refusals.get(path) else None
            if refusal is not None:
                return self._answer(codec, refusal, _STATUS.get(refusal.code, 409))
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            device = self.devices.get(token)
            if device is None:
                return self._answer(codec, ErrorMessage(code="unauthorized", message="?"), 401)
            answer, status = self._dispatch(device, message)
            if self.lose_answers.get(path):
                self.lose_answers[path] -= 1
                raise httpx.ReadError("connection reset after the hub committed", request=request)
        return self._answer(codec, answer, status)

    def _answer(self, codec, message, status: int) -> httpx.Response:
        headers = {"content-type": codec.content_type}
        return httpx.Response(status, content=codec.encode(message), headers=headers)

    def _dispatch(self, device: Device, message) -> tuple[Any, int]:
        match message:
            case Handshake():
                return self._handshake(device, message)
            case PushRequest():
                return self._push(device, message)
            case PullRequest():
                return self._pull(device, message)
        return ErrorMessage(code="malformed", message="not a device message"), 400

    def _handshake(self, device: Device, message: Handshake) -> tuple[Any, int]:
        if message.last_seq < device.last_applied_seq:
            return ErrorMessage(code="reset_required", message="restored device"), 409
        now = self.clock()
        device.clock_skew_ms = message.device_clock_ms - now
        accepted = HandshakeAccepted(
            protocol_version=1,
            schema_version=1,
            hub_epoch=self.epoch,
            hub_clock_ms=now,
            clock_skew_ms=device.clock_skew_ms,
            last_applied_seq=device.last_applied_seq,
            max_batch=self.max_batch,
        )
        if self.after_handshake is not None:
            self.after_handshake(device)
        return accepted, 200

    def _push(self, device: Device, message: PushRequest) -> tuple[Any, int]:
        if len(message.ops) > self.max_batch:
            return ErrorMessage(code="batch_too_large", message="too many"), 413
        results, resend = [], None
        for op in message.ops:
            if op.device_seq <= device.last_applied_seq:
                results.append(
                    OpResult(op_id=op.op_id, device_seq=op.device_seq, status=OpStatus.DUPLICATE)
                )
                continue
            if op.device_seq != device.last_applied_seq + 1:
                resend = device.last_applied_seq + 1
                break
            code = self.quarantine_seqs.get(op.device_seq)
            if code:
                results.append(
                    OpResult(
                        op_id=op.op_id,
                        device_seq=op.device_seq,
                        status=OpStatus.QUARANTINED,
                        code=code,
                        reason=f"quarantined as {code}",
                    )
                )
            else:
                self.outlet_log.append(op)
                results.append(
                    OpResult(op_id=op.op_id, device_seq=op.device_seq, status=OpStatus.APPLIED)
                )
            device.last_applied_seq = op.device_seq
        response = PushResponse(
            results=results,
            last_applied_seq=device.last_applied_seq,
            resend_from=resend,
            checkpoint=len(self.outlet_log),
        )
        return response, 200

    def _pull(self, device: Device, message: PullRequest) -> tuple[Any, int]:
        if self.pulls_before_down is not None:
            if self.pulls_before_down == 0:
                self.down = True
                raise httpx.ConnectError("the hub went away")
            self.pulls_before_down -= 1
        outlet_seq = tenant_seq = 0
        if message.cursor is not None:
            cursor = decode_cursor(message.cursor)
            if cursor.epoch != self.epoch:
                fresh = encode_cursor(self.epoch, 0, 0)
                return PullResponse(ops=[], cursor=fresh, has_more=False, reset=True), 200
            outlet_seq, tenant_seq = cursor.outlet_seq, cursor.tenant_seq
        page: list[Op] = []
        outlet_seq = self._collect(self.outlet_log, outlet_seq, page, message.limit, device)
        tenant_seq = self._collect(self.tenant_log, tenant_seq, page, message.limit, device)
        remaining = sum(
            1 for op in self.outlet_log[outlet_seq:] if op.device_id != device.device_id
        ) + len(self.tenant_log[tenant_seq:])
        response = PullResponse(
            ops=page,
            cursor=encode_cursor(self.epoch, outlet_seq, tenant_seq),
            has_more=remaining > 0,
            checkpoint=outlet_seq,
            remaining=remaining,
        )
        return response, 200

    @staticmethod
    def _collect(log: list[Op], position: int, page: list[Op], limit: int, device) -> int:
        while position < len(log) and len(page) < limit:
            op = log[position]
            if op.device_id != device.device_id:
                page.append(op)
            position += 1
        return position

    def _enroll(self, request: httpx.Request) -> httpx.Response:
        body = msgspec.json.decode(request.content)
        key = body["code"].replace("-", "").upper()
        code = self.codes.get(key)
        if code is None or code.used or code.expires_ms < self.clock():
            return httpx.Response(404, json={"code": "enrollment_code_unknown", "message": "?"})
        device_id = uuid.UUID(body["device_id"])
        if any(d.device_id == device_id for d in self.devices.values()):
            return httpx.Response(409, json={"code": "device_already_enrolled", "message": "?"})
        code.used = True
        credential = self.register(device_id, code.device_code)
        grant = {
            "device_id": str(device_id),
            "device_code": code.device_code,
            "credential": credential,
            "hub_epoch": self.epoch,
            "tenant": {"slug": self.tenant, "name": "Demo", "currency": "KES"},
            "outlet": {
                "code": self.outlet,
                "name": "Demo Café",
                "timezone": "Africa/Nairobi",
                "currency": "KES",
                "settings": {},
            },
        }
        return httpx.Response(201, json=grant)


class _Handler(BaseHTTPRequestHandler):
    server: _HubServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        request = httpx.Request(
            "POST",
            f"http://hub{self.path}",
            headers=dict(self.headers.items()),
            content=self.rfile.read(length) if length else b"",
        )
        try:
            answer = self.server.hub.handle(request)
        except httpx.TransportError:
            self.close_connection = True
            return
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("content-type", ""))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:
        return


class _HubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hub: FakeHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub = hub


@contextmanager
def serve_fake_hub(hub: FakeHub) -> Iterator[str]:
    """Serve ``hub`` over real HTTP on 127.0.0.1; yield its URL."""
    server = _HubServer(hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
