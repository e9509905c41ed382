#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Secure links: node keys, trust, the cluster key, the plaintext policy,
# and what a keyed link does with packets that are replayed or altered,
# with rekeys under loss, through a router that forwards what it cannot
# read, and beside a fake node without a key. Two namespaces a and b on a
# veth pair, as in hosts.sh; a router r between them, or a fake node h on
# a bridge with them, where a case needs one.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/hosts_lib.sh"

tamper=$here/tamper.py

# keys NS: a key pair for NS, in $tmp/NS.key and $tmp/NS.pub.
keys()
{
	(umask 077 && "$ctl" genkey >"$tmp/$1.key")
	"$ctl" pubkey <"$tmp/$1.key" >"$tmp/$1.pub"
}

# keyed NS: NS has its key (keys made first).
keyed()
{
	ctl_in "$1" node set key "$tmp/$1.key"
}

# bearers: one per side, discovery on, nothing waited for.
bearers()
{
	ctl_in a bearer add udp local 10.77.0.1 dev va discovery 239.77.0.1 >/dev/null
	ctl_in b bearer add udp local 10.77.0.2 dev vb discovery 239.77.0.1 >/dev/null
}

# peer_field NS FIELD: FIELD of NS's only peer, from collabctl -j peer.
peer_field()
{
	ctl_in "$1" -j peer | python3 -c 'import json, sys
p = json.load(sys.stdin)
assert len(p) == 1, p
print(str(p[0].get(sys.argv[1], "")).lower())' "$2"
}

# keyed_trusting: a and b keyed, each trusting the other.
keyed_trusting()
{
	keys a
	keys b
	keyed a
	keyed b
	ctl_in a trust add "$(cat "$tmp/b.pub")" name b
	ctl_in b trust add "$(cat "$tmp/a.pub")" name a
}

# A pair that trusts each other, up and sealed.
trusted_pair()
{
	two_hosts
	keyed_trusting
	bearers
	wait_for peers_up
}

case_keyed_pair()
{
	local reasm batched

	trusted_pair
	test "$(peer_field a encrypted)" = true
	test "$(peer_field b encrypted)" = true
	test "$(peer_field a public_key)" = "$(tr 'A-Z' 'a-z' <"$tmp/b.pub")"
	ctl_in a node | grep -qF "$(cat "$tmp/a.pub")"
	# The private key never comes back.
	! ctl_in a -j node | grep -qF "$(cat "$tmp/a.key")"
	test "$(stat a handshakes)" -ge 1
	# Every address kind; then large messages, to a receiver that had the
	# broadcast too: each sealed packet, its tag included, fits the MTU
	# (no IP fragment), and they go out in batches.
	every_kind big -a bulk -n 21 -p 1
	reasm=$(ip_stat b IpReasmReqds)
	batched=$(stat a tx_batched)
	ns_exec a "$msg" send -a bulk -k guid -d "$(cat "$tmp/big.id")" \
		-n 20 -z 60000
	finish big
	test "$(ip_stat b IpReasmReqds)" = "$reasm"
	test "$(stat a tx_batched)" -gt "$batched"
	test "$(stat b drop_auth)" = 0
	test "$(stat b drop_replay)" = 0
}

# One side does not trust the other's key: no link, and it says why.
case_untrusted()
{
	two_hosts
	keys a
	keys b
	keys c
	keyed a
	keyed b
	ctl_in a trust add "$(cat "$tmp/b.pub")"
	# b trusts a key, not a's.
	ctl_in b trust add "$(cat "$tmp/c.pub")"
	bearers
	wait_for stat_ge b drop_untrusted 1
	sleep 2
	test "$(stat a peers_up)" = 0
	test "$(stat b peers_up)" = 0
	test "$(stat b peers)" = 0
	# b shows the candidate it refused: a's key, id and address.
	ctl_in b trust | grep -A1 "^not trusted" | grep -qF "$(cat "$tmp/a.pub")"
	ctl_in b -j trust | python3 -c 'import json, sys
t = [t for t in json.load(sys.stdin) if not t["trusted"]]
assert len(t) == 1, t
assert t[0]["public_key"] == sys.argv[1] and t[0]["refused"] >= 1, t
assert t[0]["node"].replace("-", "") == sys.argv[2].replace("-", ""), t
assert t[0]["addr"]["ip"] == "10.77.0.1", t' "$(cat "$tmp/a.pub")" "$(node_id a)"
	# Once b trusts it, the link comes up.
	ctl_in b trust add "$(cat "$tmp/a.pub")" name a
	wait_for peers_up
	ctl_in b trust | grep -q ' a'
	# And goes when it forgets it.
	ctl_in b trust del "$(cat "$tmp/a.pub")"
	wait_for stat_is b peers_up 0
}

