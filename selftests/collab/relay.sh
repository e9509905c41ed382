#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nodes that share no network: each namespace is a node, each veth pair a
# network of two, with a bearer at each end that discovers on the default
# group. A line a - b - c, where a reaches c only through b, and a ring of
# five, where a relay that goes leaves the way round the other side.
#
#   a ---- b ---- c          a ---- b ---- c
#   10.80.1.0  10.80.2.0     |             |
#                            e ---------- d
#
# Each node learns from its peers which nodes they reach, at what cost;
# 'collabctl route' shows what it selected.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/hosts_lib.sh"

nr_wires=0

# wire X Y: a veth pair between nodes X (vXY) and Y (vYX), a network of
# its own, with a bearer at each end on the default discovery group.
wire()
{
	local x=$1 y=$2 k

	nr_wires=$((nr_wires + 1))
	k=$nr_wires
	ip link add "v$x$y" netns "$(ns_name "$x")" type veth \
		peer "v$y$x" netns "$(ns_name "$y")"
	ip -n "$(ns_name "$x")" -batch - <<-EOF
		addr add 10.80.$k.1/24 dev v$x$y
		link set v$x$y up
	EOF
	ip -n "$(ns_name "$y")" -batch - <<-EOF
		addr add 10.80.$k.2/24 dev v$y$x
		link set v$y$x up
	EOF
	ctl_in "$x" bearer add udp local "10.80.$k.1" dev "v$x$y" >/dev/null
	ctl_in "$y" bearer add udp local "10.80.$k.2" dev "v$y$x" >/dev/null
}

# cut X Y, mend X Y: the network between X and Y goes down, and up.
cut()
{
	ip -n "$(ns_name "$1")" link set "v$1$2" down
}

mend()
{
	ip -n "$(ns_name "$1")" link set "v$1$2" up
}

# nodes NAME...: a namespace per name, the node named after it.
nodes()
{
	local n

	ns_add "$@"
	for n in "$@"; do
		ctl_in "$n" node set name "$n"
	done
}

# line_of_three: a - b - c, each reaching the two others.
line_of_three()
{
	nodes a b c
	wire a b
	wire b c
	wait_for reachable 2 a c
}

# ring_of_five: a - b - c - d - e - a, each reaching the four others.
ring_of_five()
{
	nodes a b c d e
	wire a b
	wire b c
	wire c d
	wire d e
	wire e a
	wait_for reachable 4 a b c d e
}

# routes NS: NS's routes as JSON, in $tmp/routes-NS.json.
routes()
{
	ctl_in "$1" -j route >"$tmp/routes-$1.json"
}

# route_is NS NODE VIA COST: NS reaches node NODE (by name) through peer
# VIA (by name; "-" for unreachable) at COST links.
route_is()
{
	routes "$1"
	python3 - "$tmp/routes-$1.json" "$2" "$3" "$4" \
		"$(node_id "$3" 2>/dev/null || echo -)" <<-'EOF'
		import json, sys
		r = {x["name"]: x for x in json.load(open(sys.argv[1]))}
		node, via, cost, via_id = sys.argv[2:6]
		x = r[node]
		if via == "-":
		    assert "via" not in x and x["cost"] == "unreachable", x
		else:
		    norm = lambda g: g.replace("-", "")
		    assert norm(x["via"]) == norm(via_id), (x, via_id)
		    assert str(x["cost"]) == cost, x
		EOF
}

# reachable NS N...: each NS reaches N nodes.
reachable()
{
	local n=$1 ns

	shift
	for ns in "$@"; do
		stat_is "$ns" nodes_reachable "$n" || return 1
	done
}

# settled NS...: no route of theirs changed in the last 2.5 s, so that no
# node still passes messages to a child that chose another parent.
settled()
{
	local ns

	for ns in "$@"; do
		routes "$ns"
		python3 - "$tmp/routes-$ns.json" <<-'EOF' || return 1
			import json, sys
			assert all(x["age_ms"] > 2500
			           for x in json.load(open(sys.argv[1])))
			EOF
	done
}

