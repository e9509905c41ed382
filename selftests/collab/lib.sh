# SPDX-License-Identifier: GPL-2.0
# Helpers for collab's shell selftests: KTAP output per case, bounded waits,
# unique namespace names and cleanup.

ksft_skip=4
ns_prefix="collab-$$"
nr_case=0
any_failed=0
namespaces=()
declare -A ns_holder=()
# wait_for's bound, in seconds: longer on slow (debug) kernels.
wait_s=${COLLAB_WAIT_S:-5}
# A pipe no one writes to: 'read -t' on it sleeps without starting a
# process, which costs a debug kernel under emulation a good part of a
# second.
exec {nap_fd}<> <(:)

log()
{
	echo "$@"
}

# run_cases CASE...: run each function in a subshell under 'set -e', so
# every command is an assertion, and clean up after it (cleanup_case);
# COLLAB_CASES="name..." in the environment picks some of them;
# COLLAB_QUICK=1 skips those the test names in $quick_skip (cases that
# take long and add no kernel path the others miss: for slow debug
# kernels, after a full run on the normal one); print KTAP; exit 1 when
# any case failed. A script that sets $tmp (a directory) gets a fresh
# $tmp/CASE as $tmp in each case, so no case reads what another left.
run_cases()
{
	local c rc t0

	# COLLAB_CASES="a b" runs only those cases.
	if [ -n "${COLLAB_CASES:-}" ]; then
		set -- $(printf 'case_%s\n' $COLLAB_CASES)
	fi
	echo "TAP version 13"
	echo "1..$#"
	for c in "$@"; do
		nr_case=$((nr_case + 1))
		# shellcheck disable=SC2086 # one space between the names
		if [ "${COLLAB_QUICK:-0}" = 1 ] &&
		   [[ " $(echo ${quick_skip:-}) " == *" ${c#case_} "* ]]; then
			echo "ok $nr_case ${c#case_} # SKIP quick run (COLLAB_QUICK=1)"
			continue
		fi
		t0=$SECONDS
		(set -e; trap cleanup_case EXIT; case_tmp "${c#case_}"; "$c") 2>&1 |
			sed -u "s/^/# /"
		rc=${PIPESTATUS[0]}
		echo "# ${c#case_}: $((SECONDS - t0)) s"
		case $rc in
		0) echo "ok $nr_case ${c#case_}" ;;
		"$ksft_skip") echo "ok $nr_case ${c#case_} # SKIP" ;;
		*) echo "not ok $nr_case ${c#case_}"; any_failed=1 ;;
		esac
	done
	exit $any_failed
}

# case_tmp NAME: $tmp/NAME, empty, is $tmp from here on (see run_cases).
case_tmp()
{
	[ -n "${tmp:-}" ] || return 0
	tmp=$tmp/$1
	rm -rf "$tmp"
	mkdir -p "$tmp"
}

# expect_fail CMD...: an assertion that CMD fails ('! CMD' is none under
# 'set -e').
expect_fail()
{
	if "$@" 2>/dev/null; then
		echo "expected to fail: $*" >&2
		return 1
	fi
	return 0
}

# nap SECONDS: sleep, in this shell.
nap()
{
	read -rt "$1" -u "$nap_fd" || true
}

# wait_for CMD...: poll CMD every 50 ms for up to $wait_s seconds.
wait_for()
{
	local until=$((${EPOCHREALTIME/[.,]/} + wait_s * 1000000))

	until "$@"; do
		if ((${EPOCHREALTIME/[.,]/} > until)); then
			echo "timed out waiting for: $*" >&2
			return 1
		fi
		nap 0.05
	done
}

# dmesg_has REGEX: the kernel log (since the last 'dmesg -C') matches.
dmesg_has()
{
	dmesg | grep -qE "$1"
}

# ns_add NAME...: network namespaces removed at exit; the full name of
# each is $ns_prefix-NAME. A process holds each, so that its /proc/net is
# at hand (ns_stat) without entering it.
ns_add()
{
	local n pid comm

	printf 'netns add %s\n' "${@/#/$ns_prefix-}" | ip -batch -
	for n in "$@"; do
		namespaces+=("$ns_prefix-$n")
		nsenter --net="/run/netns/$ns_prefix-$n" sleep infinity &
		pid=$!
		ns_holder[$n]=$pid
	done
	for n in "$@"; do
		ip -n "$ns_prefix-$n" link set lo up
		# In the namespace once it runs sleep.
		comm=""
		until [ "$comm" = sleep ]; do
			read -r comm <"/proc/${ns_holder[$n]}/comm" || return 1
			[ "$comm" = sleep ] || nap 0.01
		done
	done
}

