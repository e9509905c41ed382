#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Build collab packets of every kind (kmod/wire.h), well formed and not,
into classic pcap files for tools/wireshark/test.sh, with what the
dissector should find in each.

    mkpcap.py OUTDIR [CORPUS]

writes OUTDIR/cases.pcap and OUTDIR/cases.expect (one check a line:
frame, name, field, op, value; op "=" the field's values joined by "|",
"~" a substring of them, "+" any value, "-" no such field; an expert
item's value is 1), and OUTDIR/fuzz.pcap: every case cut short at many lengths, and
with random bytes changed, which the dissector must survive. With
CORPUS (kmod/fuzz/corpus), the seeds of the kernel parsers' fuzz
targets are cases too, each with what kmod/wire.c makes of it.
"""

import os
import random
import struct
import sys

PORT = 6118
VERSION = 1

BEACON, HELLO, PROBE, ACK, MSG, ROUTE, RECEIPT, INIT, RESP, REACH, \
    DISTANT = range(1, 12)

LF_FIRST, LF_LAST, LF_UP, LF_BUNDLE, LF_ACK_NOW, LF_HELD = \
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20
FF_CONFIRM, FF_KEPT = 0x01, 0x02
ADDR_GUID, ADDR_APP, ADDR_SESSION, ADDR_BROADCAST = 1, 2, 3, 4
BE_SAME, BE_NEXT = 0x8000, 0x4000
METRIC_INF = 0xffff

ZERO = bytes(16)
PEER = bytes([0x9e, 0xe4]) + bytes(13) + b"\x01"   # the sender
SELF = bytes([0x5e, 0x1f]) + bytes(13) + b"\x02"   # the receiver
FAR = bytes(range(0x10, 0x20))                     # a node beyond
INST = bytes(range(0x20, 0x30))
INST2 = bytes(range(0x30, 0x40))
SESS = bytes(range(0x40, 0x50))
KEY = bytes(range(0x60, 0x80))


def guid(g):
    h = g.hex()
    return "-".join((h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]))


def pad(s, n):
    b = s.encode() if isinstance(s, str) else s
    return b + bytes(n - len(b))


# ---- structs of wire.h ------------------------------------------------------

# Epochs name links: the good cases make one link's history, in order;
# the sealed ones, each malformed case and each run case have their own.
EPOCH_SEALED = 31
_epochs = iter(range(1000, 1 << 31))
link_epoch = [11]


def link_hdr(ltype, flags=0, key_id=0, src_epoch=None, dst_epoch=22, seq=0,
             ack=0, sack=0, nonce=0, src=PEER, dst=SELF, version=VERSION):
    if src_epoch is None:
        src_epoch = link_epoch[0] or next(_epochs)
    return struct.pack("!BBBBIIIIIQ16s16s", version, ltype, flags, key_id,
                       src_epoch, dst_epoch, seq, ack, sack, nonce, src, dst)


def hello(snd_una=0, rcv_nxt=0, tolerance_ms=1500, cookie=0, echo=0,
          name="node", public_key=bytes(32)):
    return struct.pack("!IIIIQQ64s32s", snd_una, rcv_nxt, tolerance_ms, 0,
                       cookie, echo, pad(name, 64), public_key)


def hs_init(key_id=1):
    return struct.pack("!B7s32s48s24s", key_id, bytes(7), KEY,
                       bytes([0xa5]) * 48, bytes([0x5a]) * 24)


def hs_resp(key_id=1):
    return struct.pack("!B7s32s16s", key_id, bytes(7), KEY,
                       bytes([0xc3]) * 16)


def frame(payload_len, msgid=1, dst_kind=ADDR_APP, hops=0, flags=0,
          kept_prev=0, src_node=PEER, src_id=INST, dst_node=SELF,
          dst_id=ZERO, session=ZERO, src_app="chat", dst_app="chat",
          version=VERSION, ftype=1, flen=None):
    return struct.pack("!BBBBB3sIiQ16s16s16s16s16s32s32s", version, ftype,
                       dst_kind, hops, flags, bytes(3),
                       payload_len if flen is None else flen, kept_prev,
                       msgid, src_node, src_id, dst_node, dst_id, session,
                       pad(src_app, 32), pad(dst_app, 32))


def msg(payload=b"hello", **kw):
    return frame(len(payload), **kw) + payload


def route_rec(op, rid=ZERO, session=ZERO, app=""):
    return struct.pack("!B7s16s16s32s", op, bytes(7), rid, session,
                       pad(app, 32))


def reach_rec(op, flags=0, metric=0, seqno=0, node=FAR, name=""):
    return struct.pack("!BBHI16s64s", op, flags, metric, seqno, node,
                       pad(name, 64))


def distant_rec(op, origin=FAR, rid=ZERO, app=""):
    return struct.pack("!B7s16s16s32s", op, bytes(7), origin, rid,
                       pad(app, 32))


def receipt(msgid=9, src_id=INST, status=0, flags=0, node=SELF,
            src_node=PEER):
    return struct.pack("!Q16sII16s16s", msgid, src_id, status, flags, node,
                       src_node)


def entry(code, body):
    return struct.pack("!H", code | len(body)) + body


# ---- the cases --------------------------------------------------------------

# A packet that may or may not be malformed.
ANY = object()


class Cases:
    def __init__(self):
        self.packets = []     # (udp payload, udp dst port)
        self.checks = []      # (frame, name, field, op, value)

    def add(self, name, payload, expect=(), bad=None, warn=None,
            port=PORT):
        self.packets.append((payload, port))
        n = len(self.packets)
        for fld, val in expect:
            op = "="
            if isinstance(val, tuple):
                op, val = val
            self.checks.append((n, name, fld, op, str(val)))
        # The reason in collab.malformed, and the expert item with it.
        if bad is ANY:
            pass
        elif bad is None:
            self.checks.append((n, name, "collab.malformed", "-", ""))
            self.checks.append((n, name, "collab.expert.malformed", "-", ""))
        else:
            self.checks.append((n, name, "collab.malformed", "~", bad))
            self.checks.append((n, name, "collab.expert.malformed", "~", "1"))
        if warn is not None:
            self.checks.append((n, name, "collab.warning", "~", warn))


def hdr_expect(ltype, flags=0, key_id=0, seq=0, ack=0, sack=0, nonce=0,
               src=PEER, dst=SELF, src_epoch=11):
    return [("collab.link.version", 1), ("collab.link.type", ltype),
            ("collab.link.flags", "0x%02x" % flags),
            ("collab.link.key_id", key_id),
            ("collab.link.src_epoch", src_epoch),
            ("collab.link.dst_epoch", 22),
            ("collab.link.seq", seq), ("collab.link.ack", ack),
            ("collab.link.sack", "0x%08x" % sack),
            ("collab.link.nonce", nonce),
            ("collab.link.src_node", guid(src)),
            ("collab.link.dst_node", guid(dst))]


def frame_expect(payload, msgid=1, dst_kind=ADDR_APP, hops=0, flags=0,
                 kept_prev=0, src_node=PEER, dst_node=SELF, session=ZERO):
    return [("collab.frame.version", 1), ("collab.frame.type", 1),
            ("collab.frame.dst_kind", dst_kind), ("collab.frame.hops", hops),
            ("collab.frame.flags", "0x%02x" % flags),
            ("collab.frame.len", len(payload)),
            ("collab.frame.kept_prev", kept_prev),
            ("collab.frame.msgid", msgid),
            ("collab.frame.src_node", guid(src_node)),
            ("collab.frame.src_id", guid(INST)),
            ("collab.frame.dst_node", guid(dst_node)),
            ("collab.frame.session", guid(session)),
            ("collab.frame.src_app", "chat"),
            ("collab.frame.dst_app", "chat"),
            ("collab.frame.payload", payload.hex())]


def good_link(c):
    key = bytes(range(0xa0, 0xc0))
    c.add("beacon", link_hdr(BEACON, dst=ZERO) +
          hello(tolerance_ms=3000, name="alpha", public_key=key),
          hdr_expect(BEACON, dst=ZERO) +
          [("collab.hello.tolerance_ms", 3000), ("collab.hello.name", "alpha"),
           ("collab.hello.public_key", key.hex()),
           ("collab.hello.cookie", "0x0000000000000000")])
    c.add("hello", link_hdr(HELLO, LF_UP, ack=5) +
          hello(snd_una=3, rcv_nxt=5, cookie=0x1122334455667788,
                echo=0x0102030405060708, name="beta"),
          hdr_expect(HELLO, LF_UP, ack=5) +
          [("collab.link.flags.up", 1), ("collab.hello.snd_una", 3),
           ("collab.hello.rcv_nxt", 5),
           ("collab.hello.cookie", "0x1122334455667788"),
           ("collab.hello.echo", "0x0102030405060708"),
           ("collab.hello.name", "beta")])
    c.add("probe", link_hdr(PROBE, ack=7),
          hdr_expect(PROBE, ack=7) + [("collab.trailing", ("-", ""))])
    c.add("ack", link_hdr(ACK, LF_HELD, ack=100, sack=0x5),
          hdr_expect(ACK, LF_HELD, ack=100, sack=0x5) +
          [("collab.link.flags.held", 1)])
    c.add("init", link_hdr(INIT) + hs_init(key_id=4),
          hdr_expect(INIT) +
          [("collab.hs.key_id", 4), ("collab.hs.ephemeral", KEY.hex()),
           ("collab.hs.sealed_static", "a5" * 48),
           ("collab.hs.sealed_time", "5a" * 24)])
    c.add("resp", link_hdr(RESP) + hs_resp(key_id=4),
          hdr_expect(RESP) +
          [("collab.hs.key_id", 4), ("collab.hs.sealed_empty", "c3" * 16)])


def good_sealed(c):
    body = bytes(range(40))
    tag = bytes([0xee]) * 16
    c.add("sealed msg", link_hdr(MSG, LF_FIRST | LF_LAST, key_id=3,
                                 seq=9, nonce=77, src_epoch=EPOCH_SEALED) +
          body + tag,
          hdr_expect(MSG, LF_FIRST | LF_LAST, key_id=3, seq=9, nonce=77,
                     src_epoch=EPOCH_SEALED) +
          [("collab.sealed.ciphertext", body.hex()),
           ("collab.sealed.tag", tag.hex()),
           ("collab.frame.msgid", ("-", ""))])
    c.add("sealed hello", link_hdr(HELLO, key_id=1, nonce=0) +
          bytes(128) + tag,
          [("collab.link.key_id", 1), ("collab.sealed.tag", tag.hex()),
           ("collab.hello.name", ("-", ""))])
    # GSO batches, as a capture on the sending host sees them: datagrams
    # of one size, the last shorter, in one packet.
    c.add("gso hello and init",
          link_hdr(HELLO, src_epoch=EPOCH_SEALED) + hello(name="gamma") +
          link_hdr(INIT, src_epoch=EPOCH_SEALED) + hs_init(key_id=2),
          [("collab.link.type", "2|8"), ("collab.hello.name", "gamma"),
           ("collab.hs.key_id", 2), ("collab.hs.ephemeral", KEY.hex())])
    tags = [bytes([0xd0 + i]) * 16 for i in range(3)]
    batch = b"".join(
        link_hdr(MSG, LF_FIRST | LF_LAST, key_id=3, seq=10 + i,
                 nonce=78 + i, src_epoch=EPOCH_SEALED) +
        bytes(range(40 if i < 2 else 20)) + tags[i] for i in range(3))
    c.add("gso sealed batch", batch,
          [("collab.link.type", "5|5|5"), ("collab.link.seq", "10|11|12"),
           ("collab.link.nonce", "78|79|80"),
           ("collab.sealed.tag", "|".join(t.hex() for t in tags)),
           ("collab.sealed.ciphertext",
            "|".join([bytes(range(40)).hex()] * 2 + [bytes(range(20)).hex()]))])
    c.add("sealed ack, tag only", link_hdr(ACK, key_id=200, nonce=1 << 40)
          + tag,
          [("collab.link.nonce", 1 << 40), ("collab.sealed.tag", tag.hex()),
           ("collab.sealed.ciphertext", ("-", ""))])


def good_msg(c):
    p = b"hello, world"
    c.add("whole msg", link_hdr(MSG, LF_FIRST | LF_LAST | LF_ACK_NOW, seq=1)
          + msg(p, msgid=42, flags=FF_CONFIRM),
          hdr_expect(MSG, LF_FIRST | LF_LAST | LF_ACK_NOW, seq=1) +
          frame_expect(p, msgid=42, flags=FF_CONFIRM) +
          [("collab.frame.flags.confirm", 1), ("collab.frag.kind", "whole")])
    c.add("kept msg", link_hdr(MSG, LF_FIRST | LF_LAST, seq=2) +
          msg(p, msgid=50, dst_kind=ADDR_GUID, flags=FF_KEPT, kept_prev=3),
          frame_expect(p, msgid=50, dst_kind=ADDR_GUID, flags=FF_KEPT,
                       kept_prev=3) + [("collab.frame.flags.kept", 1)])
    c.add("relayed session msg", link_hdr(MSG, LF_FIRST | LF_LAST, seq=3) +
          msg(p, msgid=7, dst_kind=ADDR_SESSION, hops=2, src_node=FAR,
              dst_node=ZERO, session=SESS),
          frame_expect(p, msgid=7, dst_kind=ADDR_SESSION, hops=2,
                       src_node=FAR, dst_node=ZERO, session=SESS))
    big = bytes(range(256)) * 4
    whole = msg(big, msgid=60)
    c.add("first fragment", link_hdr(MSG, LF_FIRST, seq=4) + whole[:500],
          [("collab.frag.kind", "first"), ("collab.frame.msgid", 60),
           ("collab.frame.len", len(big)),
           ("collab.frame.payload", whole[168:500].hex())])
    c.add("middle fragment", link_hdr(MSG, 0, seq=5) + whole[500:900],
          [("collab.frag.kind", "middle"),
           ("collab.frag.data", whole[500:900].hex()),
           ("collab.frame.msgid", ("-", ""))])
    c.add("last fragment", link_hdr(MSG, LF_LAST, seq=6) + whole[900:],
          [("collab.frag.kind", "last"),
           ("collab.frag.data", whole[900:].hex()),
           ("collab.reasm.frags", 3), ("collab.reasm.len", len(whole)),
           ("collab.frame.msgid", 60), ("collab.frame.payload", big.hex())])
    b = (entry(0, msg(b"one", msgid=7)) +
         entry(BE_SAME, struct.pack("!Q", 11) + b"two") +
         entry(BE_SAME | BE_NEXT, b"three") +
         entry(BE_SAME | BE_NEXT, b""))
    c.add("bundle", link_hdr(MSG, LF_FIRST | LF_LAST | LF_BUNDLE, seq=7) + b,
          [("collab.link.flags.bundle", 1), ("collab.bundle.count", 4),
           ("collab.bundle.code", "0x0000|0x0002|0x0003|0x0003"),
           ("collab.bundle.len", "%d|11|5|0" % (168 + 3)),
           ("collab.bundle.msgid", "7|11|12|13"),
           ("collab.frame.msgid", 7),
           ("collab.bundle.payload",
            "|".join(x.hex() for x in (b"one", b"two", b"three")))])


def good_records(c):
    recs = (route_rec(1) + route_rec(2, INST, app="chat") +
            route_rec(4, INST, SESS) + route_rec(5, INST, SESS) +
            route_rec(3, INST) + route_rec(6))
    c.add("route table", link_hdr(ROUTE, seq=8) + recs,
          hdr_expect(ROUTE, seq=8) +
          [("collab.records", 6), ("collab.route.op", "1|2|4|5|3|6"),
           ("collab.route.app", "|chat||||"),
           ("collab.route.id", "|".join(guid(g) for g in
                                        (ZERO, INST, INST, INST, INST,
                                         ZERO))),
           ("collab.route.session", "|".join(guid(g) for g in
                                             (ZERO, ZERO, SESS, SESS, ZERO,
                                              ZERO)))])
    recs = (reach_rec(1, 0x3, 2, 1000, name="gamma") +
            reach_rec(1, 0, METRIC_INF, 1001) +
            reach_rec(2, 0, 5, 77) + reach_rec(3, node=PEER))
    c.add("reach", link_hdr(REACH, seq=9) + recs,
          [("collab.records", 4), ("collab.reach.op", "1|1|2|3"),
           ("collab.reach.flags", "0x03|0x00|0x00|0x00"),
           ("collab.reach.flags.parent", "1|0|0|0"),
           ("collab.reach.flags.kids", "1|0|0|0"),
           ("collab.reach.metric", "2|65535|5|0"),
           ("collab.reach.seqno", "1000|1001|77|0"),
           ("collab.reach.node", "|".join([guid(FAR)] * 3 + [guid(PEER)])),
           ("collab.reach.name", "gamma|||")])
    recs = (distant_rec(1) + distant_rec(2, rid=INST, app="chat") +
            distant_rec(2, rid=INST2, app="files") + distant_rec(4, rid=SESS) +
            distant_rec(3))
    c.add("distant", link_hdr(DISTANT, seq=10) + recs,
          [("collab.records", 5), ("collab.distant.op", "1|2|2|4|3"),
           ("collab.distant.origin", "|".join([guid(FAR)] * 5)),
           ("collab.distant.id", "|".join(guid(g) for g in
                                          (ZERO, INST, INST2, SESS, ZERO))),
           ("collab.distant.app", "|chat|files||")])
    c.add("receipt", link_hdr(RECEIPT, seq=11) + receipt(status=2),
          hdr_expect(RECEIPT, seq=11) +
          [("collab.receipt.msgid", 9), ("collab.receipt.status", 2),
           ("collab.receipt.src_id", guid(INST)),
           ("collab.receipt.flags", "0x00000000"),
           ("collab.receipt.node", guid(SELF)),
           ("collab.receipt.src_node", guid(PEER))])
    c.add("kept receipt", link_hdr(RECEIPT, seq=12) +
          receipt(msgid=1 << 50, flags=1),
          [("collab.receipt.msgid", 1 << 50), ("collab.receipt.status", 0),
           ("collab.receipt.flags.kept", 1)])


def runs(c):
    """Fragment runs, each on a link of its own, as the receiver takes them."""
    big = bytes(range(256)) * 2
    whole = msg(big, msgid=80)
    first, mid, last = whole[:300], whole[300:500], whole[500:]

    def on(epoch, ltype, flags, seq, body):
        return link_hdr(ltype, flags, src_epoch=epoch, seq=seq) + body

    c.add("run out of order: whole", on(601, MSG, LF_FIRST | LF_LAST, 1,
                                         msg()))
    c.add("run out of order: middle", on(601, MSG, 0, 3, mid))
    c.add("run out of order: route", on(601, ROUTE, 0, 5, route_rec(1)))
    c.add("run out of order: last", on(601, MSG, LF_LAST, 4, last))
    c.add("run out of order: first", on(601, MSG, LF_FIRST, 2, first))
    n = len(c.packets)
    c.checks.append((n - 1, "run out of order: last", "collab.reasm.frags",
                     "=", "3"))
    c.checks.append((n - 1, "run out of order: last", "collab.reasm.first",
                     "=", str(n)))
    c.checks.append((n - 1, "run out of order: last", "collab.frame.msgid",
                     "=", "80"))
    c.checks.append((n - 1, "run out of order: last", "collab.frame.payload",
                     "=", big.hex()))

    c.add("run copy: first", on(602, MSG, LF_FIRST, 1, first))
    c.add("run copy: first again", on(602, MSG, LF_FIRST, 1, first),
          [("collab.reasm.note", "a copy of a packet taken before")])
    c.add("run copy: last", on(602, MSG, LF_LAST, 2, whole[300:]),
          [("collab.reasm.frags", 2), ("collab.reasm.len", len(whole))])

    c.add("run twice first: first", on(603, MSG, LF_FIRST, 1, first))
    n = len(c.packets)
    c.add("run twice first: first again", on(603, MSG, LF_FIRST, 2, first),
          [("collab.reasm.note", "drops the message begun in frame %d" % n)],
          bad="first fragment while another message is under way")

    c.add("run no first: whole", on(604, MSG, LF_FIRST | LF_LAST, 1, msg()))
    c.add("run no first: last", on(604, MSG, LF_LAST, 2, last),
          bad="follow-on fragment without a first")

    c.add("run before capture: middle", on(605, MSG, 0, 5, mid),
          [("collab.reasm.note", ("~", "not captured"))])
    c.add("run before capture: last", on(605, MSG, LF_LAST, 6, last),
          [("collab.reasm.note", ("~", "not captured")),
           ("collab.reasm.frags", ("-", ""))])

    short = frame(2000, msgid=81) + bytes(132)
    c.add("run short: first", on(606, MSG, LF_FIRST, 1, short))
    c.add("run short: last", on(606, MSG, LF_LAST, 2, bytes(100)),
          [("collab.reasm.frags", 2), ("collab.reasm.len", 400)],
          bad="frame says 2000 payload bytes, message has 232")


def bad_link(c):
    c.add("truncated link header", link_hdr(PROBE)[:40], bad="shorter")
    c.add("one byte", b"\x01", bad="shorter")
    c.add("bad version", link_hdr(PROBE, version=2), bad="version",
          expect=[("collab.link.version", 2)])
    c.add("type 0", link_hdr(0), bad="unknown link type")
    c.add("type 12", link_hdr(12), bad="unknown link type")
    c.add("unknown link flags", link_hdr(PROBE, 0x40), bad="link flags")
    c.add("no source node", link_hdr(PROBE, src=ZERO), bad="no source")
    c.add("sealed beacon", link_hdr(BEACON, key_id=1, dst=ZERO) +
          bytes(144), bad="never sealed")
    c.add("sealed init", link_hdr(INIT, key_id=1) + hs_init(),
          bad="never sealed")
    c.add("sealed without tag", link_hdr(MSG, key_id=1) + bytes(10),
          bad="without a tag")
    c.add("sealed hello without body", link_hdr(HELLO, key_id=2) +
          bytes(100), bad="sealed hello shorter")
    c.add("short hello", link_hdr(HELLO) + hello()[:100],
          bad="shorter than 128")
    c.add("short beacon", link_hdr(BEACON, dst=ZERO), bad="shorter than 128")
    c.add("beacon to a node", link_hdr(BEACON) + hello(),
          warn="beacon with a destination")
    c.add("probe to nobody", link_hdr(PROBE, dst=ZERO),
          warn="no destination")
    c.add("short init", link_hdr(INIT) + hs_init()[:111], bad="INIT body")
    c.add("long resp", link_hdr(RESP) + hs_resp() + b"x", bad="RESP body",
          expect=[("collab.hs.key_id", 1)])


def bad_msg(c):
    whole = LF_FIRST | LF_LAST
    c.add("msg short frame", link_hdr(MSG, whole) + msg()[:100],
          bad="shorter than its frame header")
    c.add("msg len mismatch", link_hdr(MSG, whole) + frame(9, flen=8) +
          bytes(9), bad="frame says 8 payload bytes, message has 9")
    c.add("msg bad frame version", link_hdr(MSG, whole) +
          msg(version=2), bad="frame version")
    c.add("msg bad frame type", link_hdr(MSG, whole) + msg(ftype=2),
          bad="frame type")
    c.add("msg unknown frame flags", link_hdr(MSG, whole) + msg(flags=4),
          bad="frame flags")
    c.add("msg dst_kind 0", link_hdr(MSG, whole) + msg(dst_kind=0),
          bad="destination kind")
    c.add("msg dst_kind 5", link_hdr(MSG, whole) + msg(dst_kind=5),
          bad="destination kind")
    c.add("msg app without NUL", link_hdr(MSG, whole) + msg(src_app="a" * 32),
          bad="NUL")
    c.add("msg dst_app junk after NUL", link_hdr(MSG, whole) +
          msg(dst_app=b"chat\0" + b"j" * 27), bad="NUL")
    c.add("msg too many hops", link_hdr(MSG, whole) +
          msg(hops=32, src_node=FAR), bad="too many hops")
    c.add("msg kept_prev without kept", link_hdr(MSG, whole) +
          msg(kept_prev=1), bad="kept_prev without KEPT")
    c.add("msg kept to a session", link_hdr(MSG, whole) +
          msg(flags=FF_KEPT, dst_kind=ADDR_SESSION), bad="not for one node")
    c.add("msg kept to no node", link_hdr(MSG, whole) +
          msg(flags=FF_KEPT, dst_node=ZERO), bad="not for one node")
    c.add("msg relayed without hops", link_hdr(MSG, whole) +
          msg(src_node=FAR), bad="relayed")
    c.add("msg from the receiver", link_hdr(MSG, whole) +
          msg(src_node=SELF, hops=1), bad="relayed")
    c.add("first fragment claims less", link_hdr(MSG, LF_FIRST) +
          frame(10) + bytes(20), bad="holds more")
    c.add("empty follow-on fragment", link_hdr(MSG, LF_LAST),
          bad="empty follow-on")


def bad_bundle(c):
    bundle = LF_FIRST | LF_LAST | LF_BUNDLE
    first = entry(0, msg(b"one", msgid=7))
    c.add("bundle empty", link_hdr(MSG, bundle), bad="bundle empty")
    c.add("bundle same first", link_hdr(MSG, bundle) +
          entry(BE_SAME, struct.pack("!Q", 1)), bad="first bundle entry")
    c.add("bundle next first", link_hdr(MSG, bundle) +
          entry(BE_SAME | BE_NEXT, b"x"), bad="first bundle entry")
    c.add("bundle bad code", link_hdr(MSG, bundle) + first +
          entry(BE_NEXT, b"x"), bad="unknown bundle entry kind",
          expect=[("collab.bundle.msgid", 7)])
    c.add("bundle overlong entry", link_hdr(MSG, bundle) + first +
          struct.pack("!H", BE_SAME | 100) + bytes(20),
          bad="longer than the bundle")
    c.add("bundle short header entry", link_hdr(MSG, bundle) +
          entry(0, bytes(100)), bad="shorter than a frame header")
    c.add("bundle short msgid", link_hdr(MSG, bundle) + first +
          entry(BE_SAME, bytes(4)), bad="shorter than a msgid")
    c.add("bundle odd byte", link_hdr(MSG, bundle) + first + b"\x00",
          bad="without its length word")
    c.add("bundle bad frame", link_hdr(MSG, bundle) +
          entry(0, msg(b"one", dst_kind=9)), bad="destination kind")
    c.add("bundle too large", link_hdr(MSG, bundle) + first +
          entry(BE_SAME | BE_NEXT, bytes(14000)), bad="COLLAB_BUNDLE_MAX")


def bad_records(c):
    c.add("route empty", link_hdr(ROUTE), bad="whole number")
    c.add("route partial", link_hdr(ROUTE) + route_rec(1) + b"x",
          bad="whole number", expect=[("collab.route.op", 1)])
    c.add("route bad op", link_hdr(ROUTE) + route_rec(7),
          bad="unknown route op")
    c.add("route add without app", link_hdr(ROUTE) + route_rec(2, INST),
          bad="ADD without")
    c.add("route add without id", link_hdr(ROUTE) +
          route_rec(2, app="chat"), bad="ADD without")
    c.add("route add app unterminated", link_hdr(ROUTE) +
          route_rec(2, INST, app="x" * 32), bad="ADD without")
    c.add("route add app with junk after NUL", link_hdr(ROUTE) +
          route_rec(2, INST, app=b"chat\0" + b"j" * 27), bad="ADD without",
          expect=[("collab.route.app", "chat")])
    c.add("route join without session", link_hdr(ROUTE) +
          route_rec(4, INST), bad="JOIN without")
    c.add("reach bad op", link_hdr(REACH) + reach_rec(4), bad="reach op")
    c.add("reach partial", link_hdr(REACH) + reach_rec(1)[:80],
          bad="whole number")
    c.add("reach no node", link_hdr(REACH) + reach_rec(1, node=ZERO),
          bad="no node")
    c.add("reach unknown flags", link_hdr(REACH) + reach_rec(1, flags=4),
          bad="flags")
    c.add("reach flags on request", link_hdr(REACH) +
          reach_rec(2, flags=1, metric=3), bad="flags")
    c.add("reach metric too far", link_hdr(REACH) + reach_rec(1, metric=33),
          bad="metric out of range")
    c.add("reach request hops 0", link_hdr(REACH) + reach_rec(2),
          bad="request hops")
    c.add("reach dump with seqno", link_hdr(REACH) + reach_rec(3, seqno=1),
          bad="DUMP with")
    c.add("reach name unterminated", link_hdr(REACH) +
          reach_rec(1, name="n" * 64), bad="name without")
    c.add("distant empty", link_hdr(DISTANT), bad="whole number")
    c.add("distant bad op", link_hdr(DISTANT) + distant_rec(9),
          bad="distant op")
    c.add("distant no origin", link_hdr(DISTANT) + distant_rec(1, ZERO),
          bad="no origin")
    c.add("distant reset with id", link_hdr(DISTANT) +
          distant_rec(1, rid=INST), bad="RESET or END with")
    c.add("distant add without id", link_hdr(DISTANT) +
          distant_rec(2, app="chat"), bad="ADD without")
    c.add("distant add app unterminated", link_hdr(DISTANT) +
          distant_rec(2, rid=INST, app="y" * 32), bad="ADD without")
    c.add("distant join without session", link_hdr(DISTANT) +
          distant_rec(4), bad="JOIN without")
    c.add("distant join with app", link_hdr(DISTANT) +
          distant_rec(4, rid=SESS, app="chat"), bad="JOIN without")
    c.add("receipt short", link_hdr(RECEIPT) + receipt()[:63],
          bad="receipt of 63 bytes")
    c.add("receipt long", link_hdr(RECEIPT) + receipt() + b"z",
          bad="receipt of 65 bytes", expect=[("collab.receipt.msgid", 9)])
    c.add("receipt bad status", link_hdr(RECEIPT) + receipt(status=5000),
          bad="not an errno", expect=[("collab.receipt.status", 5000)])
    c.add("receipt unknown flags", link_hdr(RECEIPT) + receipt(flags=2),
          bad="receipt flags")
    c.add("receipt no node", link_hdr(RECEIPT) + receipt(node=ZERO),
          bad="no node")


def other_ports(c):
    c.add("heuristic on port 7000", link_hdr(PROBE, ack=3), port=7000,
          expect=[("collab.link.type", 3), ("collab.link.ack", 3)])
    c.add("decode as on port 7003", link_hdr(PROBE, ack=4, src=ZERO),
          port=7003, bad="no source",
          expect=[("collab.link.ack", 4)])
    c.add("not collab on port 7002", b"GET / HTTP/1.0\r\n" * 5, port=7002,
          expect=[("collab.link.type", ("-", ""))])


# ---- the fuzz corpus of the kernel's parsers ---------------------------------

# What kmod/wire.c makes of each seed of kmod/fuzz/corpus: None, well
# formed; else part of the reason the dissector gives. Seeds of a body
# go after a link header from the fuzz targets' peer to their self.
CORPUS = {
    "link/ack": None, "link/bad-flags": "unknown link flags",
    "link/bad-version": "version",
    "link/beacon": None, "link/hello": None,
    "link/hello-name-unterminated": None,
    "link/hello-short": "shorter than 128",
    "link/init": None, "link/probe": None, "link/resp": None,
    "link/sealed-hello": None, "link/sealed-msg": None,
    # Only the header is the link target's: the body is too short.
    "link/msg": "shorter than its frame header",
    "link/not-ours": "empty follow-on",
    "frame/app": None, "frame/app-any-node": None,
    "frame/app-elsewhere": None, "frame/broadcast": None,
    "frame/confirm": None, "frame/empty": None, "frame/kept": None,
    "frame/kept-broadcast": "not for one node",
    "frame/len-mismatch": "frame says 5 payload bytes, message has 4",
    "frame/session-any-node": None,
    "bundle/bad-code": "unknown bundle entry kind",
    "bundle/empty-entries": None,
    "bundle/overlong": "longer than the bundle",
    "bundle/same-first": "first bundle entry without a frame header",
    "bundle/three-kinds": None,
    "route/add-app-unterminated": "ADD without",
    "route/add-no-app": "ADD without", "route/bad-op": "unknown route op",
    "route/partial": "whole number", "route/sync": None,
    "reach/bad-op": "unknown reach op", "reach/request": None,
    "reach/update-tree-flags": None, "reach/update-two": None,
    "reach/withdraw": None,
    "distant/add-app-unterminated": "ADD without",
    "distant/add-no-id": "ADD without", "distant/bad-op": "distant op",
    "distant/empty-table": None, "distant/reset-no-origin": "no origin",
    "distant/join-session": None, "distant/join-with-app": "JOIN without",
    "distant/short": "whole number", "distant/table": None,
    "receipt/bad-status": "not an errno", "receipt/enoent": None,
    "receipt/kept": None, "receipt/ok": None,
    "receipt/short": "receipt of 24 bytes",
    "receipt/zero-node": "no node",
}

FUZZ_PEER = bytes([0x9e, 0xe4]) + bytes(14)
FUZZ_SELF = bytes([0x5e, 0x1f]) + bytes(14)
CORPUS_LINK = {
    "frame": (MSG, LF_FIRST | LF_LAST),
    "bundle": (MSG, LF_FIRST | LF_LAST | LF_BUNDLE),
    "route": (ROUTE, 0), "reach": (REACH, 0), "distant": (DISTANT, 0),
    "receipt": (RECEIPT, 0),
}


def corpus(c, top):
    """The seeds whose verdict is known; a new one must at least decode."""
    for target in ["link"] + sorted(CORPUS_LINK):
        folder = os.path.join(top, target)
        if not os.path.isdir(folder):
            continue
        for seed in sorted(os.listdir(folder)):
            name = target + "/" + seed
            with open(os.path.join(folder, seed), "rb") as f:
                body = f.read()
            if target != "link":
                ltype, flags = CORPUS_LINK[target]
                body = link_hdr(ltype, flags, src=FUZZ_PEER,
                                dst=FUZZ_SELF) + body
            if name in CORPUS:
                c.add("corpus " + name, body, bad=CORPUS[name])
            else:
                c.add("corpus " + name, body, expect=[
                    ("collab.link.version", ("+", ""))], bad=ANY)


# ---- pcap -------------------------------------------------------------------

def ip_checksum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s >> 16) + (s & 0xffff)
    return ~s & 0xffff


def ether_ipv4_udp(payload, dport, ident):
    udp = struct.pack("!HHHH", dport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xffff,
                     0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + \
        b"\x08\x00" + ip + udp


def write_pcap(path, packets):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i, (payload, port) in enumerate(packets):
            frame_bytes = ether_ipv4_udp(payload, port, i)
            out.write(struct.pack("<IIII", 1700000000 + i, 0,
                                  len(frame_bytes), len(frame_bytes)))
            out.write(frame_bytes)


def fuzz(cases):
    """Every case cut short, and with bytes changed, on collab's port."""
    rnd = random.Random(6118)
    out = []
    for payload, _ in cases.packets:
        if not payload or len(payload) > 2000:
            continue
        step = max(1, len(payload) // 40)
        for n in range(1, len(payload), step):
            out.append((payload[:n], PORT))
        for _ in range(10):
            b = bytearray(payload)
            for _ in range(rnd.randint(1, 8)):
                if b:
                    b[rnd.randrange(len(b))] = rnd.randrange(256)
            out.append((bytes(b), PORT))
    for _ in range(200):
        out.append((bytes(rnd.randrange(256)
                          for _ in range(rnd.randrange(1, 300))), PORT))
    return out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: mkpcap.py OUTDIR [CORPUS]")
    outdir = sys.argv[1]
    c = Cases()
    for build in (good_link, good_sealed, good_msg, good_records, runs):
        build(c)
    # From here on, each packet on a link of its own.
    link_epoch[0] = None
    for build in (bad_link, bad_msg, bad_bundle, bad_records, other_ports):
        build(c)
    if len(sys.argv) == 3:
        corpus(c, sys.argv[2])
    write_pcap(os.path.join(outdir, "cases.pcap"), c.packets)
    with open(os.path.join(outdir, "cases.expect"), "w") as out:
        for check in c.checks:
            out.write("\t".join(str(x) for x in check) + "\n")
    write_pcap(os.path.join(outdir, "fuzz.pcap"), fuzz(c))


if __name__ == "__main__":
    main()
