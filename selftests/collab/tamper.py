#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# tamper.py MODE IFACE COUNT: watch the sealed collab packets (IPv4, whole,
# key_id not 0) that leave IFACE and send COUNT of them again, each once:
#   replay  as they were;
#   other   those to DST as sent by another node: source address SRC
#           and node id NODE (tamper.py other IFACE COUNT SRC NODE DST),
#           sealed under keys that are not that node's;
#   flip    with one bit flipped: every other one in the nonce, which
#           then is new to the receiver, the others in the link header's
#           authenticated fields (epochs, sequence, ack) or the sealed
#           part, where the nonce is the one the receiver has seen.
# The UDP checksum of what is sent is 0 (none), as IPv4 allows. Prints
# "sent N" and exits 0 once COUNT are sent, 1 after 30 s without them.
#
# tamper.py sniff IFACE COUNT TEXT: read COUNT collab datagrams (whole,
# either way, sealed or not) on IFACE and print "frames N, with TEXT M":
# how many carry TEXT in clear.
#
# tamper.py hello ADDR NODE DST KEY: link, over UDP, to the node DST
# (its node id) at ADDR as node NODE announcing public key KEY (base64):
# a HELLO, the node's cookie in its answer, a HELLO that echoes it.
# Prints "echoed" and exits 0 once the second is sent, 1 when no cookie
# comes within 10 s.

import base64
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003  # only these sockets see what a device sends
ETH_P_IP = 0x0800
PORT = 6118
HDR = 64            # the link header
KEY_ID = 3          # its key_id byte
AAD_FIELDS = range(4, 24)   # epochs, seq, ack, sack
NONCE = 24          # its __be64 nonce: bits 40 to 55 of it


def sealed_udp(frame, sealed=True):
    """The offset of the UDP header in an Ethernet frame, if it is one of
    ours to take (and sealed, unless @sealed is False), else None."""
    if len(frame) < 14 + 20 + 8 + HDR + 16:
        return None
    if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
        return None
    if struct.unpack("!H", ip[6:8])[0] & 0x3fff:
        return None     # a fragment
    udp = 14 + ihl
    if struct.unpack("!H", frame[udp + 2:udp + 4])[0] != PORT:
        return None
    if sealed and frame[udp + 8 + KEY_ID] == 0:
        return None
    return udp


def ip_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def as_other(f, udp, src, node):
    """Frame @f from address @src and node id @node."""
    f[26:30] = socket.inet_aton(src)
    f[24:26] = b"\0\0"
    f[24:26] = struct.pack("!H", ip_checksum(bytes(f[14:udp])))
    f[udp + 8 + 32:udp + 8 + 48] = node


def sniff(s, count, text):
    frames = found = 0
    deadline = time.time() + 30
    while frames < count and time.time() < deadline:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        if sealed_udp(frame, sealed=False) is None:
            continue
        frames += 1
        found += text in frame
    print("frames %d, with %s %d" % (frames, text.decode(), found))
    sys.exit(0 if frames == count else 1)


def hello_pkt(node, dst, key, cookie, echo):
    """A HELLO of wire.h: link header, then body with name and key."""
    hdr = struct.pack("!BBBBIIIII Q16s16s", 1, 2, 0, 0, 0x5eed, 0, 0, 0, 0,
                      0, node, dst)
    body = struct.pack("!IIII QQ64s32s", 0, 0, 1500, 0, cookie, echo,
                       b"forger", key)
    return hdr + body


def hello(addr, node, dst, key):
    """Echo the cookie of the node at ADDR as NODE with KEY."""
    node = bytes.fromhex(node.replace("-", ""))
    dst = bytes.fromhex(dst.replace("-", ""))
    key = base64.b64decode(key)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    cookie = random.getrandbits(63) | 1
    for _ in range(10):
        s.sendto(hello_pkt(node, dst, key, cookie, 0), (addr, PORT))
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        if len(data) >= HDR + 32 and data[1] == 2:
            echo = struct.unpack_from("!Q", data, HDR + 16)[0]
            s.sendto(hello_pkt(node, dst, key, cookie, echo), (addr, PORT))
            print("echoed")
            sys.exit(0)
    sys.exit("tamper.py: no cookie from " + addr)


def main():
    if sys.argv[1] == "hello":
        hello(*sys.argv[2:6])
    mode, iface, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    s.settimeout(1)
    if mode == "sniff":
        sniff(s, count, sys.argv[4].encode())
    sent = 0
    deadline = time.time() + 30
    rng = random.Random(6118)
    while sent < count and time.time() < deadline:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING:
            continue
        udp = sealed_udp(frame)
        if udp is None:
            continue
        if mode == "other" and frame[30:34] != socket.inet_aton(sys.argv[6]):
            continue
        f = bytearray(frame)
        f[udp + 6:udp + 8] = b"\0\0"
        if mode == "flip":
            body = len(f) - udp - 8
            if sent % 2 == 0:
                off = NONCE + rng.randrange(1, 3)
            elif sent % 4 == 1:
                off = rng.choice(AAD_FIELDS)
            else:
                off = rng.randrange(HDR, body)
            f[udp + 8 + off] ^= 1 << rng.randrange(8)
        elif mode == "other":
            as_other(f, udp, sys.argv[4],
                     bytes.fromhex(sys.argv[5].replace("-", "")))
        elif mode != "replay":
            sys.exit("tamper.py: MODE is replay, other, flip or sniff")
        s.send(bytes(f))
        sent += 1
    print("sent", sent)
    sys.exit(0 if sent == count else 1)


if __name__ == "__main__":
    main()
