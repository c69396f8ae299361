#!/usr/bin/env python3
"""Adds to the samples' PKI (samples/pki) without changing what is there:

- clientauth.pem / clientauth.key: a leaf for backend.company.com, issued
  by the intermediate, whose extendedKeyUsage allows clientAuth only (a
  client certificate installed on a server by mistake): clients that check
  the extended key usage (NSS, Java, Go, OpenSSL with a purpose) reject it.

Usage: pki_eku.py DIR
"""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pkiutil import load_cert, load_key, pem, write_key

out = Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
day = datetime.timedelta(days=1)
inter, inter_k = load_cert(out, "inter.pem"), load_key(out, "inter.key")
k = rsa.generate_private_key(65537, 2048)
subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Company Backend"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "backend.company.com")])
c = (x509.CertificateBuilder().subject_name(subject).issuer_name(inter.subject).public_key(k.public_key())
     .serial_number(x509.random_serial_number()).not_valid_before(now - 30 * day)
     .not_valid_after(now + 365 * day)
     .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
     .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
     .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
     .add_extension(x509.SubjectAlternativeName([x509.DNSName("backend.company.com")]), critical=False)
     .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_k.public_key()), critical=False)
     .sign(inter_k, hashes.SHA256()))
(out / "clientauth.pem").write_bytes(pem(c))
write_key(out, "clientauth.key", k)
print("pki_eku: clientauth written", file=sys.stderr)
