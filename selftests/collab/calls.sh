#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Remote calls (collab_call(3)): a call and its reply on one node and
# between two; an operation the server does not have, one that fails, a
# reply that comes too late, a server killed mid-call. collabd as the
# node's transaction server, through "collabctl call": what it answers,
# what it refuses unless allowed, and a start on request.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/hosts_lib.sh"

# server NS NAME: "collab_rpc serve -a NAME" in NS, bound once this
# returns; its GUID in $tmp/NAME.id, its pid in $tmp/NAME.pid.
server()
{
	rm -f "$tmp/$2.id"
	ip netns exec "$(ns_name "$1")" "$rpc" serve -a "$2" -H "$tmp/$2.id" \
		>"$tmp/$2.out" 2>&1 &
	echo $! >"$tmp/$2.pid"
	wait_for test -s "$tmp/$2.id"
}

# call_is NS WANT ARGS...: "collab_rpc call ARGS" in NS prints WANT.
call_is()
{
	local ns=$1 want=$2 out

	shift 2
	out=$(ns_exec "$ns" "$rpc" call "$@" 2>&1) || true
	[ "$out" = "$want" ] && return 0
	echo "collab_rpc call $*: '$out', not '$want'" >&2
	return 1
}

# A call and its reply; an unknown operation, one that fails, a timeout,
# and a server that stays useful after each.
case_local()
{
	ns_add a
	server a srv
	call_is a "ok one=1 two=zwei" -A srv -o echo one=1 two=zwei
	call_is a "ok" -A srv -o echo
	call_is a "error EOPNOTSUPP: Operation not supported: no operation frobnicate" \
		-A srv -o frobnicate
	call_is a "error EPERM: Operation not permitted" -A srv -o fail errno=1
	call_is a "error ETIMEDOUT: no message (or reply to a call) within the timeout" \
		-A srv -o sleep ms=1500 -t 300
	call_is a "ok" -A srv -o sleep ms=10
	call_is a "ok k=v" -G "$(cat "$tmp/srv.id")" -o echo k=v
	# Nobody of that type: refused at once.
	call_is a "error EHOSTUNREACH: No route to host" -A nobody -o echo
}

# server_gone NS NAME...: the server ended before it replied: the caller
# knows within seconds, not at its timeout.
server_gone()
{
	local ns=$1 t0

	shift
	ns_exec "$ns" "$rpc" call "$@" -o sleep ms=60000 -t 30000 \
		>"$tmp/gone.out" 2>&1 &
	echo $! >"$tmp/gone.pid"
	wait_for grep -q sleeping "$tmp/srv.out"
	t0=$SECONDS
	kill -9 "$(cat "$tmp/srv.pid")"
	wait "$(cat "$tmp/gone.pid")" || true
	cat "$tmp/gone.out"
	grep -q "^error ECONNRESET" "$tmp/gone.out"
	echo "known in $((SECONDS - t0)) s"
	test $((SECONDS - t0)) -lt 10
}

case_server_killed()
{
	ns_add a
	server a srv
	server_gone a -A srv
	server a srv
	server_gone a -G "$(cat "$tmp/srv.id")"
}

# The same between nodes: by type on a node, by GUID, and killed.
case_remote()
{
	two_hosts
	link_up
	server b srv
	wait_for remote_knows a 1
	call_is a "ok x=1" -A srv -N "$(node_id b)" -o echo x=1
	call_is a "ok y=2" -G "$(cat "$tmp/srv.id")" -o echo y=2
	call_is a "error EOPNOTSUPP: Operation not supported: no operation nope" \
		-A srv -N "$(node_id b)" -o nope
	server_gone a -A srv -N "$(node_id b)"
}

# field_is FILE KEY VALUE: "collabctl call" printed "KEY VALUE".
field_is()
{
	grep -qx "$2 $3" "$1" || { cat "$1" >&2; return 1; }
}

# ctl_fails NS ARGS...: "collabctl ARGS" in NS fails; what it said is in
# $tmp/call.err.
ctl_fails()
{
	if ctl_in "$@" 2>"$tmp/call.err"; then
		echo "expected to fail: collabctl ${*:2}" >&2
		return 1
	fi
	cat "$tmp/call.err"
}

# collabd answers status and apps from another node; start only when
# allowed (EPERM otherwise), and then the instance runs.
case_collabd()
{
	local out=$tmp/call.out err=$tmp/call.err

	two_hosts
	link_up
	cat >"$tmp/hold.sh" <<-EOF
		#!/bin/sh
		echo "\$COLLAB_APP \$COLLAB_REQUEST" >$tmp/started
		exec sleep 60
	EOF
	app_file hold "exec = /bin/sh $tmp/hold.sh" "instances = 1" \
		"restart = no"
	collabd_start a
	wait_for remote_knows b 1

	ctl_in b call "$(node_id a)" status >"$out"
	field_is "$out" node "$(node_id a)"
	field_is "$out" types 1
	field_is "$out" running 0
	ctl_in a call local apps >"$out"
	field_is "$out" name hold
	field_is "$out" policy shared
	field_is "$out" limit 1
	ctl_in b -j call "$(node_id a)" apps |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["result"];
assert r[0] == {"key": "name", "value": "hold"}, r
assert {"key": "limit", "value": 1} in r, r'

	ctl_fails b call "$(node_id a)" start app=hold
	grep -q "Operation not permitted: start is not allowed on this node" "$err"
	grep -q "call start from $(node_id b): not allowed" "$tmp/collabd.a"
	ctl_fails b call "$(node_id a)" reboot
	grep -q "Operation not supported" "$err"
	ctl_fails b call "$(node_id a)" start
	grep -q "call start on $(node_id a): Operation not permitted" "$err"

	kill "$(cat "$tmp/collabd.a.pid")"
	wait_for stat_is b remote_instances 0
	collabd_start a -a status,start
	wait_for remote_knows b 1
	ctl_in b call "$(node_id a)" start app=hold >"$out"
	grep -q "^pid [0-9]" "$out"
	wait_for test -s "$tmp/started"
	grep -qx "hold 0" "$tmp/started"
	ctl_in b call "$(node_id a)" status >"$out"
	field_is "$out" running 1
	ctl_fails b call "$(node_id a)" start app=hold
	grep -q "Resource temporarily unavailable: 1 instances of hold run, the limit" "$err"
	ctl_fails b call "$(node_id a)" start app=none
	grep -q "No such file or directory: no application file describes none" "$err"
	ctl_fails b call "$(node_id a)" apps
	grep -q "apps is not allowed" "$err"
	# No collabd on the node: refused, and the message says what to do.
	kill "$(cat "$tmp/collabd.a.pid")"
	wait_for stat_is a instances 0
	ctl_fails a call local status
	grep -q "is collabd running there" "$err"
}

# collabd's answers and its policy are its own: the kernel carries them as
# it carries remote's.
quick_skip="collabd"
run_cases case_local case_server_killed case_remote case_collabd
