"""Where the device credential lives: the OS keyring, else a 0600 file with a warning.

Keyring service ``bengobox-pos-agent``, username the device id. When no keyring backend
works (the active backend is keyring's ``fail`` or ``null`` one, or a call raises
``KeyringError``), the credential goes to ``<data_dir>/credential``, readable by the
agent's user only, and a one-line warning goes to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringError

SERVICE = "bengobox-pos-agent"
FILE_NAME = "credential"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class CredentialStore:
    """Saves and loads the device credential.

    Args:
        data_dir: the agent's data directory, home of the fallback file.
        backend: the keyring backend (default: keyring's active one).
        warn: where the one-line fallback warning goes (default: stderr).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        backend: KeyringBackend | None = None,
        warn: Callable[[str], None] = _stderr,
    ) -> None:
        self.path = data_dir / FILE_NAME
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._warn = warn
        self._warned = False

    @property
    def keyring_usable(self) -> bool:
        return not isinstance(self._backend, fail.Keyring | null.Keyring)

    def save(self, device_id: str, credential: str) -> str:
        """Keep the credential; return where it went (``keyring`` or the file's path).

        Raises:
            OSError: neither the keyring nor the file could take it.
        """
        if self.keyring_usable:
            try:
                self._backend.set_password(SERVICE, device_id, credential)
            except KeyringError:
                pass
            else:
                self.path.unlink(missing_ok=True)
                return "keyring"
        self._write_file(credential)
        self._warn_once()
        return str(self.path)

    def load(self, device_id: str) -> str | None:
        """The credential, or None when the device has none."""
        if self.keyring_usable:
            try:
                found = self._backend.get_password(SERVICE, device_id)
            except KeyringError:
                found = None
            if found:
                return found
        if not self.path.exists():
            return None
        self._warn_once()
        return self.path.read_text(encoding="utf-8").strip() or None

    def _write_file(self, credential: str) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{FILE_NAME}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # O_CREAT's mode does not apply to an old file
            os.write(descriptor, f"{credential}\n".encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, self.path)

    def _warn_once(self) -> None:
        if not self._warned:
            self._warned = True
            self._warn(
                f"pos-agent: warning: no OS keyring available; the device credential is "
                f"kept in {self.path} (mode 0600)"
            )
