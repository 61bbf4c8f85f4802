"""Composition root: settings in, a ready store, sync runner or application out."""

from __future__ import annotations

import logging
import socket
import uuid

import httpx
import uvicorn
from litestar import Litestar

from edge_agent.http.access import service_token
from edge_agent.http.app import create_app, wall_clock_ms
from edge_agent.http.listeners import lan_config, lan_socket
from edge_agent.http.pairing import LAN_STATE, LanListener
from edge_agent.http.tls import TlsFiles, ensure_self_signed, fingerprint, self_signed_files
from edge_agent.printing import files as printer_files
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.errors import PrinterConfigError
from edge_agent.printing.reload import PrintersReloader
from edge_agent.printing.worker import PrintRuntime
from edge_agent.services import demo, printing
from edge_agent.services.errors import NotInitialised
from edge_agent.services.sync import SyncConfig, SyncRunner
from edge_agent.settings import AgentSettings
from edge_agent.store import private_files, sync_state
from edge_agent.store.device import DeviceIdentity, initialise
from edge_agent.store.gateway import Store
from edge_agent.sync.access import HubAccess
from edge_agent.sync.backoff import Backoff
from edge_agent.sync.credentials import CredentialStore
from edge_agent.sync.errors import NotEnrolled
from edge_agent.sync.live import Endpoint, LiveUpdates
from edge_agent.sync.scheduler import SyncScheduler


def init_device(settings: AgentSettings, *, with_demo: bool) -> tuple[Store, bool]:
    """Create or migrate the device database; with ``with_demo``, seed the demo outlet.

    Returns:
        The open store, and whether the device identity was created now.
    """
    private_files.private_dir(settings.data_dir)  # PIN hashes, credential
    store = Store(settings.database)
    created = False
    if with_demo:
        me = DeviceIdentity(
            uuid.uuid4(), demo.TENANT, demo.OUTLET, "D01", demo.CURRENCY, demo.TIMEZONE
        )
        with store.write() as conn:
            created = initialise(conn, me)
            if created:
                demo.seed(conn)
        printer_files.write_demo(settings.data_dir)
    configure_printers(settings, store)
    return store, created


def configure_printers(settings: AgentSettings, store: Store) -> tuple[PrinterConfig, ...]:
    """Read the printers file into the database (jobs of removed printers fail).

    Raises:
        PrinterConfigError: the printers file is invalid.
    """
    printers = printer_files.load(printer_files.find(settings.data_dir, settings.printers_file))
    with store.write() as conn:
        printing.configure(conn, printers, wall_clock_ms())
    return printers


def start_printing(
    app: Litestar, settings: AgentSettings, store: Store, printers: tuple[PrinterConfig, ...]
) -> PrintRuntime:
    """One print worker per configured printer while the app runs, following the
    printers file when it changes."""
    runtime = PrintRuntime(store, printers, wall_clock_ms)
    reloader = PrintersReloader(
        lambda: printer_files.find(settings.data_dir, settings.printers_file),
        store,
        runtime,
        wall_clock_ms,
    )
    store.on_commit(runtime.wake)
    app.state["printing"] = runtime
    app.state["printers_reloader"] = reloader
    app.on_startup.extend((runtime.start, reloader.start))
    app.on_shutdown[:0] = [reloader.stop, runtime.stop]  # before the store closes
    return runtime


def credential_store(settings: AgentSettings) -> CredentialStore:
    """Where this device's hub credential is kept (keyring, else a 0600 file)."""
    return CredentialStore(settings.data_dir)


def sync_runner(
    settings: AgentSettings, store: Store, *, transport: httpx.BaseTransport | None = None
) -> SyncRunner:
    """The sync runner of this device (its hub URL and credential are read per run)."""
    access = HubAccess(credential_store(settings), settings.hub_url, transport)
    config = SyncConfig(online_window_ms=settings.online_window_ms)
    return SyncRunner(store, access, wall_clock_ms, config)