# A keyed node and one without a key: no link, unless the keyed one
# allows clear text.
case_plaintext()
{
	two_hosts
	keys a
	keyed a
	bearers
	wait_for stat_ge a drop_plaintext 1
	sleep 2
	test "$(stat a peers_up)" = 0
	ctl_in a node set plaintext allow
	wait_for peers_up
	test "$(peer_field a encrypted)" = false
	ctl_in a node | grep -q 'plaintext: allow'
	# In clear, the wire shows what the link carries.
	sniffed va secretapp
	grep -q "with secretapp [1-9]" "$tmp/sniff.out"
}

# sniffed NS:IFACE|IFACE APP: a receiver of type APP on b, and 50 messages
# to it from a, while tamper.py sniffs 40 frames on IFACE (in NS, a by
# default) for the text APP: its line in $tmp/sniff.out.
sniffed()
{
	local where=$1 app=$2 ns=a iface=$1 pid

	case $where in *:*) ns=${where%%:*}; iface=${where#*:} ;; esac
	receiver b "$app" -a "$app" -n 50
	wait_for remote_knows a 1
	ns_exec "$ns" python3 "$tamper" sniff "$iface" 40 "$app" \
		>"$tmp/sniff.out" 2>&1 &
	pid=$!
	sleep 0.5
	ns_exec a "$msg" send -a "$app" -k guid -d "$(cat "$tmp/$app.id")" \
		-n 50 -I 10
	finish "$app"
	wait $pid || { cat "$tmp/sniff.out"; return 1; }
	cat "$tmp/sniff.out"
}

# The cluster key: no trust list needed; a node with another one links
# with nobody.
case_cluster_key()
{
	two_hosts
	keys a
	keys b
	keyed a
	keyed b
	(umask 077 && "$ctl" genpsk >"$tmp/psk" && "$ctl" genpsk >"$tmp/stale")
	ctl_in a node set psk "$tmp/psk"
	ctl_in b node set psk "$tmp/stale"
	bearers
	# The responder (of the two, the higher id) finds the INIT false.
	wait_for auth_failed
	sleep 2
	test "$(stat a peers_up)" = 0
	ctl_in b node set psk "$tmp/psk"
	wait_for peers_up
	test "$(peer_field b encrypted)" = true
	ctl_in b node | grep -q 'cluster key'
}

# tamper MODE: tamper.py MODE on a's packets to b, 20 of them, while a
# sends 100 messages to receiver r, one packet each.
tamper()
{
	local pid

	ns_exec a python3 "$tamper" "$1" va 20 >"$tmp/$1.out" 2>&1 &
	pid=$!
	sleep 0.5
	ns_exec a "$msg" send -a chat -k guid -d "$(cat "$tmp/r.id")" \
		-n 100 -I 10
	wait $pid || { cat "$tmp/$1.out"; return 1; }
	sed "s/^/$1: /" "$tmp/$1.out"
}

# Packets of a keyed link replayed and altered on the wire: each dropped
# and counted before anything reads it; every message arrives once.
case_tamper()
{
	trusted_pair
	receiver b r -a chat -n 200 -p 1
	wait_for remote_knows a 1
	# Replayed: a's packets sent again by a third party.
	tamper replay
	wait_for stat_ge b drop_replay 20
	# Altered: a bit flipped in the header or the sealed part. Those
	# with a nonce not seen yet fail authentication; the others are
	# replays too.
	tamper flip
	finish r
	wait_for stat_ge b drop_auth 10
	test "$(stat_sum b drop_auth drop_replay)" = 40
	test "$(stat b drop_duplicate)" = 0
}

