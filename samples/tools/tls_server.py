#!/usr/bin/env python3
"""A small TLS server (python ssl, OpenSSL) for the samples of what follows
a completed handshake.

Usage: tls_server.py PORT MODE
  short:     TLS 1.3, no session tickets; reads one request, answers "ok\\n"
             (a few bytes) and closes: a completed handshake without a ticket.
  idle-reset: TLS 1.2; answers one request, then after 2.5 s without a new
             one closes with SO_LINGER 0 (a RST): a backend or load balancer
             idle timeout shorter than the client's keep-alive.
  mid-reset: TLS 1.2; answers with the start of a large response and resets
             (SO_LINGER 0) in the middle of it: a backend crashing mid-response.
  banner:    TLS 1.2; a server-first protocol: right after the handshake it
             sends a greeting ("220 ... ESMTP"), then waits for the client.
"""
import socket
import ssl
import struct
import sys
import time

port, mode = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("pki/chain.pem", "pki/leaf.key")
if mode == "short":
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.num_tickets = 0
else:
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
raw, _ = s.accept()
c = ctx.wrap_socket(raw, server_side=True)
if mode == "banner":
    c.sendall(b"220 mail.company.com ESMTP ready\r\n")
    c.settimeout(10)
    try:
        c.recv(65536)
    except OSError:
        pass
    c.close()
    s.close()
    sys.exit(0)
c.recv(65536)
if mode == "short":
    c.sendall(b"ok\n")
    c.close()
elif mode == "idle-reset":
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n")
    c.settimeout(2.5)
    try:
        c.recv(1)
    except OSError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
elif mode == "mid-reset":
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n")
    for _ in range(20):
        c.sendall(b"x" * 8192)
        time.sleep(0.01)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
s.close()
