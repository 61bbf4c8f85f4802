"""``pos-hub``: run and administer the cloud hub.

Exit codes: 0 on success, 2 on bad usage (argparse, or a value the hub refuses),
1 on failure with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub import bootstrap
from cloud_hub import cli_tokens as tokens_cli
from cloud_hub.services import admin_tokens, enrollment, registry, tenancy
from cloud_hub.services.demo import DemoInfo
from cloud_hub.services.errors import HubError, InvalidInput
from cloud_hub.settings import HubSettings
from cloud_hub.store import meta

Action = Callable[[AsyncConnection, int], Awaitable[str]]


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
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="hub processes sharing the port (PostgreSQL only; set POS_HUB_REDIS_URL so "
        "live updates reach every process; default 1)",
    )
    commands.add_parser("migrate", help="create or upgrade the hub database")
    commands.add_parser(
        "restore-mark", help="start a new hub epoch after restoring a backup (devices reset)"
    )
    commands.add_parser("worker", help="run background jobs (not available in this version)")
    _tenant_parser(commands)
    _outlet_parser(commands)
    _token_parser(commands)
    code = commands.add_parser("enroll-code", help="issue a one-time device enrollment code")
    code.add_argument("--tenant", required=True, help="tenant slug")
    code.add_argument("--outlet", required=True, help="outlet code")
    code.add_argument("--device", required=True, help="device code, e.g. D02")
    code.add_argument("--expires-hours", type=int, default=24, help="validity (default 24)")
    return parser


def _tenant_parser(commands: Any) -> None:
    tenant = commands.add_parser("tenant", help="manage tenants")
    actions = tenant.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a tenant and print its admin token")
    create.add_argument("slug", help="tenant slug: a-z, 0-9, _ and -")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--currency", default="KES", help="ISO 4217 code (default KES)")
    token = actions.add_parser(
        "token", help="issue another admin token for a tenant (90 days; see 'pos-hub token')"
    )
    token.add_argument("slug", help="tenant slug")
    token.add_argument("--name", default="admin", help="who holds it (for the audit trail)")


def _token_parser(commands: Any) -> None:
    token = commands.add_parser("token", help="manage admin tokens (stored hashed)")
    actions = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="issue an admin token and print it (shown once)")
    scope = create.add_mutually_exclusive_group(required=True)
    scope.add_argument("--tenant", help="slug of the tenant the token administers")
    scope.add_argument("--operator", action="store_true", help="an operator-wide token")
    create.add_argument("--name", required=True, help="who holds it (for the audit trail)")
    create.add_argument(
        "--expires-days", type=int, default=90, help="validity in days, 1 to 366 (default 90)"
    )
    listing = actions.add_parser("list", help="list admin tokens (never their secrets)")
    listing.add_argument("--tenant", help="only this tenant's tokens")
    revoke = actions.add_parser("revoke", help="revoke an admin token by its id")
    revoke.add_argument("id", help="the token's id, as 'token list' shows it")


def _outlet_parser(commands: Any) -> None:
    outlet = commands.add_parser("outlet", help="manage outlets")
    actions = outlet.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an outlet")
    create.add_argument("code", help="outlet code: A-Z, a-z, 0-9, _ and - (not HUB)")
    create.add_argument("--tenant", required=True, help="tenant slug")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--timezone", required=True, help="IANA time zone, e.g. Africa/Nairobi")
    create.add_argument("--currency", help="ISO 4217 code (default: the tenant's)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pos-hub``; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = HubSettings.from_env(
            database_url=args.database_url,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            demo=getattr(args, "demo", None) or None,
        )
        if args.command == "serve":
            if args.workers > 1:
                return _serve_workers(settings, args.workers)
            if args.workers < 1:
                return _fail("--workers must be 1 or more", 2)
            return _serve(settings)
        if args.command == "worker":
            return _fail("'worker' is not available in this version")
        if args.command == "migrate":
            revision = asyncio.run(bootstrap.migrate(settings))
            print(f"hub database is at revision {revision}")
            return 0
        print(asyncio.run(bootstrap.run_admin(settings, _action(args))))
    except InvalidInput as exc:
        return _fail(str(exc), 2)
    except ValueError as exc:  # settings: a bad port or database URL
        return _fail(str(exc), 2)
    except HubError as exc:
        return _fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        return _fail(f"the hub database failed: {str(exc).splitlines()[0]}")
    return 0


def _action(args: argparse.Namespace) -> Action:
    if args.command == "token":
        return lambda conn, now: tokens_cli.run(conn, now, args)
    if args.command == "tenant" and args.action == "token":
        return lambda conn, now: _issue_token(conn, now, args)
    if args.command == "tenant":
        return lambda conn, now: _create_tenant(conn, now, args)
    if args.command == "outlet":
        return lambda conn, now: _create_outlet(conn, now, args)
    if args.command == "enroll-code":
        return lambda conn, now: _enroll_code(conn, now, args)
    return _restore_mark


async def _create_tenant(conn: AsyncConnection, now: int, args: argparse.Namespace) -> str:
    tenant, token = await registry.create_tenant(
        conn, args.slug, args.name, args.currency, now_ms=now
    )
    return f"created tenant {tenant.slug}\nadmin token (shown once): {token}"


async def _issue_token(conn: AsyncConnection, now: int, args: argparse.Namespace) -> str:
    tenant = await tenancy.tenant_by_slug(conn, args.slug)
    token = await registry.issue_admin_credential(
        conn, tenant, args.name, now_ms=now, expires_days=admin_tokens.DEFAULT_EXPIRY_DAYS
    )
    return f"admin token for {tenant.slug} (shown once): {token}"


async def _create_outlet(conn: AsyncConnection, now: int, args: argparse.Namespace) -> str:
    tenant = await tenancy.tenant_by_slug(conn, args.tenant)
    outlet = await registry.create_outlet(
        conn, tenant, args.code, args.name, args.timezone, currency=args.currency, now_ms=now
    )
    return f"created outlet {outlet.code} ({outlet.timezone}, {outlet.currency})"


async def _enroll_code(conn: AsyncConnection, now: int, args: argparse.Namespace) -> str:
    tenant = await tenancy.tenant_by_slug(conn, args.tenant)
    issued = await enrollment.issue(
        conn, tenant, args.outlet, args.device, expires_hours=args.expires_hours, now_ms=now
    )
    hours = args.expires_hours
    return f"{issued.code}\n(enrolls {issued.outlet}-{issued.device_code}; valid {hours} h, once)"


async def _restore_mark(conn: AsyncConnection, now: int) -> str:
    epoch = await meta.new_epoch(conn)
    return f"new hub epoch {epoch}: devices will reset their cursors and pull again"


def _serve(settings: HubSettings) -> int:
    import uvicorn

    from cloud_hub.http.transport import uvicorn_options

    base = f"http://{settings.host}:{settings.port}"
    app = bootstrap.build_app(settings, announce=lambda info: _announce(info, base))
    print(f"BengoBox POS hub listening on {base}", flush=True)
    print(f"  health: {base}/health", flush=True)
    print(f"  API document: {base}/schema/openapi.json", flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **uvicorn_options(settings.limits),
    )
    return 0


def _serve_workers(settings: HubSettings, workers: int) -> int:
    """Run ``workers`` hub processes on one port and one PostgreSQL database.

    The database is migrated here, once; each worker builds its
    application from the environment (``bootstrap.app_from_env``), which carries the
    settings given on the command line.
    """
    import uvicorn

    from cloud_hub.http.transport import uvicorn_options

    if make_url(settings.database_url).get_backend_name() != "postgresql":
        return _fail(
            "--workers above 1 needs PostgreSQL: SQLite takes one writer at a time, so "
            "run one process on SQLite (or set POS_HUB_DATABASE_URL to PostgreSQL)",
            2,
        )
    if settings.demo:
        return _fail("--demo runs one hub process: leave out --workers", 2)
    if settings.redis_url is None:
        print(
            "pos-hub: warning: POS_HUB_REDIS_URL is not set: a push wakes only the pulls "
            "waiting in its own process; the others answer at the end of their wait",
            file=sys.stderr,
            flush=True,
        )
    base = f"http://{settings.host}:{settings.port}"
    asyncio.run(bootstrap.prepare(settings))
    os.environ.update(
        POS_HUB_DATABASE_URL=settings.database_url,
        POS_HUB_HOST=settings.host,
        POS_HTTP_PORT=str(settings.port),
    )
    print(f"BengoBox POS hub listening on {base} ({workers} processes)", flush=True)
    print(f"  health: {base}/health", flush=True)
    uvicorn.run(
        "cloud_hub.bootstrap:app_from_env",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **uvicorn_options(settings.limits, workers=workers),
    )
    return 0


def _announce(info: DemoInfo, base: str) -> None:
    lines = [
        f"Demo tenant '{info.tenant}', outlet {info.outlet}",
        f"  hub URL: {base}",
        f"  admin token: {info.admin_token}",
    ]
    for device_code, code in info.codes.items():
        shown = code or "(already enrolled)"
        lines.append(f"  enrollment code for {info.outlet}-{device_code}: {shown}")
    print("\n".join(lines), flush=True)


def _fail(reason: str, code: int = 1) -> int:
    print(f"pos-hub: {reason}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
