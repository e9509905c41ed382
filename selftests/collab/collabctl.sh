#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# collabctl against the kernel: what it shows matches the sockets a case
# opened, its JSON parses and has the documented keys, an unprivileged user
# reads but cannot change, bad arguments exit 2, and monitor reports an
# instance binding and closing, and valgrind finds no error or leak; -b
# runs the lines of a file as commands, and stops at the first that fails.
#
# Bearers and peers: what bearer and peer add, show and del say and do,
# in text and JSON, that an unprivileged user cannot add either, and that
# monitor reports a peer's link coming up and going down.
#
# Keys: node set key, psk and plaintext, and what node shows of them;
# trust add, show and del; a static peer added with its key, its link
# sealed, and what peer shows of it. Skipped on a module without keys.
#
# Who may do what: app reserve and unreserve, and what app shows of them;
# a reserved type refuses other users' binds; a user without
# CAP_NET_ADMIN lists its own instances and sessions only, and its
# monitor prints peer events and its own instances' events only.
#
#   ns a: collab_sock -a APP ... -H (holds bound instances), collabctl
#
#   +-------------------+   veth    +-------------------+
#   | ns a  10.77.0.1   |-----------| ns b  10.77.0.2   |
#   |  va   fd77::1     |           |  vb   fd77::2     |
#   +-------------------+           +-------------------+

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
sock=$here/collab_sock
ctl=$(readlink -f "$here/../../tools/collabctl/collabctl")
tmp=/tmp/collabctl-$$
session=5e55105e55105e55105e55105e551000

[ "$(id -u)" = 0 ] || { echo "# needs root"; exit $ksft_skip; }
[ -x "$ctl" ] || { echo "# no collabctl at $ctl"; exit 1; }
command -v python3 >/dev/null || { echo "# needs python3"; exit $ksft_skip; }
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# json FILE EXPR: print the python expression EXPR over the JSON in FILE
# (as 'j'); fails when the file is not JSON.
json()
{
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
r = eval(sys.argv[2])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) else r)' "$1" "$2"
}

# has_keys FILE EXPR KEY...: the object EXPR in FILE has every KEY (one
# python3 for all of them: each start costs a second on a debug kernel).
has_keys()
{
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
o = eval(sys.argv[2])
missing = [k for k in sys.argv[3:] if k not in o]
if missing:
    sys.exit("missing keys %s in %s" % (" ".join(missing), sys.argv[2]))' "$@"
}

ctl_a()
{
	ns_exec a "$ctl" "$@"
}

# hold APP ARGS...: bound instances of APP in ns a, held until the case
# ends; their GUIDs are in $tmp/ready, the holder's pid in $holder.
hold()
{
	local app=$1

	shift
	rm -f "$tmp/ready"
	ip netns exec "$(ns_name a)" "$sock" -a "$app" "$@" -H "$tmp/ready" &
	holder=$!
	wait_for test -e "$tmp/ready"
}

case_node()
{
	ns_add a
	ctl_a -j node >"$tmp/node"
	has_keys "$tmp/node" j id name family
	test "$(json "$tmp/node" "j['id']")" = \
		"$(ns_exec a awk '$1 == "node" { print $2 }' /proc/net/collab)"
	test "$(json "$tmp/node" "j['family']")" = \
		"$(cat /sys/module/collab/parameters/family)"

	ctl_a node set name alpha
	test "$(ctl_a -j node | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')" = alpha
	ctl_a node | grep -q alpha
	ctl_a node set id 00112233445566778899aabbccddeeff
	ctl_a node show | grep -q 00112233445566778899aabbccddeeff
	ns_exec a grep -q "node 00112233445566778899aabbccddeeff" /proc/net/collab
}

case_instances_match_sockets()
{
	local ids pid

	ns_add a
	hold chat -n 3 -s $session
	pid=$holder
	ctl_a -j instance >"$tmp/inst"
	test "$(json "$tmp/inst" "len(j)")" = 3
	has_keys "$tmp/inst" "j[0]" id app pid uid accept_new sessions \
		rq_msgs rq_bytes rcvbuf tx_msgs tx_bytes tx_errors rx_msgs rx_bytes
	ids=$(json "$tmp/inst" "' '.join(sorted(i['id'] for i in j))")
	test "$ids" = "$(sort "$tmp/ready" | tr '\n' ' ' | sed 's/ $//')"
	test "$(json "$tmp/inst" "sorted(set(i['app'] for i in j))")" = '["chat"]'
	test "$(json "$tmp/inst" "sorted(set(i['pid'] for i in j))")" = "[$pid]"
	test "$(json "$tmp/inst" "j[0]['sessions']")" = "[\"$session\"]"

	# One by id, in text too; an unknown one is an error (exit 1).
	id=$(head -n 1 "$tmp/ready")
	test "$(ctl_a -j instance show id "$id" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
	ctl_a instance | grep -q "$id"
	ctl_a instance show id "$id" | grep -q chat
	rc=0
	ctl_a instance show id 0123456789abcdef0123456789abcdef 2>/dev/null || rc=$?
	test $rc = 1

	kill $holder
	wait $holder || true
	test "$(ctl_a -j instance | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0
}

