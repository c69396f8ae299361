"""What the PKI scripts that add to samples/pki share: reading what pki.py
wrote and writing PEM files into the same directory."""
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def load_cert(out: Path, name: str):
    return x509.load_pem_x509_certificate((out / name).read_bytes())


def load_key(out: Path, name: str):
    return serialization.load_pem_private_key((out / name).read_bytes(), None)


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_key(out: Path, name: str, key) -> None:
    (out / name).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
