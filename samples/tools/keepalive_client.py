#!/usr/bin/env python3
"""A TLS 1.2 client that keeps its connection alive between two requests
(python ssl), as a gateway's connection pool does.

Usage: keepalive_client.py HOST PORT SNI CAFILE PAUSE
Sends a request, reads the answer, waits PAUSE seconds, sends the next one.
"""
import socket
import ssl
import sys
import time

host, port, sni, cafile, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
ctx = ssl.create_default_context(cafile=cafile)
c = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=sni)
c.sendall(b"GET / HTTP/1.1\r\nHost: " + sni.encode() + b"\r\n\r\n")
print(c.recv(65536)[:40])
time.sleep(pause)
try:
    c.sendall(b"GET /again HTTP/1.1\r\nHost: " + sni.encode() + b"\r\n\r\n")
    print(c.recv(65536)[:40])
except OSError as e:
    print("second request:", e)
