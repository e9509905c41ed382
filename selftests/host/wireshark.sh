#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Wireshark dissector (tools/wireshark/collab.lua) on packets made
# from kmod/wire.h: tools/wireshark/test.sh, one test of many checks,
# whose lines come out as diagnostics; skipped (4) without tshark.

top=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
"$top/tools/wireshark/test.sh" | sed -u 's/^/# /'
exit "${PIPESTATUS[0]}"
