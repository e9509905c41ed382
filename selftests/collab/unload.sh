#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs after every other selftest: all their sockets are closed, so the
# module must unload, and load again.

here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

case_unload_after_all_tests()
{
	modprobe collab
	rmmod collab
	test ! -d /sys/module/collab
}

case_reload()
{
	modprobe collab
	"$here/collab_sock" -n 10
	rmmod collab
}

run_cases case_unload_after_all_tests case_reload
