#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Activation: a message for an application type that no instance takes
# waits, when the type is activatable ("collabctl app add"), until an
# instance binds the type (and, for a type with one instance per session,
# joins the message's session); an activator hears of each request on
# the "activation" group. Here "collabctl monitor activation" listens and
# the test starts the instances. From this node and from a peer; shared
# and per-session types; order across the hand-over; timeouts, failures,
# withdrawals and budgets, each with the receipts it gives.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/hosts_lib.sh"

# listening NS: a generic netlink socket of NS has joined a group: the
# activator listens.
listening()
{
	awk '$2 == 16 && $4 != "00000000" { f = 1 } END { exit !f }' \
		"/proc/${ns_holder[$1]}/net/netlink"
}

# activator NS: "collabctl monitor activation" in NS, its lines in
# $tmp/act.NS, listening once this returns.
activator()
{
	ip netns exec "$(ns_name "$1")" "$ctl" monitor activation \
		>"$tmp/act.$1" 2>&1 &
	echo $! >"$tmp/act.$1.pid"
	wait_for listening "$1"
}

# sender NS NAME ARGS...: collab_msg send in the background, from an
# instance of type "s"; its output in $tmp/NAME.out, its pid in
# $tmp/NAME.pid (for finish).
sender()
{
	local ns=$1 name=$2

	shift 2
	ip netns exec "$(ns_name "$ns")" "$msg" send -a s "$@" \
		>"$tmp/$name.out" 2>&1 &
	echo $! >"$tmp/$name.pid"
}

# app_json NS APP EXPRS: the Python expressions EXPRS (a list of them
# prints them apart by spaces) of "collabctl -j app show APP", a list j.
app_json()
{
	ctl_in "$1" -j app show "$2" |
		python3 -c "import json, sys; j = json.load(sys.stdin); print($3)"
}

requests_are()
{
	test "$(app_json "$1" "$2" "len(j[0]['requests'])")" = "$3"
}

# A message for a type that is not activatable is refused at once, as
# before; "app add" registers one, "app show" shows its settings.
case_registered()
{
	ns_add a
	expect_errno EHOSTUNREACH send -a s -k app -A chat
	ctl_in a app add chat
	ctl_in a app add board policy per-session timeout 5000 hold 65536
	ctl_in a app show
	test "$(app_json a chat "j[0]['policy'], j[0]['timeout_ms']")" = \
		"shared 30000"
	test "$(app_json a board "j[0]['policy'], j[0]['hold_bytes']")" = \
		"per-session 65536"
	# Changed in place: what is not named stays.
	ctl_in a app add board timeout 7000
	test "$(app_json a board "j[0]['policy'], j[0]['timeout_ms']")" = \
		"per-session 7000"
	expect_fail ctl_in a app show nosuch
	expect_fail ctl_in a app add "$(printf 'x%.0s' {1..32})"
	ctl_in a app del board
	expect_fail ctl_in a app del board
	expect_errno EHOSTUNREACH send -a s -k app -A board
}

# Three messages wait for an instance of "chat" on this node; the
# activator hears of one request; the instance that binds gets them, and
# their senders get receipts. A message of a session that instance did
# not join then reaches it too: the type's one shared instance takes
# every session.
case_local()
{
	ns_add a
	ctl_in a app add chat
	activator a
	sender a s1 -k app -A chat -n 3 -C 0 -w 60
	wait_for stat_is a act_waiting 3
	test "$(app_json a chat "j[0]['held_msgs'], len(j[0]['requests'])")" = \
		"3 1"
	wait_for grep -q "^app_activate chat: request 1 session 0\{32\} from $(node_id a) " "$tmp/act.a"
	receiver a r -a chat -n 4
	finish s1
	grep -qx "receipts 3" "$tmp/s1.out"
	ns_exec a "$msg" send -a s -k app -A chat -s "$s1"
	finish r
	grep -q "received 4 from 2 senders" "$tmp/r.out"
	test "$(stat a activations)" = 1
	test "$(stat a act_held)" = 3
	test "$(stat a act_delivered)" = 3
	stat_is a act_waiting 0
}

# A sender keeps sending while the instance starts: every message arrives
# once and in order, whether it waited or came after the hand-over.
case_order()
{
	local n=2000

	ns_add a
	ctl_in a app add chat hold 16777216
	sender a s1 -k app -A chat -n $n -I 1
	wait_for stat_sum_ge a 100 act_held
	receiver a r -a chat -n $n -w 120
	finish s1
	finish r
	echo "$(stat a act_held) waited, $(stat a act_delivered) handed over"
	test "$(stat a act_held)" = "$(stat a act_delivered)"
	test "$(stat a act_held)" -lt $n
}

