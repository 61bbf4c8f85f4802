"""``pos-agent pair`` and ``pos-agent pairings``: pair LAN devices from the till's shell."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from edge_agent.settings import AgentSettings

#: Who the audit names for actions taken at the device's command line.
CLI = "cli"


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _certificate_line(settings: AgentSettings) -> str:
    from edge_agent.bootstrap import tls_files
    from edge_agent.http.tls import fingerprint

    files = tls_files(settings, make=False)
    if files is None:
        return "certificate: made when the agent first serves the LAN (serve --self-signed)"
    return f"certificate SHA-256 {fingerprint(files.cert)}"


def pair_command(settings: AgentSettings) -> int:
    """Make a one-time pairing code and show it with the certificate to pin."""
    from edge_agent.http.app import wall_clock_ms
    from edge_agent.services import pairing
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}; run `pos-agent init`")
    store = Store(settings.database)
    try:
        made = pairing.create_code(store, CLI, wall_clock_ms)
    finally:
        store.close()
    print(f"pairing code {made.code[:4]} {made.code[4:]} (one use, until {_when(made.expires_ms)})")
    if settings.lan:
        print(f"claim at {settings.lan_url}/api/v1/pairing/claim")
    print(_certificate_line(settings))
    return 0


def pairings_command(settings: AgentSettings, revoke: str | None) -> int:
    """List the paired devices, or revoke one."""
    from edge_agent.http.app import wall_clock_ms
    from edge_agent.services import pairing
    from edge_agent.store.gateway import Store

    if not settings.database.exists():
        raise RuntimeError(f"no device database at {settings.database}; run `pos-agent init`")
    store = Store(settings.database)
    try:
        if revoke is not None:
            pairing.revoke(store, revoke, CLI, wall_clock_ms)
            print(f"revoked {revoke}")
            return 0
        with store.read() as conn:
            clients = pairing.clients(conn)
    finally:
        store.close()
    if not clients:
        print("no paired devices", file=sys.stderr)
    for c in clients:
        state = f"revoked {_when(c.revoked_ms)}" if c.revoked_ms else "active"
        seen = _when(c.last_seen_ms)
        print(f"{c.id}  {c.name}  paired {_when(c.paired_ms)}  last seen {seen}  {state}")
    return 0
