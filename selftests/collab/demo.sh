#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo (tools/demo/run, 'make demo') and the chat it runs: the chat is
# written against <collab.h> alone; the demo's two sessions between two
# hosts, each with a chat that collabd starts on host2 for it, run to the
# end and leave nothing behind; the application file 'make install'
# installs starts a chat that keeps a session's transcript; a chat started
# for an invitation takes nothing else first and lets no name from another
# node lead a file name out of its directory; a third member joins a
# session it knows, with lines typed as it goes; an invitation waits for a
# chat to take it.
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
for f in "$demo_chat" "$demo_ctl" "$demo_collabd"; do
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
	in_host_bg "$host" "$demo_chat" --name "$name" --timeout 60 "$@" \
		>>"$tmp/out" 2>"$tmp/$name.err"
	echo $! >"$tmp/$name.pid"
}

# collabd_on HOST: collabd on HOST with the application files of
# $tmp/apps, its log in $tmp/collabd.log, its pid in $tmp/collabd.pid; its
# types are registered once this returns.
collabd_on()
{
	in_host_bg "$1" "$demo_collabd" -d "$tmp/apps" 2>>"$tmp/collabd.log"
	echo $! >"$tmp/collabd.pid"
	await grep -q "application types" "$tmp/collabd.log"
	test "$(readlink "/proc/$!/exe")" = "$demo_collabd"
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

# lines_in FILE TEXT: how many lines of FILE (without their time) are TEXT.
lines_in()
{
	cut -d' ' -f2- "$1" | grep -cxF -- "$2"
}

# no_remote HOST: HOST knows no instance of the other host (for waits,
# which run it again each time).
no_remote()
{
	test "$(host_stat "$1" remote_instances)" = 0
}

# runs PROGRAM: a process runs PROGRAM (a path).
runs()
{
	local f

	for f in /proc/[0-9]*/exe; do
		[ "$(readlink "$f" 2>/dev/null)" != "$1" ] || return 0
	done
	return 1
}

# The chat includes no socket, address or protocol header, names no
# address family or socket option, and calls no socket function itself.
case_network_unaware()
{
	local src=("$top"/tools/chat/*.c) headers allowed
	local sockets='socket|socketpair|bind|connect|listen|accept|accept4|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|setsockopt|getsockopt|getsockname|getpeername|shutdown|getaddrinfo|gethostbyname|inet_pton|inet_ntop|if_nametoindex'

	allowed='collab|errno|fcntl|getopt|limits|poll|signal|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|sys/stat|time|unistd'
	headers=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "${src[@]}")
	echo "$headers" | grep -qx collab.h
	[ -z "$(echo "$headers" | grep -vxE "($allowed)\.h")" ]
	[ -z "$(grep -nE '#[[:space:]]*include[[:space:]]*[<"](sys/socket|sys/un|netinet/|arpa/|net/|netdb|netpacket/|ifaddrs|linux/)' "${src[@]}")" ]
	[ -z "$(grep -nwE '(AF|PF|SOCK|SOL|IPPROTO|MSG)_[A-Z_]+|sockaddr[a-z_]*|in6?_addr' "${src[@]}")" ]
	nm -D --undefined-only "$demo_chat" | grep -q ' collab_send@'
	[ -z "$(nm -D --undefined-only "$demo_chat" | awk '{ sub(/@.*/, "", $NF); print $NF }' |
		grep -xE "$sockets")" ]
}

