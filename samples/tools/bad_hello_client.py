#!/usr/bin/env python3
"""Sends a ClientHello whose extensions block claims more bytes than it has,
to see what a real server answers (openssl: alert decode_error). The
ClientHello is otherwise well formed.

Usage: bad_hello_client.py HOST PORT
"""
import os
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
body = b"\x03\x03" + os.urandom(32) + b"\x00"  # version, random, empty session id
body += b"\x00\x04\xc0\x2f\xc0\x30" + b"\x01\x00"  # two suites, null compression
sni = b"backend.company.com"
ext = b"\x00\x00" + (len(sni) + 5).to_bytes(2, "big") + (len(sni) + 3).to_bytes(2, "big") + b"\x00" + \
    len(sni).to_bytes(2, "big") + sni
body += (len(ext) + 40).to_bytes(2, "big") + ext  # the lie: 40 bytes more than sent
hs = b"\x01" + len(body).to_bytes(3, "big") + body
rec = b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs
s = socket.create_connection((host, port))
s.sendall(rec)
s.settimeout(3)
try:
    answer = s.recv(100)
    print("server answered", answer.hex())
except OSError as e:
    print("no answer:", e)
s.close()
