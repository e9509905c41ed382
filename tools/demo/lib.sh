# SPDX-License-Identifier: GPL-2.0
# Two hosts for the demo (tools/demo/run) and its selftest: the network
# namespaces host1 and host2 joined by veth, each a collab node with a UDP
# bearer that finds the other by discovery. Sourced; needs root.

demo_top=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
demo_chat=$demo_top/build/tools/chat/collab-chat
demo_ctl=$demo_top/build/tools/collabctl/collabctl
demo_collabd=$demo_top/build/tools/collabd/collabd
demo_hosts=(host1 host2)

# in_host HOST CMD...: CMD on HOST, with HOST as its host name (a UTS
# namespace of its own), which is what libcollab tells others.
in_host()
{
	local host=$1

	shift
	ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}

# in_host_bg HOST CMD...: in_host in the background, with no shell left
# between: $! is CMD's pid (once the commands before it have exec'd it).
in_host_bg()
{
	local host=$1

	shift
	ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$@" &
}

# host_stat HOST NAME: a value of /proc/net/collab on HOST.
host_stat()
{
	ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/collab
}

# wait_up_to SECONDS CMD...: poll CMD until it succeeds.
wait_up_to()
{
	local i secs=$1

	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

hosts_linked()
{
	test "$(host_stat host1 peers_up)" = 1 && test "$(host_stat host2 peers_up)" = 1
}

# knows HOST N: HOST knows at least N instances on the other host.
knows()
{
	test "$(host_stat "$1" remote_instances)" -ge "$2"
}

#   host1 10.78.0.1 veth1 <---- veth ----> veth2 10.78.0.2 host2
hosts_up()
{
	local i

	modprobe collab || return
	for i in 1 2; do
		[ ! -e "/run/netns/host$i" ] || { echo "a network namespace host$i exists" >&2; return 1; }
	done
	ip netns add host1 && ip netns add host2 &&
	ip link add veth1 netns host1 type veth peer veth2 netns host2 || return
	for i in 1 2; do
		ip -n host$i addr add 10.78.0.$i/24 dev veth$i &&
		ip -n host$i link set lo up &&
		ip -n host$i link set veth$i up &&
		ip -n host$i route add 224.0.0.0/4 dev veth$i &&
		ip netns exec host$i "$demo_ctl" bearer add udp local 10.78.0.$i \
			dev veth$i discovery 239.78.0.1 >/dev/null || return
	done
	wait_up_to 10 hosts_linked || { echo "host1 and host2 do not find each other" >&2; return 1; }
}

hosts_down()
{
	ip netns del host1 2>/dev/null
	ip netns del host2 2>/dev/null
	return 0
}
