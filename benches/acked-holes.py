#!/usr/bin/env python3
"""Writes a capture of N downloads open at once, each of SEGS server
segments, each missing its second segment, which the client's pure ACKs
acknowledge (tcpdump's "packets dropped by kernel"): the case of
tcp::MAX_PENDING_BEHIND_ACKED_HOLE. The payload is not TLS (the case is
about reassembly memory).

    benches/acked-holes.py 1000 360 /tmp/acked-holes.pcap
    scripts/rss-anon.py target/release/pcap-tls-audit -q --format jsonl -o /dev/null /tmp/acked-holes.pcap
"""
import struct
import sys

N=int(sys.argv[1]); SEGS=int(sys.argv[2]); out=open(sys.argv[3],'wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
t=[1_700_000_000,0]
def pkt(src,dst,sp,dp,seq,ack,flags,payload=b''):
    tcp=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,5<<4,flags,65535,0,0)
    ip=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(tcp)+len(payload),0,0,64,6,0,bytes(src),bytes(dst))
    eth=b'\x00'*12+b'\x08\x00'
    d=eth+ip+tcp+payload
    t[1]+=10
    if t[1]>=1_000_000: t[0]+=1; t[1]-=1_000_000
    out.write(struct.pack('<IIII',t[0],t[1],len(d),len(d))); out.write(d)
C=[10,0,0,1]; 
payload=b'\x17\x03\x03'+b'x'*1445
for i in range(N):
    cl=[10,1,i//250,i%250+1]; sp=20000+i
    pkt(cl,[10,0,0,1],sp,443,100,0,0x02)
    pkt([10,0,0,1],cl,443,sp,500,101,0x12)
    pkt(cl,[10,0,0,1],sp,443,101,501,0x10)
for k in range(SEGS):
    for i in range(N):
        cl=[10,1,i//250,i%250+1]; sp=20000+i
        seq=501+k*1448
        if k!=1:
            pkt([10,0,0,1],cl,443,sp,seq,101,0x18,payload)
        pkt(cl,[10,0,0,1],sp,443,101,seq+1448,0x10)
for i in range(N):
    cl=[10,1,i//250,i%250+1]; sp=20000+i
    pkt(cl,[10,0,0,1],sp,443,101,501+SEGS*1448,0x11)