# One instance per session: messages of two sessions are two requests;
# an instance that joins one session gets that session's messages only.
case_per_session()
{
	ns_add a
	ctl_in a app add board policy per-session
	activator a
	ns_exec a "$msg" send -a s -k app -A board -s "$s1" -n 2
	ns_exec a "$msg" send -a s -k app -A board -s "$s2"
	wait_for stat_is a act_waiting 3
	requests_are a board 2
	wait_for test "$(grep -c '^app_activate board:' "$tmp/act.a")" = 2
	grep -q "session $s1" "$tmp/act.a"
	grep -q "session $s2" "$tmp/act.a"
	receiver a r1 -a board -s "$s1" -n 2
	finish r1
	stat_is a act_waiting 1
	requests_are a board 1
	receiver a r2 -a board -s "$s2" -n 1
	finish r2
	stat_is a act_waiting 0
}

# No instance in time: the senders learn ETIMEDOUT.
case_timeout()
{
	ns_add a
	ctl_in a app add chat timeout 300
	ns_exec a "$msg" send -a s -k app -A chat -n 2 -C ETIMEDOUT -w 20
	test "$(stat a drop_act_timeout)" = 2
	stat_is a act_waiting 0
	requests_are a chat 0
}

# The activator could not start a request, or the type is withdrawn:
# what waited is refused (ECONNREFUSED, or the errno the activator
# names); a type withdrawn is refused at once after.
case_fail_del()
{
	local id

	ns_add a
	ctl_in a app add chat
	sender a s1 -k app -A chat -C EACCES -w 30
	wait_for stat_is a act_waiting 1
	id=$(app_json a chat "j[0]['requests'][0]['id']")
	ctl_in a app fail chat "$id" errno 13
	finish s1
	expect_fail ctl_in a app fail chat "$id"
	sender a s2 -k app -A chat -n 2 -C ECONNREFUSED -w 30
	wait_for stat_is a act_waiting 2
	ctl_in a app del chat
	finish s2
	test "$(stat a drop_act_failed)" = 3
	expect_errno EHOSTUNREACH send -a s -k app -A chat
}

# What waits is bounded: past the type's budget a send fails with
# ENOBUFS, counted.
case_budget()
{
	ns_add a
	ctl_in a app add chat hold 8192
	expect_errno ENOBUFS send -a s -k app -A chat -n 20 -z 1000
	test "$(stat a drop_act_full)" -ge 1
	test "$(app_json a chat "j[0]['held_bytes'] <= 8192")" = True
	ctl_in a app del chat
	stat_is a act_waiting 0
}

# From a peer: the messages wait on b, and the instance that binds there
# gets them; a's sender gets its receipts, which come after later
# messages' would. With no instance in time, a's sender learns ETIMEDOUT.
case_remote()
{
	two_hosts
	link_up
	ctl_in b app add chat
	ctl_in b app add slow timeout 500
	activator b
	sender a s1 -k app -A chat -N "$(node_id b)" -n 5 -C 0 -w 60
	wait_for stat_is b act_waiting 5
	wait_for grep -q "^app_activate chat: .* from $(node_id a) " "$tmp/act.b"
	receiver b r -a chat -n 5
	finish r
	finish s1
	grep -qx "receipts 5" "$tmp/s1.out"
	ns_exec a "$msg" send -a s -k app -A slow -N "$(node_id b)" -n 3 \
		-C ETIMEDOUT -w 20
	test "$(stat b drop_act_timeout)" = 3
	test "$(stat a drop_receipt)" = 0
}

# The activator goes and comes back (registering its types again, as
# collabd does when it restarts): nothing that waited is lost.
case_activator_restart()
{
	ns_add a
	ctl_in a app add chat
	activator a
	ns_exec a "$msg" send -a s -k app -A chat -n 4
	wait_for stat_is a act_waiting 4
	kill "$(cat "$tmp/act.a.pid")"
	ctl_in a app add chat
	activator a
	requests_are a chat 1
	receiver a r -a chat -n 4
	finish r
}

# A script for an application file: receive COUNT messages of type APP,
# in the request's session if there is one, into $tmp/APP.REQUEST.out.
receive_script()
{
	local app=$1 count=$2

	cat >"$tmp/$app.sh" <<-EOF
		#!/bin/sh
		exec $msg recv -a $app \${COLLAB_SESSION:+-s \$COLLAB_SESSION} \\
			-n $count -w 60 >$tmp/$app.\$COLLAB_REQUEST.out 2>&1
	EOF
}

# outs_are APP N: N instances of APP wrote their output (for wait_for,
# which runs it again each time).
outs_are()
{
	local f n=0

	for f in "$tmp/$1".*.out; do
		[ -e "$f" ] && n=$((n + 1))
	done
	test "$n" = "$2"
}

