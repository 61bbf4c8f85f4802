"""Many devices on one hub: each pulls once a second and pushes a small batch, for a minute.

Simulated devices (no agent process each: the bench speaks the sync protocol itself, in
MessagePack, as ``edge_agent.sync.client`` does) are enrolled by API across outlets of
the demo tenant, five to an outlet. Each device, once a second, pushes a sale's ops when
its turn comes (``push_every`` seconds) and then pulls its outlet's new ops from its
cursor. Start times are spread over the first second. Every request's latency is kept;
any answer but 200, or a failed connection, is an error. Goals: p99 at most 150 ms and
no error, against one hub process and against two (``pos-hub serve --workers 2``), both
on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sync_protocol import (
    MSGPACK,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from tests.bench.hub import ADMIN_TOKEN, handshake_body
from tests.bench.report import Report
from tests.bench.till import Latency
from tests.bench.workload import ticket_ops
from tests.processes import HubProcess

P99_GOAL_MS = 150.0
#: Every simulated device talks from 127.0.0.1: the per-address limits, made for tills
#: behind one NAT, are raised so that they measure the hub, not the limiter.
ONE_ADDRESS = {"POS_HUB_ENROLL_RATE_PER_MIN": "100000", "POS_HUB_SYNC_RATE_PER_MIN": "100000"}
PER_OUTLET = 5
OPS_PER_SALE = 8


@dataclass
class Outcome:
    """What the devices saw: each request's milliseconds, and the errors."""

    taken_ms: list[float] = field(default_factory=list)
    by_path: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    pushed: int = 0
    pulled: int = 0


@dataclass
class SimulatedDevice:
    device_id: uuid.UUID
    outlet: str
    credential: str
    cursor: str | None = None
    seq: int = 0


@contextmanager
def hubs(
    database_url: str, workers: int, directory: Path
) -> Iterator[tuple[HubProcess, HubProcess]]:
    """The hub the admin enrolls through (``--demo``: the demo tenant and its token) and
    the hub the devices sync with: the same one, or ``--workers N`` on the same database."""
    with ExitStack() as stack:
        admin = HubProcess(database_url, log_path=directory / "hub-devices.log", env=ONE_ADDRESS)
        admin.start()
        stack.callback(admin.stop)
        if workers == 1:
            yield admin, admin
            return
        serving = HubProcess(
            database_url,
            log_path=directory / f"hub-devices-{workers}.log",
            env=ONE_ADDRESS,
            demo=False,
            serve_args=("--workers", str(workers)),
        )
        serving.start()
        stack.callback(serving.stop)
        yield admin, serving


