"""The agent's settings: one frozen object from ``POS_AGENT_*`` variables and flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4114
DEFAULT_SYNC_INTERVAL_S = 5.0
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
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    hub_url: str | None = None
    sync_interval_s: float = DEFAULT_SYNC_INTERVAL_S
    printers_file: Path | None = None
    host_names: tuple[str, ...] = ()

    @property
    def database(self) -> Path:
        return self.data_dir / "agent.sqlite3"

    @property
    def served_names(self) -> tuple[str, ...]:
        """The ``Host`` names the API answers to: the bind address and the ones set."""
        bound = () if self.host in ("0.0.0.0", "::", "") else (self.host,)
        return (*bound, *self.host_names)

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
    ) -> AgentSettings:
        """Flags win over the environment, which wins over defaults.

        Raises:
            ValueError: a port that is not a port number, or a sync interval that is not
                a positive number of seconds.
        """
        env = os.environ if env is None else env
        chosen_port = port if port is not None else int(env.get("POS_AGENT_PORT", DEFAULT_PORT))
        if not 0 < chosen_port < 65536:
            raise ValueError(f"port {chosen_port} is out of range")
        raw_interval = env.get("POS_AGENT_SYNC_INTERVAL_S", str(DEFAULT_SYNC_INTERVAL_S))
        try:
            interval = float(raw_interval)
        except ValueError:
            interval = -1.0
        if not 0 < interval < 86_400:
            raise ValueError(f"POS_AGENT_SYNC_INTERVAL_S={raw_interval!r} is not 0-86400 seconds")
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
        )