case_sessions()
{
	ns_add a
	hold board -n 2 -s $session
	ctl_a -j session >"$tmp/sess"
	test "$(json "$tmp/sess" "len(j)")" = 1
	has_keys "$tmp/sess" "j[0]" id member_count members
	test "$(json "$tmp/sess" "j[0]['id']")" = $session
	test "$(json "$tmp/sess" "j[0]['member_count']")" = 2
	test "$(json "$tmp/sess" "' '.join(sorted(m['id'] for m in j[0]['members']))")" = \
		"$(sort "$tmp/ready" | tr '\n' ' ' | sed 's/ $//')"
	ctl_a session | grep -q $session
	ctl_a session show id $session | grep -q board
}

case_stats()
{
	ns_add a
	hold chat -n 2
	ctl_a -j stats >"$tmp/stats"
	has_keys "$tmp/stats" j sockets instances apps sessions memberships \
		tx_msgs tx_copies rx_msgs tx_no_route tx_refused tx_full \
		drop_closed events_lost
	test "$(json "$tmp/stats" "j['instances']")" = 2
	test "$(json "$tmp/stats" "j['apps']")" = 1
	ctl_a stats | grep -qE '^ *instances:? +2$'
}

case_unprivileged_reads_only()
{
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	local rc=0

	command -v setpriv >/dev/null || exit $ksft_skip
	ns_add a
	hold chat
	ns_exec a "${nobody[@]}" "$ctl" node >/dev/null
	ns_exec a "${nobody[@]}" "$ctl" -j instance >/dev/null
	ns_exec a "${nobody[@]}" "$ctl" stats >/dev/null
	ns_exec a "${nobody[@]}" "$ctl" node set name mine 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -qi "permi" "$tmp/err"
	test "$(ctl_a -j node | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')" = ""
}

case_bad_arguments()
{
	local args rc

	ns_add a
	for args in "nosuch" "node frob" "node set" "node set name" \
		    "node set id 0123" "node set id zz112233445566778899aabbccddeeff" \
		    "instance show id nothex" "-x node" "trust add abc" \
		    "trust del" "node set plaintext maybe" "genkey now" \
		    "peer add 10.77.0.2 key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm==" \
		    "trust add hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo= nick x"; do
		rc=0
		# shellcheck disable=SC2086
		ctl_a $args 2>"$tmp/err" >/dev/null || rc=$?
		test $rc = 2 || { echo "'collabctl $args' exited $rc" >&2; return 1; }
		grep -q "^collabctl: " "$tmp/err" ||
			{ echo "'collabctl $args' gave no message" >&2; return 1; }
	done
	ctl_a --help | grep -q monitor
	ctl_a --help | grep -q genkey
	ctl_a node help >/dev/null
	ctl_a trust help >/dev/null
	ctl_a node set --help >/dev/null
}

case_monitor()
{
	local id=abcdef00abcdef00abcdef00abcdef00 mon

	ns_add a
	ip netns exec "$(ns_name a)" "$ctl" -j monitor >"$tmp/mon" 2>&1 &
	mon=$!
	# Subscribed once a probe's bind shows up.
	wait_for sh -c "ip netns exec '$(ns_name a)' '$sock' -a probe;
		grep -q instance_new '$tmp/mon'"
	ns_exec a "$sock" -a chat -i $id -s $session
	wait_for grep -q "instance_del.*$id\|$id.*instance_del" "$tmp/mon"
	grep "$id" "$tmp/mon" >"$tmp/ours"
	# Every line is JSON; bind, join, leave and close, in that order.
	test "$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["event"] for l in open(sys.argv[1])))' "$tmp/ours")" = \
		"instance_new session_join session_leave instance_del"
	kill -INT $mon
	wait $mon
}

# vg_batch STATUS OPTION...: collabctl OPTION... in ns a under valgrind
# exits STATUS (3: valgrind found an error); else print what it said.
vg_batch()
{
	local vg=(valgrind -q --error-exitcode=3 --leak-check=full
		  --errors-for-leak-kinds=definite,indirect)
	local want=$1 rc=0

	shift
	ns_exec a "${vg[@]}" "$ctl" "$@" >/dev/null 2>"$tmp/vg" || rc=$?
	if [ $rc != "$want" ]; then
		cat "$tmp/vg" >&2
		echo "valgrind: 'collabctl $*' exited $rc, not $want" >&2
		return 1
	fi
}

# Every command path, with the kernel answering, frees what it allocates:
# one valgrind run over a batch of them in text, one in JSON. The text
# batch ends with a command that fails (exit 1), so it stops at none
# before.
case_valgrind()
{
	local unknown=0123456789abcdef0123456789abcdef

	command -v valgrind >/dev/null || exit $ksft_skip
	ns_add a
	hold chat -n 2 -s $session
	printf '%s\n' "node" "node set name vg" "instance" "session" "stats" \
		"app reserve vg user nobody" "app reserve vg2 group 65534" "app" \
		"app unreserve vg" "instance show id $unknown" >"$tmp/text.batch"
	printf '%s\n' "node" "instance" "session show id $session" "stats" \
		"app" >"$tmp/json.batch"
	vg_batch 1 -b "$tmp/text.batch"
	grep -qF "collabctl: batch $tmp/text.batch line 10: instance show: " "$tmp/vg"
	vg_batch 0 -p -b "$tmp/json.batch"
}

node_name()
{
	ctl_a -j node | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])'
}

