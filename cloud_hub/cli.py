"""``pos-hub``: run and administer the cloud hub.

Exit codes: 0 on success, 2 on bad usage, 1 on failure with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cloud_hub.settings import HubSettings

PENDING = ("migrate", "worker", "tenant", "outlet", "enroll-code")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pos-hub", description="BengoBox POS cloud hub: registry, sync server, reports."
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the hub store (env POS_HUB_DATABASE_URL; "
        "default: SQLite file var/hub.sqlite3)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = commands.add_parser("serve", help="run the hub HTTP server")
    serve.add_argument("--demo", action="store_true", help="seed the demo tenant and outlet")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (env POS_HTTP_PORT; default 4104)")
    for name in PENDING:
        commands.add_parser(name, help=f"{name} (arrives with the hub store)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pos-hub``; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = HubSettings.from_env(
            database_url=args.database_url,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            demo=getattr(args, "demo", None),
        )
    except ValueError as exc:
        print(f"pos-hub: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings)
    print(f"pos-hub: '{args.command}' is not available in this version", file=sys.stderr)
    return 1


def _serve(settings: HubSettings) -> int:
    import uvicorn

    from cloud_hub.http.app import create_app

    print(f"BengoBox POS hub listening on http://{settings.host}:{settings.port}", flush=True)
    print(f"  health: http://{settings.host}:{settings.port}/health", flush=True)
    print(f"  API docs: http://{settings.host}:{settings.port}/schema", flush=True)
    uvicorn.run(create_app(), host=settings.host, port=settings.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
