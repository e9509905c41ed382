#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# collabctl against the kernel: what it shows matches the sockets a case
# opened, its JSON parses and has the documented keys, an unprivileged user
# reads but cannot change, bad arguments exit 2, and monitor reports an
# instance binding and closing.
#
#   ns a: collab_sock -a APP ... -H (holds bound instances), collabctl

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

# has_keys FILE EXPR KEY...: the object EXPR in FILE has every KEY.
has_keys()
{
	local file=$1 expr=$2 k

	shift 2
	for k in "$@"; do
		test "$(json "$file" "'$k' in $expr")" = true ||
			{ echo "missing key '$k' in $expr" >&2; return 1; }
	done
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
		    "instance show id nothex" "-x node"; do
		rc=0
		# shellcheck disable=SC2086
		ctl_a $args 2>"$tmp/err" >/dev/null || rc=$?
		test $rc = 2 || { echo "'collabctl $args' exited $rc" >&2; return 1; }
		grep -q "^collabctl: " "$tmp/err" ||
			{ echo "'collabctl $args' gave no message" >&2; return 1; }
	done
	ctl_a --help | grep -q monitor
	ctl_a node help >/dev/null
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

run_cases case_node case_instances_match_sockets case_sessions case_stats \
	case_unprivileged_reads_only case_bad_arguments case_monitor