# -b: the lines of a file run in order in one process, each as a command
# line after the options; quotes group words; the first failure stops
# the batch and is named by its line; -f goes on.
case_batch()
{
	local rc

	ns_add a
	printf '%s\n' "# the name has a blank" "" "node set name \"a b\"" \
		"  # indented" "node" "stats" >"$tmp/ok"
	"$ctl" -n "$(ns_name a)" -b "$tmp/ok" >"$tmp/out"
	test "$(node_name)" = "a b"
	# The node (with its name), then the counters.
	test "$(awk '/^node / { print "node" } $0 == "  name a b" { print "name" }
		/^instances / { print "stats" }' "$tmp/out" | tr '\n' ' ')" = \
		"node name stats "
	# JSON: one document a line, node then stats (node set prints none).
	ctl_a -j -b - <"$tmp/ok" >"$tmp/out"
	python3 - "$tmp/out" <<-'EOF'
	import json, sys
	docs = [json.loads(l) for l in open(sys.argv[1])]
	assert len(docs) == 2, docs
	assert docs[0]["name"] == "a b" and "instances" in docs[1], docs
	EOF

	# A failure stops the batch, with its line; -f runs the rest.
	printf '%s\n' "node set name 'one'" "node set name two tolerance" \
		"node set name three" >"$tmp/fail"
	rc=0
	ctl_a -b "$tmp/fail" 2>"$tmp/err" || rc=$?
	test $rc = 2
	grep -qF "collabctl: batch $tmp/fail line 2: node set: " "$tmp/err"
	test "$(node_name)" = one
	rc=0
	ctl_a -f -b "$tmp/fail" 2>/dev/null || rc=$?
	test $rc = 2
	test "$(node_name)" = three
	# With -f, the status is the last failure's.
	printf '%s\n' "nosuch" "instance show id 0123456789abcdef0123456789abcdef" \
		"node" >"$tmp/fail"
	rc=0
	ctl_a -f -b "$tmp/fail" >/dev/null 2>&1 || rc=$?
	test $rc = 1

	# An object after -b is refused, and no line runs.
	rc=0
	ctl_a -b "$tmp/ok" node >/dev/null 2>"$tmp/err" || rc=$?
	test $rc = 2
	grep -q "^collabctl: " "$tmp/err"
	test "$(node_name)" = three
	# A monitor line (it would never return) and an open quote are
	# refused; -f goes past them.
	printf '%s\n' "node set name four" "monitor" "node set name five" \
		"node set name 'six" >"$tmp/bad"
	rc=0
	ns_exec a timeout 10 "$ctl" -f -b "$tmp/bad" 2>"$tmp/err" || rc=$?
	test $rc = 2
	grep -qF "collabctl: batch $tmp/bad line 2: monitor " "$tmp/err"
	grep -qF "collabctl: batch $tmp/bad line 4: " "$tmp/err"
	test "$(node_name)" = five
}

# Between nodes: two namespaces as two hosts.

ctl_b()
{
	ns_exec b "$ctl" "$@"
}

# json_in EXPR: as json, over the JSON on standard input.
json_in()
{
	python3 -c 'import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) else r)' "$1"
}

node_id()
{
	ns_exec "$1" awk '$1 == "node" { print $2 }' /proc/net/collab
}

# peers_up NS N: the node of NS has N peers whose link is up.
peers_up()
{
	test "$(ns_exec "$1" awk '$1 == "peers_up" { print $2 }' /proc/net/collab)" = "$2"
}

# bearer_sent NS: the first bearer of NS has sent a datagram.
bearer_sent()
{
	test "$(ns_exec "$1" "$ctl" -j bearer | json_in "j[0]['tx_packets']")" -gt 0
}

case_bearer()
{
	local id id6 ifindex rc

	two_hosts
	# Text: the new bearer's id; JSON: the same as an object.
	id=$(ctl_a bearer add udp local 10.77.0.1:7000 dev va \
		discovery 239.77.0.1 mtu 1400)
	[[ $id =~ ^bearer\ ([0-9]+)$ ]]
	id=${BASH_REMATCH[1]}
	ctl_a -j bearer add udp local '[fd77::1]:7000' >"$tmp/add6"
	has_keys "$tmp/add6" j id
	id6=$(json "$tmp/add6" "j['id']")
	test "$id6" -gt "$id"

	# What was added, and the discovery group on the bearer's port.
	ctl_a -j bearer >"$tmp/bearers"
	test "$(json "$tmp/bearers" "[b['id'] for b in j]")" = "[$id, $id6]"
	has_keys "$tmp/bearers" "j[0]" id local ifindex dev mtu discovery \
		tx_packets tx_errors rx_packets
	has_keys "$tmp/bearers" "j[1]" id local tx_packets tx_errors rx_packets
	ifindex=$(ns_exec a ip -o link show va | cut -d: -f1)
	test "$(json "$tmp/bearers" "[j[0][k] for k in ('local', 'dev', 'ifindex', 'mtu', 'discovery')]")" = \
		"[{\"ip\": \"10.77.0.1\", \"port\": 7000}, \"va\", $ifindex, 1400, {\"ip\": \"239.77.0.1\", \"port\": 7000}]"
	test "$(json "$tmp/bearers" "j[1]['local']")" = \
		'{"ip": "fd77::1", "port": 7000}'
	test "$(json "$tmp/bearers" "[k in j[1] for k in ('dev', 'ifindex', 'discovery')]")" = \
		"[false, false, false]"
	# Its counters are live: beacons go to the group.
	wait_for bearer_sent a

	ctl_a bearer >"$tmp/text"
	grep -qxF "bearer $id: local 10.77.0.1:7000 dev va mtu 1400" "$tmp/text"
	grep -qxF "  discovery 239.77.0.1:7000" "$tmp/text"
	grep -qxF "bearer $id6: local [fd77::1]:7000" "$tmp/text"
	test "$(grep -cE '^  sent: [0-9]+ packets, [0-9]+ errors$' "$tmp/text")" = 2
	test "$(grep -cE '^  received: [0-9]+ packets$' "$tmp/text")" = 2

	# Removed once; an unknown id is an error, a bad one a usage error.
	ctl_a bearer del "$id"
	test "$(ctl_a -j bearer | json_in "[b['id'] for b in j]")" = "[$id6]"
	rc=0
	ctl_a bearer del "$id" 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "^collabctl: .*$id" "$tmp/err"
	rc=0
	ctl_a bearer del one 2>/dev/null || rc=$?
	test $rc = 2
	ctl_a bearer del "$id6"
	test "$(ctl_a -j bearer | json_in "len(j)")" = 0
	test -z "$(ctl_a bearer)"

	# A bearer binds its local address: one the host lacks is refused,
	# and so is a link-local group with no device.
	rc=0
	ctl_a bearer add udp local 10.99.0.1 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "no such local address" "$tmp/err"
	rc=0
	ctl_a bearer add udp local '[fd77::1]' discovery ff12::77 \
		2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "needs a device" "$tmp/err"
	test -z "$(ctl_a bearer)"
}