def start_sync(app: Litestar, settings: AgentSettings, runner: SyncRunner) -> SyncScheduler:
    """Sync on a timer and after every local commit while the app runs; while the hub
    does not answer, probe it every few seconds so the run starts once it does."""
    # A run every few seconds must not fill the log: per-run and per-request lines of the
    # scheduler and httpx stay at debug level; failures are recorded in the sync status.
    for noisy in ("apscheduler", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    scheduler = SyncScheduler(
        runner.run, Backoff(settings.sync_interval_s), probe=runner.hub_answers
    )
    runner.store.on_commit(scheduler.kick)

    def stop() -> None:
        runner.stop()
        scheduler.shutdown()

    app.on_startup.append(scheduler.start)
    app.on_shutdown.insert(0, stop)  # before the store closes
    if settings.live_wait_s > 0 and runner.access.transport is None:
        live = live_updates(settings, runner, scheduler)
        app.on_startup.append(live.start)
        app.on_shutdown.insert(1, live.stop)  # after the runner is told to stop
    return scheduler


#: The longest live updates rest after an error, whatever the sync interval.
LIVE_REST_MAX_S = 30.0


def live_updates(
    settings: AgentSettings, runner: SyncRunner, scheduler: SyncScheduler
) -> LiveUpdates:
    """A waiting pull while the timer's runs succeed; a pull (``SyncRunner.pull_now``)
    when it returns ops."""

    def endpoint() -> Endpoint:
        url, credential = runner.access.endpoint(runner.store)
        with runner.store.read() as conn:
            cursor = sync_state.positions(conn).pull_cursor
        return Endpoint(url, credential, cursor)

    def online() -> bool:
        return scheduler.runs > 0 and scheduler.failures == 0

    def sync() -> bool:
        try:
            return runner.pull_now()
        except NotEnrolled:  # a reset's full run, on a device enrolled no more
            return False

    return LiveUpdates(
        endpoint=endpoint,
        online=online,
        sync=sync,
        wait_s=settings.live_wait_s,
        rest_s=min(settings.sync_interval_s, LIVE_REST_MAX_S),
    )


def build_app(settings: AgentSettings, *, transport: httpx.BaseTransport | None = None) -> Litestar:
    """The agent API over the device database, syncing in the background when enrolled.

    Raises:
        ExposedFile: a secret file of the data directory is open to other users.
        NotInitialised: the database has no device identity yet.
    """
    private_files.check(settings.data_dir)
    if not settings.database.exists():
        raise NotInitialised(f"no device database at {settings.database}; run `pos-agent init`")
    store = Store(settings.database)
    with store.read() as conn:
        if conn.execute("SELECT 1 FROM device").fetchone() is None:
            store.close()
            raise NotInitialised(
                "the device is not enrolled; run `pos-agent init --demo` or `enroll`"
            )
    try:  # a bad printers file stops the agent before it starts
        printers = configure_printers(settings, store)
    except PrinterConfigError:
        store.close()
        raise
    app = create_app(
        store,
        wall_clock_ms,
        host_names=settings.served_names,
        service_token=service_token(settings.data_dir),
    )
    start_printing(app, settings, store, printers)
    runner = sync_runner(settings, store, transport=transport)
    app.state["sync"] = runner
    if runner.enrolled():
        start_sync(app, settings, runner)
    return app


def tls_files(settings: AgentSettings, *, make: bool = True) -> TlsFiles | None:
    """The LAN listener's certificate and key: the configured ones, else the agent's own
    (made now with ``make``; None when it was never made)."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        return TlsFiles(settings.tls_cert, settings.tls_key)
    if make:
        return ensure_self_signed(settings.data_dir, settings.served_names)
    own = self_signed_files(settings.data_dir)
    return own if own.cert.exists() else None


def lan_listener(settings: AgentSettings) -> tuple[Litestar, uvicorn.Config, socket.socket, str]:
    """The app, and the LAN listener's configuration, bound socket and certificate
    fingerprint, for ``serve`` on a host that is not loopback.

    Raises:
        NotInitialised: the database has no device identity yet.
        OSError, ValueError: the certificate or key cannot be used, or the address bound.
    """
    app = build_app(settings)
    files = tls_files(settings)
    assert files is not None  # made when not configured
    sha256 = fingerprint(files.cert)
    app.state[LAN_STATE] = LanListener(settings.lan_url, sha256)
    sock = lan_socket(settings.host, settings.lan_listener_port)
    try:
        config = lan_config(
            app, settings.host, sock.getsockname()[1], str(files.cert), str(files.key)
        )
    except BaseException:
        sock.close()
        raise
    return app, config, sock, sha256
