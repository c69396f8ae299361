#!/usr/bin/env python3
"""Adds to the samples' PKI (samples/pki, made by pki.py) without changing
what is there, so that the other samples keep their certificates:

- oldroot.pem / oldroot.key: an older root ("Audit Test Old Root");
- root-cross.pem: the samples' root (same name, same key) cross-signed by
  the old root and expired, as Let's Encrypt's ISRG Root X1 cross-signed by
  the expired DST Root CA X3; crosssign-chain.pem = intermediate + it;
- noku.pem / noku.key: a leaf for backend.company.com whose keyUsage allows
  keyEncipherment only (no digitalSignature, which ECDHE_RSA needs).

Usage: pki_extra.py DIR
"""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import pkiutil
from pkiutil import pem

out = Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
day = datetime.timedelta(days=1)


def load_cert(n):
    return pkiutil.load_cert(out, n)


def load_key(n):
    return pkiutil.load_key(out, n)


def write_key(n, k):
    pkiutil.write_key(out, n, k)


root, root_k = load_cert("root.pem"), load_key("root.key")
inter, inter_k = load_cert("inter.pem"), load_key("inter.key")

old_k = rsa.generate_private_key(65537, 2048)
old_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Audit Test PKI"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Audit Test Old Root")])
old = (x509.CertificateBuilder().subject_name(old_name).issuer_name(old_name).public_key(old_k.public_key())
       .serial_number(x509.random_serial_number()).not_valid_before(now - 3000 * day)
       .not_valid_after(now - 40 * day)
       .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
       .add_extension(x509.SubjectKeyIdentifier.from_public_key(old_k.public_key()), critical=False)
       .sign(old_k, hashes.SHA256()))
(out / "oldroot.pem").write_bytes(pem(old))
write_key("oldroot.key", old_k)

# The root's name and key, issued by the old root, expired 40 days ago.
cross = (x509.CertificateBuilder().subject_name(root.subject).issuer_name(old_name).public_key(root_k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - 1000 * day)
         .not_valid_after(now - 40 * day)
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_k.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(old_k.public_key()), critical=False)
         .sign(old_k, hashes.SHA256()))
(out / "root-cross.pem").write_bytes(pem(cross))
(out / "crosssign-chain.pem").write_bytes(pem(inter) + pem(cross))

noku_k = rsa.generate_private_key(65537, 2048)
subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Company Backend"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "backend.company.com")])
noku = (x509.CertificateBuilder().subject_name(subject).issuer_name(inter.subject).public_key(noku_k.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - 30 * day)
        .not_valid_after(now + 365 * day)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("backend.company.com")]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_k.public_key()), critical=False)
        .sign(inter_k, hashes.SHA256()))
(out / "noku.pem").write_bytes(pem(noku))
write_key("noku.key", noku_k)
print("pki_extra: oldroot, root-cross, crosssign-chain, noku written", file=sys.stderr)