# received_are APP N: instances of APP received N messages in all.
received_are()
{
	test "$(cat "$tmp/$1".*.out 2>/dev/null |
		sed -n 's/^received \([0-9]*\) from.*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }')" = "$2"
}

# collabd: its files are checked line by line; it registers their types
# and starts the command of a shared type for the messages that wait,
# and one instance per session of a per-session type up to the file's
# limit: beyond it a request waits for an instance to end, here past the
# type's timeout (ETIMEDOUT). The timeout grows with wait_s: starting an
# instance takes seconds on a debug kernel.
case_collabd()
{
	local timeout=$((wait_s * 400))

	ns_add a
	app_file broken "exec = true" "policy = sometimes"
	if "$collabd" --check -d "$tmp/apps" 2>"$tmp/check.out"; then
		false
	fi
	cat "$tmp/check.out"
	grep -q "broken.app:1: exec 'true' must start with an absolute path" "$tmp/check.out"
	grep -q "broken.app:2: policy 'sometimes'" "$tmp/check.out"
	rm "$tmp/apps/broken.app"

	receive_script chat 2
	receive_script board 1
	app_file chat "exec = /bin/sh $tmp/chat.sh" "restart = no"
	app_file board "exec = /bin/sh $tmp/board.sh" "policy = per-session" \
		"instances = 2" "restart = no" "timeout = $timeout"
	"$collabd" --check -d "$tmp/apps"
	collabd_start a
	ns_exec a "$msg" send -a s -k app -A chat -n 2 -C 0 -w 30
	wait_for received_are chat 2

	sender a b1 -k app -A board -s "$s1" -C 0 -w 30
	sender a b2 -k app -A board -s "$s2" -C 0 -w 30
	finish b1
	finish b2
	wait_for received_are board 2
	# Two sessions, two instances: a third session while they run.
	receive_script board 5
	sender a b3 -k app -A board -s "$s1" -n 2
	sender a b4 -k app -A board -s "$s2" -n 2
	wait_for outs_are board 4
	ns_exec a "$msg" send -a s -k app -A board \
		-s 5e551000000000000000000000000003 -C ETIMEDOUT -w 30
	cat "$tmp/collabd.a"
	grep -q "waits: 2 instances run, the limit" "$tmp/collabd.a"
}

# held_is NS APP KEY VALUE: "collabctl -j app show APP" says KEY is VALUE.
held_is()
{
	test "$(ctl_in "$1" -j app show "$2" | python3 -c '
import json, sys
print(json.load(sys.stdin)[0].get(sys.argv[1], 0))' "$3")" = "$4"
}

# 100 requests at once for a type of at most 10 instances, which stay
# until told to go: 10 run, the messages of the other 90 wait within the
# type's budget, and once the first ones end every message arrives, with
# never more than 10 instances at once.
case_collabd_many()
{
	local i sid bytes

	ns_add a
	cat >"$tmp/many.sh" <<-EOF
		#!/bin/sh
		$msg recv -a many -s \$COLLAB_SESSION -n 1 -w 120 \
			>$tmp/many.\$COLLAB_REQUEST.out 2>&1
		while [ ! -e $tmp/go ]; do sleep 0.1; done
	EOF
	app_file many "exec = /bin/sh $tmp/many.sh" "policy = per-session" \
		"instances = 10" "restart = no" "timeout = 300000"
	collabd_start a
	for i in $(seq 100); do
		sid=$(printf '5e55%028x' "$i")
		ns_exec a "$msg" send -a s -k app -A many -s "$sid" -z 512
	done
	wait_for outs_are many 10
	wait_for held_is a many held_msgs 90
	bytes=$(ctl_in a -j app show many | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["held_bytes"])')
	echo "90 messages of 512 bytes held in $bytes bytes (budget 1 MiB)"
	test "$bytes" -ge $((90 * 512)) && test "$bytes" -le 1048576
	test "$(grep -c "started many" "$tmp/collabd.a")" = 10
	touch "$tmp/go"
	wait_s=$((wait_s * 12)) wait_for received_are many 100
	awk '/started many/ { n++; if (n > max) max = n }
	     /^collabd: many .* (exited|killed)/ { n-- }
	     END { print "at most " max " at once"; exit max != 10 }' \
		"$tmp/collabd.a"
	test "$(stat a activations)" = 100
	stat_is a act_waiting 0
	test "$(stat a drop_act_full)" = 0
}

# collabd restarts a command that failed, after a back-off, and the
# messages that waited reach the instance that starts then; when collabd
# itself goes and comes back, it starts what came meanwhile.
# collabd_supervised NS: collabd in NS, started again one second after it
# ends, as systemd's Restart=always would; while $tmp/collabd.NS.hold
# exists it is not. Its pid in $tmp/collabd.NS.pid.
collabd_supervised()
{
	(
		while :; do
			while [ -e "$tmp/collabd.$1.hold" ]; do
				nap 0.05
			done
			ip netns exec "$(ns_name "$1")" "$collabd" -d "$tmp/apps" \
				>>"$tmp/collabd.$1" 2>&1 &
			echo $! >"$tmp/collabd.$1.pid"
			wait $! || true
			nap 1
		done
	) &
	wait_for grep -q "application types" "$tmp/collabd.$1"
}

