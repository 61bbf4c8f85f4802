"""The agent's settings: one frozen object from ``POS_AGENT_*`` variables and flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4114


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """Where the device database lives and where the API listens.

    Attributes:
        data_dir: directory of ``agent.sqlite3`` (``POS_AGENT_DATA_DIR``; ``./var/agent``).
        host: interface (127.0.0.1 by default: the API is for this device).
        port: TCP port (``POS_AGENT_PORT``; 4114 by default).
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT

    @property
    def database(self) -> Path:
        return self.data_dir / "agent.sqlite3"

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
            ValueError: a port that is not a port number.
        """
        env = os.environ if env is None else env
        chosen_port = port if port is not None else int(env.get("POS_AGENT_PORT", DEFAULT_PORT))
        if not 0 < chosen_port < 65536:
            raise ValueError(f"port {chosen_port} is out of range")
        return cls(
            data_dir=Path(data_dir or env.get("POS_AGENT_DATA_DIR") or Path("var") / "agent"),
            host=host or env.get("POS_AGENT_HOST", "127.0.0.1"),
            port=chosen_port,
        )
