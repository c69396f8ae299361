#!/usr/bin/env python3
"""Writes a capture of N connections replayed from a sample (pcap, one
connection), all open at once: their FIN and RST dropped, so that every
handshake completes and every connection stays open to the end (the memory
per open connection). Connection after connection, each whole (a gateway's
shape: a few handshakes under way, many connections open after theirs);
with --lockstep, each frame of the sample in turn for every connection, so
that all N are in the middle of their handshake at once (the memory per
connection before its verdict).

    benches/open-connections.py samples/tls12-ok.pcap 200000 /tmp/open.pcap
    benches/open-connections.py --lockstep samples/tls12-ok.pcap 200000 /tmp/mid.pcap
    scripts/rss-anon.py target/release/pcap-tls-audit -q --format jsonl -o /dev/null /tmp/open.pcap
"""
import struct
import sys

args = [a for a in sys.argv[1:] if a != '--lockstep']
lockstep = len(args) < len(sys.argv) - 1
src, N, outp = args[0], int(args[1]), args[2]
d = open(src,'rb').read()
magic, = struct.unpack('<I', d[:4]); assert magic == 0xa1b2c3d4
link, = struct.unpack('<I', d[20:24])
hdr = {1: 14, 276: 20, 113: 16}[link]
frames=[]; pos=24
while pos+16 <= len(d):
    ts, tu, cl, ol = struct.unpack('<IIII', d[pos:pos+16]); data=d[pos+16:pos+16+cl]; pos+=16+cl
    ihl=(data[hdr]&15)*4; tcp=hdr+ihl
    flags=data[tcp+13]
    if flags & 0x05: continue
    frames.append((ts,tu,bytearray(data),tcp))
sport = struct.unpack('!H', frames[0][2][frames[0][3]:frames[0][3]+2])[0]
out=open(outp,'wb'); out.write(d[:24])
order = [(k, i) for k in range(len(frames)) for i in range(N)] if lockstep else \
    [(k, i) for i in range(N) for k in range(len(frames))]
for k, i in order:
    ts, tu, data, tcp = frames[k]
    p = 20000 + (i % 40000); ipb = i // 40000
    b = bytearray(data)
    s, dd = struct.unpack('!HH', b[tcp:tcp+4])
    if s == sport: b[tcp:tcp+2] = struct.pack('!H', p); b[hdr+12+3] = (b[hdr+12+3]+ipb) & 0xff
    else: b[tcp+2:tcp+4] = struct.pack('!H', p); b[hdr+16+3] = (b[hdr+16+3]+ipb) & 0xff
    # Lockstep: frame k of every connection 200 ms after frame k-1;
    # one after the other: a connection every 50 us, its frames 10 us apart.
    t = ts*1_000_000 + tu + (k*200_000 + i if lockstep else i*50 + k*10)
    out.write(struct.pack('<IIII', t//1_000_000, t % 1_000_000, len(b), len(b))); out.write(b)
