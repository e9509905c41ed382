#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading collab.ko: modprobe, socket() autoload, the family
# parameter, a taken or impossible family, rmmod refused while a socket is
# open, in the initial namespace and in two others.
#
#   host ns: modprobe/rmmod, collab_sock
#   ns a, ns b: collab_sock -H (each holds one socket)

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
sock=$here/collab_sock
default=18

[ "$(id -u)" = 0 ] || { echo "# needs root"; exit $ksft_skip; }

case_modprobe()
{
	unload_collab
	dmesg -C
	modprobe collab
	test -d /sys/module/collab
	test "$(cat /sys/module/collab/parameters/family)" = $default
	dmesg_has "collab: address family $default"
	rmmod collab
	test ! -d /sys/module/collab
}

case_socket_autoload()
{
	unload_collab
	dmesg -C
	"$sock" -f $default
	test -d /sys/module/collab
	test "$(cat /sys/module/collab/parameters/family)" = $default
	rmmod collab
}

case_rmmod_with_open_socket()
{
	local ready=/tmp/collab-ready-$$ pid

	unload_collab
	dmesg -C
	"$sock" -H "$ready" &
	pid=$!
	wait_for test -e "$ready"
	test "$(proto_sockets)" = 1
	expect_fail rmmod collab
	test -d /sys/module/collab
	kill $pid
	wait $pid
	test "$(proto_sockets)" = 0
	rmmod collab
	rm -f "$ready"
}

case_family_parameter()
{
	unload_collab
	dmesg -C
	modprobe collab family=22
	test "$(cat /sys/module/collab/parameters/family)" = 22
	"$sock" -f 22
	# The library finds the live number in sysfs.
	"$sock"
	test "$("$sock" -f $default)" = EAFNOSUPPORT
	rmmod collab
}

case_family_taken()
{
	unload_collab
	dmesg -C
	# 16 is AF_NETLINK.
	expect_fail modprobe collab family=16
	test ! -d /sys/module/collab
	dmesg_has "collab: address family 16 is taken"
}

case_family_out_of_range()
{
	local f

	unload_collab
	dmesg -C
	for f in 0 -1 46 255; do
		expect_fail modprobe collab family=$f
		test ! -d /sys/module/collab
		dmesg_has "collab: family=$f is out of range"
	done
}

case_two_namespaces()
{
	local ra=/tmp/collab-ready-a-$$ rb=/tmp/collab-ready-b-$$ pa pb

	unload_collab
	dmesg -C
	ns_add a
	ns_add b
	ip netns exec "$(ns_name a)" "$sock" -H "$ra" &
	pa=$!
	ip netns exec "$(ns_name b)" "$sock" -n 2 -H "$rb" &
	pb=$!
	wait_for test -e "$ra"
	wait_for test -e "$rb"
	test "$(proto_sockets a)" = 1
	test "$(proto_sockets b)" = 2
	test "$(proto_sockets)" = 0
	kill $pa
	wait $pa
	test "$(proto_sockets a)" = 0
	test "$(proto_sockets b)" = 2
	expect_fail rmmod collab
	kill $pb
	wait $pb
	test "$(proto_sockets b)" = 0
	rmmod collab
	rm -f "$ra" "$rb"
}

run_cases case_modprobe case_socket_autoload case_rmmod_with_open_socket \
	case_family_parameter case_family_taken case_family_out_of_range \
	case_two_namespaces