starts_are()
{
	test "$(grep -c "application types" "$tmp/collabd.$1")" = "$2"
}

# An instance that fails is started again after a second, and the message
# that waits reaches it. collabd killed under its supervisor while a
# message waits: the next collabd starts the instance for it.
case_collabd_restart()
{
	ns_add a
	cat >"$tmp/crashy.sh" <<-EOF
		#!/bin/sh
		[ -e $tmp/crashed ] || { touch $tmp/crashed; exit 3; }
		exec $msg recv -a crashy -n 1 -w 60 >$tmp/crashy.out 2>&1
	EOF
	app_file crashy "exec = /bin/sh $tmp/crashy.sh"
	receive_script chat 1
	app_file chat "exec = /bin/sh $tmp/chat.sh" "restart = no"
	collabd_supervised a
	ns_exec a "$msg" send -a s -k app -A crashy -C 0 -w 30
	wait_for grep -q "received 1 from" "$tmp/crashy.out"
	grep -q "exited with status 3" "$tmp/collabd.a"
	grep -q "restarts in 1 s" "$tmp/collabd.a"

	touch "$tmp/collabd.a.hold"
	kill -9 "$(cat "$tmp/collabd.a.pid")"
	ns_exec a "$msg" send -a s -k app -A chat
	wait_for stat_is a act_waiting 1
	rm "$tmp/collabd.a.hold"
	wait_for starts_are a 2
	wait_for received_are chat 1
	test "$(stat a act_delivered)" = 2
}

# notes_have TEXT...: each TEXT is a line the service manager was sent,
# in this order.
notes_have()
{
	python3 - "$tmp/notes" "$@" <<-'EOF'
		import sys
		lines = open(sys.argv[1]).read().split("\n")
		i = 0
		for want in sys.argv[2:]:
		    while i < len(lines) and lines[i] != want:
		        i += 1
		    if i == len(lines):
		        sys.exit(1)
		    i += 1
	EOF
}

# collabd under systemd (Type=notify, WatchdogSec=): READY=1 once its
# types are registered, WATCHDOG=1 every half period, RELOADING=1 and
# READY=1 again on SIGHUP, STOPPING=1 on SIGTERM. A datagram socket of
# the test's stands for systemd's; it notes when each ping came.
case_collabd_notify()
{
	local pid

	ns_add a
	app_file chat "exec = /bin/true" "restart = no"
	python3 -u - "$tmp/notify" "$tmp/pings" >"$tmp/notes" <<-'EOF' &
		import socket, sys, time
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(sys.argv[1])
		pings = open(sys.argv[2], "w", buffering=1)
		while True:
		    note = s.recv(4096).decode()
		    print(note)
		    if note == "WATCHDOG=1":
		        print(time.monotonic(), file=pings)
	EOF
	wait_for test -S "$tmp/notify"
	NOTIFY_SOCKET=$tmp/notify WATCHDOG_USEC=400000 collabd_start a
	pid=$(cat "$tmp/collabd.a.pid")
	wait_for notes_have "READY=1" "STATUS=1 application types"
	nap 2
	# 200 ms apart (not one per poll()): at most five a second of the time
	# they span and at least two, however late a loaded host wakes.
	python3 - "$tmp/pings" <<-'EOF'
		import sys
		t = [float(l) for l in open(sys.argv[1])]
		if len(t) < 5:
		    sys.exit(f"{len(t)} watchdog pings")
		gaps = [b - a for a, b in zip(t, t[1:])]
		rate = len(gaps) / (t[-1] - t[0])
		print(f"{len(t)} watchdog pings, {rate:.1f}/s, "
		      f"closest {min(gaps) * 1000:.0f} ms apart")
		sys.exit(not (min(gaps) >= 0.1 and 2 <= rate <= 5.5))
	EOF
	kill -HUP "$pid"
	wait_for notes_have "READY=1" "RELOADING=1" "READY=1"
	kill "$pid"
	wait_for notes_have "STOPPING=1"
}

# 100 instances started and ended: long on a debug kernel, and no kernel
# path that order and per_session do not take; collabd's notifications to
# systemd take none.
quick_skip="collabd_many collabd_notify"

run_cases case_registered case_local case_order case_per_session \
	case_timeout case_fail_del case_budget case_remote \
	case_activator_restart case_collabd case_collabd_many \
	case_collabd_restart case_collabd_notify
