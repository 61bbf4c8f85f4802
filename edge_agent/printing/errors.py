"""Errors of the printing package::

    PrinterError (OSError)              a printer cannot take a job now; the job waits
    ├── PrinterUnavailable              cannot open or connect: unplugged, refused,
    │                                   permission denied, resource busy
    ├── PrinterTimeout                  no progress within the timeout: a stalled printer,
    │                                   or a job sent that the printer never confirmed
    ├── PrinterDisconnected             the connection dropped in the middle of a job
    └── PrinterNotReady                 the printer answered that it cannot print
                                        (paper out, cover open...): ``status`` says why
    PrinterConfigError (ValueError)     a printers file that does not describe printers

These are not domain errors: the worker catches every :class:`PrinterError` and retries
the job later; only configuration errors reach the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge_agent.printing.status import PrinterStatus


class PrinterError(OSError):
    """A printer cannot take a job now; the job stays queued and is retried."""


class PrinterUnavailable(PrinterError):
    """The printer could not be opened or connected to."""


class PrinterTimeout(PrinterError):
    """The printer made no progress within the timeout."""


class PrinterDisconnected(PrinterError):
    """The connection to the printer dropped in the middle of a job."""


class PrinterNotReady(PrinterError):
    """The printer answered that it cannot print now (``status`` says why)."""

    def __init__(self, status: PrinterStatus) -> None:
        super().__init__(f"printer not ready: {status.describe()}")
        self.status = status


class PrinterConfigError(ValueError):
    """The printers configuration is invalid; the message names the printer and field."""
