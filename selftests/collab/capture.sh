#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Wireshark dissector on a real exchange. Two namespaces a and b on a
# veth pair, as in hosts.sh; dumpcap records what crosses va while a
# sends b a stream with receipts, and tshark reads it back with
# tools/wireshark/collab.lua: every message a sent is there, field by
# field, with the ids, types and bytes the test sent, and so are the
# HELLOs, b's route record for its instance and b's receipts; nothing
# is marked malformed. Then with keys: the handshake is there, and the
# link's packets are shown sealed, their frames unreadable. Skipped
# without tshark.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/hosts_lib.sh"

top=$(cd "$here/../../.." && pwd)
lua=$top/tools/wireshark/collab.lua
tag=4660

# capture_start: dumpcap on va in a, into $tmp/cap.pcapng, running.
capture_start()
{
	rm -f "$tmp/cap.pcapng"
	ip netns exec "$(ns_name a)" dumpcap -q -i va -f "udp port 6118" \
		-w "$tmp/cap.pcapng" >"$tmp/dumpcap.out" 2>&1 &
	echo $! >"$tmp/dumpcap.pid"
	wait_for test -s "$tmp/cap.pcapng"
	# dumpcap writes the file's header before it captures.
	sleep 1
}

capture_stop()
{
	sleep 1
	kill -INT "$(cat "$tmp/dumpcap.pid")"
	wait "$(cat "$tmp/dumpcap.pid")" || true
}

# dissect ARGS...: tshark on the capture with the dissector; what it
# says on stderr, but its warning for root, in $tmp/tshark.err.
dissect()
{
	tshark -n -r "$tmp/cap.pcapng" -X lua_script:"$lua" "$@" \
		2>>"$tmp/tshark.err"
}

# no_complaint: no packet marked malformed, nothing on stderr.
no_complaint()
{
	dissect -Y collab.malformed >"$tmp/malformed"
	if [ -s "$tmp/malformed" ]; then
		echo "malformed:"
		cat "$tmp/malformed"
		return 1
	fi
	if grep -v "Running as user \"root\"" "$tmp/tshark.err"; then
		return 1
	fi
}

# fields FILTER FIELD...: the fields of each packet that FILTER selects,
# one packet a line, separated by ';', values of a field by ','.
fields()
{
	local filter=$1 args=() f

	shift
	for f in "$@"; do
		args+=(-e "$f")
	done
	dissect -Y "$filter" -T fields -E separator=';' -E occurrence=a \
		-E aggregator=',' "${args[@]}"
}

norm()
{
	tr -d '-' <<<"$1" | tr 'A-F' 'a-f'
}

bearers()
{
	ctl_in a bearer add udp local 10.77.0.1 dev va discovery 239.77.0.1 >/dev/null
	ctl_in b bearer add udp local 10.77.0.2 dev vb discovery 239.77.0.1 >/dev/null
}

