#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make check-sanitize: every one of the suite's own unit tests (each
# tests/unit/*.c), the local suite and the model mutation run on the
# ASan+UBSan build (make SANITIZE=1, build-san/), after the canary has shown
# that a sanitizer report anywhere (a kselftest harness grandchild, a
# teardown, the harness's own process at exit) fails the case, the binary
# and this step.
#
# Any sanitizer report in any output fails the step, whatever the exit
# status it came with: the reports go to stderr, which the runner, the
# mutation run and this script all keep, and every kept log is searched.
# The unit tests, the suite and the mutation run are re-runs of cases other
# make check steps count: each is one check here, "re-run clean" (no
# failure, no sanitizer report), never its cases counted again.
#
# usage: tests/sanitize/run.sh [-o DIR] [--quick]
#   -o DIR    keep the logs and result sets in DIR (default: a scratch dir)
#   --quick   mutation run without the exhaustive sweep
# environment: BUILD (default build-san), SANITIZE_UNIT_PROGS (the unit
# tests, as the Makefile's UNIT_PROGS: tests/unit/NAME ...; default every
# tests/unit/*.c)
# Last line: `sanitize: N passed, N failed, N skipped`.
# Exit status: 0 clean, 1 a failure or a sanitizer report, 2 bad usage.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build-san}
outdir="" mutation_args=--exhaustive
while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || { echo "sanitize: -o needs a directory" >&2; exit 2; }
	    outdir=$2; shift ;;
	--quick) mutation_args="" ;;
	-h|--help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "sanitize: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $build in /*) ;; *) build=$top/$build ;; esac
if [ ! -x "$build/tests/sanitize/canary_test" ]; then
	echo "sanitize: $build is not a sanitizer build (make SANITIZE=1 BUILD=build-san)" >&2
	exit 2
fi
if [ -n "$outdir" ]; then
	# Only ever remove a directory this script made.
	if [ -d "$outdir" ] && [ -n "$(ls -A "$outdir")" ] && [ ! -f "$outdir/.kse-sanitize" ]; then
		echo "sanitize: -o: '$outdir' is not empty and not ours" >&2
		exit 2
	fi
	if ! { rm -rf "$outdir" && mkdir -p "$outdir"; }; then
		echo "sanitize: -o: cannot create '$outdir'" >&2
		exit 2
	fi
	: >"$outdir/.kse-sanitize"
	work=$(cd "$outdir" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/kse-sanitize.XXXXXX") || exit 2
	trap 'rm -rf "$work"' EXIT
fi

# Halt at the first report with an exit status no kselftest code uses (4
# would read as a skip), keep stack traces, look for leaks at exit.
ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=99:detect_leaks=1"
ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1:strict_string_checks=1"
ASAN_OPTIONS="$ASAN_OPTIONS:check_initialization_order=1:print_summary=1"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98:print_summary=1"
export ASAN_OPTIONS UBSAN_OPTIONS

# What a sanitizer report looks like, whichever sanitizer wrote it.
SAN_RE='ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|^SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error: '

. "$top/tests/lib/tap.sh"

# A re-run of cases another step counts: one check from its closing count
# line, its exit status (RC; SKIP_RC: every case skipped) and its logs.
# rerun WHAT OUT RC SKIP_RC LOG...
rerun() {
	what=$1 out=$2 rc=$3 skip_rc=$4
	shift 4
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	counts=$(echo "$line" | sed -E 's/^[A-Za-z-]+: //')
	# shellcheck disable=SC2046
	set -- "$@" $(echo "$counts" | sed -E 's/[^0-9]+/ /g')
	reports=0
	for f in "$@"; do
		case $f in [0-9]*) continue ;; esac
		[ -f "$f" ] || continue
		grep -qE "$SAN_RE" "$f" || continue
		reports=$((reports + 1))
		echo "# sanitizer report in $f:"
		grep -E -m 5 "$SAN_RE" "$f" | sed 's/^/#   /'
	done
	p=$(echo "$counts" | sed -E 's/ passed.*//')
	f=$(echo "$counts" | sed -E 's/.* passed, ([0-9]+) failed.*/\1/')
	if [ -z "$line" ]; then
		bad "$what: re-run under ASan+UBSan printed no count line (exit $rc)"
	elif [ "$reports" -gt 0 ]; then
		bad "$what: re-run under ASan+UBSan: sanitizer reports in $reports log(s)"
	elif [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
		ok "$what: re-run clean under ASan+UBSan (its own count: $counts)"
	elif [ "$rc" -eq "$skip_rc" ] && [ "$f" -eq 0 ] && [ "$p" -eq 0 ]; then
		skipped "$what: re-run under ASan+UBSan: every case skipped"
	else
		bad "$what: re-run under ASan+UBSan: exit $rc, $counts"
	fi
}

# Every sanitizer report in the files given is one failure, named.
scan() {
	what=$1
	shift
	n=0
	for f in "$@"; do
		[ -f "$f" ] || continue
		c=$(grep -cE "$SAN_RE" "$f")
		[ "$c" -gt 0 ] || continue
		n=$((n + 1))
		echo "# sanitizer report in $f:"
		grep -E -m 5 "$SAN_RE" "$f" | sed 's/^/#   /'
	done
	if [ "$n" -gt 0 ]; then
		bad "$what: sanitizer reports in $n log(s)"
	else
		ok "$what: no sanitizer report"
	fi
}

# ---- 1. The canary: each deliberate bug must fail its case, with a report.
canary=$build/tests/sanitize/canary_test
mkdir -p "$work/canary"
canary_case() {
	name=$1 want=$2 env=$3
	log=$work/canary/$name${env:+-leak}.log
	# shellcheck disable=SC2086
	env $env "$canary" -r "$name" >"$log" 2>&1
	rc=$?
	reported=no
	grep -qE "$SAN_RE" "$log" && reported=yes
	case $want in
	clean)
		if [ "$rc" -eq 0 ] && [ $reported = no ] && grep -q "^ok 1 $name" "$log"; then
			ok "canary $name: passes, no report"
		else
			bad "canary $name: exit $rc, report $reported (want exit 0, no report)"
		fi
		;;
	case-fails)
		if [ "$rc" -ne 0 ] && [ $reported = yes ] && grep -q "^not ok 1 " "$log"; then
			ok "canary $name: case not ok, binary exit $rc, report kept"
		else
			bad "canary $name: exit $rc, report $reported (want not ok + report)"
			sed 's/^/#   /' "$log"
		fi
		;;
	binary-fails)
		if [ "$rc" -ne 0 ] && [ $reported = yes ]; then
			ok "canary $name with a leak at exit: binary exit $rc, report kept"
		else
			bad "canary $name with a leak at exit: exit $rc, report $reported"
			sed 's/^/#   /' "$log"
		fi
		;;
	esac
}
canary_case global.clean clean ""
canary_case global.heap_overflow case-fails ""
canary_case global.use_after_free case-fails ""
canary_case global.signed_overflow case-fails ""
canary_case teardown_bug.passes_then_overflows case-fails ""
canary_case global.clean binary-fails KSE_CANARY_LEAK=1

