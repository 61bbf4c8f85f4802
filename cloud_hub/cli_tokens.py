"""``pos-hub token create|list|revoke``: the admin tokens, from the operator's shell."""

from __future__ import annotations

import argparse
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import admin_tokens, tenancy
from cloud_hub.services.admin_tokens import AdminToken


async def run(conn: AsyncConnection, now: int, args: argparse.Namespace) -> str:
    """Run one ``token`` action; return what to print.

    Raises:
        NotFound: no such tenant or token.
        InvalidInput: a bad name or expiry.
    """
    slug = getattr(args, "tenant", None)
    tenant = await tenancy.tenant_by_slug(conn, slug) if slug else None
    if args.action == "create":
        issued = await admin_tokens.issue(
            conn, tenant, args.name, now_ms=now, expires_days=args.expires_days
        )
        whose = f"tenant {issued.tenant}" if issued.tenant else "the hub operator"
        return (
            f"admin token {issued.id} for {whose}, expires {_when(issued.expires_ms)}\n"
            f"token (shown once): {issued.token}"
        )
    if args.action == "list":
        listed = await admin_tokens.list_tokens(conn, tenant)
        return "\n".join(_line(token, now) for token in listed) or "no admin tokens"
    revoked = await admin_tokens.revoke(conn, args.id, None, now_ms=now)
    return f"revoked admin token {revoked.id} ({revoked.name})"


def _line(token: AdminToken, now: int) -> str:
    if token.revoked_ms is not None:
        status = f"revoked {_when(token.revoked_ms)}"
    elif token.expires_ms is not None and token.expires_ms <= now:
        status = f"expired {_when(token.expires_ms)}"
    else:
        status = f"active, expires {_when(token.expires_ms)}"
    scope = f"tenant {token.tenant}" if token.tenant else "operator"
    return f"{token.id}  {scope}  {token.name!r}  hash {token.fingerprint}…  {status}"


def _when(ms: int | None) -> str:
    if ms is None:
        return "never"
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
