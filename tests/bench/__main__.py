"""``make bench``: sync throughput and till latency beside raw baselines of the same run.

1. Baselines: the catch-up's ops written straight into a table shaped like the hub's
   ``ops``, 5,000 rows per commit: PostgreSQL ``executemany`` and ``COPY`` (asyncpg),
   SQLite ``executemany``.
2. The hub as a real ``pos-hub serve --demo`` process on a fresh PostgreSQL database
   (created for the run, dropped after), then on a fresh SQLite file: two devices enrolled
   by API; one pushes the catch-up (realistic ticket ops) in MessagePack batches of 5,000,
   the other pulls everything from a null cursor in pages of 5,000. ops/s, ratios to the
   baselines, and the CPU seconds of hub, database, bench and everything else.
3. The till: a real ``pos-agent`` enrolled to the PostgreSQL hub sells (open a ticket, add
   a line) idle, then while ``POST /api/v1/sync/run`` applies the catch-up; request
   latency percentiles of both phases and the catch-up's ops/s.
4. Catch-up: three real tills behind the fault proxy sell 500 tickets during an outage;
   the link comes back losing answers; seconds from the hub answering until nothing is
   pending on any till and until every till has pulled the others' (``catch_up.py``).
5. Live updates: two hub processes on one PostgreSQL with Redis, a till on each; the
   latency of a line added on one till until the other shows it (``live.py``).
6. A year on one till: a real agent on a database holding a million ops made by the
   services (cached between runs, keyed by schema version), beside a fresh till in the
   same run: start, sign-in, quick sale, sync status and state hash (``year.py``).
7. The sync_protocol core in process, against the raw SQLite baseline it always had.

Progress goes to stderr; one table to stdout at the end. See ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from edge_agent.services.sync import SyncConfig
from sync_protocol import Op
from sync_protocol.messages import MAX_BATCH, MAX_PAGE
from tests.bench import baselines, catch_up, devices, live, long_history, protocol, year
from tests.bench.cpu import CpuMeter
from tests.bench.hub import Device, backend_pids, running_hub, scratch_postgres
from tests.bench.report import Report, machine_line
from tests.bench.till import Cashier, Latency, catch_up_in_background, enrolled_till, settle
from tests.bench.workload import ticket_ops

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET_OPS_S = 20_000
#: Cashier actions before the measured ones (first requests load code lazily).
WARM_UP = 5
PG_EXECUTEMANY = "PostgreSQL executemany"
PG_COPY = "PostgreSQL COPY"
SQLITE_OPS = "SQLite executemany"


@dataclass(frozen=True)
class Settings:
    count: int
    postgres_url: str | None
    sqlite_hub: bool
    till: bool
    idle_actions: int
    think_s: float
    pg_settings: dict[str, str]
    catch_up_tickets: int
    outage_s: float
    redis_url: str | None
    live_samples: int
    year_ops: int = 0
    long_history_ops: int = 0
    devices: int = 0
    devices_s: float = 60
    devices_push_every: int = 1


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--ops", type=int, default=50_000, help="ops in the catch-up")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("POS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server database the bench may create databases from "
        "(env POS_TEST_POSTGRES_URL; default %(default)s)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="no PostgreSQL runs")
    parser.add_argument("--skip-sqlite-hub", action="store_true", help="no hub run on SQLite")
    parser.add_argument("--skip-till", action="store_true", help="no agent latency run")
    parser.add_argument(
        "--catch-up-tickets",
        type=int,
        default=500,
        help="tickets the three tills sell offline before the catch-up (0: no catch-up run)",
    )
    parser.add_argument(
        "--outage-s", type=float, default=40, help="how long the catch-up's outage lasts"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("POS_TEST_REDIS_URL") or DEFAULT_REDIS_URL,
        help="the Redis of the live-update run (env POS_TEST_REDIS_URL; default %(default)s)",
    )
    parser.add_argument(
        "--live-samples",
        type=int,
        default=50,
        help="lines timed from one till to another (0: no live-update run)",
    )
    parser.add_argument(
        "--year-ops",
        type=int,
        default=1_000_000,
        help="ops on the year-old till (0: no year run); made once and cached",
    )
    parser.add_argument(
        "--long-history-ops",
        type=int,
        default=20_000,
        help="ops pushed to one entity in batches of 100 on the PostgreSQL hub (0: none)",
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=200,
        help="simulated devices syncing against one and two hub processes (0: none)",
    )
    parser.add_argument(
        "--devices-s", type=float, default=60, help="how long the simulated devices sync"
    )
    parser.add_argument(
        "--devices-push-every",
        type=int,
        default=1,
        help="seconds between a simulated device's pushes (it pulls every second)",
    )
    parser.add_argument(
        "--idle-actions", type=int, default=100, help="cashier actions measured without catch-up"
    )
    parser.add_argument(
        "--think-ms", type=float, default=30, help="cashier pause between actions (ms)"
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for every session of the run's database, e.g. "
        "plan_cache_mode=force_custom_plan (repeatable; for experiments)",
    )
    args = parser.parse_args(argv)
    if args.ops < 1:
        parser.error("--ops must be at least 1")
    pg_settings = {}
    for setting in args.pg_setting:
        name, sep, value = setting.partition("=")
        if not sep or not name.replace("_", "").replace(".", "").isalnum():
            parser.error(f"--pg-setting {setting!r} is not NAME=VALUE")
        pg_settings[name] = value
    return Settings(
        count=args.ops,
        postgres_url=None if args.skip_postgres else args.postgres_url,
        sqlite_hub=not args.skip_sqlite_hub,
        till=not args.skip_till,
        idle_actions=args.idle_actions,
        think_s=args.think_ms / 1000,
        pg_settings=pg_settings,
        catch_up_tickets=args.catch_up_tickets,
        outage_s=args.outage_s,
        redis_url=args.redis_url,
        live_samples=args.live_samples,
        year_ops=args.year_ops,
        long_history_ops=args.long_history_ops,
        devices=args.devices,
        devices_s=args.devices_s,
        devices_push_every=args.devices_push_every,
    )


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used, or None when it answers."""

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError) as exc:  # TimeoutError is an OSError
        return f"{type(exc).__name__}: {exc}"
    return None