# loop_free NS...: in the routes of every NS, the next hops from any node
# to any other reach it, at the cost each shows, with no cycle.
loop_free()
{
	local ns ids=()

	for ns in "$@"; do
		routes "$ns"
		ids+=("$ns=$(node_id "$ns")")
	done
	python3 - "$tmp" "${ids[@]}" <<-'EOF'
		import json, sys
		norm = lambda g: g.replace("-", "")
		tmp, pairs = sys.argv[1], sys.argv[2:]
		name = {norm(p.split("=")[1]): p.split("=")[0] for p in pairs}
		table = {}
		for ns in name.values():
		    table[ns] = {x["name"]: x for x in
		                 json.load(open(f"{tmp}/routes-{ns}.json"))}
		for src in table:
		    for dst in table:
		        if src == dst:
		            continue
		        at, seen = src, [src]
		        cost = table[src][dst]["cost"]
		        while at != dst:
		            x = table[at][dst]
		            assert "via" in x, (src, dst, at, x)
		            at = name[norm(x["via"])]
		            assert at not in seen, ("loop", src, dst, seen + [at])
		            seen.append(at)
		        assert cost == len(seen) - 1, (src, dst, cost, seen)
		EOF
}

case_line()
{
	line_of_three
	wait_for reachable 2 b
	# a and c have no link: each knows the other through b.
	test "$(stat a peers_up)" = 1
	test "$(stat c peers_up)" = 1
	route_is a c b 2
	route_is a b b 1
	route_is c a b 2
	loop_free a b c
}

# lossy X Y: 20 % of the packets on the network between X and Y are lost,
# either way.
lossy()
{
	ns_exec "$1" tc qdisc add dev "v$1$2" root netem loss 20%
	ns_exec "$2" tc qdisc add dev "v$2$1" root netem loss 20%
}

# receipts N ARGS...: "collab_msg send ARGS" in a gets N receipts; if
# not, what it printed and the counters of a, b and c that are not 0.
receipts()
{
	local want=$1 n

	shift
	ns_exec a "$msg" send "$@" >"$tmp/send.out" 2>&1 &&
		grep -qx "receipts $want" "$tmp/send.out" && return 0
	cat "$tmp/send.out"
	for n in a b c; do
		echo "$n: $(ns_exec "$n" awk '$2 != 0' /proc/net/collab |
			tr '\n' ' ')"
	done
	return 1
}

# a reaches c's instances through b, by application type and by GUID,
# every message once and in order, with a fifth of the packets lost on
# each hop; each crossed two links, and c's receipts came back through b.
# n messages each way by instance, half as many by session and broadcast.
case_line_messages()
{
	local c n=120 h

	# On the debug kernel, fewer: each takes seconds of retransmissions.
	[ "${COLLAB_QUICK:-0}" = 1 ] && n=40
	h=$((n / 2))
	line_of_three
	c=$(node_id c)
	# The four sends take up to a minute each, waiting for receipts.
	receiver c byapp -a chat -c -n "$n" -p 2 -l 500 -w 900
	receiver c byid -a board -n "$n" -p 2 -l 500 -w 900
	receiver c insession -a paint -s "$s1" -n "$h" -p 2 -l 500 -w 900
	receiver c bytype -a note -n "$h" -p 2 -l 500 -w 900
	wait_for remote_knows b 4
	lossy a b
	lossy b c
	receipts "$n" -a talk -k app -A chat -N "$c" -n "$n" -z 16-3000 -C 0 \
		-w 240
	receipts "$n" -a talk -k guid -d "$(cat "$tmp/byid.id")" -N "$c" \
		-n "$n" -z 16-3000 -C 0 -w 240
	# b has no member: the session and the broadcast pass through it.
	receipts "$h" -a talk -k session -d "$s1" -n "$h" -z 16-3000 -C 0 \
		-w 240
	receipts "$h" -a talk -k broadcast -A note -n "$h" -z 16-3000 -C 0 \
		-w 240
	finish byapp
	finish byid
	finish insession
	finish bytype
	grep -q "received $n from 1 senders" "$tmp/byapp.out"
	grep -q "received $n from 1 senders" "$tmp/byid.out"
	grep -q "received $h from 1 senders" "$tmp/insession.out"
	grep -q "received $h from 1 senders" "$tmp/bytype.out"
	test "$(stat b relayed)" -ge $((3 * n))
	test "$(stat b rx_remote)" = 0
	test "$(stat b drop_no_route)" = 0
	test "$(stat b retransmits)" -gt 0
	wait_for stat_is a stored 0
	wait_for stat_is b stored 0
	# What a sent again for want of an answer, c had, and took once.
	wait_for stat_is a kept 0
	test "$(stat c drop_kept_duplicate)" = "$(stat a kept_resent)"
}

