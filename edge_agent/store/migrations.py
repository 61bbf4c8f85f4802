"""Versioned, transactional schema migrations of the device database.

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with the bump of
``PRAGMA user_version``, so a crash leaves the database at the previous version, never
half-migrated. Migrations are append-only: a released one is never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from edge_agent.store.database import write_transaction

MIGRATIONS: Sequence[str] = (
    # 1: device identity, the op log (own and pulled ops), idempotency records,
    #    reference data replicated from the hub, and the ticket read model.
    """
    CREATE TABLE device (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        outlet TEXT NOT NULL,
        device_code TEXT NOT NULL,
        currency TEXT NOT NULL,
        timezone TEXT NOT NULL,
        hlc INTEGER NOT NULL DEFAULT 0,
        last_seq INTEGER NOT NULL DEFAULT 0,
        acked_seq INTEGER NOT NULL DEFAULT 0,
        receipt_seq INTEGER NOT NULL DEFAULT 0,
        order_day TEXT,
        order_seq INTEGER NOT NULL DEFAULT 0,
        pull_cursor TEXT
    );
    CREATE TABLE ops (
        op_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        device_seq INTEGER NOT NULL,
        hlc INTEGER NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        body BLOB NOT NULL,
        local INTEGER NOT NULL,
        UNIQUE (device_id, device_seq)
    );
    CREATE INDEX ops_by_entity ON ops (entity, entity_id);
    CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body BLOB NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE reference_data (
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id)
    );
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        receipt_no TEXT NOT NULL UNIQUE,
        order_no INTEGER NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        currency TEXT NOT NULL,
        total INTEGER NOT NULL DEFAULT 0,
        paid INTEGER NOT NULL DEFAULT 0,
        balance INTEGER NOT NULL DEFAULT 0,
        opened_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    );
    CREATE INDEX tickets_by_status ON tickets (status);
    """,
    # 2: operator sessions opened by PIN, wrong-PIN attempts for the lockout, and card
    #    payments taken offline, counted against the outlet's cumulative offline limit.
    """
    CREATE TABLE staff_sessions (
        token TEXT PRIMARY KEY,
        staff_id TEXT NOT NULL,
        opened_ms INTEGER NOT NULL,
        closed_ms INTEGER
    );
    CREATE TABLE pin_failures (
        at_ms INTEGER NOT NULL
    );
    CREATE TABLE offline_card_payments (
        payment_id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL REFERENCES tickets (id),
        amount INTEGER NOT NULL,
        confirmed_ms INTEGER
    );
    """,
    # 3: the ticket read model shows held tickets and the table a ticket is at.
    """
    ALTER TABLE tickets ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE tickets ADD COLUMN table_no TEXT;
    """,
    # 4: the sync client's state (hub, epoch, last attempt/success/error, clock skew,
    #    checkpoints) and the hub's verdicts on ops it quarantined.
    """
    CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        hub_url TEXT,
        hub_epoch TEXT,
        enrolled_ms INTEGER,
        last_attempt_ms INTEGER,
        last_success_ms INTEGER,
        last_error_ms INTEGER,
        last_error_code TEXT,
        last_error_message TEXT,
        clock_skew_ms INTEGER,
        clock_problem TEXT,
        clock_problem_ms INTEGER,
        push_checkpoint INTEGER NOT NULL DEFAULT 0,
        pulled_checkpoint INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO sync_state (id) VALUES (1);
    CREATE TABLE quarantined_ops (
        op_id TEXT PRIMARY KEY,
        device_seq INTEGER NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        recorded_ms INTEGER NOT NULL
    );
    """,
    # 5: printers (configuration and last known status) and the durable print queue:
    #    job id = idempotency key, rendered bytes stored once, state and retries.
    """
    CREATE TABLE printers (
        name TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'unknown',
        status_detail TEXT NOT NULL DEFAULT '',
        checked_ms INTEGER
    );
    CREATE TABLE print_jobs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        printer TEXT NOT NULL,
        kind TEXT NOT NULL,
        ticket_id TEXT,
        copy INTEGER NOT NULL DEFAULT 0,
        requested_by TEXT,
        payload BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'printing', 'done', 'failed', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER,
        finished_ms INTEGER
    );
    CREATE INDEX print_jobs_queue ON print_jobs (printer, state, seq);
    CREATE INDEX print_jobs_by_ticket ON print_jobs (ticket_id, kind);
    """,
    # 6: a print job the printer never confirmed is ``unconfirmed``, not ``done``: the
    #    state CHECK is widened by rebuilding the table (SQLite cannot alter a CHECK);
    #    when the printers file was last applied, and why a changed one was not.
    """
    CREATE TABLE print_jobs_v6 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        printer TEXT NOT NULL,
        kind TEXT NOT NULL,
        ticket_id TEXT,
        copy INTEGER NOT NULL DEFAULT 0,
        requested_by TEXT,
        payload BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'printing', 'done', 'unconfirmed', 'failed', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER,
        finished_ms INTEGER
    );
    INSERT INTO print_jobs_v6 SELECT * FROM print_jobs;
    DROP TABLE print_jobs;
    ALTER TABLE print_jobs_v6 RENAME TO print_jobs;
    CREATE INDEX print_jobs_queue ON print_jobs (printer, state, seq);
    CREATE INDEX print_jobs_by_ticket ON print_jobs (ticket_id, kind);
    CREATE TABLE printer_config (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        loaded_ms INTEGER,
        problem TEXT,
        problem_ms INTEGER
    );
    INSERT INTO printer_config (id) VALUES (1);
    """,
    # 7: restores and new identities: the identities this data directory had, the ops a
    #    successor identity re-issued (moved out of the op log, linked to their new ids),
    #    the restore mark and what the last recovery did, and the device id proposed to
    #    the hub (kept so that a retry after a lost answer proposes the same one).
    """
    CREATE TABLE identities (
        device_id TEXT PRIMARY KEY,
        device_code TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        successor_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        replaced_ms INTEGER NOT NULL
    );
    CREATE TABLE superseded_ops (
        op_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        device_seq INTEGER NOT NULL,
        body BLOB NOT NULL,
        successor_op_id TEXT NOT NULL UNIQUE,
        moved_ms INTEGER NOT NULL
    );
    ALTER TABLE sync_state ADD COLUMN restored_ms INTEGER;
    ALTER TABLE sync_state ADD COLUMN recovered_ms INTEGER;
    ALTER TABLE sync_state ADD COLUMN recovery_note TEXT;
    ALTER TABLE sync_state ADD COLUMN proposed_device_id TEXT;
    """,
    # 8: the money conflict a ticket's merged facts show (overpaid, balance due on a
    #    settled ticket, a voided ticket holding money), for the list and sync status.
    """
    ALTER TABLE tickets ADD COLUMN money_conflict TEXT;
    ALTER TABLE tickets ADD COLUMN money_conflict_amount INTEGER NOT NULL DEFAULT 0;
    """,
    # 9: every confirmation reference a tender carried (card or mobile money), to flag a
    #    reference used twice; the ops stay the record, this is their index.
    """
    CREATE TABLE payment_references (
        payment_id TEXT PRIMARY KEY,
        method TEXT NOT NULL,
        reference TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        receipt_no TEXT
    );
    CREATE INDEX payment_references_by_reference ON payment_references (method, reference);
    """,
    # 10: trusted time (the lead of the device's stamps at the last handshake, and the
    #     last re-base of its HLC), what the hub did with each held op, and own ops a
    #     manager discarded on the hub (kept in the log, never folded).
    """
    ALTER TABLE sync_state ADD COLUMN hlc_skew_ms INTEGER;
    ALTER TABLE sync_state ADD COLUMN clock_measured_ms INTEGER;
    ALTER TABLE sync_state ADD COLUMN clock_measured_boot_ms INTEGER;
    ALTER TABLE sync_state ADD COLUMN hlc_rebased_from INTEGER;
    ALTER TABLE sync_state ADD COLUMN hlc_rebased_to INTEGER;
    ALTER TABLE sync_state ADD COLUMN hlc_rebased_ms INTEGER;
    ALTER TABLE quarantined_ops ADD COLUMN state TEXT NOT NULL DEFAULT 'held'
        CHECK (state IN ('held', 'released', 'discarded'));
    ALTER TABLE quarantined_ops ADD COLUMN settled_ms INTEGER;
    ALTER TABLE quarantined_ops ADD COLUMN settled_by TEXT;
    ALTER TABLE ops ADD COLUMN discarded INTEGER NOT NULL DEFAULT 0
    """,
    # 11: when an operator session was last used, so it ends after the outlet's idle
    #     time (and after its longest life from ``opened_ms``).
    """
    ALTER TABLE staff_sessions ADD COLUMN last_seen_ms INTEGER;
    """,
    # 12: devices of the outlet's LAN paired with this agent: one-time pairing codes and
    #     the paired clients (code and token kept as SHA-256 only), wrong claims for the
    #     throttle, and the paired client an operator session was opened from.
    """
    CREATE TABLE pairing_codes (
        id TEXT PRIMARY KEY,
        code_hash TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        used_ms INTEGER,
        cancelled_ms INTEGER
    );
    CREATE INDEX pairing_codes_by_hash ON pairing_codes (code_hash);
    CREATE TABLE paired_clients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        code_id TEXT NOT NULL REFERENCES pairing_codes (id),
        paired_ms INTEGER NOT NULL,
        last_seen_ms INTEGER,
        revoked_ms INTEGER,
        revoked_by TEXT
    );
    CREATE TABLE pairing_failures (
        at_ms INTEGER NOT NULL
    );
    ALTER TABLE staff_sessions ADD COLUMN paired_client TEXT;
    """,
    # 13: the ticket a ticket was merged into, so the listing tells a merged-away ticket
    #     from a closed sale (both are status closed).
    """
    ALTER TABLE tickets ADD COLUMN merged_into TEXT;
    """,
    # 14: what a request must not re-fold or count from the whole log, kept in the
    #     transaction of each op by triggers on ``ops``: the number of ops; each entity's
    #     canonical hash (NULL while stale, refolded on demand; '' with no live op) and
    #     the state hash over them (NULL while stale); the entities whose field writes
    #     changed since their open conflicts were kept, and those open conflicts. Indexes
    #     for the lists and counts a till reads per request (tickets by time and status,
    #     money conflicts, waiting print jobs, unconfirmed offline cards, the device's
    #     latest drawer session, a shift's ticket ops by time).
    """
    CREATE TABLE log_summary (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        ops INTEGER NOT NULL,
        state_hash TEXT,
        entities INTEGER
    );
    INSERT INTO log_summary (id, ops) SELECT 1, count(*) FROM ops;
    CREATE TABLE entity_digests (
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        digest TEXT,
        PRIMARY KEY (entity, entity_id)
    ) WITHOUT ROWID;
    CREATE INDEX entity_digests_stale ON entity_digests (entity, entity_id)
        WHERE digest IS NULL;
    INSERT INTO entity_digests (entity, entity_id) SELECT DISTINCT entity, entity_id FROM ops;
    CREATE TABLE conflict_checks (
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id)
    ) WITHOUT ROWID;
    INSERT INTO conflict_checks (entity, entity_id)
        SELECT entity, entity_id FROM ops WHERE kind = 'field' GROUP BY entity, entity_id
        HAVING count(DISTINCT device_id) > 1;
    CREATE TABLE open_conflicts (
        conflict_id TEXT PRIMARY KEY,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field TEXT NOT NULL
    );
    CREATE INDEX open_conflicts_by_entity ON open_conflicts (entity, entity_id);
    CREATE TRIGGER ops_inserted AFTER INSERT ON ops BEGIN
        INSERT INTO entity_digests (entity, entity_id) VALUES (new.entity, new.entity_id)
            ON CONFLICT (entity, entity_id) DO UPDATE SET digest = NULL;
        UPDATE log_summary SET ops = ops + 1, state_hash = NULL;
        INSERT OR IGNORE INTO conflict_checks (entity, entity_id)
            SELECT new.entity, new.entity_id WHERE new.kind = 'field';
    END;
    CREATE TRIGGER ops_changed AFTER UPDATE OF body, discarded, entity, entity_id, kind ON ops
    BEGIN
        INSERT INTO entity_digests (entity, entity_id) VALUES (old.entity, old.entity_id)
            ON CONFLICT (entity, entity_id) DO UPDATE SET digest = NULL;
        INSERT INTO entity_digests (entity, entity_id) VALUES (new.entity, new.entity_id)
            ON CONFLICT (entity, entity_id) DO UPDATE SET digest = NULL;
        UPDATE log_summary SET state_hash = NULL;
        INSERT OR IGNORE INTO conflict_checks (entity, entity_id)
            SELECT old.entity, old.entity_id WHERE old.kind = 'field';
        INSERT OR IGNORE INTO conflict_checks (entity, entity_id)
            SELECT new.entity, new.entity_id WHERE new.kind = 'field';
    END;
    CREATE TRIGGER ops_deleted AFTER DELETE ON ops BEGIN
        INSERT INTO entity_digests (entity, entity_id) VALUES (old.entity, old.entity_id)
            ON CONFLICT (entity, entity_id) DO UPDATE SET digest = NULL;
        UPDATE log_summary SET ops = ops - 1, state_hash = NULL;
        INSERT OR IGNORE INTO conflict_checks (entity, entity_id)
            SELECT old.entity, old.entity_id WHERE old.kind = 'field';
    END;
    CREATE INDEX tickets_by_opened ON tickets (opened_ms, id);
    CREATE INDEX tickets_by_status_opened ON tickets (status, opened_ms, id);
    CREATE INDEX tickets_by_money_conflict ON tickets (id) WHERE money_conflict IS NOT NULL;
    CREATE INDEX print_jobs_by_state ON print_jobs (state, printer);
    CREATE INDEX offline_card_payments_unconfirmed ON offline_card_payments (ticket_id)
        WHERE confirmed_ms IS NULL;
    CREATE INDEX ops_drawer_session_status ON ops (device_id, hlc)
        WHERE entity = 'drawer_session' AND kind = 'status';
    CREATE INDEX ops_ticket_by_device_hlc ON ops (device_id, hlc) WHERE entity = 'ticket';
    """,
    # 15: staff may cancel a print job that did not come out (``cancelled``): the state
    #     CHECK is widened by rebuilding the table, as in 6.
    """
    CREATE TABLE print_jobs_v15 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        printer TEXT NOT NULL,
        kind TEXT NOT NULL,
        ticket_id TEXT,
        copy INTEGER NOT NULL DEFAULT 0,
        requested_by TEXT,
        payload BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'printing', 'done', 'unconfirmed', 'failed', 'expired',
                             'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER,
        finished_ms INTEGER
    );
    INSERT INTO print_jobs_v15 SELECT * FROM print_jobs;
    DROP TABLE print_jobs;
    ALTER TABLE print_jobs_v15 RENAME TO print_jobs;
    CREATE INDEX print_jobs_queue ON print_jobs (printer, state, seq);
    CREATE INDEX print_jobs_by_ticket ON print_jobs (ticket_id, kind);
    CREATE INDEX print_jobs_by_state ON print_jobs (state, printer);
    """,
    # 17: self-order kiosks are paired devices: a pairing code made for a kiosk pairs a
    #     kiosk client, whose token alone is its credential under the kiosk role (ADR 0031).
    """
    ALTER TABLE pairing_codes ADD COLUMN kiosk INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE paired_clients ADD COLUMN kiosk INTEGER NOT NULL DEFAULT 0;
    """,
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The migration the database is at (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply every pending migration, each in its own transaction.

    Returns:
        The versions applied, in order (empty when already current).

    Raises:
        RuntimeError: if the database is newer than this program.
    """
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema {current} is newer than this agent ({len(MIGRATIONS)}); "
            "upgrade the agent"
        )
    applied = []
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with write_transaction(conn):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
        applied.append(version)
    return applied


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split on ';' instead (the
    # migrations hold no semicolons inside literals), joining the pieces of a statement
    # that holds some (a trigger's body) until SQLite calls it complete.
    statements, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip().removesuffix(";").strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip().removesuffix(";").strip())
    return statements
