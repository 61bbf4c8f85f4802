"""The hub's settings: one frozen object, read from ``POS_HUB_*`` variables and flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 4104


@dataclass(frozen=True, slots=True)
class Limits:
    """How long and how often a client may talk to the hub (``docs/sync-protocol.md`` §2).

    Attributes:
        idle_timeout_s: a connection that sends no complete request head within this
            time, or stays idle this long between requests, is closed.
        body_timeout_s: a request body must arrive whole within this time.
        sync_rate_per_min: sync requests per minute per device credential (five times
            as many per client address); bursts of half a minute's worth pass.
        enroll_rate_per_min: enrollment attempts per minute per client address.
        pull_wait_s: the longest the hub holds a long-poll pull (``PullRequest.wait_ms``);
            kept well below the clients' read timeout (30 s for the agent) and the usual
            proxy timeouts (60 s), so no one on the way cuts a waiting pull.
    """

    idle_timeout_s: float = 15.0
    body_timeout_s: float = 60.0
    sync_rate_per_min: float = 6000.0
    enroll_rate_per_min: float = 20.0
    pull_wait_s: float = 10.0


@dataclass(frozen=True, slots=True)
class HubSettings:
    """What the hub process needs to start.

    Attributes:
        database_url: SQLAlchemy URL; a SQLite file under ``./var`` by default.
        host: interface to listen on.
        port: TCP port (``POS_HTTP_PORT``; 4104 by default).
        demo: seed the demo tenant and outlet.
        operator_token: the hub operator's token for creating tenants over HTTP
            (``POS_HUB_ADMIN_TOKEN``); None turns that endpoint off.
        limits: the transport limits (``POS_HUB_IDLE_TIMEOUT_S``, ``POS_HUB_BODY_TIMEOUT_S``,
            ``POS_HUB_SYNC_RATE_PER_MIN``, ``POS_HUB_ENROLL_RATE_PER_MIN``,
            ``POS_HUB_PULL_WAIT_S``).
        redis_url: ``POS_HUB_REDIS_URL``: wake-ups of waiting pulls go through Redis
            pub/sub, so that several hub processes share them; None: in memory (one
            process).
        channel_prefix: ``POS_HUB_CHANNEL_PREFIX``: the namespace of the hub's pub/sub
            channels, for several hubs (or test runs) on one Redis.
    """

    database_url: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    demo: bool = False
    operator_token: str | None = field(default=None, repr=False)
    limits: Limits = field(default_factory=lambda: Limits())
    redis_url: str | None = field(default=None, repr=False)
    channel_prefix: str = "pos-hub"

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is out of range")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> HubSettings:
        """Build settings from the environment, then apply non-None overrides.

        Raises:
            ValueError: if ``POS_HTTP_PORT`` (or the ``port`` override) is not a port number.
        """
        env = os.environ if env is None else env
        default = Limits()
        values: dict[str, object] = {
            "database_url": env.get(
                "POS_HUB_DATABASE_URL", f"sqlite+aiosqlite:///{Path('var') / 'hub.sqlite3'}"
            ),
            "host": env.get("POS_HUB_HOST", "127.0.0.1"),
            "port": _port(env.get("POS_HTTP_PORT", str(DEFAULT_PORT))),
            "operator_token": env.get("POS_HUB_ADMIN_TOKEN") or None,
            "limits": Limits(
                idle_timeout_s=_positive(env, "POS_HUB_IDLE_TIMEOUT_S", default.idle_timeout_s),
                body_timeout_s=_positive(env, "POS_HUB_BODY_TIMEOUT_S", default.body_timeout_s),
                sync_rate_per_min=_positive(
                    env, "POS_HUB_SYNC_RATE_PER_MIN", default.sync_rate_per_min
                ),
                enroll_rate_per_min=_positive(
                    env, "POS_HUB_ENROLL_RATE_PER_MIN", default.enroll_rate_per_min
                ),
                pull_wait_s=_positive(env, "POS_HUB_PULL_WAIT_S", default.pull_wait_s),
            ),
            "redis_url": env.get("POS_HUB_REDIS_URL") or None,
            "channel_prefix": env.get("POS_HUB_CHANNEL_PREFIX") or "pos-hub",
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"port {text!r} is not a number") from None
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    return port


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if not value > 0:
        raise ValueError(f"{name} must be above 0")
    return value