# Through run_tests.sh: the binary is `not ok`, the report in its log.
mkdir -p "$work/canary/build/x86_64"
ln -sf "$canary" "$work/canary/build/x86_64/canary_test"
BUILD=$work/canary/build KVM_SYSEVENT_TESTS=canary_test "$top/run_tests.sh" \
	-o "$work/canary/runner" >"$work/canary/runner.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^not ok 1 canary_test' "$work/canary/runner.out" &&
   grep -qE "$SAN_RE" "$work/canary/runner/logs/canary_test.log"; then
	ok "canary through run_tests.sh: not ok, report in logs/canary_test.log"
else
	bad "canary through run_tests.sh: exit $rc"
	sed 's/^/#   /' "$work/canary/runner.out"
fi

# ---- 2. The suite's unit tests: every one, each tests/unit/*.c.
echo "=== unit tests ($build)"
all_units=""
for src in "$top"/tests/unit/*.c; do
	all_units="$all_units tests/unit/$(basename "$src" .c)"
done
units=${SANITIZE_UNIT_PROGS:-$all_units}
total=0 missing=""
for name in $all_units; do
	total=$((total + 1))
	case " $units " in *" $name "*) ;; *) missing="$missing ${name#tests/unit/}" ;; esac
done
if [ -z "$missing" ]; then
	ok "unit tests: all $total of tests/unit/ run under the sanitizers"
else
	bad "unit tests: not all $total of tests/unit/ run under the sanitizers; not run:$missing"
fi
# shellcheck disable=SC2046
"$top/tests/run_unit.sh" $(for u in $units; do echo "$build/$u"; done) >"$work/unit.log" 2>&1
rerun "unit tests" "$work/unit.log" $? 4 "$work/unit.log"

# ---- 3. The local suite.
echo "=== run_tests.sh ($build)"
BUILD=$build "$top/run_tests.sh" -o "$work/suite" >"$work/suite.out" 2>&1
rerun "suite" "$work/suite.out" $? 4 "$work/suite.out" "$work"/suite/logs/*.log

# ---- 4. The model mutation run.
echo "=== tests/mutation/run.sh $mutation_args ($build)"
# shellcheck disable=SC2086
BUILD=$build "$top/tests/mutation/run.sh" -o "$work/mutation" $mutation_args \
	>"$work/mutation.out" 2>&1
rerun "mutation" "$work/mutation.out" $? 4 "$work/mutation.out" "$work"/mutation/*.log

# --quick leaves the sweep out of the mutation run; the sweep's own code
# (one launch per mode, the host re-entering after each of 4096 reports,
# the failed-code ranges) still runs here, once conformant, once all failing.
if [ -z "$mutation_args" ]; then
	echo "=== the exhaustive sweep alone ($build)"
	for b in upstream:0:ok value-masked:1:not\ ok; do
		beh=${b%%:*} want_rc=${b#*:} want_rc=${want_rc%%:*} want=${b##*:}
		log=$work/sweep-$beh.log
		"$build/x86_64/sev_es_term_test" --backend="model:$beh" --exhaustive \
			-f sev_es_sweep >"$log" 2>&1
		rc=$?
		n=$(grep -c "^$want [0-9]* sev_es_sweep\." "$log")
		lines=$(grep -c '^# sweep: mode=' "$log")
		if [ "$rc" -eq "$want_rc" ] && [ "$n" -eq 48 ] && [ "$lines" -eq 48 ]; then
			ok "sweep model:$beh: 48 '$want' results, 48 sweep lines, exit $rc"
		else
			bad "sweep model:$beh: exit $rc, $n '$want' results, $lines sweep lines"
		fi
		scan "sweep model:$beh" "$log"
	done
fi

# ---- 5. A short lifecycle soak: LeakSanitizer looks at the whole process at exit.
echo "=== lifecycle soak, 30 cycles ($build)"
"$build/tests/soak/lifecycle_soak" -n 30 -w 2 -R >"$work/soak.out" 2>&1
rc=$?
tail -n 1 "$work/soak.out"
if [ "$rc" -eq 4 ]; then
	skip=$((skip + 1))
elif [ "$rc" -eq 0 ]; then
	ok "lifecycle soak: exit 0 (LeakSanitizer at exit included)"
else
	bad "lifecycle soak: exit $rc"
fi
scan "lifecycle soak" "$work/soak.out"

echo "sanitize: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
