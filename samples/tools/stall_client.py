#!/usr/bin/env python3
"""Starts a TLS 1.2 handshake (python ssl), reads the server's first flight,
then waits without answering, as a client stuck on the server's response
would; prints what happened when the server goes away.

Usage: stall_client.py HOST PORT SNI CAFILE SECONDS
"""
import socket
import ssl
import sys
import time

host, port, sni, cafile, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
ctx = ssl.create_default_context(cafile=cafile)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
s = socket.create_connection((host, port))
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    s.sendall(outgoing.read())
s.settimeout(wait)
end = time.time() + wait
while time.time() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        print("the server closed the connection")
        break
s.close()
