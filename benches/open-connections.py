#!/usr/bin/env python3
"""Writes a capture of N connections replayed from a sample (pcap, one
connection), all open at once: each frame of the sample in turn for every
connection, their FIN and RST dropped, so that every handshake completes and
every connection stays open to the end (the memory per open connection).

    benches/open-connections.py samples/tls12-ok.pcap 200000 /tmp/open.pcap
    scripts/rss-anon.py target/release/pcap-tls-audit -q --format jsonl -o /dev/null /tmp/open.pcap
"""
import struct
import sys

src, N, outp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
for k,(ts,tu,data,tcp) in enumerate(frames):
    for i in range(N):
        p=20000+(i%40000); ipb=i//40000
        b=bytearray(data)
        s,dd=struct.unpack('!HH', b[tcp:tcp+4])
        if s==sport: b[tcp:tcp+2]=struct.pack('!H',p); b[hdr+12+3]=(b[hdr+12+3]+ipb)&0xff
        else: b[tcp+2:tcp+4]=struct.pack('!H',p); b[hdr+16+3]=(b[hdr+16+3]+ipb)&0xff
        t=ts*1_000_000+tu+k*200_000+i
        out.write(struct.pack('<IIII',t//1_000_000,t%1_000_000,len(b),len(b))); out.write(b)