# In clear: every message and receipt, as sent.
case_clear()
{
	local a b r

	two_hosts
	ctl_in a node set name alpha
	ctl_in b node set name bravo
	capture_start
	bearers
	receiver b r -a capt -n 20 -p 1
	wait_for remote_knows a 1
	ns_exec a "$msg" send -a talk -k guid -d "$(cat "$tmp/r.id")" -n 20 \
		-z 100-900 -T "$tag" -I 20 -C 0 | grep -qx "receipts 20"
	finish r
	capture_stop
	a=$(norm "$(node_id a)")
	b=$(norm "$(node_id b)")
	r=$(norm "$(cat "$tmp/r.id")")

	# Each message once at least (a packet lost may come again), whole:
	# alone in its datagram, or in a bundle; a packet may hold several
	# datagrams (GSO), each field's values then in their order.
	fields 'collab.frame.src_app == "talk"' collab.frame.msgid \
		collab.frame.src_node collab.frame.dst_node collab.frame.dst_id \
		collab.frame.dst_kind collab.frame.src_app collab.frame.hops \
		collab.frame.len collab.frame.payload collab.link.src_node \
		collab.link.dst_node >"$tmp/frames"
	fields 'collab.bundle.count' collab.bundle.msgid collab.bundle.payload \
		>"$tmp/bundles"
	python3 - "$tmp/frames" "$tmp/bundles" "$a" "$b" "$r" "$tag" <<-'EOF'
		import struct, sys
		frames, bundles, a, b, r, tag = sys.argv[1:7]
		norm = lambda g: g.replace("-", "").lower()
		seen = {}

		def take(msgid, pay):
		    data = bytes.fromhex(pay.replace(":", ""))
		    magic, seq, t = struct.unpack_from("<IIQ", data)
		    assert (magic, t) == (0xc011ab00, int(tag)), (msgid, data[:16])
		    want = bytes((seq * 7 + i) & 0xff for i in range(16, len(data)))
		    assert data[16:] == want, ("payload of", seq)
		    seen.setdefault(seq, set()).add(int(msgid))
		    return len(data)

		for line in open(frames):
		    cols = [c.split(",") for c in line.rstrip("\n").split(";")]
		    if len({len(c) for c in cols}) != 1:
		        continue        # bundled: its entries are read below
		    for msgid, sn, dn, di, kind, app, hops, ln, pay, ls, ld in zip(*cols):
		        assert (norm(sn), norm(di), norm(ls), norm(ld)) == (a, r, a, b), line
		        assert norm(dn) in ("0" * 32, b), line
		        assert (kind, app, hops) == ("1", "talk", "0"), line
		        assert take(msgid, pay) == int(ln), line
		for line in open(bundles):
		    ids, pays = (c.split(",") for c in line.rstrip("\n").split(";"))
		    for msgid, pay in zip(ids, pays):
		        take(msgid, pay)
		assert sorted(seen) == list(range(20)), sorted(seen)
		assert all(len(m) == 1 for m in seen.values()), seen
		ids = [min(seen[s]) for s in range(20)]
		assert ids == sorted(ids) and len(set(ids)) == 20, ids
		open(frames + ".ids", "w").write(" ".join(map(str, ids)))
		EOF

	# b's receipt for each of them, delivered there.
	fields 'collab.receipt.msgid' collab.receipt.msgid \
		collab.receipt.status collab.receipt.node \
		collab.receipt.src_node >"$tmp/receipts"
	python3 - "$tmp/receipts" "$tmp/frames.ids" "$a" "$b" <<-'EOF'
		import sys
		path, ids, a, b = sys.argv[1:5]
		norm = lambda g: g.replace("-", "").lower()
		got = set()
		for line in open(path):
		    cols = [c.split(",") for c in line.rstrip("\n").split(";")]
		    for msgid, status, node, src in zip(*cols):
		        assert (status, norm(node), norm(src)) == ("0", b, a), line
		        got.add(int(msgid))
		assert got == set(map(int, open(ids).read().split())), got
		EOF

	# b's HELLOs name it; its route records hold its instance.
	fields 'collab.hello.name' collab.link.src_node collab.hello.name \
		>"$tmp/hellos"
	grep -q ";alpha$" "$tmp/hellos"
	grep -q ";bravo$" "$tmp/hellos"
	fields 'collab.route.op == 2' collab.route.id collab.route.app \
		collab.link.src_node >"$tmp/routes"
	python3 - "$tmp/routes" "$r" "$b" <<-'EOF'
		import sys
		path, r, b = sys.argv[1:4]
		norm = lambda g: g.replace("-", "").lower()
		adds = set()
		for line in open(path):
		    ids, apps, src = line.rstrip("\n").split(";")
		    if norm(src) == b:
		        adds |= set(zip(map(norm, ids.split(",")), apps.split(",")))
		assert (r, "capt") in adds, adds
		EOF
	no_complaint
}

# keys NS: a key for NS, trusted by the other node.
keyed_pair()
{
	local n

	for n in a b; do
		(umask 077 && "$ctl" genkey >"$tmp/$n.key")
		"$ctl" pubkey <"$tmp/$n.key" >"$tmp/$n.pub"
		ctl_in $n node set key "$tmp/$n.key"
	done
	ctl_in a trust add "$(cat "$tmp/b.pub")"
	ctl_in b trust add "$(cat "$tmp/a.pub")"
}

# With keys: the handshake, then only sealed packets, which show no frame.
case_sealed()
{
	two_hosts
	keyed_pair
	capture_start
	bearers
	receiver b r -a capt -n 5
	wait_for remote_knows a 1
	ns_exec a "$msg" send -a talk -k guid -d "$(cat "$tmp/r.id")" -n 5 \
		-T "$tag"
	finish r
	capture_stop
	# The handshake's two messages, one each way (each may share its
	# packet with a HELLO, in one GSO batch).
	fields 'collab.hs.key_id' collab.link.type | tr ',' '\n' >"$tmp/types"
	grep -qx 8 "$tmp/types"
	grep -qx 9 "$tmp/types"
	# Sealed: ciphertext and tag; no frame, no route record in clear.
	test "$(fields 'collab.link.key_id != 0' collab.sealed.tag | grep -c .)" -ge 5
	test "$(fields 'collab.link.key_id != 0 && !collab.sealed.tag' \
		collab.link.type | grep -c .)" = 0
	test "$(dissect -Y 'collab.frame.msgid || collab.route.op' | wc -l)" = 0
	no_complaint
}

if ! command -v tshark >/dev/null || ! command -v dumpcap >/dev/null; then
	echo "TAP version 13"
	echo "1..0 # SKIP tshark or dumpcap not installed"
	exit "$ksft_skip"
fi
# The module's paths here are those of hosts.sh and keys.sh; tshark is
# slow enough on the normal kernel.
quick_skip="clear sealed"
run_cases case_clear case_sealed