# b goes down for 10 s while a sends to c: what a sent meanwhile waits for
# b, and arrives once b is back, in order.
case_relay_down_10s()
{
	local c

	line_of_three
	c=$(node_id c)
	receiver c r -a chat -c -n 200 -p 2 -l 500 -w 60
	ns_exec a "$msg" send -a talk -k app -A chat -N "$c" -n 100
	wait_for stat_is c rx_remote 100
	cut b a
	cut b c
	ns_exec a "$msg" send -a talk -k app -A chat -N "$c" -n 100
	nap 10
	test "$(stat c rx_remote)" = 100
	mend b a
	mend b c
	finish r
	grep -q "received 200 from 2 senders" "$tmp/r.out"
}

# A session with a member on each node of a ring: each message crosses
# each link of a's tree once (a-b-c and a-e-d) and reaches each member
# once, in order; a broadcast likewise.
case_ring_session()
{
	local n

	ring_of_five
	wait_for settled a b c d e 2>/dev/null
	for n in b c d e; do
		receiver "$n" "s$n" -a chat -s "$s1" -n 300 -l 500 -w 600
	done
	# Each parent knows the members of its children.
	wait_for remote_knows a 2
	wait_for remote_knows b 1
	wait_for remote_knows e 1
	ns_exec a "$msg" send -a talk -k session -d "$s1" -n 300 -z 16-3000
	for n in b c d e; do
		finish "s$n"
		grep -q "received 300 from 1 senders" "$tmp/s$n.out"
	done
	test "$(stat b relayed)" = 300
	test "$(stat e relayed)" = 300
	test "$(stat_sum_all relayed)" = 600
	test "$(stat_sum_all drop_tree_duplicate)" = 0
	test "$(stat_sum_all drop_no_route)" = 0
	for n in b c d e; do
		receiver "$n" "b$n" -a note -n 100 -l 500 -w 600
	done
	wait_for stat_is a remote_instances 2
	wait_for stat_is b remote_instances 1
	wait_for stat_is e remote_instances 1
	ns_exec a "$msg" send -a talk -k broadcast -n 100
	for n in b c d e; do
		finish "b$n"
		grep -q "received 100 from 1 senders" "$tmp/b$n.out"
	done
	test "$(stat_sum_all relayed)" = 800
}

# The tree changes under a stream: c's link to b goes down for a while
# and comes back. Meanwhile c takes the stream from d; then what b kept
# for c comes, and what c had from d already is dropped: each member
# gets each message once (in whatever order, for c).
case_ring_session_flap()
{
	local n sender

	ring_of_five
	wait_for settled a b c d e 2>/dev/null
	for n in b c d e; do
		receiver "$n" "s$n" -a chat -s "$s1" -n 400 -o -l 500 -w 600
	done
	wait_for stat_is a remote_instances 2
	wait_for stat_is b remote_instances 1
	wait_for stat_is e remote_instances 1
	ns_exec a "$msg" send -a talk -k session -d "$s1" -n 400 -I 20 \
		>/dev/null &
	sender=$!
	nap 2
	cut b c
	wait_for route_is c a d 3 2>/dev/null
	nap 1
	mend b c
	wait "$sender"
	for n in b c d e; do
		finish "s$n"
		grep -q "received 400 from 1 senders" "$tmp/s$n.out"
	done
	test "$(stat c drop_tree_duplicate)" -gt 0
	test "$(stat_sum_all drop_hop_limit)" = 0
}