# ns_stat NAME KEY: KEY's value in namespace NAME's /proc/net/collab,
# read in this shell: waits poll it, and a debug kernel under emulation
# takes most of a second to start a process.
ns_stat()
{
	local k v

	while read -r k v; do
		if [ "$k" = "$2" ]; then
			echo "$v"
			return 0
		fi
	done <"/proc/${ns_holder[$1]}/net/collab"
}

# ns_stat_is NAME KEY VALUE: KEY is VALUE now (for wait_for), without a
# subshell.
ns_stat_is()
{
	local k v

	while read -r k v; do
		if [ "$k" = "$2" ]; then
			[ "$v" = "$3" ]
			return
		fi
	done <"/proc/${ns_holder[$1]}/net/collab"
	return 1
}

# two_hosts [MTU]: namespaces a and b joined by the veth pair va-vb (MTU
# 1500 by default), 10.77.0.1/24 and fd77::1/64 on a, .2 and ::2 on b,
# multicast routed over it.
two_hosts()
{
	local mtu=${1:-1500}

	ns_add a b
	ip link add va netns "$(ns_name a)" mtu "$mtu" type veth \
		peer vb netns "$(ns_name b)" mtu "$mtu"
	host_addrs a va 1
	host_addrs b vb 2
}

# host_addrs NAME DEV N: 10.77.0.N/24 and fd77::N/64 on DEV, which is up,
# and multicast routed over it; one ip for it all, as a debug kernel under
# emulation takes most of a second to start a process.
host_addrs()
{
	ip -n "$(ns_name "$1")" -batch - <<-EOF
		addr add 10.77.0.$3/24 dev $2
		addr add fd77::$3/64 dev $2 nodad
		link set $2 up
		route add 224.0.0.0/4 dev $2
	EOF
}

# ns_exec NAME CMD...: run CMD in a namespace (its network only: not
# 'ip netns exec', whose fresh mount of /sys a debug kernel takes long
# over; /sys stays the caller's). To start CMD in the
# background, use 'ip netns exec "$(ns_name NAME)" CMD &' so that $! is CMD.
ns_exec()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns_prefix-$ns" "$@"
}

# kill_below PID...: each PID and every process below it, deepest first,
# from the map kids (parent pid -> " child..."), which kill_descendants
# fills.
kill_below()
{
	local pid

	for pid in "$@"; do
		# shellcheck disable=SC2086 # a list of pids
		kill_below ${kids[$pid]:-}
		kill "$pid" 2>/dev/null || true
	done
}

# kill_descendants PID: every process below PID. One look at /proc, in
# builtins: pgrep takes seconds a call on a debug kernel.
kill_descendants()
{
	local -A kids=()
	local f stat fields

	for f in /proc/[0-9]*/stat; do
		{ read -r stat <"$f"; } 2>/dev/null || continue
		# After the command's name, in parentheses: state, then ppid.
		read -ra fields <<<"${stat##*) }"
		f=${f#/proc/}
		kids[${fields[1]}]+=" ${f%/stat}"
	done
	# shellcheck disable=SC2086 # a list of pids
	kill_below ${kids[$1]:-}
}

# cleanup_case: end what a case left behind, even when it failed half-way:
# every process it started (one left running would hold the output pipe
# open) and its namespaces.
ns_name()
{
	echo "$ns_prefix-$1"
}

cleanup_case()
{
	local ns

	kill_descendants "$BASHPID"
	wait

	for ns in "${namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# unload_collab: remove the module when it is loaded; fails if it is in use.
unload_collab()
{
	if [ -d /sys/module/collab ]; then
		rmmod collab
	fi
}

# proto_sockets [NS]: the number of AF_COLLAB sockets open in a namespace.
proto_sockets()
{
	local cmd=(cat /proc/net/protocols)

	[ $# = 0 ] || cmd=(ip netns exec "$ns_prefix-$1" "${cmd[@]}")
	"${cmd[@]}" | awk '$1 == "COLLAB" { print $3; found = 1 } END { if (!found) print 0 }'
}
