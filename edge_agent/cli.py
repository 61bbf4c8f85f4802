"""``pos-agent``: run and administer the edge agent of one outlet device.

Exit codes: 0 on success, 2 on bad usage, 1 on failure with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from edge_agent.domain.errors import DomainError
from edge_agent.settings import AgentSettings

PENDING: dict[str, str] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pos-agent", description="BengoBox POS edge agent: sells with no connectivity."
    )
    parser.add_argument(
        "--data-dir", help="directory of the device database (env POS_AGENT_DATA_DIR)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    init = commands.add_parser("init", help="create or migrate the device database")
    init.add_argument("--demo", action="store_true", help="make this a device of the demo outlet")
    serve = commands.add_parser("serve", help="run the agent API")
    serve.add_argument(
        "--host",
        help="interface (default 127.0.0.1); any other address also serves paired LAN "
        "devices over TLS on --lan-port, and needs --tls-cert/--tls-key or --self-signed",
    )
    serve.add_argument("--port", type=int, help="TCP port (env POS_AGENT_PORT; default 4114)")
    serve.add_argument(
        "--lan-port", type=int, help="TLS port of the LAN listener (env POS_AGENT_LAN_PORT; 4124)"
    )
    serve.add_argument(
        "--tls-cert", help="PEM certificate of the LAN listener (POS_AGENT_TLS_CERT)"
    )
    serve.add_argument("--tls-key", help="PEM private key of the LAN listener (POS_AGENT_TLS_KEY)")
    serve.add_argument(
        "--self-signed",
        action="store_true",
        help="without --tls-cert, use a certificate the agent makes once in the data dir "
        "(POS_AGENT_TLS_SELF_SIGNED=1); tablets pin its SHA-256 fingerprint",
    )
    commands.add_parser(
        "pair",
        help="make a one-time code (8 digits, 5 minutes) to pair a LAN device such as a tablet",
    )
    pairings = commands.add_parser("pairings", help="list the paired LAN devices, or revoke one")
    pairings.add_argument("--revoke", metavar="ID", help="revoke the paired device with this id")
    backup = commands.add_parser("backup", help="copy the database with SQLite's online backup")
    backup.add_argument(
        "--to", type=Path, help="target file (default: data dir/backups/<time>.sqlite3)"
    )
    report = commands.add_parser("report", help="print the X (mid-shift) or Z (end of day) report")
    report.add_argument("kind", choices=("x", "z"), help="x: read-only; z: numbered, after close")
    report.add_argument("--pin", required=True, help="PIN of a staff member allowed to see reports")
    report.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands.add_parser("status", help="show the device, sync, open tickets and drawer")
    enroll = commands.add_parser("enroll", help="trade an enrollment code for a hub credential")
    enroll.add_argument("--hub", required=True, help="the hub's URL, e.g. https://hub.example")
    enroll.add_argument("--code", required=True, help="the one-time code, e.g. K7QX-M3PA-9R")
    enroll.add_argument("--name", default="", help="a name for this device on the hub")
    enroll.add_argument(
        "--force",
        action="store_true",
        help="enroll an enrolled device again, as a new device: its sync bookkeeping starts "
        "over and the ops the hub never got are re-issued under the new identity",
    )
    restore = commands.add_parser(
        "restore",
        help="restore a backup file into the data dir (stop the agent first)",
        description="Put a `pos-agent backup` file back as the device database. The database "
        "it replaces is kept under the data dir's backups/. The device is marked restored: "
        "its next sync checks its log against the hub and, if the hub holds ops the backup "
        "lacks, takes a successor identity (a new device code) under which the sales made "
        "since are re-issued, so no sale is lost and no receipt number is used twice. "
        "Exit codes: 0 restored, 1 failed (nothing changed), 2 bad usage.",
    )
    restore.add_argument(
        "--from", dest="source", required=True, type=Path, help="the backup file to restore"
    )
    commands.add_parser("sync", help="push and pull with the hub now, with progress on stderr")
    printers = commands.add_parser("printers", help="list printers, print a test page, probe")
    printers.add_argument(
        "action",
        choices=("list", "test", "status"),
        help="list: printers and jobs waiting; test: print a test page now; "
        "status: ask each printer (DLE EOT); exit 0 if all can print, 1 on a fault"
        " (unreachable, paper out, cover open...), 3 if a printer cannot tell",
    )
    printers.add_argument("name", nargs="?", help="one printer (default: every printer)")
    printers.add_argument("--kick", action="store_true", help="test: also open the drawer")
    for name, summary in PENDING.items():
        commands.add_parser(name, help=f"{summary} (not available in this version)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pos-agent``; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = AgentSettings.from_env(
            data_dir=args.data_dir,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            lan_port=getattr(args, "lan_port", None),
            tls_cert=getattr(args, "tls_cert", None),
            tls_key=getattr(args, "tls_key", None),
            self_signed=getattr(args, "self_signed", False),
        )
    except ValueError as exc:
        print(f"pos-agent: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "init":
            return _init(settings, args.demo)
        if args.command == "serve":
            return _serve(settings)
        if args.command in ("pair", "pairings"):
            from edge_agent.pairing_cli import pair_command, pairings_command

            if args.command == "pair":
                return pair_command(settings)
            return pairings_command(settings, args.revoke)
        if args.command == "backup":
            return _backup(settings, args.to)
        if args.command == "status":
            return _status(settings)
        if args.command == "report":
            return _report(settings, args.kind, args.pin, as_json=args.json)
        if args.command == "enroll":
            return _enroll(settings, args.hub, args.code, args.name, force=args.force)
        if args.command == "restore":
            return _restore(settings, args.source)
        if args.command == "sync":
            return _sync(settings)
        if args.command == "printers":
            from edge_agent.printing.cli import printers_command

            return printers_command(settings, args.action, args.name, kick=args.kick)
    except (DomainError, OSError, RuntimeError, ValueError) as exc:
        print(f"pos-agent: {exc}", file=sys.stderr)
        return 1
    print(f"pos-agent: '{args.command}' is not available in this version", file=sys.stderr)
    return 1


def _init(settings: AgentSettings, with_demo: bool) -> int:
    from edge_agent.bootstrap import init_device
    from edge_agent.store import private_files

    store, created = init_device(settings, with_demo=with_demo)
    store.close()
    state = "created" if created else "up to date"
    print(f"device database {settings.database}: {state}")
    for path in private_files.repair(settings.data_dir):
        print(f"{path} was open to other users: now owner-only; consider it copied")
    return 0


def _serve(settings: AgentSettings) -> int:
    import uvicorn

    from edge_agent.bootstrap import build_app, lan_listener
    from edge_agent.http.transport import uvicorn_options

    problem = settings.lan_problem()
    if problem is not None:
        print(f"pos-agent serve: {problem}", file=sys.stderr)
        return 2
    if not settings.lan:
        app = build_app(settings)
        print(f"BengoBox POS agent listening on http://{settings.host}:{settings.port}", flush=True)
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="warning", **uvicorn_options()
        )
        return 0
    from edge_agent.http.listeners import serve_both

    app, lan, sock, fingerprint = lan_listener(settings)
    print(f"BengoBox POS agent listening on http://127.0.0.1:{settings.port}", flush=True)
    print(
        f"paired LAN devices: {settings.lan_url} (certificate SHA-256 {fingerprint})",
        flush=True,
    )
    serve_both(app, settings.port, lan, sock)
    return 0


def _backup(settings: AgentSettings, target: Path | None) -> int:
    from edge_agent.store.database import backup
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = target or settings.data_dir / "backups" / f"agent-{stamp}.sqlite3"
    store = Store(settings.database)
    with store.read() as conn:
        pages = backup(conn, target)
    store.close()
    print(f"backup written to {target} ({pages} pages)")
    return 0


def _status(settings: AgentSettings) -> int:
    from edge_agent.printing.registry import alerts as printer_alerts
    from edge_agent.services.status import device_status
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}; run `pos-agent init`")
    store = Store(settings.database)
    try:
        with store.read() as conn:
            status = device_status(conn)
            sync_line = _sync_line(conn, settings)
            printer_lines = printer_alerts(conn)
    except LookupError as exc:
        raise RuntimeError(str(exc)) from exc
    finally:
        store.close()
    print(f"device      {status.outlet}-{status.device_code} ({status.tenant}) {status.device_id}")
    print(
        f"op log      {status.last_seq} ops, {status.pending_ops} not yet acknowledged by the hub"
    )
    print(f"tickets     {status.open_tickets} open")
    print(f"drawer      {status.drawer}")
    print(f"sync        {sync_line}")
    print(f"printers    {'; '.join(printer_lines) or 'nothing needs attention'}")
    return 0


def _when(ms: int | None) -> str:
    if ms is None:
        return "never"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _sync_line(conn: sqlite3.Connection, settings: AgentSettings) -> str:
    from edge_agent.http.app import wall_clock_ms
    from edge_agent.services.sync_status import is_online
    from edge_agent.store import identities, sync_state

    state = sync_state.read(conn)
    if state.enrolled_ms is None:
        return "not enrolled (pos-agent enroll --hub URL --code CODE)"
    online = is_online(state, wall_clock_ms(), settings.online_window_ms)
    line = f"{'online' if online else 'offline'} with {settings.hub_url or state.hub_url}"
    line += f", last success {_when(state.last_success_ms)}"
    if state.last_error_code and not online:
        line += f", last error {state.last_error_code} at {_when(state.last_error_ms)}"
    if state.clock_skew_ms is not None:
        line += f", clock skew {state.clock_skew_ms} ms"
    if state.clock_problem:
        line += f", clock problem: {state.clock_problem}"
    held = sync_state.quarantined_count(conn, sync_state.HELD)
    if held:
        line += f", {held} ops held by the hub"
    recovery = identities.recovery(conn)
    if recovery.restored_ms is not None:
        line += f"; restored at {_when(recovery.restored_ms)}, to be checked with the hub"
    elif recovery.note:
        line += f"; last restore: {recovery.note}"
    return line


def _enroll(settings: AgentSettings, hub: str, code: str, name: str, *, force: bool) -> int:
    from edge_agent.bootstrap import credential_store
    from edge_agent.http.app import wall_clock_ms
    from edge_agent.services import reenroll
    from edge_agent.store import private_files
    from edge_agent.store.gateway import Store
    from edge_agent.sync.enrollment import enroll
    from edge_agent.sync.errors import SyncError

    if not hub.startswith(("http://", "https://")):
        print(f"pos-agent enroll: --hub {hub!r} is not an http(s) URL", file=sys.stderr)
        return 2
    private_files.private_dir(settings.data_dir)  # PIN hashes, credential
    store = Store(settings.database)
    try:
        again = reenroll.must_enroll_again(store) and (force or reenroll.revoked(store))
        how = reenroll.enroll_again if again else enroll
        done = how(store, credential_store(settings), hub, code, clock=wall_clock_ms, name=name)
    except SyncError as exc:
        print(f"pos-agent enroll: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    me = done.identity
    print(f"enrolled {me.outlet}-{me.device_code} ({me.tenant}) {me.device_id} with {hub}")
    print(f"credential kept in {done.credential_location}")
    for path in private_files.repair(settings.data_dir):
        print(f"{path} was open to other users: now owner-only; consider it copied")
    return 0


def _restore(settings: AgentSettings, source: Path) -> int:
    from edge_agent.http.app import wall_clock_ms
    from edge_agent.store.private_files import private_dir
    from edge_agent.store.restoring import restore_backup

    private_dir(settings.data_dir)
    done = restore_backup(
        source, settings.database, keep_dir=settings.data_dir / "backups", now_ms=wall_clock_ms()
    )
    print(
        f"restored {source} as {done.outlet}-{done.device_code} {done.device_id}: "
        f"{done.last_seq} ops, receipts continue after {done.receipt_seq}"
    )
    if done.replaced is not None:
        print(f"the database it replaced is kept in {done.replaced}")
    print("the next sync checks this log against the hub before it pushes anything")
    return 0


def _sync(settings: AgentSettings) -> int:
    from edge_agent.bootstrap import sync_runner
    from edge_agent.store.gateway import Store
    from edge_agent.sync.errors import NotEnrolled
    from edge_agent.sync.progress import TextProgress

    if not settings.database.exists():
        print(
            f"pos-agent sync: no device database at {settings.database}; "
            "run `pos-agent enroll --hub URL --code CODE`",
            file=sys.stderr,
        )
        return 1
    store = Store(settings.database)
    progress = TextProgress(sys.stderr, interactive=sys.stderr.isatty())
    try:
        outcome = sync_runner(settings, store).run(progress)
    except NotEnrolled as exc:
        print(f"pos-agent sync: {exc}", file=sys.stderr)
        return 1
    finally:
        progress.finish()
        store.close()
    if not outcome.ok:
        print(f"pos-agent sync: {outcome.error_code}: {outcome.error_message}", file=sys.stderr)
        if outcome.failed_phase == "push":
            print(f"pos-agent sync: pulled {outcome.pulled} ops all the same", file=sys.stderr)
        return 1
    summary = f"synced: pushed {outcome.pushed} ops"
    if outcome.quarantined:
        summary += f" ({outcome.quarantined} quarantined by the hub)"
    summary += f", pulled {outcome.pulled} ops"
    if outcome.recovered:
        summary += f"; restored device recovered: {outcome.recovered}"
    if outcome.reset:
        summary += "; the hub was restored, so everything was pulled and pushed again"
    if outcome.clock_drift:
        summary += f"; {outcome.clock_drift} pulled ops are stamped ahead of this clock"
    print(summary)
    return 0


def _report(settings: AgentSettings, kind: str, pin: str, *, as_json: bool) -> int:
    import msgspec

    from edge_agent.http.app import wall_clock_ms
    from edge_agent.printing.day_report import report_text
    from edge_agent.services import reports, staff
    from edge_agent.services.report_documents import x_document, z_document
    from edge_agent.services.tickets import Context
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}")
    store = Store(settings.database)
    try:
        who = staff.sign_in(store, pin, wall_clock_ms)
        if kind == "x":
            with store.read() as conn:
                document = x_document(reports.x_report(conn, who))
        else:
            with store.write() as conn:
                document = z_document(reports.z_report(Context(conn, who, wall_clock_ms)))
    finally:
        store.close()
    print(msgspec.json.encode(document).decode() if as_json else report_text(document), end="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