# Three keyed nodes with a cluster key: c's packets to b, made to look
# like a's (its address and node id), do not open under a's keys.
case_other_keys()
{
	local n ip=1 pid

	bridged_hosts a b c
	(umask 077 && "$ctl" genpsk >"$tmp/psk")
	for n in a b c; do
		keys $n
		keyed $n
		ctl_in $n node set psk "$tmp/psk"
		ctl_in $n bearer add udp local 10.77.0.$ip dev v$n \
			discovery 239.77.0.1 >/dev/null
		ip=$((ip + 1))
	done
	wait_for stat_is b peers_up 2
	wait_for stat_is c peers_up 2
	receiver b r -a chat -n 100 -p 1
	wait_for remote_knows c 1
	ns_exec c python3 "$tamper" other vc 20 10.77.0.1 "$(node_id a)" \
		10.77.0.2 >"$tmp/other.out" 2>&1 &
	pid=$!
	sleep 0.5
	ns_exec c "$msg" send -a chat -k guid -d "$(cat "$tmp/r.id")" \
		-n 100 -I 10
	wait $pid || { cat "$tmp/other.out"; return 1; }
	cat "$tmp/other.out"
	finish r
	# A nonce a's keys have seen is a replay before it is opened; the
	# others fail authentication.
	wait_for stat_sum_ge b 20 drop_auth drop_replay
	echo "b: drop_auth $(stat b drop_auth), drop_replay $(stat b drop_replay)"
	stat_is b peers_up 2
}

# A keyed pair that rekeys every 64 packets, under 20 % loss, reordering
# and duplication: 1,000 messages arrive once and in order across the
# handshakes.
case_rekey_under_loss()
{
	local h0

	trusted_pair
	for ns in a b; do
		ctl_in $ns node set rekey 64
		ns_exec $ns tc qdisc add dev v$ns root netem loss 20% \
			delay 2ms 1ms reorder 25% duplicate 5%
	done
	receiver b r -a chat -n 1000 -w 120 -l 500
	wait_for remote_knows a 1
	h0=$(stat a handshakes)
	ns_exec a "$msg" send -a chat -k guid -d "$(cat "$tmp/r.id")" \
		-n 1000 -z 200 -I 2
	finish r
	echo "handshakes: $h0 before, $(stat a handshakes) after"
	test "$(stat a handshakes)" -ge $((h0 + 2))
	test "$(stat a retransmits)" -gt 0
}

# A router between two keyed nodes: it sees nothing of what they say and
# what it sends them in their name is dropped.
#
#   a 10.77.1.1 (va) -- (ra) 10.77.1.2 r 10.77.2.2 (rb) -- (vb) 10.77.2.1 b
case_router()
{
	local pid

	ns_add a r b
	ip link add va netns "$(ns_name a)" type veth peer ra netns "$(ns_name r)"
	ip link add vb netns "$(ns_name b)" type veth peer rb netns "$(ns_name r)"
	ns_exec r sysctl -qw net.ipv4.ip_forward=1
	ip -n "$(ns_name a)" -batch - <<-EOF
		addr add 10.77.1.1/24 dev va
		link set va up
		route add default via 10.77.1.2
	EOF
	ip -n "$(ns_name b)" -batch - <<-EOF
		addr add 10.77.2.1/24 dev vb
		link set vb up
		route add default via 10.77.2.2
	EOF
	ip -n "$(ns_name r)" -batch - <<-EOF
		addr add 10.77.1.2/24 dev ra
		addr add 10.77.2.2/24 dev rb
		link set ra up
		link set rb up
	EOF
	keys a
	keys b
	keyed a
	keyed b
	ctl_in b trust add "$(cat "$tmp/a.pub")"
	ctl_in a bearer add udp local 10.77.1.1 >/dev/null
	ctl_in b bearer add udp local 10.77.2.1 >/dev/null
	ctl_in a peer add 10.77.2.1 key "$(cat "$tmp/b.pub")"
	wait_for peers_up
	receiver b r -a chat -n 100 -p 1
	# What r forwards from a to b shows nothing of it.
	sniffed r:rb secretapp
	grep -q "with secretapp 0" "$tmp/sniff.out"
	# What r sends again in a's name is dropped.
	ns_exec r python3 "$tamper" replay rb 20 >"$tmp/replay.out" 2>&1 &
	pid=$!
	sleep 0.5
	ns_exec a "$msg" send -a chat -k guid -d "$(cat "$tmp/r.id")" \
		-n 100 -I 10
	wait $pid
	finish r
	wait_for stat_ge b drop_replay 20
}

