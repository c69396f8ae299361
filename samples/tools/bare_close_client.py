#!/usr/bin/env python3
"""A TLS client (python's ssl, i.e. OpenSSL) that, like some gateways, gives
up on a chain it does not trust without telling the server why: no alert,
just FIN and then RST right after the server's Certificate.

Usage: bare_close_client.py HOST PORT SNI CAFILE
"""
import socket
import ssl
import struct
import sys

host, port, sni, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
s = socket.create_connection((host, port))
try:
    while True:
        try:
            tls.do_handshake()
            print("handshake ok")
            break
        except ssl.SSLWantReadError:
            data = outgoing.read()
            if data:
                s.sendall(data)
            chunk = s.recv(65536)
            if not chunk:
                print("server closed")
                break
            incoming.write(chunk)
except ssl.SSLCertVerificationError as e:
    # The alert OpenSSL produced stays in `outgoing`: it is never sent.
    print("FAILED (closing without an alert):", e.verify_message)
    s.shutdown(socket.SHUT_WR)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