@dataclass(frozen=True)
class HubRun:
    """One hub on one database: what it is called and what it is compared with."""

    name: str
    database_url: str
    db_pids: Callable[[], Iterable[int]] | None
    against: list[str]


def hub_run(
    report: Report,
    run: HubRun,
    ops: list[Op],
    device_id: uuid.UUID,
    directory: Path,
    settings: Settings,
    *,
    with_till: bool,
) -> tuple[float, float]:
    """Push ``ops`` to and pull them from a hub on ``run.database_url``; return the rates.

    With ``with_till``, an agent of the same outlet sells before the push and while it
    applies the catch-up afterwards.
    """
    section = f"Hub on {run.name}: pos-hub serve, MessagePack over loopback HTTP"
    log = directory / f"hub-{run.name.lower()}.log"
    report.progress(f"starting a hub on {run.name}")
    with running_hub(run.database_url, log) as hub, ExitStack() as stack:
        try:
            pusher = stack.enter_context(closing(Device.enroll(hub, "B01", device_id)))
            puller = stack.enter_context(closing(Device.enroll(hub, "B02")))
            cashier = None
            if with_till:
                report.progress("enrolling an agent; the cashier sells with no catch-up running")
                cashier = stack.enter_context(enrolled_till(hub, directory, "B03"))
                cashier.sell(WARM_UP, settings.think_s)
                idle = cashier.sell(settings.idle_actions, settings.think_s)
                settle(cashier.client)
            bodies = pusher.push_bodies(ops)
            pusher.handshake(last_seq=len(ops))
            report.progress(f"pushing {len(ops):,} ops to the {run.name} hub")
            with CpuMeter({"hub": hub.pid}, run.db_pids) as meter:
                pusher.push_all(bodies)
            push = report.add(
                section,
                f"push as device B01, batches of {MAX_BATCH:,}",
                len(ops),
                meter.use.wall,
                against=run.against,
                cpu=meter.use,
                note=_retried(pusher),
            )
            report.progress(f"pulling them as another device from the {run.name} hub")
            with CpuMeter({"hub": hub.pid}, run.db_pids) as meter:
                pulled = puller.pull_all()
            pull = report.add(
                section,
                f"pull as device B02 from a null cursor, pages of {MAX_PAGE:,}",
                pulled,
                meter.use.wall,
                against=run.against,
                cpu=meter.use,
                note=f"{pulled - len(ops):,} more than pushed: the catalog and the agent's sales"
                + (f"; {_retried(puller)}" if puller.retries else ""),
            )
            if cashier is not None:
                till_run(report, run, hub.pid, cashier, idle, settings)
            if settings.long_history_ops > 0 and run.db_pids is not None:
                long_history.run(report, hub, section, settings.long_history_ops)
        except Exception:
            report.progress(f"the {run.name} hub run failed; the end of {log}:\n{hub.log_tail()}")
            raise
    return push.rate, pull.rate


def till_run(
    report: Report, run: HubRun, hub_pid: int, cashier: Cashier, idle: Latency, settings: Settings
) -> None:
    section = f"Till: pos-agent at the outlet of the {run.name} hub, sync timer 1 h"
    report.progress("the agent applies the catch-up while the cashier sells")
    thread, catch_up = catch_up_in_background(cashier)
    with CpuMeter({"hub": hub_pid, "agent": cashier.pid}, run.db_pids) as meter:
        busy = cashier.sell_while(thread, settings.think_s)
        thread.join()
    if catch_up.outcome.get("ok") is not True:
        raise RuntimeError(f"the catch-up sync run failed: {catch_up.outcome}")
    report.add(
        section,
        f"catch-up: POST /api/v1/sync/run, pages of {SyncConfig().page_size}",
        catch_up.pulled,
        catch_up.seconds,
        against=[SQLITE_OPS],
        cpu=meter.use,
        note=f"the run also pushed {catch_up.outcome.get('pushed', 0)} ops of this till "
        "(those made while it pulled go in the next run)",
    )
    report.latency(section, "cashier request, no catch-up running", idle)
    report.latency(section, "cashier request, during the catch-up", busy)