# The demo passes its own checks: host2's two chats are the ones collabd
# started, one per session, and their transcripts hold every line of
# their session; the kernel is left with nothing stored, nothing waiting
# for an instance and no instances once the chats are gone.
case_demo()
{
	local name s

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
	# On host2, collabd started both chats; each kept its session's file.
	test "$(grep -c '^# host2: collabd: started chat (pid [0-9]*) for request [0-9]* of a session$' \
		"$tmp/demo.out")" = 2
	for name in alice:bob carol:dave; do
		s=$(sed -n "s/^[^ ]* \[host1\] ${name%:*} opens session \([0-9a-f]\{32\}\) .*/\1/p" \
			"$tmp/demo/host1")
		test "$(lines_in "$tmp/demo/host2/$s.log" "[host2] ${name#*:} joins session $s")" = 1
		test "$(grep -c "\] ${name#*:} <- ${name%:*}@host1 (session ${s:0:8}…): " \
			"$tmp/demo/host2/$s.log")" = 3
		test "$(grep -c "\] ${name#*:} -> session ${s:0:8}…: " "$tmp/demo/host2/$s.log")" = 3
	done
	test "$(find "$tmp/demo/host2" -type f | wc -l)" = 2
	expect_fail runs "$demo_chat"
	expect_fail runs "$demo_collabd"
	hosts_linked
	wait_up_to 5 no_remote host1
	wait_up_to 5 no_remote host2
	test "$(host_stat host1 stored)" = 0
	test "$(host_stat host2 stored)" = 0
	test "$(host_stat host2 act_waiting)" = 0
}

# The application file 'make install' installs, with its program and its
# transcripts' directory moved into the build and $tmp: collabd on host2
# starts a chat for the session a chat on host1 opens. It takes the name
# the invitation asks for, says nothing, keeps the session's transcript
# in a directory it makes, stays until the other has left, and ends well.
case_app_file()
{
	local s log line

	up
	mkdir -p "$tmp/apps"
	sed -e "s|@BINDIR@|$top/build/tools/chat|" -e "s|/var/lib/collab/chat/|$tmp/var/chat/|" \
		"$top/tools/chat/collab-chat.app.in" >"$tmp/apps/collab-chat.app"
	grep -qx "exec = $demo_chat .* --transcript $tmp/var/chat/%s.log" "$tmp/apps/collab-chat.app"
	"$demo_collabd" --check -d "$tmp/apps" | grep -qx "$tmp/apps/collab-chat.app: chat, per-session"
	collabd_on host2
	chat host1 alice --open "$(host_stat host2 node)" --to bob "First line." "Second line."
	ended alice
	s=$(session_of alice)
	test -n "$s"
	log=$tmp/var/chat/$s.log
	await grep -q "^collabd: chat (pid [0-9]*) exited" "$tmp/collabd.log"
	cat "$tmp/out" "$log" "$tmp/collabd.log"
	grep -qx "collabd: chat (pid [0-9]*) exited with status 0" "$tmp/collabd.log"
	test "$(grep -c "^collabd: started chat " "$tmp/collabd.log")" = 1
	test "$(stat -c %a "$tmp/var/chat")" = 750
	for line in "[host2] bob joins session $s" \
		    "[host2] bob <- alice@host1 (session ${s:0:8}…): First line." \
		    "[host2] bob <- alice@host1 (session ${s:0:8}…): Second line." \
		    "[host2] bob is done" \
		    "[host2] bob <- alice@host1 (session ${s:0:8}…) leaves" \
		    "[host2] bob leaves session ${s:0:8}…"; do
		test "$(lines_in "$log" "$line")" = 1
	done
	grep -qx "[^ ]* \[host2\] bob <- alice@host1 (session ${s:0:8}…) invites bob" "$log"
	test -z "$(grep -v ' \[host2\] bob ' "$log")"
	seen "[host1] alice <- bob@host2 (session ${s:0:8}…) joins"
}

# invited_again N: NAME has sent its invitation again N times or more.
invited_again()
{
	test "$(grep -c "\] $1 invites [^ ]* again$" "$tmp/out")" -ge "$2"
}

