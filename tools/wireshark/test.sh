#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks tools/wireshark/collab.lua against packets that mkpcap.py builds
# from the structs of kmod/wire.h, without a VM:
#
#   mkpcap.py --> cases.pcap + cases.expect --> tshark -T fields --> compare
#             \-> fuzz.pcap ------------------> tshark -V -------> no Lua error
#
# Every field that mkpcap.py put in a packet is read back; a malformed
# packet must carry collab.malformed with the reason, a good one none.
# The seeds of the wire parsers' fuzz targets (kmod/fuzz/corpus) are
# checked too, against what kmod/wire.c makes of each.
# Then packets cut short or with bytes changed must all be dissected
# as collab without a Lua error. Prints "ok N - ..." or "not ok N - ..."
# a check (TAP); exits 1 if one failed, 4 if tshark is missing.

set -u

here=$(cd "$(dirname "$0")" && pwd)
lua=$here/collab.lua
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v tshark >/dev/null; then
	echo "# SKIP: tshark not installed"
	exit 4
fi

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && echo "#   $2"
}

# tshark without the noise of running as root; its own errors kept apart.
run_tshark() {
	tshark -n -o "udp.try_heuristic_first:FALSE" \
		-X "lua_script:$lua" "$@" 2>>"$tmp/stderr"
}

python3 "$here/mkpcap.py" "$tmp" "$here/../../kmod/fuzz/corpus" || { echo "Bail out! mkpcap.py failed"; exit 1; }

# The fields named in the checks, each once, in order of appearance.
mapfile -t fields < <(cut -f3 "$tmp/cases.expect" | awk '!seen[$0]++')
args=(-T fields -E separator=/t -E occurrence=a -E aggregator='|'
      -e frame.number)
for f in "${fields[@]}"; do
	args+=(-e "$f")
done
# Port 7003 is not collab's, and its packet fails the heuristic: only
# Decode As reaches it.
# Two passes: a fragment's verdict may wait for packets after it.
run_tshark -2 -r "$tmp/cases.pcap" -d udp.port==7003,collab "${args[@]}" \
	>"$tmp/fields.tsv"

# Column of each field in fields.tsv: frame.number is column 1.
declare -A col
i=2
for f in "${fields[@]}"; do
	col[$f]=$i
	i=$((i + 1))
done

while IFS=$'\t' read -r frame name field op want; do
	got=$(awk -F'\t' -v fr="$frame" -v c="${col[$field]}" \
		'$1 == fr { print $c; exit }' "$tmp/fields.tsv")
	case $op in
	'=')
		if [ "$got" = "$want" ]; then
			ok "$name: $field = $want"
		else
			not_ok "$name: $field = $want" "got '$got'"
		fi ;;
	'~')
		if [[ "$got" == *"$want"* ]]; then
			ok "$name: $field has '$want'"
		else
			not_ok "$name: $field has '$want'" "got '$got'"
		fi ;;
	'+')
		if [ -n "$got" ]; then
			ok "$name: has $field"
		else
			not_ok "$name: has $field" "got nothing"
		fi ;;
	'-')
		if [ -z "$got" ]; then
			ok "$name: no $field"
		else
			not_ok "$name: no $field" "got '$got'"
		fi ;;
	esac
done <"$tmp/cases.expect"

# Damaged packets: all dissected as collab, none with a Lua error, on
# either pass.
run_tshark -2 -r "$tmp/fuzz.pcap" -V >"$tmp/fuzz.txt"
total=$(run_tshark -r "$tmp/fuzz.pcap" -T fields -e frame.number | wc -l)
dissected=$(run_tshark -r "$tmp/fuzz.pcap" -Y collab -T fields \
	-e frame.number | wc -l)
if [ "$total" -gt 0 ] && [ "$total" = "$dissected" ]; then
	ok "fuzz: all $total damaged packets dissected as collab"
else
	not_ok "fuzz: all damaged packets dissected as collab" \
		"$dissected of $total"
fi
errors=$(grep -ci "lua error" "$tmp/fuzz.txt")
if [ "$errors" = 0 ]; then
	ok "fuzz: no Lua error"
else
	not_ok "fuzz: no Lua error" "$(grep -i -m1 "lua error" "$tmp/fuzz.txt")"
fi
failures=$(grep -c "dissector failed" "$tmp/fuzz.txt")
if [ "$failures" = 0 ]; then
	ok "fuzz: no read past a guard"
else
	not_ok "fuzz: no read past a guard" \
		"$(grep -m1 "dissector failed" "$tmp/fuzz.txt")"
fi

# Whatever tshark said on stderr, but the warning for root.
if grep -v "Running as user" "$tmp/stderr" | grep -q .; then
	not_ok "tshark: nothing on stderr" "$(grep -v "Running as user" \
		"$tmp/stderr" | head -3)"
else
	ok "tshark: nothing on stderr"
fi

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n checks failed"
	exit 1
fi
echo "# all $n checks passed"
