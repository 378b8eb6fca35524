#!/usr/bin/env python3
"""Capture VRRP, ARP and neighbour advertisements from one interface into a pcap file.

usage: pcapwrite.py IFACE OUT.pcap

Runs until SIGTERM or SIGINT. Uses an AF_PACKET socket (so it sees the frames the host
sends as well as those it receives) and writes classic pcap, microsecond timestamps,
little-endian, linktype 1 (Ethernet). Only these frames are kept, so the fixtures stay
small: gratuitous ARP (sender IP = target IP); IPv4 protocol 112 (VRRP) or 51 (AH); IPv6
next header 112, or ICMPv6 type 136 (neighbour advertisement) sent to ff02::1. Every record is flushed at once.
"""
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def wanted(frame):
    if len(frame) < 14:
        return False
    off = 12
    ethertype = struct.unpack_from("!H", frame, off)[0]
    if ethertype == 0x8100 and len(frame) >= 18:
        off += 4
        ethertype = struct.unpack_from("!H", frame, off)[0]
    ip = off + 2
    if ethertype == 0x0806 and len(frame) >= ip + 28:
        # Only gratuitous ARP: sender protocol address = target protocol address.
        return frame[ip + 14:ip + 18] == frame[ip + 24:ip + 28]
    if ethertype == 0x0800 and len(frame) >= ip + 20:
        return frame[ip + 9] in (112, 51)
    if ethertype == 0x86DD and len(frame) >= ip + 41:
        nh = frame[ip + 6]
        all_nodes = bytes([0xFF, 0x02] + [0] * 13 + [1])
        # Only unsolicited neighbour advertisements: those sent to ff02::1.
        return nh == 112 or (nh == 58 and frame[ip + 40] == 136 and frame[ip + 24:ip + 40] == all_nodes)
    return False


def main():
    iface, path = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    sock.settimeout(0.2)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        out.flush()
        # Tell the caller the socket is bound: nothing sent from now on is missed.
        print("ready", flush=True)
        while not stop:
            try:
                frame = sock.recv(65535)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            if not wanted(frame):
                continue
            now = time.time()
            sec = int(now)
            usec = int((now - sec) * 1_000_000)
            out.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            out.write(frame)
            out.flush()


if __name__ == "__main__":
    main()
