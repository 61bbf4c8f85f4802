"""``pos-agent printers list|test|status [NAME]``.

``status`` serves as a health check: exit 0 when every printer answered that it can
print, 1 on a fault (unreachable, paper out, cover open, offline, error), 3 when no
fault was seen but a printer cannot tell (no status reply, or status switched off).

Printers are read from the printers file (what the technician just edited); jobs
waiting and the last status come from the device database when there is one.
"""

from __future__ import annotations

import sys
from datetime import datetime

from edge_agent.printing import admin, files, queue, registry
from edge_agent.printing.config import PrinterConfig
from edge_agent.settings import AgentSettings
from edge_agent.store.gateway import Store

#: ``printers status`` exit codes beside 0 (all can print) and 2 (bad usage).
EXIT_FAULT = 1
EXIT_CANNOT_TELL = 3


def _now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")


def _known(settings: AgentSettings) -> tuple[dict[str, int], dict[str, str]]:
    if not settings.database.exists():
        return {}, {}
    store = Store(settings.database)
    try:
        with store.read() as conn:
            status = {r.config.name: r.status for r in registry.load(conn)}
            return queue.waiting(conn), status
    finally:
        store.close()


def _chosen(settings: AgentSettings, name: str | None) -> list[PrinterConfig]:
    path = files.find(settings.data_dir, settings.printers_file)
    printers = list(files.load(path))
    if not printers:
        raise RuntimeError(
            f"no printers configured: write {settings.data_dir / files.FILE_NAMES[0]} "
            "(see packaging/printers.md)"
        )
    chosen = [p for p in printers if name in (None, p.name)]
    if not chosen:
        raise RuntimeError(f"no printer named {name!r}; configured: {[p.name for p in printers]}")
    return chosen


def printers_command(
    settings: AgentSettings, action: str, name: str | None, *, kick: bool = False
) -> int:
    """Run one ``printers`` action; return the exit code.

    Raises:
        RuntimeError: no printers, or no printer of that name.
        PrinterConfigError: the printers file is invalid.
    """
    chosen = _chosen(settings, name)
    if action == "list":
        waiting, status = _known(settings)
        for p in chosen:
            print(
                f"{p.name:<12} {p.role:<8} {p.where():<32} {p.code_page} {p.paper_mm}mm"
                f"  {status.get(p.name, 'unknown'):<15} {waiting.get(p.name, 0)} waiting"
            )
        return 0
    if action == "status":
        return _status(chosen)
    failed = []
    for p in chosen:
        outcome = admin.send_test_page(p, _now, kick=kick)
        result = "sent" if outcome.ok else f"FAILED: {outcome.error}"
        print(f"{p.name:<12} test page {result} ({outcome.seconds:.1f} s)")
        if not outcome.ok:
            failed.append(p.name)
    if failed:
        print(f"pos-agent: {', '.join(failed)} could not print", file=sys.stderr)
        return 1
    return 0


def _status(chosen: list[PrinterConfig]) -> int:
    """Probe each printer; the exit code is a health check's answer.

    0: every printer answered and can print. 1: a fault: a printer cannot be reached
    or reports that it cannot print (paper out, cover open, offline, error).
    3: no fault seen, but a printer cannot tell (no status reply, or status off).
    """
    faults, untold = [], []
    for p in chosen:
        outcome = admin.check(p)
        print(f"{p.name:<12} {outcome.status.state:<15} {outcome.status.detail}".rstrip())
        if outcome.error or outcome.status.blocks_printing:
            faults.append(p.name)
        elif not outcome.status.known:
            untold.append(p.name)
    if faults:
        print(f"pos-agent: {', '.join(faults)} cannot print now", file=sys.stderr)
        return EXIT_FAULT
    if untold:
        print(f"pos-agent: cannot tell whether {', '.join(untold)} can print", file=sys.stderr)
        return EXIT_CANNOT_TELL
    return 0
