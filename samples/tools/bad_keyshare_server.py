#!/usr/bin/env python3
"""Answers a TLS 1.3 ClientHello with a ServerHello whose x25519 key share
is all zeros (a low-order point): the client cannot derive keys and sends
its alert in plaintext, before encryption starts. For the sample of a TLS
1.3 client alert that is not encrypted.

Usage: bad_keyshare_server.py PORT
"""
import os
import socket
import sys

port = int(sys.argv[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
c, _ = s.accept()
hello = c.recv(65536)
# Record header (5), handshake header (4), version (2), random (32), then the session id.
sid_len = hello[43]
sid = hello[44:44 + sid_len]
ext = (b"\x00\x2b\x00\x02\x03\x04"                      # supported_versions: TLS 1.3
       + b"\x00\x33\x00\x24\x00\x1d\x00\x20" + bytes(32))  # key_share: x25519, 32 zero bytes
body = (b"\x03\x03" + os.urandom(32) + bytes([len(sid)]) + sid + b"\x13\x01\x00"
        + len(ext).to_bytes(2, "big") + ext)
hs = b"\x02" + len(body).to_bytes(3, "big") + body
c.sendall(b"\x16\x03\x03" + len(hs).to_bytes(2, "big") + hs)
c.settimeout(3)
try:
    while c.recv(65536):
        pass
except OSError:
    pass
c.close()
