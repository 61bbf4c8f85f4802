"""How this device reaches its hub: URL, device id and credential, checked together."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from edge_agent.store import sync_state
from edge_agent.store.device import identity
from edge_agent.store.gateway import Store
from edge_agent.sync.client import HubClient
from edge_agent.sync.credentials import CredentialStore
from edge_agent.sync.errors import NotEnrolled


@dataclass(frozen=True, slots=True)
class HubAccess:
    """Opens hub clients for an enrolled device.

    Attributes:
        credentials: where the device credential is kept.
        hub_url: ``POS_AGENT_HUB_URL``; when None, the URL saved at enrollment.
        transport: an httpx transport for tests (``httpx.MockTransport``).
    """

    credentials: CredentialStore
    hub_url: str | None = None
    transport: httpx.BaseTransport | None = None

    def enrolled(self, store: Store) -> bool:
        """Whether the device has enrolled (a hub URL and a saved enrollment)."""
        with store.read() as conn:
            state = sync_state.read(conn)
        return state.enrolled_ms is not None and bool(self.hub_url or state.hub_url)

    def open(self, store: Store) -> HubClient:
        """A client for this device's hub.

        Raises:
            NotEnrolled: no identity, no enrollment, or no credential (or none readable).
        """
        url, credential = self.endpoint(store)
        return HubClient(url, credential, transport=self.transport)

    def endpoint(self, store: Store) -> tuple[str, str]:
        """This device's hub URL and credential.

        Raises:
            NotEnrolled: no identity, no enrollment, or no credential (or none readable).
        """
        with store.read() as conn:
            state = sync_state.read(conn)
            try:
                device_id = str(identity(conn).device_id)
            except LookupError as exc:
                raise NotEnrolled(str(exc)) from exc
        url = self.hub_url or state.hub_url
        if state.enrolled_ms is None or not url:
            raise NotEnrolled(
                "this device is not enrolled; run `pos-agent enroll --hub URL --code CODE`"
            )
        try:
            credential = self.credentials.load(device_id)
        except OSError as exc:  # e.g. a 0600 file written by another user at enrollment
            raise NotEnrolled(f"the device credential cannot be read: {exc}") from exc
        if not credential:
            raise NotEnrolled("this device has no hub credential; enroll it again with a new code")
        return url, credential
