"""RSA key helpers: the local development key pair, PEM loading and key ids.

The dev key pair lives in ``settings.auth_dev_key_dir`` (default
``.local/dev-keys``, git-ignored) as ``private.pem`` (mode 0600) and
``public.pem``. It is generated on first use, never at import. Its ``kid`` is
the RFC 7638 JWK thumbprint of the public key, so it is stable for as long as
the files are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode

PRIVATE_KEY_FILE = "private.pem"
PUBLIC_KEY_FILE = "public.pem"
DEV_KEY_BITS = 2048


def rsa_thumbprint(key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public key."""
    jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()


def public_jwk(key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    """The public JWK (as served in a JWKS) for ``key`` under ``kid``."""
    jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": jwk["n"], "e": jwk["e"]}


def load_public_key_pem(data: bytes) -> rsa.RSAPublicKey:
    """Parse a PEM public key (or certificate-free ``PUBLIC KEY`` block); RSA only."""
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the public key is not an RSA key")
    return key


def load_public_key_file(path: str | Path) -> rsa.RSAPublicKey:
    """Read an RSA public key from a PEM file."""
    return load_public_key_pem(Path(path).read_bytes())


@dataclass(frozen=True, slots=True)
class DevKeyPair:
    """The local development signing key and its ``kid``."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The public half, used by the verifier."""
        return self.private_key.public_key()


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_new(path: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a fresh temporary sibling of ``path`` with ``mode``."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return tmp


def _create_private_key(path: Path) -> None:
    """Generate a key into ``path`` unless another process wins the race."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=DEV_KEY_BITS)
    tmp = _write_new(path, _private_pem(key), 0o600)
    try:
        os.link(tmp, path)  # atomic, and fails if the file appeared meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _load_private_key(path: Path) -> rsa.RSAPrivateKey:
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        path.chmod(0o600)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def load_or_create_dev_keys(directory: str | Path) -> DevKeyPair:
    """Load the dev key pair from ``directory``, generating it on first use."""
    root = Path(directory)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path = root / PRIVATE_KEY_FILE
    if not private_path.exists():
        _create_private_key(private_path)
    key = _load_private_key(private_path)
    public_path = root / PUBLIC_KEY_FILE
    public_pem = _public_pem(key.public_key())
    if not public_path.exists() or public_path.read_bytes() != public_pem:
        os.replace(_write_new(public_path, public_pem, 0o644), public_path)
    return DevKeyPair(private_key=key, kid=rsa_thumbprint(key.public_key()))