async def enroll_devices(hub: HubProcess, count: int, tag: str) -> list[SimulatedDevice]:
    """``count`` devices enrolled by API at new outlets of the demo tenant."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    devices = []
    async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
        for n in range(count):
            outlet = f"{tag}{n // PER_OUTLET:03d}"
            if n % PER_OUTLET == 0:
                made = await http.post(
                    "/api/v1/outlets",
                    json={"code": outlet, "name": f"Outlet {outlet}", "timezone": "Africa/Nairobi"},
                    headers=admin,
                )
                made.raise_for_status()
            code = await http.post(
                f"/api/v1/outlets/{outlet}/enrollment-codes",
                json={"device_code": f"S{n:03d}"},
                headers=admin,
            )
            code.raise_for_status()
            device_id = uuid.uuid4()
            enrolled = await http.post(
                "/api/v1/enroll", json={"code": code.json()["code"], "device_id": str(device_id)}
            )
            enrolled.raise_for_status()
            devices.append(SimulatedDevice(device_id, outlet, enrolled.json()["credential"]))
    return devices


async def _post(
    http: httpx.AsyncClient, device: SimulatedDevice, path: str, body: bytes, outcome: Outcome
) -> bytes | None:
    headers = {
        "Authorization": f"Bearer {device.credential}",
        "Content-Type": MSGPACK.content_type,
    }
    started = time.perf_counter()
    try:
        answer = await http.post(path, content=body, headers=headers)
    except httpx.HTTPError as exc:
        outcome.errors.append(f"{path}: {type(exc).__name__}: {exc}")
        return None
    taken = (time.perf_counter() - started) * 1000
    outcome.taken_ms.append(taken)
    outcome.by_path.setdefault(path.rsplit("/", 1)[-1], []).append(taken)
    if answer.status_code != 200:
        outcome.errors.append(f"{path}: HTTP {answer.status_code} {answer.content[:120]!r}")
        return None
    return answer.content


async def _device_life(
    http: httpx.AsyncClient,
    device: SimulatedDevice,
    offset_s: float,
    seconds: float,
    push_every: int,
    outcome: Outcome,
) -> None:
    await asyncio.sleep(offset_s)  # spreading the devices' seconds, not waiting for a result
    hello = handshake_body(device.device_id, last_seq=0)
    if await _post(http, device, "/sync/v1/handshake", hello, outcome) is None:
        return
    start = time.perf_counter()
    tick = 0
    while time.perf_counter() - start < seconds:
        if tick % push_every == 0:
            sale = ticket_ops(
                OPS_PER_SALE,
                device_id=device.device_id,
                device_code=device.outlet,
                first_seq=device.seq + 1,
                outlet=device.outlet,
            )
            body = MSGPACK.encode(PushRequest(device_id=device.device_id, ops=sale))
            answer = await _post(http, device, "/sync/v1/push", body, outcome)
            if answer is not None:
                device.seq += len(sale)
                outcome.pushed += len(MSGPACK.decode(answer, PushResponse).results)
        body = MSGPACK.encode(PullRequest(cursor=device.cursor, limit=500))
        answer = await _post(http, device, "/sync/v1/pull", body, outcome)
        if answer is not None:
            page = MSGPACK.decode(answer, PullResponse)
            device.cursor = page.cursor
            outcome.pulled += len(page.ops)
        tick += 1
        next_tick = start + tick
        await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))  # the device's timer


async def simulate(
    admin: HubProcess, hub: HubProcess, count: int, seconds: float, push_every: int, tag: str
) -> tuple[Outcome, int]:
    devices = await enroll_devices(admin, count, tag)
    outcome = Outcome()
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=hub.url, timeout=30, limits=limits) as http:
        await asyncio.gather(
            *(
                _device_life(http, device, n / count, seconds, push_every, outcome)
                for n, device in enumerate(devices)
            )
        )
    return outcome, len(devices)


def run(
    report: Report,
    database_url: str,
    directory: Path,
    *,
    count: int,
    seconds: float,
    push_every: int,
    workers: int,
) -> None:
    """Measure ``count`` devices against a hub of ``workers`` processes on ``database_url``."""
    section = (
        f"{count} simulated devices, {PER_OUTLET} per outlet, on PostgreSQL: a pull each "
        f"second, a sale ({OPS_PER_SALE} ops) pushed every {push_every} s, for {seconds:.0f} s"
    )
    processes = "one hub process" if workers == 1 else f"{workers} hub processes"
    report.progress(f"{count} simulated devices for {seconds:.0f} s against {processes}")
    with hubs(database_url, workers, directory) as (admin, hub):
        outcome, enrolled = asyncio.run(
            simulate(admin, hub, count, seconds, push_every, tag=f"W{workers}")
        )
    latency = Latency(outcome.taken_ms)
    errors = len(outcome.errors)
    note = f"{outcome.pushed:,} ops pushed, {outcome.pulled:,} pulled; {errors} errors"
    if outcome.errors:
        note += f" (first: {outcome.errors[0]})"
    report.latency(section, f"any sync request, {processes} ({enrolled} devices); {note}", latency)
    for path in ("push", "pull"):
        report.latency(section, f"  {path} only", Latency(outcome.by_path.get(path, [])))
    report.latency_goal(f"{count} devices, {processes}: request p99", latency.p99, P99_GOAL_MS)
    report.limit(f"{count} devices, {processes}: errors", errors, 0, "errors")
