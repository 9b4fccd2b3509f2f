#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The lifecycle soak (tests/soak/lifecycle_soak.c): VMs created, run and
# destroyed in every guest mode for CYCLES cycles in one process; open fds,
# RSS and heap in use must stay flat. Then valgrind's memcheck on two
# shorter runs (VG_CYCLES and 4 x VG_CYCLES): nothing definitely, indirectly
# or possibly lost, no memcheck error, and the bytes still reachable at exit
# the same for both lengths (flat). valgrind is run with
# --trace-children=no; it handles the KVM ioctls the library makes (checked
# here: the runs under valgrind must be as expected too).
#
# usage: tests/soak/run.sh [-n CYCLES] [-v VG_CYCLES]  (BUILD, default build)
#   -v 0 leaves valgrind out.
# Last lines: `soak: N passed, N failed[, N skipped]`, then
# `soak: N cycles, fds A -> B, rss A -> B KiB`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
cycles=10000 vg_cycles=25
while [ $# -gt 0 ]; do
	case $1 in
	-n|-v)
		[ $# -ge 2 ] || { echo "soak: $1 needs a number" >&2; exit 2; }
		case $2 in ''|*[!0-9]*) echo "soak: $1 takes a whole number, not '$2'" >&2; exit 2 ;; esac
		if [ "$1" = -n ]; then cycles=$2; else vg_cycles=$2; fi
		shift ;;
	-h|--help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "soak: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
soak=$build/tests/soak/lifecycle_soak
[ -x "$soak" ] || { echo "soak: $soak not built (make)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kse-soak.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

. "$top/tests/lib/tap.sh"

# valgrind's figures from its log: "<definite> <indirect> <possible> <reachable> <errors>".
vg_figures() {
	if grep -q 'All heap blocks were freed -- no leaks are possible' "$1"; then
		d=0 i=0 p=0 r=0
	else
		d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d ,)
		i=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d ,)
		p=$(sed -n 's/.*possibly lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d ,)
		r=$(sed -n 's/.*still reachable: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d ,)
	fi
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$1" | tr -d , | tail -n 1)
	echo "${d:-?} ${i:-?} ${p:-?} ${r:-?} ${e:-?}"
}

if [ "$vg_cycles" -gt 0 ] && ! command -v valgrind >/dev/null 2>&1; then
	skip=$((skip + 1))
	echo "ok - valgrind memcheck # SKIP valgrind not installed (apt-get install valgrind)"
elif [ "$vg_cycles" -gt 0 ]; then
	reach=""
	for n in "$vg_cycles" $((vg_cycles * 4)); do
		valgrind --tool=memcheck --trace-children=no --leak-check=full \
			--show-leak-kinds=all --errors-for-leak-kinds=definite,indirect,possible \
			--error-exitcode=42 --log-file="$work/vg-$n.log" \
			"$soak" -n "$n" -w 2 -R >"$work/vg-$n.out" 2>&1
		rc=$?
		# shellcheck disable=SC2046
		set -- $(vg_figures "$work/vg-$n.log")
		echo "# valgrind memcheck, $n cycles: definitely lost $1 bytes, indirectly lost $2," \
			"possibly lost $3, still reachable $4 bytes; $5 errors; exit $rc"
		grep -E 'total heap usage' "$work/vg-$n.log" | sed 's/^==[0-9]*== */#   /'
		if [ "$rc" -eq 0 ] && [ "$1" = 0 ] && [ "$2" = 0 ] && [ "$3" = 0 ] && [ "$5" = 0 ] &&
		   grep -q '^ok - every run as expected' "$work/vg-$n.out"; then
			ok "valgrind memcheck, $n cycles: no leak, no error, every run as expected"
		else
			bad "valgrind memcheck, $n cycles (exit $rc)"
			grep -E '^(not ok|# )' "$work/vg-$n.out" | head -n 5
			grep -iE 'unhandled|invalid|uninitialised' "$work/vg-$n.log" | head -n 5
		fi
		reach="$reach $4"
	done
	# shellcheck disable=SC2086
	set -- $reach
	if [ "$1" = "$2" ]; then
		ok "valgrind: bytes still reachable at exit flat ($1 after $vg_cycles and $((vg_cycles * 4)) cycles)"
	else
		bad "valgrind: bytes still reachable at exit grow: $1 -> $2"
	fi
fi

"$soak" -n "$cycles" >"$work/soak.out" 2>&1
rc=$?
grep -v '^soak: ' "$work/soak.out"
closing=$(grep '^soak: .* cycles, fds ' "$work/soak.out" | tail -n 1)
counts=$(grep -E '^soak: [0-9]+ passed, [0-9]+ failed' "$work/soak.out" | tail -n 1)
if [ "$rc" -eq 4 ]; then
	skip=$((skip + 1))
else
	# shellcheck disable=SC2046
	set -- $(echo "$counts" | sed 's/[^0-9]\{1,\}/ /g')
	pass=$((pass + ${1:-0})) fail=$((fail + ${2:-1}))
	[ "$rc" -eq 0 ] || [ "${2:-0}" -gt 0 ] || fail=$((fail + 1))
fi
echo "soak: $pass passed, $fail failed, $skip skipped"
echo "${closing:-soak: 0 cycles, fds ? -> ?, rss ? -> ? KiB}"
[ "$fail" -eq 0 ]
