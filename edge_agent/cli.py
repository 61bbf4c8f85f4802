"""``pos-agent``: run and administer the edge agent of one outlet device.

Exit codes: 0 on success, 2 on bad usage, 1 on failure with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from edge_agent.domain.errors import DomainError
from edge_agent.settings import AgentSettings

PENDING = {
    "enroll": "trade an enrollment code for a device credential",
    "sync": "push and pull with the hub now",
    "printers": "list, test and probe printers",
}


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
    serve.add_argument("--host", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (env POS_AGENT_PORT; default 4114)")
    backup = commands.add_parser("backup", help="copy the database with SQLite's online backup")
    backup.add_argument(
        "--to", type=Path, help="target file (default: data dir/backups/<time>.sqlite3)"
    )
    report = commands.add_parser("report", help="print the X (mid-shift) or Z (end of day) report")
    report.add_argument("kind", choices=("x", "z"), help="x: read-only; z: numbered, after close")
    report.add_argument("--pin", required=True, help="PIN of a staff member allowed to see reports")
    report.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands.add_parser("status", help="show the device, unsynced ops, open tickets and drawer")
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
        )
    except ValueError as exc:
        print(f"pos-agent: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "init":
            return _init(settings, args.demo)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "backup":
            return _backup(settings, args.to)
        if args.command == "status":
            return _status(settings)
        if args.command == "report":
            return _report(settings, args.kind, args.pin, as_json=args.json)
    except (DomainError, OSError, RuntimeError) as exc:
        print(f"pos-agent: {exc}", file=sys.stderr)
        return 1
    print(f"pos-agent: '{args.command}' is not available in this version", file=sys.stderr)
    return 1


def _init(settings: AgentSettings, with_demo: bool) -> int:
    from edge_agent.bootstrap import init_device

    store, created = init_device(settings, with_demo=with_demo)
    store.close()
    state = "created" if created else "up to date"
    print(f"device database {settings.database}: {state}")
    return 0


def _serve(settings: AgentSettings) -> int:
    import uvicorn

    from edge_agent.bootstrap import build_app

    app = build_app(settings)
    print(f"BengoBox POS agent listening on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def _backup(settings: AgentSettings, target: Path | None) -> int:
    from edge_agent.store.database import backup
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = target or settings.data_dir / "backups" / f"agent-{stamp}.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database)
    with store.read() as conn:
        pages = backup(conn, target)
    store.close()
    print(f"backup written to {target} ({pages} pages)")
    return 0


def _status(settings: AgentSettings) -> int:
    from edge_agent.services.status import device_status
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}; run `pos-agent init`")
    store = Store(settings.database)
    try:
        with store.read() as conn:
            status = device_status(conn)
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
    return 0


def _report(settings: AgentSettings, kind: str, pin: str, *, as_json: bool) -> int:
    import msgspec

    from edge_agent.http.app import wall_clock_ms
    from edge_agent.http.drawer import render_text, x_document, z_document
    from edge_agent.services import drawer, staff
    from edge_agent.services.tickets import Context
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}")
    store = Store(settings.database)
    try:
        who = staff.sign_in(store, pin, wall_clock_ms)
        if kind == "x":
            with store.read() as conn:
                document = x_document(drawer.x_report(conn, who))
        else:
            with store.write() as conn:
                document = z_document(drawer.z_report(Context(conn, who, wall_clock_ms)))
    finally:
        store.close()
    print(msgspec.json.encode(document).decode() if as_json else render_text(document), end="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