# While collabd cannot start a chat (stopped), the invitations sent again
# wait in the kernel behind the first: the chat started then gets each of
# them once, in order, takes the first, and the conversation loses and
# repeats no line.
case_invitations_held()
{
	local s n log line

	up
	mkdir -p "$tmp/apps" "$tmp/lines"
	printf '%s\n' "Bob here." "Fine, thanks." >"$tmp/lines/bob"
	printf '%s\n' "exec = $demo_chat --join \${COLLAB_SESSION} --invited --turns --stay --timeout 60 --file $tmp/lines/%n --transcript $tmp/t/%s.log" \
		"policy = per-session" "restart = no" >"$tmp/apps/chat.app"
	collabd_on host2
	kill -STOP "$(cat "$tmp/collabd.pid")"
	chat host1 alice --open "$(host_stat host2 node)" --to bob --turns --stay \
		"Hi, who is there?" "How are you?"
	await invited_again alice 2
	kill -CONT "$(cat "$tmp/collabd.pid")"
	ended alice
	s=$(session_of alice)
	log=$tmp/t/$s.log
	await grep -q "^collabd: chat (pid [0-9]*) exited" "$tmp/collabd.log"
	cat "$tmp/out" "$log" "$tmp/collabd.log"
	grep -qx "collabd: chat (pid [0-9]*) exited with status 0" "$tmp/collabd.log"
	test "$(grep -c "^collabd: started chat " "$tmp/collabd.log")" = 1
	# Every invitation alice sent, and each once.
	n=$(grep -c "\] alice \(opens session $s and \)\{0,1\}invites bob" "$tmp/out")
	test "$n" -ge 3
	test "$(grep -c "\] bob <- alice@host1 (session ${s:0:8}…) invites bob$" "$log")" = "$n"
	test "$(sed -n 1p "$log" | cut -d' ' -f2-)" = \
		"[host2] bob <- alice@host1 (session ${s:0:8}…) invites bob"
	test "$(sed -n 2p "$log" | cut -d' ' -f2-)" = "[host2] bob joins session $s"
	for line in "Hi, who is there?" "How are you?"; do
		test "$(lines_in "$log" "[host2] bob <- alice@host1 (session ${s:0:8}…): $line")" = 1
		test "$(grep -cF -- "] alice -> session ${s:0:8}…: $line" "$tmp/out")" = 1
	done
	for line in "Bob here." "Fine, thanks."; do
		test "$(lines_in "$log" "[host2] bob -> session ${s:0:8}…: $line")" = 1
		test "$(grep -cF -- "] alice <- bob@host2 (session ${s:0:8}…): $line" "$tmp/out")" = 1
	done
}

# A chat started for an invitation takes nothing else first: with none,
# it gives up. A name asked for from another node is no way out of a
# directory: the chat refuses it before it makes any file, and no line of
# the file it would lead to is said.
case_invited_checks()
{
	local sid=5e551000000000000000000000000001

	up
	if in_host host1 "$demo_chat" --join "$sid" --invited --timeout 1 "Hello" \
		>"$tmp/none.out" 2>"$tmp/none.err"; then
		false
	fi
	cat "$tmp/none.err"
	grep -qx "collab-chat: no invitation to session $sid came" "$tmp/none.err"
	test ! -s "$tmp/none.out"

	mkdir -p "$tmp/apps" "$tmp/lines"
	echo "The secret." >"$tmp/secret"
	echo "Hi." >"$tmp/lines/bob"
	printf '%s\n' "exec = $demo_chat --join \${COLLAB_SESSION} --invited --stay --timeout 20 --file $tmp/lines/%n --transcript $tmp/t/%s.log" \
		"policy = per-session" "restart = no" >"$tmp/apps/chat.app"
	collabd_on host2
	chat host1 mallory --open "$(host_stat host2 node)" --to ../secret --timeout 3 "Tell me."
	expect_fail ended mallory
	await grep -q "^collabd: chat (pid [0-9]*) exited" "$tmp/collabd.log"
	cat "$tmp/collabd.log"
	grep -q "^collab-chat: $tmp/lines/%n: the name '../secret' cannot be a file name$" \
		"$tmp/collabd.log"
	test -z "$(grep "^collabd: chat (pid [0-9]*) exited with status [^1]" "$tmp/collabd.log")"
	test -z "$(grep -F "The secret." "$tmp/out")"
	test ! -e "$tmp/t"
	expect_fail seen "[host1] mallory <- ../secret@host2 (session $(session_of mallory | cut -c1-8)…) joins"
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

# Long runs of paths invitation_waits takes too, and the chat's own
# checks, whose kernel paths (activation, the hand-over at a join)
# activation.sh takes.
quick_skip="demo join_with_input app_file invitations_held invited_checks"
run_cases case_network_unaware case_demo case_app_file case_invitations_held \
	case_invited_checks case_join_with_input case_invitation_waits