# bearer_heard NS N: bearer N (from 0) of NS has received a datagram.
bearer_heard()
{
	test "$(ns_exec "$1" "$ctl" -j bearer | json_in "j[$2]['rx_packets']")" -gt 0
}

# A bearer on a device and told no group discovers on the default one:
# a and b find each other with no peer added, and over IPv6 they hear
# each other's beacons; "discovery off" leaves a bearer without a group.
case_bearer_default()
{
	two_hosts
	ctl_a bearer add udp local 10.77.0.1 dev va >/dev/null
	ctl_b bearer add udp local 10.77.0.2 dev vb >/dev/null
	test "$(ctl_a -j bearer | json_in "j[0]['discovery']")" = \
		'{"ip": "239.0.0.118", "port": 6118}'
	ctl_a bearer | grep -qxF "  discovery 239.0.0.118:6118"
	wait_for peers_up a 1
	wait_for peers_up b 1
	test "$(ctl_a -j peer | json_in "[(p['address'], p['static']) for p in j]")" = \
		'[[{"ip": "10.77.0.2", "port": 6118}, false]]'

	ctl_a bearer add udp local '[fd77::1]:7000' dev va >/dev/null
	ctl_b bearer add udp local '[fd77::2]:7000' dev vb >/dev/null
	test "$(ctl_a -j bearer | json_in "j[1]['discovery']")" = \
		'{"ip": "ff12::118", "port": 7000}'
	wait_for bearer_heard b 1

	ctl_a bearer add udp local 10.77.0.1:7001 dev va discovery off \
		>/dev/null
	test "$(ctl_a -j bearer | json_in "['discovery' in b for b in j]")" = \
		"[true, true, false]"
}

case_peer()
{
	local a_id b_id bearer rc

	two_hosts
	ctl_b node set name bravo
	a_id=$(node_id a)
	b_id=$(node_id b)
	bearer=$(ctl_a -j bearer add udp local 10.77.0.1 dev va discovery off |
		 json_in "j['id']")
	ctl_b bearer add udp local 10.77.0.2 dev vb discovery off >/dev/null
	# No discovery: b is a peer once a adds it.
	test "$(ctl_a -j peer | json_in "len(j)")" = 0
	ctl_a peer add 10.77.0.2
	wait_for peers_up a 1

	ctl_a -j peer >"$tmp/peers"
	test "$(json "$tmp/peers" "len(j)")" = 1
	has_keys "$tmp/peers" "j[0]" id name address bearer state static \
		down_ms link_ups rtt_us rto_us cwnd in_flight mtu stored_msgs \
		stored_bytes expired instances tx_msgs tx_packets retransmits \
		rx_msgs rx_packets duplicates
	test "$(json "$tmp/peers" "[j[0][k] for k in ('id', 'name', 'address', 'bearer', 'state', 'static')]")" = \
		"[\"$b_id\", \"bravo\", {\"ip\": \"10.77.0.2\", \"port\": 6118}, $bearer, \"up\", true]"
	# b did not add a: to b, a is a peer but no static one.
	test "$(ctl_b -j peer | json_in "[(p['id'], p['static']) for p in j]")" = \
		"[[\"$a_id\", false]]"

	ctl_a peer >"$tmp/text"
	grep -qxF "peer $b_id: name bravo" "$tmp/text"
	grep -qxF "  address 10.77.0.2:6118 bearer $bearer" "$tmp/text"
	grep -qxE '  state up, static, link ups [0-9]+' "$tmp/text"

	# One by id; an unknown one is an error.
	test "$(ctl_a -j peer show id "$b_id" | json_in "[p['id'] for p in j]")" = \
		"[\"$b_id\"]"
	ctl_a peer show id "$b_id" | grep -qxF "peer $b_id: name bravo"
	rc=0
	ctl_a peer show id 0123456789abcdef0123456789abcdef 2>/dev/null || rc=$?
	test $rc = 1

	# A static address once (the port is 6118 unless given).
	rc=0
	ctl_a peer add 10.77.0.2:6118 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "^collabctl: " "$tmp/err"
	ctl_a peer add '[fd77::2]:7000'

	# Removed, with b unable to come back (no bearer): gone, and its
	# address is no static peer any more.
	ctl_b bearer del "$(ctl_b -j bearer | json_in "j[0]['id']")"
	ctl_a peer del "$b_id"
	# What is left is the static peer nobody answers at: called, no id.
	test "$(ctl_a -j peer | json_in "[(p.get('id'), p['address'], p['state'], p['static']) for p in j]")" = \
		'[[null, {"ip": "fd77::2", "port": 7000}, "connecting", true]]'
	ctl_a peer >"$tmp/text"
	grep -qxF "peer (id not known yet)" "$tmp/text"
	grep -qxF "  address [fd77::2]:7000" "$tmp/text"
	rc=0
	ctl_a peer del "$b_id" 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "^collabctl: .*$b_id" "$tmp/err"
	ctl_a peer add 10.77.0.2

	# By address: the static peers there, once each.
	ctl_a peer del 10.77.0.2
	ctl_a peer del '[fd77::2]:7000'
	rc=0
	ctl_a peer del 10.77.0.2:6118 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "^collabctl: .*10.77.0.2" "$tmp/err"
	ctl_a peer add 10.77.0.2
	rc=0
	ctl_a peer del nothex 2>/dev/null || rc=$?
	test $rc = 2
}

