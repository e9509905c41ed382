#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The systemd unit that 'make install' installs is one systemd accepts:
# every directive known, the service type and commands sound.

top=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
collabd=$top/build/tools/collabd/collabd
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "TAP version 13"
echo "1..1"
if ! command -v systemd-analyze >/dev/null || [ ! -x "$collabd" ]; then
	echo "ok 1 collabd.service # SKIP no systemd-analyze or no collabd built"
	exit 0
fi
sed "s|@SBINDIR@|$(dirname "$collabd")|" \
	"$top/tools/collabd/collabd.service.in" >"$dir/collabd.service"
if systemd-analyze verify --man=no "$dir/collabd.service" 2>&1 | sed 's/^/# /' |
	grep . ; then
	echo "not ok 1 collabd.service"
	exit 1
fi
echo "ok 1 collabd.service"