# A fake node (hostile_peer, see hosts.sh) with no key, beside a keyed
# pair: it never links, and nothing it sends gets past the first check.
case_hostile_peer()
{
	local rc=0

	bridged_hosts a b h
	keyed_trusting
	ctl_in a bearer add udp local 10.77.0.1 dev va discovery 239.77.0.1 \
		>/dev/null
	ctl_in b bearer add udp local 10.77.0.2 dev vb discovery 239.77.0.1 \
		>/dev/null
	wait_for peers_up
	ip netns exec "$(ns_name h)" "$here/hostile_peer" -c 10.77.0.1 -t 2 \
		-w 5 -g 10 >"$tmp/hostile.out" 2>&1 || rc=$?
	cat "$tmp/hostile.out"
	test $rc = 1
	grep -q "^no link with" "$tmp/hostile.out"
	test "$(stat a drop_plaintext)" -ge 1
	test "$(stat a peers)" = 1
	test "$(stat a peers_up)" = 1
	test "$(stat a rx_remote)" = 0
}

# auth_failed: a handshake or packet failed authentication on a or b.
auth_failed()
{
	test $(($(stat a drop_auth) + $(stat b drop_auth))) -ge 1
}

# stat_ge NS NAME N: the counter is N or more now (for wait_for).
stat_ge()
{
	test "$(stat "$1" "$2")" -ge "$3"
}

# ctl_fails NS TEXT ARGS...: "collabctl ARGS" in NS fails (status 1) and
# says TEXT.
ctl_fails()
{
	local ns=$1 text=$2 rc=0

	shift 2
	ctl_in "$ns" "$@" 2>"$tmp/err" || rc=$?
	test "$rc" = 1 && grep -qF "$text" "$tmp/err" && return 0
	echo "collabctl $*: status $rc" >&2
	cat "$tmp/err" >&2
	return 1
}

# A node with a key has the id its key gives: it takes no other, nor a
# new key while a bearer is up; a node that announces a key with another
# id is refused, and counted, before its key is looked at.
case_key_id()
{
	local a_id b_id

	two_hosts
	keys a
	keys b
	keyed a
	a_id=$("$ctl" nodeid <"$tmp/a.pub")
	b_id=$("$ctl" nodeid <"$tmp/b.pub")
	test "$(node_id a | tr -d -)" = "$(tr -d - <<<"$a_id")"
	ctl_fails a "has the id its key gives" node set id "$b_id"
	bearers
	ctl_fails a "delete the bearers first" node set key "$tmp/b.key"
	# The same key again: the id stays.
	ctl_in a node set key "$tmp/a.key"
	test "$(node_id a | tr -d -)" = "$(tr -d - <<<"$a_id")"
	# b's key, trusted, announced with another id: refused.
	ctl_in a trust add "$(cat "$tmp/b.pub")"
	ns_exec b python3 "$tamper" hello 10.77.0.1 \
		5eed0000000000000000000000000001 "$a_id" "$(cat "$tmp/b.pub")"
	wait_for stat_ge a drop_forged_id 1
	test "$(stat a peers)" = 0
	# With the id it gives, the same HELLO makes a peer.
	ns_exec b python3 "$tamper" hello 10.77.0.1 "$b_id" "$a_id" \
		"$(cat "$tmp/b.pub")"
	wait_for stat_is a peers 1
	test "$(stat a drop_forged_id)" = 1
	# Without its key, a node may take any id again.
	ctl_in a bearer del "$(ctl_in a -j bearer | python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["id"])')"
	ctl_in a node set key none id 00112233445566778899aabbccddeeff
	test "$(node_id a | tr -d -)" = 00112233445566778899aabbccddeeff
}

# A link in clear, and a router in front of a sealed one: the kernel paths
# of the other cases.
quick_skip="plaintext router"
run_cases case_keyed_pair case_untrusted case_key_id case_plaintext \
	case_cluster_key \
	case_tamper case_other_keys case_rekey_under_loss case_router \
	case_hostile_peer
