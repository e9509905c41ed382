#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo (tools/demo/run, 'make demo') and the chat it runs: the chat is
# written against <collab.h> alone; the demo's two sessions between two
# hosts run to the end and leave nothing behind; a third member joins a
# session it knows, with lines typed as it goes; an invitation waits for
# a chat to take it.
#
#   +--------------------+           +--------------------+
#   | host1              |   veth    | host2              |
#   |  10.78.0.1         |-----------|  10.78.0.2         |
#   |  bearer udp :6118  |           |  bearer udp :6118  |
#   +--------------------+           +--------------------+
#
# Discovery group 239.78.0.1; tools/demo/lib.sh sets them up.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
top=$(readlink -f "$here/../../..")
source "$top/tools/demo/lib.sh"
tmp=/tmp/collab-demo-test-$$

[ "$(id -u)" = 0 ] || { echo "# needs root"; exit $ksft_skip; }
for f in "$demo_chat" "$demo_ctl"; do
	[ -x "$f" ] || { echo "# no $f"; exit 1; }
done
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# up: host1 and host2, removed when the case ends, and no chat output yet.
up()
{
	namespaces+=("${demo_hosts[@]}")
	: >"$tmp/out"
	hosts_up
}

# chat HOST NAME ARGS...: collab-chat in the background, its lines in
# $tmp/out, its pid in $tmp/NAME.pid.
chat()
{
	local host=$1 name=$2

	shift 2
	in_host "$host" "$demo_chat" --name "$name" --timeout 60 "$@" \
		>>"$tmp/out" 2>"$tmp/$name.err" &
	echo $! >"$tmp/$name.pid"
}

# ended NAME: the chat NAME exits 0; its errors are shown either way,
# and what the chats printed when it failed.
ended()
{
	local rc=0

	wait "$(cat "$tmp/$1.pid")" || rc=$?
	sed "s/^/$1: /" "$tmp/$1.err"
	[ "$rc" = 0 ] || { echo "$1 exits $rc"; cat "$tmp/out"; }
	return $rc
}

# await CMD...: CMD succeeds within 10 s (else what the chats printed).
await()
{
	wait_up_to 10 "$@" && return
	echo "timed out waiting for: $*"
	cat "$tmp/out"
	return 1
}

# typing NAME: the chat NAME reads its lines from the pipe $tmp/in/NAME,
# held open by a process of its own (so that no other child of this shell
# holds it) until end_of_input NAME.
typing()
{
	mkdir -p "$tmp/in"
	mkfifo "$tmp/in/$1"
	sleep 600 >"$tmp/in/$1" &
	echo $! >"$tmp/$1.hold"
}

# type NAME LINE: NAME gets LINE to say.
type_line()
{
	echo "$2" >"$tmp/in/$1"
}

end_of_input()
{
	kill "$(cat "$tmp/$1.hold")"
}

# seen TEXT: a line of $tmp/out (without its time) is TEXT.
seen()
{
	cut -d' ' -f2- "$tmp/out" | grep -qxF -- "$1"
}

# session_of NAME: the session NAME opened.
session_of()
{
	sed -n "s/.*\] $1 opens session \([0-9a-f]\{32\}\) .*/\1/p" "$tmp/out"
}

# The chat includes no socket, address or protocol header, names no
# address family or socket option, and calls no socket function itself.
case_network_unaware()
{
	local src=("$top"/tools/chat/*.c) headers allowed
	local sockets='socket|socketpair|bind|connect|listen|accept|accept4|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|setsockopt|getsockopt|getsockname|getpeername|shutdown|getaddrinfo|gethostbyname|inet_pton|inet_ntop|if_nametoindex'

	allowed='collab|errno|fcntl|getopt|limits|poll|signal|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|time|unistd'
	headers=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "${src[@]}")
	echo "$headers" | grep -qx collab.h
	[ -z "$(echo "$headers" | grep -vxE "($allowed)\.h")" ]
	[ -z "$(grep -nE '#[[:space:]]*include[[:space:]]*[<"](sys/socket|sys/un|netinet/|arpa/|net/|netdb|netpacket/|ifaddrs|linux/)' "${src[@]}")" ]
	[ -z "$(grep -nwE '(AF|PF|SOCK|SOL|IPPROTO|MSG)_[A-Z_]+|sockaddr[a-z_]*|in6?_addr' "${src[@]}")" ]
	nm -D --undefined-only "$demo_chat" | grep -q ' collab_send@'
	[ -z "$(nm -D --undefined-only "$demo_chat" | awk '{ sub(/@.*/, "", $NF); print $NF }' |
		grep -xE "$sockets")" ]
}

