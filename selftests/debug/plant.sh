#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel's checks are on: a use-after-free, a leak and a
# lock-order inversion planted in collab.ko (debug build only, through
# /sys/kernel/debug/collab/plant) are each reported. Run in a VM boot of
# its own with 'tools/vm/run --allow-reports': these reports are expected.

here=$(dirname "$(readlink -f "$0")")
source "$here/../collab/lib.sh"

plant=/sys/kernel/debug/collab/plant
kmemleak=/sys/kernel/debug/kmemleak

modprobe collab
if [ ! -e "$plant" ]; then
	echo "# $plant missing: collab.ko was not built with COLLAB_DEBUG_PLANT=y"
	exit $ksft_skip
fi

case_kasan_use_after_free()
{
	echo uaf >"$plant"
	wait_for dmesg_has "BUG: KASAN: .*use-after-free in plant_use_after_free"
}

case_kmemleak_leak()
{
	test -w "$kmemleak"
	echo leak >"$plant"
	# kmemleak reports objects older than 5 s, after two scans.
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	grep -q "unreferenced object" "$kmemleak"
	grep -q "plant_leak" "$kmemleak"
}

case_lockdep_inversion()
{
	echo lockorder >"$plant"
	wait_for dmesg_has "possible circular locking dependency detected"
	dmesg_has "plant_lock_a"
}

case_bad_request()
{
	expect_fail sh -c "echo nonsense >$plant"
}

# Lockdep first: a KASAN report taints the kernel, which turns lockdep off.
run_cases case_lockdep_inversion case_kmemleak_leak \
	case_kasan_use_after_free case_bad_request
