"""The agent's settings: one frozen object from ``POS_AGENT_*`` variables and flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4114
DEFAULT_LAN_PORT = 4124
#: The names that mean this machine only: served in plain HTTP, with no pairing.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
DEFAULT_SYNC_INTERVAL_S = 5.0
#: How long a live-update pull asks the hub to hold it (below the client's 30 s timeout).
DEFAULT_LIVE_WAIT_S = 10.0
#: A device is shown online for this long after its last successful run at least.
MIN_ONLINE_WINDOW_MS = 30_000


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """Where the device database lives, where the API listens, how it syncs.

    Attributes:
        data_dir: directory of ``agent.sqlite3`` (``POS_AGENT_DATA_DIR``; ``./var/agent``).
        host: interface (127.0.0.1 by default: the API is for this device).
        port: TCP port (``POS_AGENT_PORT``; 4114 by default).
        hub_url: the hub (``POS_AGENT_HUB_URL``); None: the URL saved at enrollment.
        sync_interval_s: seconds between sync runs while all is well
            (``POS_AGENT_SYNC_INTERVAL_S``; 5 by default).
        printers_file: the printers file (``POS_AGENT_PRINTERS``); None: ``printers.toml``
            or ``printers.json`` in the data dir, if there.
        host_names: ``Host`` names the API answers to beside 127.0.0.1, localhost and
            ::1 (``POS_AGENT_HOST_NAMES``, comma-separated); the bind address is added.
        lan_port: the port of the LAN listener, when ``host`` is not a loopback name
            (``POS_AGENT_LAN_PORT``; 4124 by default). The till's own plain
            listener stays on 127.0.0.1:``port``.
        tls_cert, tls_key: the LAN listener's certificate and key, PEM files
            (``POS_AGENT_TLS_CERT``, ``POS_AGENT_TLS_KEY``).
        self_signed: without them, let the agent make its own certificate in the data
            dir (``POS_AGENT_TLS_SELF_SIGNED=1``).
        live_wait_s: while the hub answers, a pull waits this long at the hub for the
            outlet's other devices' ops (``POS_AGENT_LIVE_WAIT_S``; 10 by default, at
            most 30; 0 turns live updates off: the timer alone syncs).
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    hub_url: str | None = None
    sync_interval_s: float = DEFAULT_SYNC_INTERVAL_S
    printers_file: Path | None = None
    host_names: tuple[str, ...] = ()
    lan_port: int | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    self_signed: bool = False
    live_wait_s: float = DEFAULT_LIVE_WAIT_S

    @property
    def database(self) -> Path:
        return self.data_dir / "agent.sqlite3"

    @property
    def served_names(self) -> tuple[str, ...]:
        """The ``Host`` names the API answers to: the bind address and the ones set."""
        host = self.host.strip("[]")
        bound = () if host in WILDCARDS else (host,)
        return (*bound, *self.host_names)

    @property
    def lan_url(self) -> str:
        """The base URL of the LAN listener (as a tablet would name it, for a wildcard)."""
        host = self.host.strip("[]")
        if host in WILDCARDS and self.host_names:
            host = self.host_names[0]
        return f"https://{f'[{host}]' if ':' in host else host}:{self.lan_listener_port}"

    @property
    def lan(self) -> bool:
        """Whether the agent also serves the LAN (``host`` is not a loopback name)."""
        return self.host.strip("[]").lower() not in LOOPBACK_NAMES

    @property
    def lan_listener_port(self) -> int:
        return self.lan_port if self.lan_port is not None else DEFAULT_LAN_PORT

    def lan_problem(self) -> str | None:
        """Why the LAN listener cannot start as configured, or None."""
        if not self.lan:
            return None
        if (self.tls_cert is None) != (self.tls_key is None):
            return "give both --tls-cert and --tls-key"
        if self.tls_cert is None and not self.self_signed:
            return (
                f"--host {self.host} is not loopback, so it needs TLS: give --tls-cert and "
                "--tls-key, or --self-signed"
            )
        if self.host.strip("[]") in WILDCARDS and not self.host_names:
            return (
                f"--host {self.host} listens everywhere: name the addresses or names tablets "
                "use in POS_AGENT_HOST_NAMES (comma-separated)"
            )
        if self.lan_listener_port == self.port:
            return f"the LAN listener needs its own port, not {self.port}"
        return None

    @property
    def online_window_ms(self) -> int:
        """How recent the last successful sync must be for the device to show online."""
        return max(MIN_ONLINE_WINDOW_MS, int(self.sync_interval_s * 4000))

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        data_dir: str | None = None,
        host: str | None = None,
        port: int | None = None,
        lan_port: int | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        self_signed: bool = False,
    ) -> AgentSettings:
        """Flags win over the environment, which wins over defaults.

        Raises:
            ValueError: a port that is not a port number, a sync interval that is not
                a positive number of seconds, or a live wait outside 0-30 seconds.
        """
        env = os.environ if env is None else env
        chosen_port = port if port is not None else int(env.get("POS_AGENT_PORT", DEFAULT_PORT))
        if not 0 < chosen_port < 65536:
            raise ValueError(f"port {chosen_port} is out of range")
        raw_lan = lan_port if lan_port is not None else env.get("POS_AGENT_LAN_PORT")
        chosen_lan = int(raw_lan) if raw_lan is not None and raw_lan != "" else None
        if chosen_lan is not None and not 0 < chosen_lan < 65536:
            raise ValueError(f"LAN port {chosen_lan} is out of range")
        cert = tls_cert or env.get("POS_AGENT_TLS_CERT") or None
        key = tls_key or env.get("POS_AGENT_TLS_KEY") or None
        own = self_signed or env.get("POS_AGENT_TLS_SELF_SIGNED", "").lower() in ("1", "true")
        raw_interval = env.get("POS_AGENT_SYNC_INTERVAL_S", str(DEFAULT_SYNC_INTERVAL_S))
        try:
            interval = float(raw_interval)
        except ValueError:
            interval = -1.0
        if not 0 < interval < 86_400:
            raise ValueError(f"POS_AGENT_SYNC_INTERVAL_S={raw_interval!r} is not 0-86400 seconds")
        raw_wait = env.get("POS_AGENT_LIVE_WAIT_S", str(DEFAULT_LIVE_WAIT_S))
        try:
            live_wait = float(raw_wait)
        except ValueError:
            live_wait = -1.0
        if not 0 <= live_wait <= 30:
            raise ValueError(f"POS_AGENT_LIVE_WAIT_S={raw_wait!r} is not 0-30 seconds")
        return cls(
            data_dir=Path(data_dir or env.get("POS_AGENT_DATA_DIR") or Path("var") / "agent"),
            host=host or env.get("POS_AGENT_HOST", "127.0.0.1"),
            port=chosen_port,
            hub_url=env.get("POS_AGENT_HUB_URL") or None,
            sync_interval_s=interval,
            printers_file=Path(p) if (p := env.get("POS_AGENT_PRINTERS")) else None,
            host_names=tuple(
                n.strip() for n in env.get("POS_AGENT_HOST_NAMES", "").split(",") if n.strip()
            ),
            lan_port=chosen_lan,
            tls_cert=Path(cert) if cert else None,
            tls_key=Path(key) if key else None,
            self_signed=own,
            live_wait_s=live_wait,
        )