# The demo passes its own checks, and the kernel is left with nothing
# stored and no instances once the chats are gone.
case_demo()
{
	local name

	namespaces+=("${demo_hosts[@]}")
	"$top/tools/demo/run" -k -o "$tmp/demo" >"$tmp/demo.out" 2>&1 ||
		{ cat "$tmp/demo.out"; return 1; }
	grep -E '^# ([0-9]+) of \1 checks passed$' "$tmp/demo.out"
	# Three lines said in each direction of each session, each received once.
	for name in "alice <- bob@host2" "bob <- alice@host1" "carol <- dave@host2" \
		    "dave <- carol@host1"; do
		test "$(grep -c "\] $name (session [0-9a-f]\{8\}…): " "$tmp/demo.out")" = 3
	done
	test "$(grep -c '\] [a-z]* leaves session ' "$tmp/demo.out")" = 4
	hosts_linked
	wait_up_to 5 test "$(host_stat host1 remote_instances)" = 0
	wait_up_to 5 test "$(host_stat host2 remote_instances)" = 0
	test "$(host_stat host1 stored)" = 0
	test "$(host_stat host2 stored)" = 0
}

# A third member joins a session by its id; lines come from input as it
# is written; all three hear every line, and stay until all are done.
case_join_with_input()
{
	local s who

	up
	typing bob
	chat host2 bob --accept --stay -f "$tmp/in/bob"
	await knows host1 1
	typing alice
	chat host1 alice --open "$(host_stat host2 node)" --stay -f "$tmp/in/alice"
	await grep -q '\] alice <- bob@host2 (session .*) joins$' "$tmp/out"
	s=$(session_of alice)
	test -n "$s"

	typing eve
	chat host2 eve --join "$s" --stay -f "$tmp/in/eve"
	for who in "alice <- eve@host2" "bob <- eve@host2"; do
		await grep -q "\] $who (session ${s:0:8}…) joins$" "$tmp/out"
	done
	for who in "eve <- alice@host1" "eve <- bob@host2"; do
		await grep -q "\] $who (session ${s:0:8}…) is here$" "$tmp/out"
	done

	type_line alice "Hello, both of you."
	type_line eve "Hi, I am eve."
	type_line bob "Welcome, eve."
	await seen "[host2] eve <- bob@host2 (session ${s:0:8}…): Welcome, eve."
	for who in alice bob eve; do
		end_of_input $who
	done
	for who in alice bob eve; do
		ended $who
	done
	cat "$tmp/out"
	seen "[host2] bob <- alice@host1 (session ${s:0:8}…): Hello, both of you."
	seen "[host2] eve <- alice@host1 (session ${s:0:8}…): Hello, both of you."
	seen "[host1] alice <- eve@host2 (session ${s:0:8}…): Hi, I am eve."
	seen "[host2] bob <- eve@host2 (session ${s:0:8}…): Hi, I am eve."
	seen "[host1] alice <- bob@host2 (session ${s:0:8}…): Welcome, eve."
	test "$(grep -c '\] [a-z]* leaves session ' "$tmp/out")" = 3
}

# An invitation sent before any chat on the node takes invitations goes
# again until one does.
case_invitation_waits()
{
	up
	chat host1 alice --open "$(host_stat host2 node)" --to bob --turns --stay \
		"Anyone there?" "Good."
	await grep -q '\] alice invites bob again$' "$tmp/out"
	chat host2 bob --accept --turns --stay "Yes, me."
	ended alice
	ended bob
	cat "$tmp/out"
	seen "[host2] bob <- alice@host1 (session $(session_of alice | cut -c1-8)…): Good."
	seen "[host1] alice <- bob@host2 (session $(session_of alice | cut -c1-8)…): Yes, me."
}

# Long runs of paths invitation_waits takes too.
quick_skip="demo join_with_input"
run_cases case_network_unaware case_demo case_join_with_input case_invitation_waits
