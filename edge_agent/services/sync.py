"""One sync run: handshake, push this device's ops, pull the outlet's (protocol §16).

- **Push** from ``last_applied_seq + 1`` in batches; ops are marked synced only at or
  below the hub's ``last_applied_seq``, one transaction per response; quarantined results
  are recorded; ``resend_from`` is honoured. A handshake below what the device had marked
  synced lowers ``acked_seq``: those ops are pushed again.
- **Pull** page by page (~200 ops), each page in ONE short write transaction with its
  cursor, so the cashier's requests interleave with a long catch-up and a run cut short
  resumes from the stored cursor. On ``reset`` the cursor is dropped, the pull starts
  over, then the device handshakes and pushes again.
- A push that fails (but for a refused credential or a reset) does not stop the pull:
  the device keeps receiving the other devices' ops while its own wait for the next run;
  the outcome reports the push's error and what was pulled.
- Hub errors never stop selling: they are recorded and reported in the outcome.
- The latest ``(phase, done, remaining)`` of a run in progress is :attr:`SyncRunner.progress`,
  for the device's sync status.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from edge_agent.services import restore, trusted_time
from edge_agent.services.sync_projection import apply_page
from edge_agent.store import identities, oplog, sync_state
from edge_agent.store.device import DeviceIdentity, identity
from edge_agent.store.gateway import Store
from edge_agent.sync.access import HubAccess
from edge_agent.sync.client import HubClient
from edge_agent.sync.errors import (
    CredentialRejected,
    HubBadAnswer,
    HubRefused,
    NotEnrolled,
    SyncError,
)
from sync_protocol import (
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    ErrorCode,
    Handshake,
    HandshakeAccepted,
    OpStatus,
    PullRequest,
    PushRequest,
    PushResponse,
)

#: ``(phase, ops done, ops remaining)``; phase is ``push`` or ``pull``.
Progress = Callable[[str, int, int], None]
_STALLS_ALLOWED = 3
#: Push refusals after which pulling is pointless or wrong: the device must act first.
_PUSH_FAILURES_THAT_STOP_THE_RUN = frozenset(
    {ErrorCode.WRONG_DEVICE, ErrorCode.RESET_REQUIRED, ErrorCode.SCHEMA_TOO_NEW}
)


def _quiet(_phase: str, _done: int, _remaining: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SyncConfig:
    """How runs go: ops per pull page and per push batch, the agent version sent in the
    handshake, and how long after a successful run the device still shows online."""

    page_size: int = 200
    push_batch: int = 500
    agent_version: str = "0.1.0"
    online_window_ms: int = 30_000


@dataclass(slots=True)
class SyncOutcome:
    """What one run did.

    Attributes:
        ok: the run reached the end; otherwise ``error_code``/``error_message`` say why.
        pushed: ops the hub applied or quarantined in this run.
        pulled: new ops stored from pulled pages.
        quarantined: of the pushed ops, those the hub kept aside.
        reset: the hub was restored; the device pulled from the start and pushed again.
        clock_drift: pulled ops stamped too far ahead of this device's clock.
        retry_after_s: the hub's "not before", on a refusal that gave one.
        recovered: the hub proved this device restored from a backup and it took a
            successor identity: what was done.
        failed_phase: where the reported error happened (``handshake``, ``push`` or
            ``pull``); after a failed push the pull still ran: ``pulled`` says what it got
            (a pull that fails too reports its own error).
    """

    ok: bool = True
    pushed: int = 0
    pulled: int = 0
    quarantined: int = 0
    reset: bool = False
    clock_drift: int = 0
    error_code: str | None = None
    error_message: str | None = None
    retry_after_s: int | None = None
    recovered: str | None = None
    failed_phase: str | None = None


@dataclass(slots=True)
class _Session:
    client: HubClient
    me: DeviceIdentity
    progress: Progress
    outcome: SyncOutcome = field(default_factory=SyncOutcome)
    phase: str = "handshake"


class SyncRunner:
    """Runs sync sessions for this device, one at a time.

    Args:
        store: the device database.
        access: opens a hub client (URL and credential).
        clock: Unix milliseconds.
        config: page and batch sizes.
    """

    def __init__(
        self,
        store: Store,
        access: HubAccess,
        clock: Callable[[], int],
        config: SyncConfig | None = None,
    ) -> None:
        self.store = store
        self.access = access
        self.clock = clock
        self.config = config or SyncConfig()
        self._one_at_a_time = threading.Lock()
        self._stopping = threading.Event()
        #: ``(phase, done, remaining)`` of the run in progress; None between runs.
        self.progress: tuple[str, int, int] | None = None

    def enrolled(self) -> bool:
        return self.access.enrolled(self.store)

    def hub_answers(self) -> bool:
        """Whether the hub answers a cheap probe now (no credential used, nothing written)."""
        try:
            client = self.access.open(self.store)
        except NotEnrolled:
            return False
        with client:
            return client.answers()

    def stop(self) -> None:
        """Make a run in progress end at its next page or batch (agent shutdown)."""
        self._stopping.set()

    def run(self, progress: Progress | None = None) -> SyncOutcome:
        """Sync now; wait for a run already in progress first.

        Returns:
            The outcome; a hub failure is an outcome with ``ok`` false, never an error.

        Raises:
            NotEnrolled: the device has no hub or credential (recorded as the last error).
        """
        with self._one_at_a_time:
            with self.store.write() as conn:
                sync_state.record_attempt(conn, self.clock())
            try:
                client = self.access.open(self.store)
                with self.store.read() as conn:
                    me = identity(conn)
            except NotEnrolled as exc:
                self._record_failure(exc)
                raise
            session = _Session(client, me, self._showing(progress or _quiet))
            try:
                with client:
                    self._sync(session)
            except SyncError as exc:
                self._record_failure(exc)
                session.outcome.ok = False
                session.outcome.error_code = exc.code
                session.outcome.error_message = str(exc)
                session.outcome.retry_after_s = exc.retry_after_s
                session.outcome.failed_phase = session.phase
                return session.outcome
            except Exception as exc:
                self._record_failure(SyncError(f"the agent failed while syncing: {exc!r}"))
                raise
            finally:
                self.progress = None
            with self.store.write() as conn:
                sync_state.record_success(conn, self.clock())
            return session.outcome

    def pull_now(self) -> bool:
        """Pull what the hub holds for this device now, page by page, without a handshake
        or a push: what a live update starts (the push side is started by each commit).
        A hub that asks for a reset gets a full run, which also pushes again.

        Returns:
            Whether it succeeded; a failure is recorded as the last error.
        """
        with self._one_at_a_time:
            try:
                client = self.access.open(self.store)
                with self.store.read() as conn:
                    me = identity(conn)
            except NotEnrolled:
                return False
            session = _Session(client, me, self._showing(_quiet), phase="pull")
            try:
                with client:
                    reset = self._pull(session)
            except SyncError as exc:
                self._record_failure(exc)
                return False
            finally:
                self.progress = None
        return self.run().ok if reset else True

    def _record_failure(self, exc: SyncError) -> None:
        with self.store.write() as conn:
            sync_state.record_error(conn, self.clock(), exc.code, str(exc))

    def _sync(self, session: _Session) -> None:
        """A session; if the hub proves this device restored, recover and sync again."""
        try:
            if restore.interrupted(self.store):
                raise HubRefused(ErrorCode.RESET_REQUIRED, "a recovery was interrupted")
            self._session(session)
        except SyncError as exc:
            if not restore.is_divergence(exc):
                raise
            adopted = restore.recover(
                self.store,
                self.access,
                session.client,
                self.clock,
                exc,
                agent_version=self.config.agent_version,
            )
            if adopted is None:
                raise
            session.outcome.recovered = adopted.note
            with self.access.open(self.store) as client:
                self._session(_Session(client, adopted.current, session.progress, session.outcome))

    def _showing(self, progress: Progress) -> Progress:
        def report(phase: str, done: int, remaining: int) -> None:
            self.progress = (phase, done, remaining)
            progress(phase, done, remaining)

        return report

    def _session(self, session: _Session) -> None:
        accepted = self._handshake(session)
        session.phase = "push"
        push_failure = self._push_or_report(session, accepted)
        session.phase = "pull"
        if self._pull(session):
            session.outcome.reset = True
            session.phase = "push"
            self._push(session, self._handshake(session))
        if push_failure is not None:
            session.phase = "push"
            raise push_failure

    def _push_or_report(self, session: _Session, accepted: HandshakeAccepted) -> SyncError | None:
        """Push; return a failure that should not keep the device from pulling."""
        try:
            self._push(session, accepted)
        except SyncError as exc:
            fatal = isinstance(exc, CredentialRejected) or exc.code in (
                _PUSH_FAILURES_THAT_STOP_THE_RUN
            )
            if fatal or self._stopping.is_set():
                raise
            return exc
        return None

    def _handshake(self, session: _Session) -> HandshakeAccepted:
        me = str(session.me.device_id)
        with self.store.read() as conn:
            position = sync_state.positions(conn)
            acked_op = identities.own_op_id(conn, me, position.acked_seq)
        # The wall clock as it is, never corrected: the hub measures it, not trusted time.
        sent_ms = self.clock()
        accepted = session.client.handshake(
            Handshake(
                protocol_version=PROTOCOL_VERSION,
                schema_version=SCHEMA_VERSION,
                device_id=session.me.device_id,
                device_clock_ms=sent_ms,
                device_hlc=position.hlc,
                last_seq=position.last_seq,
                agent_version=self.config.agent_version,
                acked_seq=position.acked_seq if acked_op else 0,
                acked_op_id=uuid.UUID(acked_op) if acked_op else None,
            )
        )
        with self.store.write() as conn:
            restore.check_boundary(conn, me, accepted, self.clock())
            trusted_time.measured(conn, accepted, sent_ms, self.clock(), position.hlc)
            oplog.rebase_if_ahead(conn, self.clock)
            position = sync_state.positions(conn)
            applied = min(accepted.last_applied_seq, position.last_seq)
            if applied != position.acked_seq:
                # Below: the hub lost ops (restored); above: a push answer was lost.
                sync_state.set_acked(conn, applied, None)
        return accepted

    def _push(self, session: _Session, accepted: HandshakeAccepted) -> None:
        batch = max(1, min(accepted.max_batch, self.config.push_batch))
        applied, stalls, done = accepted.last_applied_seq, 0, 0
        next_seq = applied + 1
        while True:
            self._check_stop()
            with self.store.read() as conn:
                ops = oplog.local_ops(conn, after_seq=next_seq - 1, limit=batch)
                last_seq = sync_state.positions(conn).last_seq
            if not ops:
                return
            try:
                response = session.client.push(PushRequest(device_id=session.me.device_id, ops=ops))
            except HubRefused as exc:
                if exc.code != "batch_too_large" or batch == 1:
                    raise
                batch = max(1, batch // 2)
                continue
            self._acknowledge(response, last_seq)
            fresh = [r for r in response.results if r.status != OpStatus.DUPLICATE]
            session.outcome.pushed += len(fresh)
            session.outcome.quarantined += sum(
                r.status == OpStatus.QUARANTINED for r in response.results
            )
            done += len(fresh)
            session.progress("push", done, max(0, last_seq - response.last_applied_seq))
            stalls = 0 if response.last_applied_seq > applied else stalls + 1
            if stalls >= _STALLS_ALLOWED:
                raise HubBadAnswer(f"the hub acknowledges no op after {applied}; push stalled")
            applied = response.last_applied_seq
            next_seq = response.resend_from or applied + 1

    def _acknowledge(self, response: PushResponse, last_seq: int) -> None:
        """Record one push answer in one transaction: quarantined ops, then ``acked_seq``."""
        now_ms = self.clock()
        with self.store.write() as conn:
            for result in response.results:
                if result.status == OpStatus.QUARANTINED:
                    verdict = sync_state.QuarantinedOp(
                        str(result.op_id),
                        result.device_seq,
                        result.code or "quarantined",
                        result.reason or "",
                        now_ms,
                    )
                    sync_state.quarantine(conn, verdict)
            acked = min(response.last_applied_seq, last_seq)
            sync_state.set_acked(conn, acked, response.checkpoint)

    def _pull(self, session: _Session) -> bool:
        """Pull until the hub has no more; return whether the hub asked for a reset."""
        with self.store.read() as conn:
            cursor = sync_state.positions(conn).pull_cursor
        reset, done = False, 0
        while True:
            self._check_stop()
            page = session.client.pull(PullRequest(cursor=cursor, limit=self.config.page_size))
            if page.reset:
                if cursor is None or reset:
                    raise HubBadAnswer("the hub asked to reset a pull that started over")
                reset, cursor = True, None
                with self.store.write() as conn:
                    sync_state.set_cursor(conn, None, 0)
                continue
            if not page.ops and page.has_more and page.cursor == cursor:
                raise HubBadAnswer("the hub offers more ops but sends none")
            with self.store.write() as conn:
                applied = apply_page(conn, page.ops, session.me, self.clock)
                sync_state.set_cursor(conn, page.cursor, page.checkpoint)
            session.outcome.pulled += applied.stored
            session.outcome.clock_drift += applied.drifted
            done += len(page.ops)
            session.progress("pull", done, page.remaining)
            cursor = page.cursor
            if not page.has_more:
                return reset

    def _check_stop(self) -> None:
        if self._stopping.is_set():
            raise SyncError("sync stopped: the agent is shutting down")