case_unprivileged_links()
{
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	local args id rc

	command -v setpriv >/dev/null || exit $ksft_skip
	two_hosts
	id=$(ctl_a -j bearer add udp local 10.77.0.1 dev va discovery off |
	     json_in "j['id']")
	ns_exec a "${nobody[@]}" "$ctl" bearer | grep -q "^bearer $id: "
	test "$(ns_exec a "${nobody[@]}" "$ctl" -j peer | json_in "len(j)")" = 0
	for args in "bearer add udp local 10.77.0.1:7000" "bearer del $id" \
		    "peer add 10.77.0.2" "peer del $(node_id b)" \
		    "node set tolerance 500"; do
		rc=0
		# shellcheck disable=SC2086
		ns_exec a "${nobody[@]}" "$ctl" $args >/dev/null 2>"$tmp/err" || rc=$?
		test $rc = 1 ||
			{ echo "'collabctl $args' as nobody exited $rc" >&2; return 1; }
		grep -qi "permi" "$tmp/err" || { cat "$tmp/err" >&2; return 1; }
	done
	# None of it happened.
	test "$(ctl_a -j bearer | json_in "[b['id'] for b in j]")" = "[$id]"
	test "$(ctl_a -j node | json_in "j['tolerance_ms']")" = 1500
	ctl_a bearer add udp local 10.77.0.1:7000 >/dev/null
	ctl_a peer add 10.77.0.2
}

# monitor: peer_up when a link comes up by discovery, peer_down when the
# other side goes; in JSON and in text.
case_monitor_peer()
{
	local b_id b_bearer mon mon_text

	two_hosts
	ctl_b node set name bravo
	b_id=$(node_id b)
	ip netns exec "$(ns_name a)" "$ctl" -j monitor >"$tmp/mon" 2>&1 &
	mon=$!
	ip netns exec "$(ns_name a)" "$ctl" monitor >"$tmp/mon.txt" 2>&1 &
	mon_text=$!
	wait_for sh -c "ip netns exec '$(ns_name a)' '$sock' -a probe;
		grep -q instance_new '$tmp/mon' &&
		grep -q instance_new '$tmp/mon.txt'"

	ctl_a bearer add udp local 10.77.0.1 dev va discovery 239.77.0.1 >/dev/null
	b_bearer=$(ctl_b -j bearer add udp local 10.77.0.2 dev vb \
		discovery 239.77.0.1 | json_in "j['id']")
	wait_for grep -q peer_up "$tmp/mon"
	wait_for grep -q peer_up "$tmp/mon.txt"
	grep -qxF "peer_up $b_id: name bravo address 10.77.0.2:6118" "$tmp/mon.txt"

	# Down once b is silent for a's tolerance (1.5 s), and not before.
	expect_fail grep -q peer_down "$tmp/mon"
	ctl_b bearer del "$b_bearer"
	wait_for grep -q peer_down "$tmp/mon"
	wait_for grep -q peer_down "$tmp/mon.txt"
	grep -qxF "peer_down $b_id: name bravo address 10.77.0.2:6118" "$tmp/mon.txt"
	kill -INT $mon $mon_text
	wait $mon
	wait $mon_text

	# Every line is JSON; the peer events are b's, up then down.
	python3 - "$tmp/mon" "$b_id" <<-'EOF'
	import json, sys
	events = [json.loads(l) for l in open(sys.argv[1])]
	peer = [e for e in events if e["event"].startswith("peer_")]
	want = {"id": sys.argv[2], "name": "bravo",
	        "address": {"ip": "10.77.0.2", "port": 6118}}
	assert [e["event"] for e in peer] == ["peer_up", "peer_down"], peer
	for e in peer:
	    assert {k: e.get(k) for k in want} == want, e
	EOF
}

# has_keys_support NS: the module of NS has node keys and trust, else
# the case is skipped.
has_keys_support()
{
	local rc=0

	ns_exec "$1" "$ctl" trust >/dev/null 2>"$tmp/err" || rc=$?
	[ $rc = 0 ] && return 0
	if grep -q "older than collabctl" "$tmp/err"; then
		echo "# the module has no keys"
		exit $ksft_skip
	fi
	cat "$tmp/err" >&2
	return 1
}

