#!/usr/bin/env python3
"""Writes a capture of N short TCP connections (one a millisecond, each
closed by FINs) after one frame dated ten years ahead (`--no-jump`: without
it): the case of flow::MAX_CLOCK_STEP_NANOS.

    benches/clock-jump.py 200000 /tmp/clock-jump.pcap
    scripts/rss-anon.py target/release/pcap-tls-audit -q --format jsonl -o /dev/null /tmp/clock-jump.pcap
"""
import struct
import sys

jump = '--no-jump' not in sys.argv
args = [a for a in sys.argv[1:] if a != '--no-jump']
N=int(args[0]); out=open(args[1],'wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
base=1_700_000_000*1_000_000
def pkt(us,src,dst,sp,dp,seq,ack,flags,payload=b''):
    tcp=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,5<<4,flags,65535,0,0)
    ip=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(tcp)+len(payload),0,0,64,6,0,bytes(src),bytes(dst))
    d=b'\x00'*12+b'\x08\x00'+ip+tcp+payload
    out.write(struct.pack('<IIII',us//1_000_000,us%1_000_000,len(d),len(d))); out.write(d)
S=[10,0,0,1]
# One frame dated ten years ahead (an unrelated connection's SYN).
if jump:
    pkt(base+315360000*1_000_000,[10,9,9,9],S,1234,443,1,0,0x02)
for i in range(N):
    t=base+i*1000
    cl=[10,1+(i>>16)&0xff,(i>>8)&0xff,i&0xff]; sp=20000+(i%40000)
    pkt(t,cl,S,sp,443,100,0,0x02)
    pkt(t+10,S,cl,443,sp,500,101,0x12)
    pkt(t+20,cl,S,sp,443,101,501,0x10)
    pkt(t+30,cl,S,sp,443,101,501,0x11)
    pkt(t+40,S,cl,443,sp,501,102,0x11)
    pkt(t+50,cl,S,sp,443,102,502,0x10)
