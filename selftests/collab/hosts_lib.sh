# SPDX-License-Identifier: GPL-2.0
# Helpers of the selftests between hosts (hosts.sh, activation.sh,
# calls.sh): two or more namespaces as nodes. Sourced after lib.sh, with
# $here set: it checks for root and collabctl, loads the module, and sets
# $ctl (collabctl), $collabd, $msg (collab_msg), $rpc (collab_rpc), $sock
# (collab_sock), $tmp (a directory of the script's own, removed at exit)
# and two session ids, $s1 and $s2.

msg=$here/collab_msg
rpc=$here/collab_rpc
sock=$here/collab_sock
ctl=$(readlink -f "$here/../../tools/collabctl/collabctl")
collabd=$(readlink -f "$here/../../tools/collabd/collabd")
tmp=/tmp/collab-$(basename "$0" .sh)-$$
s1=5e551000000000000000000000000001
s2=5e551000000000000000000000000002

[ "$(id -u)" = 0 ] || { echo "# needs root"; exit $ksft_skip; }
[ -x "$ctl" ] || { echo "# no collabctl at $ctl"; exit 1; }
modprobe collab
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

ctl_in()
{
	local ns=$1

	shift
	ns_exec "$ns" "$ctl" "$@"
}

# stat NS NAME: a counter or object count from /proc/net/collab.
stat()
{
	ns_stat "$@"
}

# stat_is NS NAME VALUE: the counter is VALUE now (for wait_for).
stat_is()
{
	ns_stat_is "$@"
}

node_id()
{
	stat "$1" node
}

peers_up()
{
	stat_is a peers_up 1 && stat_is b peers_up 1
}

# link_up [4|6 [BEARER-ARGS...]]: bearers with discovery on both sides
# (and BEARER-ARGS, such as "mtu 65535"), and the link up.
link_up()
{
	local family=${1:-4}

	shift || true
	if [ "$family" = 6 ]; then
		ctl_in a bearer add udp local '[fd77::1]' dev va discovery ff12::77 "$@"
		ctl_in b bearer add udp local '[fd77::2]' dev vb discovery ff12::77 "$@"
	else
		ctl_in a bearer add udp local 10.77.0.1 dev va discovery 239.77.0.1 "$@"
		ctl_in b bearer add udp local 10.77.0.2 dev vb discovery 239.77.0.1 "$@"
	fi >/dev/null
	wait_for peers_up
}

# every_kind [RECEIVER ARGS...]: a sends b's receivers a message of every
# address kind (one of them a broadcast that RECEIVER, made first if given,
# also gets), and each gets what it should.
every_kind()
{
	local extra=

	if [ $# -gt 0 ]; then
		receiver b "$@"
		extra=$1
	fi
	receiver b guid -a chat -n 1 -p 1
	receiver b app -a board -c -n 1
	receiver b sess -a chat -s "$s1" -n 1
	receiver b bcast -a whiteboard -n 2
	wait_for remote_knows a $((4 + ($# > 0)))
	ns_exec a "$msg" send -a chat -k guid -d "$(cat "$tmp/guid.id")"
	ns_exec a "$msg" send -a chat -k app -A board -N "$(node_id b)"
	ns_exec a "$msg" send -a chat -k session -d "$s1"
	ns_exec a "$msg" send -a chat -k broadcast -A whiteboard
	ns_exec a "$msg" send -a chat -k broadcast
	for r in guid app sess bcast; do
		finish $r
	done
}

# receiver NS NAME ARGS...: collab_msg recv in the background; its GUID is
# in $tmp/NAME.id once it is ready, its pid in $tmp/NAME.pid.
receiver()
{
	local ns=$1 name=$2

	shift 2
	rm -f "$tmp/$name.id"
	ip netns exec "$(ns_name "$ns")" "$msg" recv -H "$tmp/$name.id" "$@" \
		>"$tmp/$name.out" 2>&1 &
	echo $! >"$tmp/$name.pid"
	wait_for test -s "$tmp/$name.id"
}

# bridged_hosts [-b] NAME...: a host per NAME on one bridge (in namespace
# br), each with veth vNAME and 10.77.0.N, N its place in the list; with
# -b, each with a bearer there, discovery on 239.77.0.1.
bridged_hosts()
{
	local n ip=1 bearers=0

	[ "$1" != -b ] || { bearers=1; shift; }
	ns_add br
	ns_exec br ip link add br0 type bridge
	ns_exec br ip link set br0 up
	for n in "$@"; do
		ns_add "$n"
		ip link add "v$n" netns "$(ns_name "$n")" type veth \
			peer "p$n" netns "$(ns_name br)"
		ns_exec br ip link set "p$n" master br0 up
		host_addrs "$n" "v$n" $ip
		[ $bearers = 0 ] ||
			ctl_in "$n" bearer add udp local 10.77.0.$ip dev "v$n" \
				discovery 239.77.0.1 >/dev/null
		ip=$((ip + 1))
	done
}

# ip_stat NS NAME: an IP counter of NS (nstat's name, IpReasmOKs say).
ip_stat()
{
	ns_exec "$1" nstat -saz "$2" | awk -v k="$2" '$1 == k { print $2 }'
}

# remote_knows NS GUID: the node of NS has the instance GUID of its peer.
remote_knows()
{
	test "$(stat "$1" remote_instances)" -ge "$2"
}

# ip_stat_ge NS NAME N: the IP counter is N or more now (for wait_for).
ip_stat_ge()
{
	test "$(ip_stat "$1" "$2")" -ge "$3"
}

# stat_sum NS NAME...: the sum of those counters of NS.
stat_sum()
{
	local ns=$1 name sum=0

	shift
	for name in "$@"; do
		sum=$((sum + $(stat "$ns" "$name")))
	done
	echo "$sum"
}

# stat_sum_ge NS N NAME...: the sum of those counters is N or more now
# (for wait_for, which runs it again each time).
stat_sum_ge()
{
	local ns=$1 n=$2

	shift 2
	test "$(stat_sum "$ns" "$@")" -ge "$n"
}

# finish NAME: the receiver NAME exits 0; its output is shown either way.
finish()
{
	local rc=0

	wait "$(cat "$tmp/$1.pid")" || rc=$?
	sed "s/^/$1: /" "$tmp/$1.out"
	return $rc
}

# expect_errno ERRNO ARGS...: "collab_msg ARGS" in namespace a fails with
# ERRNO.
expect_errno()
{
	local want=$1 out

	shift
	if out=$(ns_exec a "$msg" "$@" 2>&1); then
		echo "expected $want: collab_msg $*" >&2
		return 1
	fi
	grep -q "($want)" <<<"$out" || { echo "$out" >&2; return 1; }
}

# app_file NAME LINES...: $tmp/apps/NAME.app, one line per argument.
app_file()
{
	local name=$1

	shift
	mkdir -p "$tmp/apps"
	printf '%s\n' "$@" >"$tmp/apps/$name.app"
}

# collabd_start NS [ARGS...]: collabd in NS on $tmp/apps (with ARGS),
# its log in $tmp/collabd.NS, registered once this returns.
collabd_start()
{
	local ns=$1

	shift
	ip netns exec "$(ns_name "$ns")" "$collabd" -d "$tmp/apps" "$@" \
		>>"$tmp/collabd.$ns" 2>&1 &
	echo $! >"$tmp/collabd.$ns.pid"
	wait_for grep -q "application types" "$tmp/collabd.$ns"
}