# new_key NAME: a private key in $tmp/NAME.key, its public key printed.
new_key()
{
	(umask 077; "$ctl" genkey >"$tmp/$1.key")
	"$ctl" pubkey <"$tmp/$1.key"
}

# node set key, psk and plaintext; what node shows of them, in text and
# JSON; trust add, show and del, and who may.
case_keys()
{
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	local pub pub2 b_pub c_pub args rc

	ns_add a
	has_keys_support a
	pub=$(new_key a)
	pub2=$(new_key a2)
	(umask 077; "$ctl" genpsk >"$tmp/psk")

	# No key: no public key, no cluster key, and text as before.
	ctl_a -j node >"$tmp/node"
	test "$(json "$tmp/node" "[j.get('public_key'), j['cluster_key']]")" = \
		'[null, false]'
	expect_fail grep -qE "public key|cluster key" <(ctl_a node)

	ctl_a node set key "$tmp/a.key" psk "$tmp/psk" plaintext allow
	ctl_a node >"$tmp/text"
	grep -qxF "  public key: $pub" "$tmp/text"
	grep -qxF "  cluster key: set" "$tmp/text"
	grep -qxF "  plaintext: allow" "$tmp/text"
	ctl_a -j node >"$tmp/node"
	has_keys "$tmp/node" j public_key cluster_key plaintext
	test "$(json "$tmp/node" "[j['public_key'], j['cluster_key'], j['plaintext']]")" = \
		"[\"$pub\", true, \"allow\"]"

	# Another key from the standard input; no cluster key; then no key.
	ctl_a node set key - psk none plaintext refuse <"$tmp/a2.key"
	test "$(ctl_a -j node | json_in "[j['public_key'], j['cluster_key'], j['plaintext']]")" = \
		"[\"$pub2\", false, \"refuse\"]"
	ctl_a node | grep -qxF "  plaintext: refuse"
	expect_fail grep -q "cluster key" <(ctl_a node)
	ctl_a node set key none
	test "$(ctl_a -j node | json_in "'public_key' in j")" = false

	# Trust: a name or none; a key trusted again is renamed.
	b_pub=$(new_key b)
	c_pub=$(new_key c)
	test -z "$(ctl_a trust)"
	test "$(ctl_a -j trust | json_in "len(j)")" = 0
	ctl_a trust add "$b_pub" name bravo
	ctl_a trust add "$c_pub"
	ctl_a -j trust >"$tmp/trust"
	has_keys "$tmp/trust" "j[0]" public_key handshakes
	test "$(json "$tmp/trust" "sorted([t['public_key'], t.get('name'), t['handshakes']] for t in j)")" = \
		"$(python3 -c 'import json, sys
print(json.dumps(sorted([[sys.argv[1], "bravo", 0], [sys.argv[2], None, 0]])))' "$b_pub" "$c_pub")"
	ctl_a trust add "$c_pub" name charlie
	ctl_a trust >"$tmp/text"
	test "$(head -n 1 "$tmp/text" | tr -s ' ')" = "key name handshakes"
	grep -qxE "$(printf '%s' "$b_pub" | sed 's/[+/]/\\&/g') +bravo +0" "$tmp/text"
	grep -qxE "$(printf '%s' "$c_pub" | sed 's/[+/]/\\&/g') +charlie +0" "$tmp/text"
	test "$(wc -l <"$tmp/text")" = 3

	# Read by anyone, changed by an administrator only.
	if command -v setpriv >/dev/null; then
		test "$(ns_exec a "${nobody[@]}" "$ctl" -j trust | json_in "len(j)")" = 2
		for args in "trust add $pub" "trust del $b_pub" \
			    "node set plaintext allow"; do
			rc=0
			# shellcheck disable=SC2086
			ns_exec a "${nobody[@]}" "$ctl" $args 2>"$tmp/err" || rc=$?
			test $rc = 1
			grep -qF "needs CAP_NET_ADMIN" "$tmp/err"
		done
		rc=0
		ns_exec a "${nobody[@]}" "$ctl" node set key "$tmp/a.key" \
			2>"$tmp/err" || rc=$?
		test $rc = 1
	fi

	# Forgotten once; a key not trusted is an error.
	ctl_a trust del "$b_pub"
	test "$(ctl_a -j trust | json_in "[t['public_key'] for t in j]")" = "[\"$c_pub\"]"
	rc=0
	ctl_a trust del "$b_pub" 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -qxF "collabctl: trust del: key $b_pub is not trusted" "$tmp/err"
	ctl_a trust del "$c_pub"
	test -z "$(ctl_a trust)"
}

