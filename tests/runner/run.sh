#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of run_tests.sh itself with stand-in binaries (tests/runner/standin.c):
# a guest that never exits, a binary that blocks, one that is slow past its
# timeout, one cut off mid-line, one that dies by SIGSEGV and one by
# SIGKILL, and one whose every case skipped (exit 4). Each must be recorded
# as a KTAP result with the right directive (`# TIMEOUT <T>s`,
# `# CRASH <SIGNAME>`, `# SKIP`), its partial output kept in the
# result set, nothing it started left running, and the runner must go on
# with the next binary; the reporter must show them.
#
# usage: tests/runner/run.sh [-T SECS]   (environment: BUILD, default build)
# Last line: `runner: N passed, N failed, N skipped`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
T=2
while [ $# -gt 0 ]; do
	case $1 in
	-T) [ $# -ge 2 ] || { echo "runner: -T needs seconds" >&2; exit 2; }; T=$2; shift ;;
	-h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "runner: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
standin=$build/tests/runner/standin
[ -x "$standin" ] || { echo "runner: $standin not built (make)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kse-runner.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

. "$top/tests/lib/tap.sh"

NAMES="standin_skip standin_guest_never_exits standin_blocks standin_slow standin_partial"
NAMES="$NAMES standin_segv standin_sigkill standin_pass standin_allskip"
mkdir -p "$work/build/x86_64"
for n in $NAMES; do
	ln -s "$standin" "$work/build/x86_64/$n"
done
have_kvm=yes
[ -r /dev/kvm ] && [ -w /dev/kvm ] || have_kvm=no

# The process a stand-in left hanging is gone (or a zombie waiting for init).
gone() {
	[ -e "/proc/$1" ] || return 0
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$state" ] || [ "$state" = Z ]
}

# A line of the combined stream, exactly.
has_line() { grep -qxF -- "$2" "$1"; }

one_run() {	# one_run LABEL RUNNER-ARGS...
	label=$1
	shift
	out=$work/$label
	pids=$work/$label.pids
	: >"$pids"
	t0=$(date +%s)
	BUILD=$work/build KVM_SYSEVENT_TESTS="$NAMES" KSE_STANDIN_PIDS=$pids \
		"$top/run_tests.sh" -T "$T" -o "$out" "$@" >"$out.stdout" 2>"$out.stderr"
	rc=$?
	secs=$(($(date +%s) - t0))
	echo "# $label: run_tests.sh -T $T $*: exit $rc in ${secs}s"

	check "$label: exit status 1" [ "$rc" -eq 1 ]
	check "$label: stdout is ktap.txt" cmp -s "$out.stdout" "$out/ktap.txt"
	check "$label: skip recorded" \
		has_line "$out/ktap.txt" "ok 1 standin_skip # SKIP no stand-in device"
	if [ $have_kvm = yes ]; then
		check "$label: guest that never exits: TIMEOUT" \
			has_line "$out/ktap.txt" "not ok 2 standin_guest_never_exits # TIMEOUT ${T}s"
		check "$label: guest that never exits: partial output kept" \
			has_line "$out/ktap.txt" "  # guest entering KVM_RUN, never to exit"
	else
		skipped "$label: guest that never exits: no /dev/kvm"
	fi
	check "$label: blocked binary: TIMEOUT" \
		has_line "$out/ktap.txt" "not ok 3 standin_blocks # TIMEOUT ${T}s"
	check "$label: blocked binary: its passing case before the hang kept" \
		has_line "$out/logs/standin_blocks.log" "ok 1 standin.before"
	check "$label: slow binary: TIMEOUT" \
		has_line "$out/ktap.txt" "not ok 4 standin_slow # TIMEOUT ${T}s"
	check "$label: cut-off binary: TIMEOUT" \
		has_line "$out/ktap.txt" "not ok 5 standin_partial # TIMEOUT ${T}s"
	check "$label: cut-off binary: the unterminated last line kept in ktap.txt" \
		has_line "$out/ktap.txt" "  # a line cut short"
	check "$label: SIGSEGV: CRASH SIGSEGV" \
		has_line "$out/ktap.txt" "not ok 6 standin_segv # CRASH SIGSEGV"
	check "$label: SIGSEGV: partial output kept" \
		has_line "$out/ktap.txt" "  #  RUN           standin.segv ..."
	check "$label: SIGKILL: CRASH SIGKILL" \
		has_line "$out/ktap.txt" "not ok 7 standin_sigkill # CRASH SIGKILL"
	check "$label: went on with the next binary" \
		has_line "$out/ktap.txt" "ok 8 standin_pass"
	check "$label: every case skipped, exit 4: SKIP all cases skipped" \
		has_line "$out/ktap.txt" "ok 9 standin_allskip # SKIP all cases skipped"
	check "$label: status.txt: allskip exit 4" \
		grep -qx 'standin_allskip exit=4 signal=- timeout=0 seconds=[0-9]*' "$out/status.txt"
	check "$label: status.txt: segv" \
		grep -qx 'standin_segv exit=139 signal=SIGSEGV timeout=0 seconds=[0-9]*' "$out/status.txt"
	check "$label: status.txt: sigkill" \
		grep -qx 'standin_sigkill exit=137 signal=SIGKILL timeout=0 seconds=[0-9]*' "$out/status.txt"
	check "$label: status.txt: blocks timed out" \
		grep -qx "standin_blocks exit=137 signal=SIGKILL timeout=1 seconds=[0-9]*" "$out/status.txt"
	check "$label: no shell job message in the stream" \
		eval "! grep -qE 'Killed|Segmentation fault' '$out/ktap.txt'"
	# Failures: 5 (or 4 without KVM) binaries that failed without a failing case.
	nf=6 ns=3
	[ $have_kvm = yes ] || { nf=5 ns=4; }
	check "$label: summary counts $nf failed, $ns skipped" \
		grep -qx "[0-9]* passed, $nf failed, $ns skipped" "$out/summary.txt"
	check "$label: summary is the last line" \
		[ "$(tail -n 1 "$out.stdout")" = "$(cat "$out/summary.txt")" ]
	left=""
	for p in $(cat "$pids"); do
		gone "$p" || left="$left $p"
	done
	check "$label: nothing left running ($(wc -l <"$pids") hung processes noted)" [ -z "$left" ]
	for p in $left; do
		echo "#   still running: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
	done
	# Four hung binaries, each allowed T seconds and a little more.
	check "$label: took ${secs}s, no more than the timeouts allow" [ "$secs" -le $((4 * (T + 2) + 10)) ]
}

one_run serial
one_run parallel -j 3

# Nothing but skips: the runner's own exit status is 4 (KSFT_SKIP).
BUILD=$work/build KVM_SYSEVENT_TESTS="standin_skip standin_allskip" \
	"$top/run_tests.sh" >"$work/skips.out" 2>&1
rc=$?
check "only skips: exit 4, '0 passed, 0 failed, 3 skipped'" \
	eval '[ "$rc" -eq 4 ] && [ "$(tail -n 1 "$work/skips.out")" = "0 passed, 0 failed, 3 skipped" ]'
BUILD=$work/build KVM_SYSEVENT_TESTS="standin_allskip standin_pass" \
	"$top/run_tests.sh" >"$work/mixed.out" 2>&1
rc=$?
check "skips and passes: exit 0" [ "$rc" -eq 0 ]

# A binary that exits 0 having printed fewer results than its plan failed.
ln -s "$standin" "$work/build/x86_64/standin_short"
BUILD=$work/build KVM_SYSEVENT_TESTS="standin_short standin_pass" \
	"$top/run_tests.sh" >"$work/short.out" 2>&1
rc=$?
check "fewer results than planned: exit 1, 'N of M results'" \
	eval '[ "$rc" -eq 1 ] && grep -qx "not ok 1 standin_short # 1 of 3 results" "$work/short.out"'
check "fewer results than planned: counted as a failure" \
	has_line "$work/short.out" "3 passed, 1 failed, 0 skipped"

# The person's view (--brief, and the default on a terminal) and the
# machine's (--ktap, the default otherwise) of the same run.
quick="standin_pass standin_skip standin_allskip standin_segv"
BUILD=$work/build KVM_SYSEVENT_TESTS="$quick" \
	"$top/run_tests.sh" --ktap -o "$work/k" >"$work/k.out" 2>&1
BUILD=$work/build KVM_SYSEVENT_TESTS="$quick" \
	"$top/run_tests.sh" --brief -o "$work/b" >"$work/b.out" 2>&1
rc=$?
check "--brief: exit 1, as --ktap" [ "$rc" -eq 1 ]
check "--brief: the full KTAP in ktap.txt, as --ktap prints it" cmp -s "$work/k.out" "$work/b/ktap.txt"
check "--brief: one line per binary, no KTAP on stdout" \
	eval '[ "$(grep -c "^\(ok\|skip\|FAIL\) " "$work/b.out")" -eq 4 ] && ! grep -q "KTAP version" "$work/b.out"'
check "--brief: a binary that crashed: FAIL and the signal" \
	grep -qE '^FAIL +standin_segv +1 passed, 1 failed, 0 skipped \([0-9]+s\) # CRASH SIGSEGV$' "$work/b.out"
check "--brief: a skip plan's reason on its binary's line" \
	grep -qE '^skip +standin_skip .* # SKIP no stand-in device$' "$work/b.out"
check "--brief: skipped cases counted by reason" \
	grep -qx '        skipped 2 cases: no stand-in device' "$work/b.out"
check "--brief: says where the result set is" grep -q "^results: $work/b (ktap.txt" "$work/b.out"
check "--brief: the summary is the last line" \
	[ "$(tail -n 1 "$work/b.out")" = "$(cat "$work/b/summary.txt")" ]
"$top/run_tests.sh" --show "$work/b" >"$work/show.out" 2>&1
check "--show DIR: the result set as --brief showed it" cmp -s "$work/b.out" "$work/show.out"
if command -v "$("$top/report/kvm-sysevent-report" --print-python)" >/dev/null 2>&1; then
	check "-o: junit.xml and report.html beside ktap.txt" \
		eval '[ -s "$work/k/junit.xml" ] && [ -s "$work/k/report.html" ]'
else
	skipped "-o: junit.xml and report.html: no Python for the reporter"
fi
if command -v script >/dev/null 2>&1; then
	script -qc "env BUILD=$work/build KVM_SYSEVENT_TESTS=standin_slow \
		$top/run_tests.sh -T 2" /dev/null 2>&1 </dev/null |
		tr '\r' '\n' | sed "s/$(printf '\033')\\[K//g" >"$work/tty.out"
	check "on a terminal: the short view, with progress while a binary runs" \
		eval 'grep -q "^FAIL  *standin_slow" "$work/tty.out" &&
		      grep -q "standin_slow  *[0-9][0-9]*/600 cases" "$work/tty.out" &&
		      ! grep -q "KTAP version" "$work/tty.out"'
	check "on a terminal without -o: the result set kept, and named" \
		grep -q "^results: .*kvm-sysevent\.[A-Za-z0-9]* (ktap.txt" "$work/tty.out"
	d=$(sed -n 's/^results: \(.*\) (ktap.txt.*/\1/p' "$work/tty.out")
	case $d in */kvm-sysevent.*) rm -rf "$d" ;; esac
else
	skipped "on a terminal: no script(1) to make one"
fi

# -t finds every binary of tests.list (not built here: each is an ERROR).
for t in $("$top/run_tests.sh" -l); do
	BUILD=$work/nothing "$top/run_tests.sh" -t "$t" >"$work/t.out" 2>&1
	check "-t $t runs that binary alone" \
		eval '[ "$(grep -c "^\(not \)\{0,1\}ok " "$work/t.out")" -eq 1 ] &&
		      grep -qx "not ok 1 $t # ERROR binary not built" "$work/t.out"'
done

# An exhaustive run gets the time its sweep needs (the binary's
# --sweep-budget on top of -T), said in the header; without the budget the
# same slow binary times out (so the check is live).
ln -s "$standin" "$work/build/x86_64/standin_sweep"
sweep_run() {	# sweep_run LABEL RUNNER-ARGS...
	l=$1
	shift
	BUILD=$work/build KVM_SYSEVENT_TESTS=standin_sweep KSE_STANDIN_SWEEP_SECS=$((T + 2)) \
		"$top/run_tests.sh" --ktap -T "$T" -o "$work/$l" "$@" >"$work/$l.out" 2>&1
}
sweep_run sweep --exhaustive
check "exhaustive: the sweep's budget is added: it passes" \
	has_line "$work/sweep/ktap.txt" "ok 1 standin_sweep"
check "exhaustive: the derived timeout is in the header" \
	has_line "$work/sweep/ktap.txt" \
	"# timeout: standin_sweep $((T + 3))s (${T}s + 3 sweep launches x 1000ms, loop sweep)"
check "exhaustive: the base timeout is in the header" \
	has_line "$work/sweep/ktap.txt" "# timeout: ${T}s per binary"
check "exhaustive: status.txt says no timeout" \
	grep -qx "standin_sweep exit=0 signal=- timeout=0 seconds=[0-9]*" "$work/sweep/status.txt"
sweep_run sweep-vm --exhaustive --sweep per-vm
check "exhaustive per-vm: the mode is named" \
	grep -q "^# timeout: standin_sweep .*, per-vm sweep)$" "$work/sweep-vm/ktap.txt"
sweep_run nosweep
check "not exhaustive: no budget, the slow binary times out" \
	has_line "$work/nosweep/ktap.txt" "not ok 1 standin_sweep # TIMEOUT ${T}s"
BUILD=$work/build KVM_SYSEVENT_TESTS=standin_sweep "$top/run_tests.sh" --sweep sideways \
	>/dev/null 2>"$work/badsweep.err"
rc=$?
check "--sweep with an unknown mode: exit 2, one line" \
	eval '[ "$rc" -eq 2 ] && [ "$(wc -l <"$work/badsweep.err")" -eq 1 ]'

# The reporter shows them, with their reasons.
report=$top/report/kvm-sysevent-report
"$report" summary -v "$work/serial" >"$work/report.out" 2>"$work/report.err"
rc=$?
check "reporter: exit 1 on the result set" [ "$rc" -eq 1 ]
check "reporter: no error, no internal error" [ ! -s "$work/report.err" ]
sed 's/^/#   /' "$work/report.err"
for want in "standin_blocks" "TIMEOUT" "standin_segv" "SIGSEGV" "SIGKILL"; do
	check "reporter: shows $want" grep -q "$want" "$work/report.out"
done

echo "runner: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
