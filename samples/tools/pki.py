#!/usr/bin/env python3
"""Builds the small test PKI of the samples with python `cryptography`
(and openssl for the one SHA-1 signature that `cryptography` refuses).

Writes into the directory given: root.pem (a private root CA), inter.pem
(an intermediate), leaf.pem / leaf.key (backend.company.com, issued by the
intermediate), chain.pem (leaf + intermediate, what a server sends),
other-root.pem (an unrelated root, for a client that trusts something else),
client.pem / client.key (a client certificate issued by the intermediate),
and the faulty server certificates of the chain samples: apigee (names
backend.apigee.net), expired, notyet, selfsigned, weak (RSA 1024), sha1
(signed with SHA-1), each as NAME.pem / NAME.key.
"""
import subprocess
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


def cert(subject, issuer, pub, signer, ca, sans=None, eku=None, path_len=None, nb=None, na=None,
         issuer_key=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(nb or start)
         .not_valid_after(na or end))
    if issuer_key is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False)
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
inter = cert(name("Audit Test Intermediate CA"), root.subject, inter_k.public_key(), root_k, True, path_len=0,
             issuer_key=root_k.public_key())
leaf_k = key("rsa")
leaf = cert(name("backend.company.com", "Company Backend"), inter.subject, leaf_k.public_key(), inter_k, False,
            sans=[x509.DNSName("backend.company.com"), x509.DNSName("localhost"),
                  x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
            eku=[ExtendedKeyUsageOID.SERVER_AUTH], issuer_key=inter_k.public_key())
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
write_key("root.key", root_k)
write_key("inter.key", inter_k)


def server_leaf(fname, cn, sans, kind="rsa", bits=2048, nb=None, na=None, self_signed=False):
    k = key(kind, bits)
    subj = name(cn, "Company Backend")
    c = cert(subj, subj if self_signed else inter.subject, k.public_key(), k if self_signed else inter_k, False,
             sans=[x509.DNSName(s) for s in sans], eku=[ExtendedKeyUsageOID.SERVER_AUTH], nb=nb, na=na,
             issuer_key=None if self_signed else inter_k.public_key())
    write(fname + ".pem", c)
    write_key(fname + ".key", k)


day = datetime.timedelta(days=1)
server_leaf("apigee", "backend.apigee.net", ["backend.apigee.net"])
server_leaf("expired", "backend.company.com", ["backend.company.com"], nb=now - 400 * day, na=now - 35 * day)
server_leaf("notyet", "backend.company.com", ["backend.company.com"], nb=now + 10 * day, na=now + 400 * day)
server_leaf("selfsigned", "backend.company.com", ["backend.company.com"], self_signed=True)
server_leaf("weak", "backend.company.com", ["backend.company.com"], bits=1024)
# SHA-1: `cryptography` refuses to sign with it; openssl signs a request with the intermediate's key.
sha1_k = key("rsa")
write_key("sha1.key", sha1_k)
subprocess.run(["openssl", "req", "-new", "-key", str(out / "sha1.key"), "-subj",
                "/C=US/O=Company Backend/CN=backend.company.com", "-addext",
                "subjectAltName=DNS:backend.company.com", "-out", str(out / "sha1.csr")],
               check=True, capture_output=True)
subprocess.run(["openssl", "x509", "-req", "-in", str(out / "sha1.csr"), "-CA", str(out / "inter.pem"),
                "-CAkey", str(out / "inter.key"), "-sha1", "-set_serial", "4242", "-days", "365",
                "-copy_extensions", "copy", "-out", str(out / "sha1.pem")], check=True, capture_output=True)
(out / "sha1.csr").unlink()
# A chain file in the wrong order (root before intermediate), and one with an unrelated certificate.
(out / "wrong-order-chain.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM) +
                                            inter.public_bytes(serialization.Encoding.PEM))
(out / "unrelated-chain.pem").write_bytes(inter.public_bytes(serialization.Encoding.PEM) +
                                          other.public_bytes(serialization.Encoding.PEM))
(out / "chain.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM) +
                                inter.public_bytes(serialization.Encoding.PEM))
