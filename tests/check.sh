#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run each `make check` step, show its output, and end with the sum of the
# steps' closing count lines. A step passes when make succeeds and its last
# count line reports no failure; a step that prints no count line counts as
# one failure (it ran no test we can see).
set -u

usage() {
	echo "usage: $0 STEP [STEP...]   (make targets that end with 'N passed, N failed[, N skipped]')"
}
[ $# -gt 0 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac

make_cmd=${MAKE:-make}
total_p=0 total_f=0 total_s=0
declare -a table
count_re='^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'

start=$(date +%s)
for step in "$@"; do
	echo "=== make $step"
	t0=$(date +%s)
	log=$(mktemp)
	"$make_cmd" -s --no-print-directory "$step" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E "$count_re" "$log" | tail -n 1)
	rm -f "$log"
	if [[ $line =~ $count_re ]]; then
		p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]} s=${BASH_REMATCH[5]:-0}
	else
		p=0 f=0 s=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ -z "$line" ]; then
		f=$((f > 0 ? f : 1))
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	table+=("$(printf '%-22s %4d passed %4d failed %4d skipped  (exit %d, %ds)' "$step" "$p" "$f" \
		"$s" "$rc" "$(($(date +%s) - t0))")")
done

echo "=== make check summary ($(($(date +%s) - start))s)"
printf '%s\n' "${table[@]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
