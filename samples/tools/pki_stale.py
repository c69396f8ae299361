#!/usr/bin/env python3
"""Adds to the samples' PKI (samples/pki) without changing what is there:

- inter-stale.pem: a stale copy of the intermediate, with its name
  ("Audit Test Intermediate CA") but another key, issued by the root and
  valid (an intermediate renewed with a new key whose old copy was left in
  the chain file);
- stale-chain.pem: the stale copy, then the real intermediate, as a server's
  chain file holds them when the old one was not removed.

Usage: pki_stale.py DIR
"""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from pkiutil import load_cert, load_key, pem

out = Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
day = datetime.timedelta(days=1)

root, root_k = load_cert(out, "root.pem"), load_key(out, "root.key")
inter = load_cert(out, "inter.pem")
stale_k = rsa.generate_private_key(65537, 2048)
stale = (x509.CertificateBuilder().subject_name(inter.subject).issuer_name(root.subject)
         .public_key(stale_k.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - 400 * day).not_valid_after(now + 300 * day)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_k.public_key()), critical=False)
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(stale_k.public_key()), critical=False)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
         .sign(root_k, hashes.SHA256()))
(out / "inter-stale.pem").write_bytes(pem(stale))
(out / "stale-chain.pem").write_bytes(pem(stale) + pem(inter))
print("pki_stale: inter-stale, stale-chain written", file=sys.stderr)
