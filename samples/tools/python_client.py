#!/usr/bin/env python3
"""A plain python ssl client (OpenSSL underneath): handshake, print the result.

Usage: python_client.py HOST PORT SNI CAFILE
"""
import socket
import ssl
import sys

host, port, sni, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
try:
    with socket.create_connection((host, port)) as raw, ctx.wrap_socket(raw, server_hostname=sni) as s:
        print("handshake ok", s.version())
except ssl.SSLError as e:
    print("FAILED:", e)
