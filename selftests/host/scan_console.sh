#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/vm/scan-console must fail a run on every kind of kernel report and
# pass a clean boot log.

top=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
scan=$top/tools/vm/scan-console
log=$(mktemp)
trap 'rm -f "$log"' EXIT

clean='[    0.000000] Linux version 6.1.0-56-amd64
[    3.437246] Run /init as init process
[    7.835741] collab: address family 18
[    7.835800] collab: loading out-of-tree module taints kernel.
[    8.026792] COLLAB_VM_EXIT=0'

reports=(
	"WARNING: CPU: 0 PID: 1 at kmod/main.c:50 collab_init+0x10/0x20 [collab]"
	"BUG: kernel NULL pointer dereference, address: 0000000000000008"
	"Oops: 0002 [#1] PREEMPT SMP NOPTI"
	"general protection fault, probably for non-canonical address"
	"kernel BUG at net/core/skbuff.c:110!"
	"BUG: KASAN: slab-use-after-free in collab_release+0x1c/0x40"
	"UBSAN: array-index-out-of-bounds in kmod/table.c:12:3"
	"WARNING: possible circular locking dependency detected"
	"WARNING: possible recursive locking detected"
	"WARNING: inconsistent lock state"
	"WARNING: suspicious RCU usage"
	"BUG: sleeping function called from invalid context at mm/slab.h:712"
	"Kernel panic - not syncing: Fatal exception"
	"unreferenced object 0xffff888003c1e000 (size 64):"
	"INFO: task collab_sock:123 blocked for more than 120 seconds."
	"Call Trace:"
)

echo "TAP version 13"
echo "1..$((${#reports[@]} + 1))"
n=1 failed=0
printf '%s\n' "$clean" >"$log"
if "$scan" "$log" >/dev/null; then
	echo "ok $n clean log passes"
else
	echo "not ok $n clean log passes"; failed=1
fi
for r in "${reports[@]}"; do
	n=$((n + 1))
	printf '%s\n[   9.1] %s\n[   9.2] more\n' "$clean" "$r" >"$log"
	if "$scan" "$log" >/dev/null; then
		echo "not ok $n caught: $r"; failed=1
	else
		echo "ok $n caught: $r"
	fi
done
exit $failed
