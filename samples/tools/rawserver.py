#!/usr/bin/env python3
"""A TCP server that reads the ClientHello and then misbehaves, for samples.

Usage: rawserver.py PORT reset|close|http|hang
  reset: close with SO_LINGER 0 (the kernel sends RST)
  close: close normally (FIN)
  http:  answer like a plain HTTP server on the TLS port
  hang:  say nothing for 10 seconds (a stuck backend)
"""
import time
import socket
import struct
import sys

port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
c, _ = s.accept()
c.recv(65536)
if mode == "hang":
    c.settimeout(10)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
if mode == "reset":
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
elif mode == "http":
    c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
              b"This is a plain HTTP server.\r\n")
c.close()
s.close()