case_relay_off()
{
	line_of_three
	ctl_in b node set relay off
	ctl_in b node | grep -qw "relay off"
	# b offers only itself: a and c lose each other, and keep b.
	wait_for reachable 1 a c
	route_is a c - unreachable
	route_is a b b 1
	test "$(stat b nodes_reachable)" = 2
	# What a stores for b, its last way to c, b refuses and counts.
	ns_exec a "$msg" send -a talk -k app -A chat -N "$(node_id c)" -n 10 \
		-C EHOSTUNREACH | grep -qx "receipts 10"
	test "$(stat b drop_no_relay)" = 10
	test "$(stat b relayed)" = 0
	test "$(stat c rx_remote)" = 0
	ctl_in b node set relay on
	wait_for reachable 2 a c
	route_is a c b 2
}

case_ring()
{
	local t0 ms

	ring_of_five
	route_is a c b 2
	route_is a d e 2
	loop_free a b c d e
	# b goes: a reaches c the other way round, once its link is down.
	t0=${EPOCHREALTIME/[.,]/}
	cut b a
	cut b c
	wait_for route_is a c e 3 2>/dev/null
	# When the route changed: its age, taken from the time since the cut.
	ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
	ms=$((ms - $(python3 -c 'import json, sys
print([x["age_ms"] for x in json.load(open(sys.argv[1]))
       if x["name"] == "c"][0])' "$tmp/routes-a.json")))
	echo "a routed around b $ms ms after the cut (tolerance 1500 ms)"
	wait_for reachable 3 a c d e
	loop_free a c d e
	mend b a
	mend b c
	wait_for reachable 4 a b c d e
	wait_for route_is a c b 2
	loop_free a b c d e
}

# route_count NS NODE KEY N: the route NS has to node NODE (by name)
# says N in KEY (instances, sessions).
route_count()
{
	routes "$1"
	python3 - "$tmp/routes-$1.json" "$2" "$3" "$4" <<-'EOF'
		import json, sys
		r = {x["name"]: x for x in json.load(open(sys.argv[1]))}
		x = r[sys.argv[2]]
		assert x[sys.argv[3]] == int(sys.argv[4]), x
		EOF
}

# instances_of NS NODE N: NS knows N instances of node NODE.
instances_of()
{
	route_count "$1" "$2" instances "$3"
}

# sessions_of NS NODE N: NS knows that NODE's instances joined N sessions.
sessions_of()
{
	route_count "$1" "$2" sessions "$3"
}

# The sessions of nodes beyond the peers are known as their instances
# are: each once per node, however many of its instances joined it, and
# forgotten when the last of them leaves.
case_distant_sessions()
{
	line_of_three
	receiver c both -a chat -s "$s1" -s "$s2" -n 1 -w 120
	receiver c one -a chat -s "$s1" -n 1 -w 120
	wait_for sessions_of a c 2
	instances_of a c 2
	sessions_of b c 2
	test "$(stat a distant_memberships)" = 2
	test "$(stat b distant_memberships)" = 0
	# The member of both takes a message to s2 and goes: s1 stays.
	ns_exec a "$msg" send -a talk -k session -d "$s2"
	finish both
	wait_for sessions_of a c 1
	test "$(stat a distant_memberships)" = 1
	ns_exec a "$msg" send -a talk -k session -d "$s1"
	finish one
	wait_for sessions_of a c 0
	test "$(stat a distant_memberships)" = 0
	test "$(stat a drop_distant_stray)" = 0
}

# Instances of nodes beyond the peers are known: a sends to c's GUID with
# no node named, and the message goes to c; a cannot bind that GUID. When
# b goes, the tables come down the new tree (e, d): an instance that c
# binds then reaches a that way, and one that goes is forgotten.
case_distant_guid()
{
	local x y

	ring_of_five
	receiver c first -a board -n 20 -p 2 -w 120
	x=$(cat "$tmp/first.id")
	wait_for instances_of a c 1
	test "$(stat a distant_instances)" = 1
	receipts 20 -a talk -k guid -d "$x" -n 20 -C 0 -w 60
	finish first
	grep -q "received 20 from 1 senders" "$tmp/first.out"
	wait_for instances_of a c 0
	test "$(stat a distant_instances)" = 0
	# A GUID a distant node has cannot be bound here.
	receiver c held -a board -n 1 -w 120
	y=$(cat "$tmp/held.id")
	wait_for instances_of a c 1
	expect_errno EADDRINUSE recv -a board -i "$y" -n 1 -w 1
	ns_exec a "$msg" send -a talk -k guid -d "$y"
	finish held
	# b goes: a reaches c through e and d, and learns c's instances there.
	cut b a
	cut b c
	wait_for route_is a c e 3 2>/dev/null
	receiver c second -a board -n 20 -p 3 -w 120
	wait_for instances_of a c 1
	receipts 20 -a talk -k guid -d "$(cat "$tmp/second.id")" -n 20 -C 0 \
		-w 60
	finish second
	grep -q "received 20 from 1 senders" "$tmp/second.out"
	wait_for instances_of a c 0
	# No instance of c's was refused as another node's.
	test "$(stat a drop_guid_taken)" = 0
}

# stat_above NS NAME N: the counter is above N now (for wait_for).
stat_above()
{
	test "$(stat "$1" "$2")" -gt "$3"
}

# A relay dies holding what it took: b takes a's stream for c but passes
# none of it on, then goes. a keeps every message until c answers it, and
# sends what is unanswered again the other way round: c takes each once,
# in order. Once b is back, what it held for c comes too late: c drops it
# and answers again, and a knows it answered already.
case_relay_dies()
{
	local c

	ring_of_five
	c=$(node_id c)
	route_is a c b 2
	receiver c rx -a chat -c -n 300 -l 500 -w 300
	# Nothing b sends reaches c, and neither declares their link down:
	# b takes what a sends, for c, and holds it.
	ctl_in b node set tolerance 30000
	ctl_in c node set tolerance 30000
	ns_exec b tc qdisc add dev vbc root netem loss 100%
	ns_exec a "$msg" send -a talk -k app -A chat -N "$c" -n 300 \
		-z 16-3000 -C 0 -I 10 -w 240 >"$tmp/send.out" 2>&1 &
	echo $! >"$tmp/send.pid"
	wait_for stat_above b relayed 30
	cut b a
	cut b c
	wait "$(cat "$tmp/send.pid")" || { cat "$tmp/send.out"; return 1; }
	grep -qx "receipts 300" "$tmp/send.out"
	finish rx
	grep -q "received 300 from 1 senders" "$tmp/rx.out"
	test "$(stat a kept_resent)" -gt 0
	test "$(stat b stored)" -gt 0
	wait_for stat_is a kept 0
	ns_exec b tc qdisc del dev vbc root
	mend b a
	mend b c
	wait_for stat_is b stored 0
	wait_for stat_above c drop_kept_duplicate 0
	wait_for stat_above a kept_answered_again 0
	test "$(stat c rx_remote)" = 300
}

# Links go down and up for a while; once they stay up, every node has the
# shortest route to every other, with no cycle among the next hops.
case_flap()
{
	local i w wires=(ab bc cd de ea)

	ring_of_five
	# A stream from a to c all along, whichever way it goes.
	ns_exec a "$msg" send -a talk -k app -A chat -N "$(node_id c)" \
		-n 100000 -I 20 >/dev/null 2>&1 &
	for i in $(seq 12); do
		w=${wires[RANDOM % 5]}
		cut "${w:0:1}" "${w:1:1}"
		nap $((RANDOM % 3 + 1)).$((RANDOM % 10))
		mend "${w:0:1}" "${w:1:1}"
		nap 0.$((RANDOM % 9 + 1))
	done
	wait_for reachable 4 a b c d e
	wait_for loop_free a b c d e 2>/dev/null
	loop_free a b c d e
	test "$(stat_sum_all relayed)" -gt 0
	test "$(stat_sum_all drop_hop_limit)" = 0
}

# stat_sum_all NAME: the counter NAME summed over the five nodes.
stat_sum_all()
{
	local ns sum=0

	for ns in a b c d e; do
		sum=$((sum + $(stat "$ns" "$1")))
	done
	echo $sum
}

# 32 nodes in a line: each reaches the 31 others, the ends through 30
# relays, with no loop; a message from one end to the other crosses 31
# links, and its receipt comes back.
case_line_32()
{
	local i names=() r16 r31 wait_s=$((wait_s * 6))

	for i in $(seq 32); do
		names+=("n$i")
	done
	nodes "${names[@]}"
	for i in $(seq 31); do
		wire "n$i" "n$((i + 1))"
	done
	for i in $(seq 32); do
		wait_for reachable 31 "n$i"
	done
	route_is n1 n32 n2 31
	route_is n32 n1 n31 31
	loop_free "${names[@]}"
	receiver n32 r -a chat -c -n 20 -p 31 -l 500
	ns_exec n1 "$msg" send -a talk -k app -A chat -N "$(node_id n32)" \
		-n 20 -C 0 | grep -qx "receipts 20"
	finish r
	# As many again as n1 sent again, for want of an answer.
	wait_for stat_is n1 kept 0
	test "$(stat n16 relayed)" -ge 20
	# A session across all of them: once per member, each hop once.
	for i in $(seq 2 32); do
		receiver "n$i" "s$i" -a board -s "$s1" -n 20 -p $((i - 1)) \
			-l 500 -w 600
	done
	# Each knows its neighbours' members (n1 has none).
	wait_for stat_is n1 remote_instances 1
	wait_for stat_is n2 remote_instances 1
	for i in $(seq 3 31); do
		wait_for stat_is "n$i" remote_instances 2
	done
	r16=$(stat n16 relayed)
	r31=$(stat n31 relayed)
	ns_exec n1 "$msg" send -a talk -k session -d "$s1" -n 20
	for i in $(seq 2 32); do
		finish "s$i" >/dev/null
		grep -q "received 20 from 1 senders" "$tmp/s$i.out"
	done
	test "$(stat n16 relayed)" = $((r16 + 20))
	test "$(stat n31 relayed)" = $((r31 + 20))
	test "$(stat n32 relayed)" = 0
}

# 32 nodes on one bridge: each links with the 31 others, and a session
# with a member on each delivers every message once to each.
case_mesh_32()
{
	local i names=() wait_s=$((wait_s * 6))

	for i in $(seq 32); do
		names+=("n$i")
	done
	bridged_hosts -b "${names[@]}"
	for i in $(seq 32); do
		wait_for stat_is "n$i" peers_up 31
		wait_for reachable 31 "n$i"
	done
	for i in $(seq 2 32); do
		receiver "n$i" "r$i" -a chat -s "$s1" -n 50 -l 500
	done
	wait_for remote_knows n1 31
	ns_exec n1 "$msg" send -a chat -k session -d "$s1" -n 50
	for i in $(seq 2 32); do
		finish "r$i" >/dev/null
		grep -q "received 50 from 1 senders" "$tmp/r$i.out"
	done
	# Every node is a peer: nothing goes through another.
	for i in $(seq 32); do
		test "$(stat "n$i" relayed)" = 0
	done
}

# On the debug kernel, line_messages and ring_session_flap take the paths
# of line, ring and ring_session.
quick_skip="line ring ring_session flap line_32 mesh_32"
run_cases case_line case_line_messages case_relay_down_10s case_relay_off \
	case_ring case_relay_dies case_distant_guid case_distant_sessions \
	case_ring_session case_ring_session_flap \
	case_flap \
	case_line_32 case_mesh_32
