#!/usr/bin/env python3
"""A TLS 1.2 client (python ssl) that completes the handshake, sends
nothing, and closes after a pause: a speculative connection, a health
check, or the client of a server-first protocol that leaves without a word.
It does not verify the chain (its close says nothing about the chain).

Usage: quiet_client.py HOST PORT SNI PAUSE
"""
import socket
import ssl
import sys
import time

host, port, sni, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
c = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=sni)
time.sleep(pause)
c.close()
print("closed after", pause, "s")
