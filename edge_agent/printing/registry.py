"""The ``printers`` table: each configured printer and the last status it reported.

The printers file is the source of the configuration; :func:`save` copies it into the
database when the agent starts, so a sale's transaction can route and render its print
jobs without reading files, and every process (API, workers, CLI) sees one status.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from edge_agent.printing import queue
from edge_agent.printing.config import PrinterConfig, parse_printer
from edge_agent.printing.status import BLOCKING, PHRASES, PrinterStatus


@dataclass(frozen=True, slots=True)
class PrinterRow:
    """A configured printer with its last status."""

    config: PrinterConfig
    status: str
    status_detail: str
    checked_ms: int | None


def save(conn: sqlite3.Connection, printers: tuple[PrinterConfig, ...]) -> None:
    """Make the table hold exactly these printers (statuses of kept ones are kept)."""
    names = [p.name for p in printers]
    marks = ", ".join("?" for _ in names) or "''"
    conn.execute(f"DELETE FROM printers WHERE name NOT IN ({marks})", names)
    for printer in printers:
        conn.execute(
            "INSERT INTO printers (name, config) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET config = excluded.config",
            (printer.name, json.dumps(printer.to_dict(), sort_keys=True)),
        )


def apply(conn: sqlite3.Connection, printers: tuple[PrinterConfig, ...], now_ms: int) -> int:
    """Make these the configured printers; fail waiting jobs of removed ones (returns how
    many). Call inside a write transaction."""
    save(conn, printers)
    record_loaded(conn, now_ms)
    return queue.fail_orphans(conn, {p.name for p in printers}, now_ms)


def load(conn: sqlite3.Connection) -> list[PrinterRow]:
    """Every configured printer, by name."""
    rows = conn.execute(
        "SELECT config, status, status_detail, checked_ms FROM printers ORDER BY name"
    )
    return [PrinterRow(parse_printer(json.loads(row[0])), row[1], row[2], row[3]) for row in rows]


def configs(conn: sqlite3.Connection) -> list[PrinterConfig]:
    """The configured printers, by name."""
    return [row.config for row in load(conn)]


def record_status(conn: sqlite3.Connection, name: str, status: PrinterStatus, now_ms: int) -> None:
    """Remember what the printer last said (or that it did not answer)."""
    conn.execute(
        "UPDATE printers SET status = ?, status_detail = ?, checked_ms = ? WHERE name = ?",
        (status.state, status.detail, now_ms, name),
    )


@dataclass(frozen=True, slots=True)
class PrinterOverview:
    """A printer as a cashier or manager sees it: status and jobs waiting."""

    config: PrinterConfig
    status: str
    status_detail: str
    checked_ms: int | None
    waiting: int
    unconfirmed: int = 0

    @property
    def message(self) -> str:
        """E.g. "kitchen printer out of paper, 3 jobs waiting"."""
        parts = [f"{self.config.display_name} {PHRASES.get(self.status, self.status)}"]
        if self.waiting or not self.unconfirmed:
            parts.append(_jobs(self.waiting, "waiting"))
        if self.unconfirmed:
            parts.append(_jobs(self.unconfirmed, "unconfirmed: check it printed"))
        return ", ".join(parts)

    @property
    def needs_attention(self) -> bool:
        """Whether someone should look at the printer."""
        troubled = self.status in BLOCKING or self.status == "paper_near_end"
        stuck = self.waiting > 0 and self.status == "unknown"
        return troubled or stuck or self.unconfirmed > 0


def _jobs(count: int, what: str) -> str:
    return f"{count} job{'' if count == 1 else 's'} {what}"


def overview(conn: sqlite3.Connection) -> list[PrinterOverview]:
    """Every configured printer with its last status and its waiting jobs."""
    waiting, unconfirmed = queue.waiting(conn), queue.unconfirmed(conn)
    return [
        PrinterOverview(
            row.config,
            row.status,
            row.status_detail,
            row.checked_ms,
            waiting.get(row.config.name, 0),
            unconfirmed.get(row.config.name, 0),
        )
        for row in load(conn)
    ]


def alerts(conn: sqlite3.Connection) -> list[str]:
    """Lines for the cashier (and sync status) about printers that need attention."""
    lines = [p.message for p in overview(conn) if p.needs_attention]
    problem = config_problem(conn)
    if problem:
        lines.append(f"printers file not applied, the previous settings stay: {problem}")
    return lines


def record_loaded(conn: sqlite3.Connection, now_ms: int) -> None:
    """The printers file was applied: any earlier problem with it is gone."""
    conn.execute(
        "UPDATE printer_config SET loaded_ms = ?, problem = NULL, problem_ms = NULL WHERE id = 1",
        (now_ms,),
    )


def record_problem(conn: sqlite3.Connection, problem: str, now_ms: int) -> None:
    """A changed printers file could not be applied (the running settings stay)."""
    conn.execute(
        "UPDATE printer_config SET problem = ?, problem_ms = ? WHERE id = 1",
        (problem[:2000], now_ms),
    )


def config_problem(conn: sqlite3.Connection) -> str | None:
    """Why the printers file last failed to apply, if it did."""
    row = conn.execute("SELECT problem FROM printer_config WHERE id = 1").fetchone()
    return None if row is None else row[0]
