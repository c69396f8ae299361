#!/usr/bin/env python3
"""Builds the small test PKI of the samples with python `cryptography`.

Writes into the directory given: root.pem (a private root CA), inter.pem
(an intermediate), leaf.pem / leaf.key (backend.company.com, issued by the
intermediate), chain.pem (leaf + intermediate, what a server sends),
other-root.pem (an unrelated root, for a client that trusts something else),
client.pem / client.key (a client certificate issued by the intermediate).
"""
import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
start = now - datetime.timedelta(days=30)
end = now + datetime.timedelta(days=365)


def name(cn, org="Audit Test PKI"):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def key(kind="ec", bits=2048):
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, bits)


def cert(subject, issuer, pub, signer, ca, sans=None, eku=None, path_len=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end))
    b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return b.sign(signer, hashes.SHA256())


def write(n, obj):
    (out / n).write_bytes(obj.public_bytes(serialization.Encoding.PEM))


def write_key(n, k):
    (out / n).write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


root_k = key("rsa")
root = cert(name("Audit Test Root CA"), name("Audit Test Root CA"), root_k.public_key(), root_k, True)
# RSA keys make certificates large enough that the server's flight spans
# several 1500-byte frames, as it does on a real network.
inter_k = key("rsa", 4096)
inter = cert(name("Audit Test Intermediate CA"), root.subject, inter_k.public_key(), root_k, True, path_len=0)
leaf_k = key("rsa")
leaf = cert(name("backend.company.com", "Company Backend"), inter.subject, leaf_k.public_key(), inter_k, False,
            sans=[x509.DNSName("backend.company.com"), x509.DNSName("localhost"),
                  x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
            eku=[ExtendedKeyUsageOID.SERVER_AUTH])
client_k = key()
client = cert(name("gateway-client", "Company Gateway"), inter.subject, client_k.public_key(), inter_k, False,
              eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
other_k = key()
other = cert(name("Unrelated Root CA", "Elsewhere"), name("Unrelated Root CA", "Elsewhere"), other_k.public_key(),
             other_k, True)

write("root.pem", root)
write("inter.pem", inter)
write("leaf.pem", leaf)
write_key("leaf.key", leaf_k)
write("client.pem", client)
write_key("client.key", client_k)
write("other-root.pem", other)
(out / "chain.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM) +
                                inter.public_bytes(serialization.Encoding.PEM))