# peer add with a key: a static peer whose key is trusted; the link is
# sealed, and peer, trust and stats say so.
case_peer_keys()
{
	local a_pub b_pub now t

	two_hosts
	has_keys_support a
	a_pub=$(new_key a)
	b_pub=$(new_key b)
	ctl_a node set key "$tmp/a.key"
	ctl_b node set key "$tmp/b.key" name bravo
	ctl_a bearer add udp local 10.77.0.1 dev va discovery off >/dev/null
	ctl_b bearer add udp local 10.77.0.2 dev vb discovery off >/dev/null
	ctl_b trust add "$a_pub" name alpha
	ctl_a peer add 10.77.0.2 key "$b_pub"
	wait_for peers_up a 1

	# peer add trusted b's key.
	test "$(ctl_a -j trust | json_in "[t['public_key'] for t in j]")" = "[\"$b_pub\"]"
	ctl_a -j peer >"$tmp/peers"
	has_keys "$tmp/peers" "j[0]" public_key encrypted handshake_time handshakes
	test "$(json "$tmp/peers" "[j[0]['public_key'], j[0]['encrypted'], j[0]['handshakes'] > 0]")" = \
		"[\"$b_pub\", true, true]"
	now=$(date +%s)
	t=$(json "$tmp/peers" "j[0]['handshake_time']")
	test "$t" -le "$now"
	test "$t" -gt $((now - 60))
	ctl_a peer >"$tmp/text"
	grep -qxF "  public key: $b_pub" "$tmp/text"
	grep -qxE "  encrypted: yes, handshakes [1-9][0-9]*, last handshake [0-9]+ seconds? ago" "$tmp/text"
	# b has a's key from its handshake.
	test "$(ctl_b -j peer | json_in "[p['public_key'] for p in j]")" = "[\"$a_pub\"]"
	test "$(ctl_b -j trust | json_in "[t['handshakes'] > 0 for t in j]")" = "[true]"
	test "$(ctl_a -j stats | json_in "j['handshakes'] > 0")" = true
	has_keys <(ctl_a -j stats) j handshakes drop_auth drop_replay \
		drop_untrusted drop_plaintext
}

# Users for setpriv: nobody, and another with no name, alone or in
# nogroup (65534) as a supplementary group.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
other=(setpriv --reuid=65533 --regid=65533 --clear-groups)
other_in_group=(setpriv --reuid=65533 --regid=65533 --groups=65534)

# bind_as APP USER...: collab_sock binds APP in ns a as USER (a setpriv
# command line); prints nothing on success, the errno name else.
bind_as()
{
	local app=$1

	shift
	ns_exec a "$@" "$sock" -a "$app" || true
}

# app reserve, unreserve and show; binds refused and allowed.
case_app_reserve()
{
	local rc

	command -v setpriv >/dev/null || exit $ksft_skip
	ns_add a
	ctl_a app reserve mine user nobody
	ctl_a app reserve ours group nogroup
	ctl_a app reserve numbered user 65533

	# Shown with the owner, by name where the host has one.
	ctl_a app >"$tmp/text"
	grep -qxF "app mine" "$tmp/text"
	grep -qxF "  reserved for user nobody (65534)" "$tmp/text"
	grep -qxF "  reserved for group nogroup (65534)" "$tmp/text"
	grep -qxF "  reserved for user 65533" "$tmp/text"
	ctl_a -j app >"$tmp/app"
	test "$(json "$tmp/app" "sorted([a['name'], a.get('reserve_uid'), a.get('reserve_gid')] for a in j)")" = \
		'[["mine", 65534, null], ["numbered", 65533, null], ["ours", null, 65534]]'
	ctl_a app show mine | grep -qxF "  reserved for user nobody (65534)"
	# An activatable type keeps its owner beside its settings.
	ctl_a app add ours
	ctl_a -j app show ours >"$tmp/ours"
	test "$(json "$tmp/ours" "[j[0]['policy'], j[0]['reserve_gid']]")" = '["shared", 65534]'

	# The owner binds; another user gets EACCES, counted; root binds.
	test -z "$(bind_as mine "${nobody[@]}")"
	test "$(bind_as mine "${other[@]}")" = EACCES
	test -z "$(bind_as ours "${other_in_group[@]}")"
	test "$(bind_as ours "${other[@]}")" = EACCES
	test -z "$(bind_as numbered "${other[@]}")"
	ns_exec a "$sock" -a mine
	test "$(ctl_a -j stats | json_in "j['bind_refused']")" = 2

	# Lifted: anyone binds it; lifted once.
	ctl_a app unreserve mine
	test -z "$(bind_as mine "${other[@]}")"
	rc=0
	ctl_a app unreserve mine 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -qxF "collabctl: app unreserve: mine is not reserved" "$tmp/err"
	rc=0
	ctl_a app show mine 2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -qxF "collabctl: app show: mine is neither activatable nor reserved" "$tmp/err"
}

# What app reserve refuses: bad arguments (status 2), and anyone without
# CAP_NET_ADMIN (status 1).
case_app_reserve_refused()
{
	local args rc

	command -v setpriv >/dev/null || exit $ksft_skip
	ns_add a
	for args in "app reserve" "app reserve chat" "app reserve chat user" \
		    "app reserve chat user no-such-user-here" \
		    "app reserve chat group no-such-group-here" \
		    "app reserve chat user 4294967295" \
		    "app reserve chat user nobody group nogroup" \
		    "app reserve chat owner nobody" "app unreserve" \
		    "app reserve bad/name/that/is/far/too/long/for/a/type user nobody"; do
		rc=0
		# shellcheck disable=SC2086
		ctl_a $args 2>"$tmp/err" >/dev/null || rc=$?
		test $rc = 2 || { echo "'collabctl $args' exited $rc" >&2; return 1; }
		grep -q "^collabctl: app .*: see 'collabctl app" "$tmp/err" ||
			{ cat "$tmp/err" >&2; return 1; }
	done
	grep -q "no such" <(ctl_a app reserve chat user no-such-user-here 2>&1)

	for args in "app reserve chat user nobody" "app unreserve chat"; do
		rc=0
		# shellcheck disable=SC2086
		ns_exec a "${nobody[@]}" "$ctl" $args 2>"$tmp/err" || rc=$?
		test $rc = 1
		grep -qF "needs CAP_NET_ADMIN" "$tmp/err"
	done
	# None of it happened.
	test "$(ctl_a -j app | json_in "len(j)")" = 0
}

