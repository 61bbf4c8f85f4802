"""Printing: receipt and kitchen layouts, ESC/POS rendering, printer backends, the durable
print queue with one worker per printer, and our own DLE EOT status probe.

Pure modules (no I/O, checked by an import-linter contract): ``config``, ``document``,
``text``, ``receipt``, ``kitchen``, ``plain``, ``status``, ``retry``. The rest does I/O:
``render`` (python-escpos, in memory), ``backends`` and ``probe`` (devices and sockets),
``queue`` and ``registry`` (SQLite), ``worker`` (threads).
"""
