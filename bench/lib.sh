# SPDX-License-Identifier: GPL-2.0
# Sourced by bench/run and bench/hosts-guest: run the measurements of
# bench, each repeated and interleaved across the transports, and print a
# table of medians and ratios to collab.
#
# The caller sets:
#   bench_cmd   an array: the bench program (with whatever runs it, such as
#               ip netns exec) and the options of every run (-c HOST, -t LIST)
#   transports  the transports of the table, collab first (bench's names)
#   labels      an associative array: column heading of each transport
#   rows        one row per measurement: "id|label|bench arguments|result
#               key|unit|lower or higher (which is better)"; rows with the
#               same arguments share one run
#   reps, secs, lat_limit, only (a regular expression of row ids, or "")
#   run_hook    optional: a function called as 'before KEY' and 'after KEY'
#               around each run
# and gets $work (removed at exit), $failed (1 once a run failed) and
# $elapsed (seconds the runs took).

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

run_key() { echo "$1" | tr ' ' _; }

# One run of bench, every transport in it; each transport's line is added
# to $work/RUNKEY.TRANSPORT.
run_one()	# ARGS...
{
	local key out rc t line

	key=$(run_key "$*")
	[ -z "${run_hook:-}" ] || "$run_hook" before "$key"
	out=$(timeout -k 5 900 "${bench_cmd[@]}" -s "$secs" -T "$lat_limit" "$@" \
		2>"$work/stderr")
	rc=$?
	for t in $transports; do
		line=$(echo "$out" | awk -v t="$t" '$2 == t' | head -n 1)
		case "$line" in
		""|*" FAIL"*) echo FAIL >>"$work/$key.$t" ;;
		*) echo "$line" >>"$work/$key.$t" ;;
		esac
	done
	if [ $rc -ne 0 ]; then
		echo "bench $*: exit $rc: $(head -c 500 "$work/stderr")" >>"$work/failures"
		failed=1
	fi
	[ -z "${run_hook:-}" ] || "$run_hook" after "$key"
}

field()		# KEY: the value of KEY= in each line on stdin
{
	sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

median()	# numbers on stdin
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) exit
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Every distinct run, REPS times. Inside a run the transports take turns in
# short blocks, so that noise (the VM shares its host) touches all alike.
run_all()
{
	local row id args k r start
	declare -A seen=()

	runs=()
	for row in "${rows[@]}"; do
		IFS='|' read -r id _ args _ <<<"$row"
		[ -n "$only" ] && ! [[ $id =~ $only ]] && continue
		k=$(run_key "$args")
		[ -n "${seen[$k]:-}" ] && continue
		seen[$k]=1
		runs+=("$args")
	done
	start=$(date +%s)
	for ((r = 1; r <= reps; r++)); do
		for args in "${runs[@]}"; do
			# shellcheck disable=SC2086
			run_one $args
		done
	done
	elapsed=$(($(date +%s) - start))
}

# ---- the table -------------------------------------------------------------
value()		# ID-ARGS TRANSPORT KEY: median over the repetitions, or FAIL
{
	local f
	f=$work/$(run_key "$1").$2

	[ -e "$f" ] || { echo "-"; return; }
	grep -q '^FAIL' "$f" && { echo "FAIL"; return; }
	field "$3" <"$f" | median
}

ratio()		# COLLAB OTHER lower|higher: > 1 means collab is better
{
	awk -v c="$1" -v o="$2" -v dir="$3" 'BEGIN {
		if (c !~ /^[0-9.e+-]+$/ || o !~ /^[0-9.e+-]+$/ || c + 0 == 0 || o + 0 == 0) { print "-"; exit }
		printf "%.2fx\n", dir == "lower" ? o / c : c / o }'
}

fmt()		# VALUE: a short number
{
	awk -v v="$1" 'BEGIN {
		if (v !~ /^[0-9.e+-]+$/) { print v; exit }
		if (v >= 1000) printf "%.0f\n", v; else if (v >= 100) printf "%.1f\n", v; else printf "%.2f\n", v }'
}

# The fewest round trips any latency run made.
lat_rounds()
{
	cat "$work"/lat_*.* 2>/dev/null | field rounds | sort -n | head -n 1
}

col_width()	# TRANSPORT: of its ratio column, collab/LABEL
{
	local w=$((${#labels[$1]} + 8))

	echo $((w > 12 ? w : 12))
}

# A row per measurement: a column per transport, then collab/OTHER for
# every other transport.
print_table()
{
	local row id label args key unit dir t line w
	local -A vals

	line=$(printf '%-32s' "measurement")
	for t in $transports; do
		line+=$(printf ' %12s' "${labels[$t]}")
	done
	for t in $transports; do
		[ "$t" = collab ] && continue
		w=$(col_width "$t")
		line+=$(printf " %${w}s" "collab/${labels[$t]}")
	done
	echo "$line"
	printf '%s\n' "$(printf '%.0s-' $(seq ${#line}))"
	for row in "${rows[@]}"; do
		IFS='|' read -r id label args key unit dir <<<"$row"
		[ -n "$only" ] && ! [[ $id =~ $only ]] && continue
		line=$(printf '%-32s' "$label ($unit)")
		vals=()
		for t in $transports; do
			vals[$t]=$(value "$args" "$t" "$key")
			line+=$(printf ' %12s' "$(fmt "${vals[$t]}")")
		done
		for t in $transports; do
			[ "$t" = collab ] && continue
			w=$(col_width "$t")
			line+=$(printf " %${w}s" "$(ratio "${vals[collab]:-}" "${vals[$t]}" "$dir")")
		done
		echo "$line"
	done
}

# Losses (messages sent that no receiver counted, summed over the runs),
# then the runs that failed.
print_notes()
{
	local args t f lost total
	local -a notes=()

	for args in "${runs[@]}"; do
		for t in $transports; do
			f=$work/$(run_key "$args").$t
			[ -e "$f" ] || continue
			lost=$(field lost <"$f" | awk '{ s += $1 } END { print s + 0 }')
			[ "$lost" -gt 0 ] 2>/dev/null || continue
			case "$args" in
			fanout*) total=$(field copies <"$f" | awk '{ s += $1 } END { print s + 0 }') ;;
			lat*) total=$(field rounds <"$f" | awk '{ s += $1 } END { print s + 0 }') ;;
			*) total=$(field recv <"$f" | awk '{ s += $1 } END { print s + 0 }') ;;
			esac
			notes+=("$(awk -v t="${labels[$t]}" -v a="$args" -v l="$lost" -v g="$total" 'BEGIN {
				what = a ~ /^fanout/ ? "copies" : a ~ /^lat/ ? "round trips (sent again)" : "messages"
				printf "%s lost %d of %d %s (%.1f%%) in bench %s\n", t, l, l + g, what, 100 * l / (l + g), a }')")
		done
	done
	if [ ${#notes[@]} -gt 0 ]; then
		echo
		echo "Losses (sent but never received; counted in no throughput figure):"
		printf '  %s\n' "${notes[@]}"
	fi
	if [ -e "$work/failures" ]; then
		echo
		echo "Failed runs:"
		sed 's/^/  /' "$work/failures"
	fi
}
