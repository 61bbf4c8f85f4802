"""The hub client: ``/sync/v1/handshake``, ``/push`` and ``/pull`` over httpx.

Requests are MessagePack (compact on slow links) with the device credential as a bearer
token. Every failure comes out as one of :mod:`edge_agent.sync.errors`: no answer is
:class:`HubUnreachable`, an ``ErrorMessage`` is :class:`HubRefused` (or
:class:`CredentialRejected`), anything else the protocol does not allow is
:class:`HubBadAnswer`. Every request is safe to repeat (section 2 of the protocol), so
a request whose answer is lost on the way (the connection closes after it was sent) is
sent once more at once, rather than failing the run and waiting for the next one.
"""

from __future__ import annotations

from typing import TypeVar

import httpx

from edge_agent.sync.errors import (
    CredentialRejected,
    HubBadAnswer,
    HubRefused,
    HubUnreachable,
)
from sync_protocol import (
    MSGPACK,
    DecodeError,
    ErrorMessage,
    Handshake,
    HandshakeAccepted,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    UnsupportedMediaType,
    codec_for,
)
from sync_protocol.messages import Message
from sync_protocol.recovery import (
    KnownOpsRequest,
    KnownOpsResponse,
    SuccessorGranted,
    SuccessorRequest,
)

T = TypeVar("T", bound=Message)

#: Connect fast, read patiently: a big pull page over a slow link takes a while.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
#: A probe is one small answer: a hub that needs longer is not back yet.
PROBE_TIMEOUT = httpx.Timeout(3.0)
_CREDENTIAL_CODES = frozenset({"unauthorized", "device_revoked"})
_GATEWAY_STATUSES = frozenset({502, 503, 504})
# Answers of /sync/v1/successor and /known, which are not in the core message union.
_RECOVERY: frozenset[type[Message]] = frozenset({SuccessorGranted, KnownOpsResponse})
#: The request went out and the connection closed before an answer came back.
_ANSWER_LOST = (httpx.RemoteProtocolError, httpx.ReadError)


class HubClient:
    """A sync session's connection to the hub.

    Args:
        base_url: the hub, e.g. ``https://hub.example.com``.
        credential: the device credential from enrollment.
        transport: an httpx transport (tests pass ``httpx.MockTransport``).
        timeout: httpx timeouts of each request.
    """

    def __init__(
        self,
        base_url: str,
        credential: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {credential}",
                "Content-Type": MSGPACK.content_type,
                "Accept": MSGPACK.content_type,
            },
        )

    def handshake(self, message: Handshake) -> HandshakeAccepted:
        """Open a sync session.

        Raises:
            HubUnreachable, HubRefused, CredentialRejected, HubBadAnswer.
        """
        return self._call("/sync/v1/handshake", message, HandshakeAccepted)

    def push(self, message: PushRequest) -> PushResponse:
        """Send a batch of this device's ops.

        Raises:
            HubUnreachable, HubRefused, CredentialRejected, HubBadAnswer.
        """
        return self._call("/sync/v1/push", message, PushResponse)

    def pull(self, message: PullRequest) -> PullResponse:
        """Fetch the next page of ops after a cursor.

        Raises:
            HubUnreachable, HubRefused, CredentialRejected, HubBadAnswer.
        """
        return self._call("/sync/v1/pull", message, PullResponse)

    def successor(self, message: SuccessorRequest) -> SuccessorGranted:
        """Ask for a successor identity (a device the hub proved restored).

        Raises:
            HubUnreachable, HubRefused, CredentialRejected, HubBadAnswer.
        """
        return self._call("/sync/v1/successor", message, SuccessorGranted)

    def known(self, message: KnownOpsRequest) -> KnownOpsResponse:
        """Which of these op ids the hub holds.

        Raises:
            HubUnreachable, HubRefused, CredentialRejected, HubBadAnswer.
        """
        return self._call("/sync/v1/known", message, KnownOpsResponse)

    def answers(self) -> bool:
        """Whether the hub answers ``GET /health`` with 200 now: a cheap probe that needs
        no credential and writes nothing (the hub answers 503 while its database is down).
        """
        try:
            response = self._http.get("/health", timeout=PROBE_TIMEOUT)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, path: str, message: Message, expected: type[T]) -> T:
        body = MSGPACK.encode(message)
        try:
            try:
                response = self._http.post(path, content=body)
            except _ANSWER_LOST:
                response = self._http.post(path, content=body)  # safe to repeat
        except httpx.TimeoutException as exc:
            raise HubUnreachable(f"the hub at {self.base_url} did not answer in time") from exc
        except httpx.TransportError as exc:
            raise HubUnreachable(f"the hub at {self.base_url} is unreachable: {exc}") from exc
        except httpx.HTTPError as exc:  # e.g. a body that does not match its Content-Encoding
            raise HubBadAnswer(f"{path} answered something unreadable: {exc}") from exc
        answer = self._decode(response, expected)
        if isinstance(answer, ErrorMessage):
            raise _refusal(answer, response)
        if not isinstance(answer, expected):
            raise HubBadAnswer(
                f"{path} answered {type(answer).__name__}, expected {expected.__name__}"
            )
        return answer

    def _decode(self, response: httpx.Response, expected: type[Message]) -> Message:
        try:
            codec = codec_for(response.headers.get("content-type"))
            answer: Message
            if expected in _RECOVERY:
                answer = codec.decode(response.content, expected | ErrorMessage)  # type: ignore[arg-type]
            else:
                answer = codec.decode_message(response.content)
        except (DecodeError, UnsupportedMediaType) as exc:
            # A proxy's HTML error page, or a hub that is not a hub: classify by status.
            if response.status_code in _GATEWAY_STATUSES:
                raise HubUnreachable(
                    f"the hub at {self.base_url} is unavailable (HTTP {response.status_code})",
                    retry_after_s=_retry_after(response),
                ) from exc
            raise HubBadAnswer(
                f"HTTP {response.status_code} from {response.request.url.path} "
                f"is not a sync message: {exc}"
            ) from exc
        return answer


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else None


def _refusal(error: ErrorMessage, response: httpx.Response) -> HubRefused:
    retry = error.retry_after_s if error.retry_after_s is not None else _retry_after(response)
    kind = CredentialRejected if error.code in _CREDENTIAL_CODES else HubRefused
    return kind(error.code, error.message, status=response.status_code, retry_after_s=retry)
