"""The certificate of the LAN listener: the one configured, or one the agent makes.

Without a configured certificate the agent makes a self-signed one once, in ``tls/``
of the data directory (the key readable by the agent's user only), naming the
addresses and names it serves. A paired tablet pins it by its SHA-256 fingerprint,
which ``pos-agent pair`` and the pairing-code answer show. The key is kept for good:
when the served names change, a new certificate is made over the same key.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TLS_DIR = "tls"
CERT_FILE = "agent-cert.pem"
KEY_FILE = "agent-key.pem"
#: Pinned by fingerprint, so it lasts: a new one means pairing every tablet again.
VALIDITY = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """A certificate and its private key, as PEM files."""

    cert: Path
    key: Path


def self_signed_files(data_dir: Path) -> TlsFiles:
    """Where the agent keeps the certificate it makes itself."""
    return TlsFiles(data_dir / TLS_DIR / CERT_FILE, data_dir / TLS_DIR / KEY_FILE)


def fingerprint(cert: Path) -> str:
    """The SHA-256 fingerprint of a PEM certificate, as ``AB:CD:...`` (as browsers show).

    Raises:
        OSError: the file cannot be read.
        ValueError: it holds no PEM certificate.
    """
    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except ValueError:
        raise ValueError(f"{cert} holds no PEM certificate") from None
    return ":".join(f"{b:02X}" for b in loaded.fingerprint(hashes.SHA256()))


def ensure_self_signed(data_dir: Path, names: tuple[str, ...]) -> TlsFiles:
    """The agent's own certificate naming ``names``, made (or remade) when needed.

    Args:
        names: addresses and host names the LAN listener serves; none: this host's name.
    """
    files = self_signed_files(data_dir)
    files.cert.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = _load_or_make_key(files.key)
    wanted = tuple(dict.fromkeys(names or (socket.gethostname(),)))
    if files.cert.exists() and _names(files.cert) >= set(wanted):
        return files
    pem = _certificate(key, wanted).public_bytes(serialization.Encoding.PEM)
    partial = files.cert.with_suffix(".tmp")
    partial.write_bytes(pem)
    partial.replace(files.cert)
    return files


def _load_or_make_key(path: Path) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC private key")
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return key


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _names(cert: Path) -> set[str]:
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    try:
        san = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v) for v in san.get_values_for_type(x509.IPAddress)} | set(
        san.get_values_for_type(x509.DNSName)
    )


def _certificate(key: ec.EllipticCurvePrivateKey, names: tuple[str, ...]) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"BengoBox POS agent {names[0]}")])
    now = datetime.now(UTC)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