def _retried(device: Device) -> str:
    if not device.retries:
        return ""
    return f"{device.retries} requests answered 503 (hub unavailable) and were sent again"


def live_run(
    report: Report,
    stack: ExitStack,
    postgres_url: str | None,
    directory: Path,
    settings: Settings,
) -> None:
    """The live-update latency, when PostgreSQL and Redis answer."""
    redis_url = settings.redis_url
    if postgres_url is None or redis_url is None:
        report.notes.append("live updates NOT MEASURED: they need PostgreSQL and Redis")
        return
    if problem := redis_problem(redis_url):
        report.notes.append(f"live updates NOT MEASURED: {redis_url} does not answer ({problem})")
        return
    url = stack.enter_context(scratch_postgres(postgres_url))
    where = directory / "live"
    where.mkdir()
    live.run(report, url, redis_url, where, settings.live_samples)


def redis_problem(url: str) -> str | None:
    """Why the Redis server at ``url`` cannot be used, or None when it answers."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        with Redis.from_url(url, socket_timeout=5) as client:
            client.ping()
    except (OSError, RedisError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def main(argv: list[str] | None = None) -> None:
    settings = parse_args(argv)
    report = Report(machine_line(settings.count))
    postgres_url = settings.postgres_url
    if postgres_url is not None and (problem := postgres_problem(postgres_url)):
        report.notes.append(
            f"PostgreSQL NOT MEASURED: {postgres_url} does not answer ({problem}); "
            "pass --postgres-url, or --skip-postgres to leave it out"
        )
        postgres_url = None
    device_id = uuid.uuid4()
    report.progress(f"making {settings.count:,} ticket ops")
    ops = ticket_ops(settings.count, device_id=device_id, device_code="B01")
    rows = baselines.hub_rows(ops)
    with tempfile.TemporaryDirectory(prefix="pos-bench-") as tmp, ExitStack() as stack:
        directory = Path(tmp)
        report.progress("raw database baselines")
        pg_url = None
        if postgres_url is not None:
            pg_url = stack.enter_context(scratch_postgres(postgres_url, settings.pg_settings))
            for name, value in settings.pg_settings.items():
                report.notes.append(f"PostgreSQL run with {name} = {value} (--pg-setting)")
        if pg_url is not None:
            seconds = baselines.postgres_baselines(pg_url, rows)
            shape = "hub ops table, 5,000 rows per commit"
            report.baseline(PG_EXECUTEMANY, len(rows), seconds["executemany"], note=shape)
            report.baseline(PG_COPY, len(rows), seconds["copy"], note=shape)
        report.baseline(
            SQLITE_OPS,
            len(rows),
            baselines.sqlite_baseline(rows, directory),
            note="hub ops table, WAL, synchronous=FULL, 5,000 rows per commit",
        )
        till_done = not settings.till
        if pg_url is not None:
            run = HubRun(
                "PostgreSQL", pg_url, lambda: backend_pids(pg_url), [PG_EXECUTEMANY, PG_COPY]
            )
            push, pull = hub_run(
                report, run, ops, device_id, directory, settings, with_till=not till_done
            )
            till_done = True
            report.target("hub push on PostgreSQL", push, TARGET_OPS_S)
            report.target("hub pull on PostgreSQL", pull, TARGET_OPS_S)
        if settings.sqlite_hub or not till_done:
            run = HubRun("SQLite", f"sqlite:///{directory / 'hub.sqlite3'}", None, [SQLITE_OPS])
            hub_run(report, run, ops, device_id, directory, settings, with_till=not till_done)
        if settings.catch_up_tickets > 0:
            if pg_url is not None and postgres_url is not None:
                url, name = stack.enter_context(scratch_postgres(postgres_url)), "PostgreSQL"
            else:
                url, name = f"sqlite:///{directory / 'catch-up.sqlite3'}", "SQLite"
            where = directory / "catch-up"
            where.mkdir()
            catch_up.run(report, url, name, where, settings.catch_up_tickets, settings.outage_s)
        if settings.live_samples > 0:
            live_run(report, stack, postgres_url if pg_url else None, directory, settings)
        if settings.devices > 0 and pg_url is not None and postgres_url is not None:
            for workers in (1, 2):
                devices.run(
                    report,
                    stack.enter_context(scratch_postgres(postgres_url)),
                    directory,
                    count=settings.devices,
                    seconds=settings.devices_s,
                    push_every=settings.devices_push_every,
                    workers=workers,
                )
        if settings.year_ops > 0:
            where = directory / "year"
            where.mkdir()
            year.run(report, where, settings.year_ops, settings.idle_actions, settings.think_s)
    report.progress("sync_protocol in process")
    protocol.run(report, settings.count)
    report.notes.append(
        "CPU-s: CPU seconds used during the measurement by each process; 'others' is the "
        "rest of the machine (other work squeezes wall-clock ops/s)."
    )
    report.print()


if __name__ == "__main__":
    main()