# hold_as USER... -- APP ARGS...: as hold, as USER (a setpriv command line).
hold_as()
{
	local user=()

	while [ "$1" != -- ]; do
		user+=("$1")
		shift
	done
	shift
	rm -f "$tmp/ready"
	ip netns exec "$(ns_name a)" "${user[@]}" "$sock" -a "$@" -H "$tmp/ready" &
	holder=$!
	wait_for test -e "$tmp/ready"
}

# Without CAP_NET_ADMIN: its own instances, and its own members of a
# session; root sees every one.
case_unprivileged_instances()
{
	local mine root_ids rc

	command -v setpriv >/dev/null || exit $ksft_skip
	ns_add a
	# nobody writes its ready file here.
	chmod 1777 "$tmp"
	hold chat -n 2 -s $session
	root_ids=$(sort "$tmp/ready" | tr '\n' ' ' | sed 's/ $//')
	hold_as "${nobody[@]}" -- board -s $session
	mine=$(cat "$tmp/ready")

	ns_exec a "${nobody[@]}" "$ctl" -j instance >"$tmp/inst"
	test "$(json "$tmp/inst" "[(i['id'], i['app'], i['uid']) for i in j]")" = \
		"[[\"$mine\", \"board\", 65534]]"
	ns_exec a "${nobody[@]}" "$ctl" -j session >"$tmp/sess"
	test "$(json "$tmp/sess" "[(s['id'], s['member_count'], [m['id'] for m in s['members']]) for s in j]")" = \
		"[[\"$session\", 1, [\"$mine\"]]]"
	# Another's instance is no instance.
	rc=0
	ns_exec a "${nobody[@]}" "$ctl" instance show id "${root_ids%% *}" \
		2>"$tmp/err" || rc=$?
	test $rc = 1
	grep -q "no instance ${root_ids%% *}" "$tmp/err"
	ns_exec a "${nobody[@]}" "$ctl" instance show id "$mine" | grep -q board

	# root sees all three, and every member.
	test "$(ctl_a -j instance | json_in "len(j)")" = 3
	test "$(ctl_a -j session | json_in "j[0]['member_count']")" = 3
	# A user with no instance sees none, and no session.
	test "$(ns_exec a "${other[@]}" "$ctl" -j instance | json_in "len(j)")" = 0
	test "$(ns_exec a "${other[@]}" "$ctl" -j session | json_in "len(j)")" = 0
}

# Without CAP_NET_ADMIN, monitor prints the events of its own instances,
# not those of root's, and peer events.
case_unprivileged_monitor()
{
	local id=abcdef00abcdef00abcdef00abcdef01
	local root_id=abcdef00abcdef00abcdef00abcdef02 mon

	command -v setpriv >/dev/null || exit $ksft_skip
	two_hosts
	ctl_b node set name bravo
	ip netns exec "$(ns_name a)" "${nobody[@]}" "$ctl" -j monitor \
		>"$tmp/mon" 2>&1 &
	mon=$!
	# Listening once its own probe's bind shows up.
	wait_for sh -c "ip netns exec '$(ns_name a)' ${nobody[*]} '$sock' -a probe;
		grep -q instance_new '$tmp/mon'"
	# root's first, then its own: had root's come, it would be first.
	ns_exec a "$sock" -a chat -i $root_id -s $session
	ns_exec a "${nobody[@]}" "$sock" -a chat -i $id -s $session
	wait_for grep -q "instance_del.*$id\|$id.*instance_del" "$tmp/mon"

	# Peers for everyone.
	ctl_a bearer add udp local 10.77.0.1 dev va discovery 239.77.0.1 >/dev/null
	ctl_b bearer add udp local 10.77.0.2 dev vb discovery 239.77.0.1 >/dev/null
	wait_for grep -q peer_up "$tmp/mon"
	kill -INT $mon
	wait $mon

	expect_fail grep -q "$root_id" "$tmp/mon"
	python3 - "$tmp/mon" "$id" "$(node_id b)" <<-'EOF'
	import json, sys
	events = [json.loads(l) for l in open(sys.argv[1])]
	ours = [e["event"] for e in events
	        if sys.argv[2] in (e.get("id"), e.get("member", {}).get("id"))]
	assert ours == ["instance_new", "session_join", "session_leave",
	                "instance_del"], ours
	peers = [e for e in events if e["event"] == "peer_up"]
	assert [(e["id"], e["name"]) for e in peers] == [(sys.argv[3], "bravo")], peers
	# Nothing but its own probes, its own instance and the peer.
	others = [e for e in events if e["event"].startswith(("instance", "session"))
	          and e.get("app", e.get("member", {}).get("app")) not in ("probe", "chat")]
	assert not others, others
	EOF
}

# Mostly collabctl itself, and slow to start on a debug kernel; the kernel
# side of every command is in netlink_test (keys and trust in keys.sh too).
quick_skip="instances_match_sockets sessions stats unprivileged_reads_only
	bad_arguments valgrind batch bearer peer unprivileged_links monitor_peer
	app_reserve_refused keys peer_keys"
run_cases case_node case_instances_match_sockets case_sessions case_stats \
	case_unprivileged_reads_only case_bad_arguments case_monitor \
	case_valgrind case_batch case_bearer case_peer case_unprivileged_links \
	case_monitor_peer case_keys case_peer_keys case_app_reserve \
	case_app_reserve_refused case_unprivileged_instances \
	case_unprivileged_monitor
