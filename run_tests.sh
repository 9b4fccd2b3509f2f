#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the kvm-sysevent test binaries and print one KTAP stream: one nesting
# level per binary, the binary's own KTAP indented by two spaces, then its
# result line. The last line is always `N passed, N failed, N skipped`
# (leaf results; a binary that failed without a failing subtest counts one).
# On a terminal (or with --brief) a person's view instead: one line per
# binary, its failed cases with their deviations, its skips by reason, and
# progress while a binary runs; the KTAP stream always goes to ktap.txt.
# POSIX sh: it also runs under busybox inside the kernel-matrix guests.
#
# Exit status: 0 nothing failed, 1 something failed, 2 bad usage, 4 nothing
# failed and nothing passed: every case skipped (kselftest's KSFT_SKIP).

set -u

topdir=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$topdir/$BUILD ;; esac

# The test binaries of this machine's architecture, from tests.list
# (<archdir>/<binary> lines; archdirs as the KVM selftests name them).
case $(uname -m) in
aarch64|arm64) archdir=aarch64 ;;
riscv64) archdir=riscv ;;
*) archdir=x86_64 ;;
esac
TESTS=$(sed -n "s|^$archdir/\([A-Za-z0-9_]*\)\$|\1|p" "$topdir/tests.list" 2>/dev/null | tr "\n" " ")
# The suite's own runner tests substitute stand-in binaries.
TESTS=${KVM_SYSEVENT_TESTS:-$TESTS}
if [ -z "$TESTS" ]; then
	echo "run_tests.sh: no $archdir test binaries in $topdir/tests.list" >&2
	exit 2
fi

usage() {
	cat <<USAGE
usage: $0 [options]

Runs the suite on the running kernel (or, with --kernel, inside another
kernel under QEMU). Prints KTAP; on a terminal a short view instead (one
line per binary, failures and skips with their reasons, progress), the KTAP
in the result set.

options:
  -t NAME            run only this test binary (repeatable); -l lists them
  -j N               run N binaries at once (output stays in order)
  -o DIR             keep a result set in DIR (ktap.txt, logs/, status.txt,
                     inventory.txt, summary.txt, and junit.xml and report.html
                     where the reporter's Python is); a previous one moves
                     to DIR.old. The short view without -o keeps one in a
                     temporary directory and says where
  --ktap             print the KTAP stream even on a terminal
  --brief            print the short view even when not on a terminal
  --show DIR         print result set DIR (of this or another run) in the
                     short view; runs nothing
  -T SECS            per-binary timeout (default: timeout= in settings, 120);
                     an exhaustive run gets its sweep's budget on top (the
                     binary says it: --sweep-budget), printed in the header
  --abi-profile P    upstream (default) or proposal-2022
  --backend B        for the SEV-ES cases: hardware (default), harness (KVM's
                     SEV-ES handler code through a test-only kvm_amd patch,
                     not a hardware result) or model:<behaviour> (software,
                     not a kernel result)
  --exhaustive       add the 16 x 256 reason sweep to the SEV-ES cases
  --sweep M          the sweep's mode: loop (one launch per set, default) or
                     per-vm (one VM per value)
  --kernel K         run inside kernel K under QEMU (see kernel/README.md)
  -l                 list the test binaries
  -h, --help         this text

environment: BUILD (build dir, default build), KVM_SYSEVENT_TESTS (binary
names, for the runner's own tests), KVM_SYSEVENT_ABI_PROFILE,
KVM_SYSEVENT_BACKEND, KVM_SYSEVENT_EXHAUSTIVE, KVM_SYSEVENT_SWEEP, KVM_SYSEVENT_REVISION,
KVM_SYSEVENT_KERNEL_UNDER_TEST, KVM_SYSEVENT_PYTHON (the reporter's).
exit status: 0 nothing failed, 1 a failure, 2 bad usage, 4 every case skipped.
USAGE
}

die_usage() {
	echo "run_tests.sh: $*" >&2
	exit 2
}

# --kernel hands the whole command line to the kernel-matrix tool.
for a in "$@"; do
	case $a in
	--kernel|--kernel=*)
		[ -x "$topdir/kernel/run-in-kernel.sh" ] ||
			die_usage "--kernel needs kernel/run-in-kernel.sh"
		exec "$topdir/kernel/run-in-kernel.sh" "$@"
		;;
	esac
done

only="" jobs=1 outdir="" timeout="" view="" show=""
profile=${KVM_SYSEVENT_ABI_PROFILE:-upstream}
backend=${KVM_SYSEVENT_BACKEND:-hardware}
exhaustive=${KVM_SYSEVENT_EXHAUSTIVE:-}
sweep=${KVM_SYSEVENT_SWEEP:-loop}
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	-l) for t in $TESTS; do echo "$t"; done; exit 0 ;;
	-t) [ $# -ge 2 ] || die_usage "-t needs a name"; only="$only $2"; shift ;;
	-j) [ $# -ge 2 ] || die_usage "-j needs a number"; jobs=$2; shift ;;
	-o) [ $# -ge 2 ] || die_usage "-o needs a directory"; outdir=$2; shift ;;
	-T) [ $# -ge 2 ] || die_usage "-T needs seconds"; timeout=$2; shift ;;
	--abi-profile) [ $# -ge 2 ] || die_usage "--abi-profile needs a value"; profile=$2; shift ;;
	--abi-profile=*) profile=${1#*=} ;;
	--backend) [ $# -ge 2 ] || die_usage "--backend needs a value"; backend=$2; shift ;;
	--backend=*) backend=${1#*=} ;;
	--exhaustive) exhaustive=1 ;;
	--sweep) [ $# -ge 2 ] || die_usage "--sweep needs a value"; sweep=$2; shift ;;
	--sweep=*) sweep=${1#*=} ;;
	--ktap) view=ktap ;;
	--brief) view=brief ;;
	--show) [ $# -ge 2 ] || die_usage "--show needs a result set"; show=$2; shift ;;
	*) die_usage "unknown option '$1' (see --help)" ;;
	esac
	shift
done

# A person at a terminal gets the short view, anything else the stream.
if [ -z "$view" ]; then
	if [ -t 1 ]; then view=brief; else view=ktap; fi
fi
progress=0
[ "$view" = brief ] && [ -t 1 ] && progress=1
case $jobs in ''|*[!0-9]*|0) die_usage "-j takes a whole number >= 1, not '$jobs'" ;; esac
case $profile in upstream|proposal-2022) ;; *) die_usage "unknown ABI profile '$profile'" ;; esac
case $sweep in loop|per-vm) ;; *) die_usage "unknown sweep mode '$sweep' (loop or per-vm)" ;; esac
# The backends are x86's SEV-ES ones; elsewhere every case runs on the kernel.
if [ "$archdir" = x86_64 ]; then
	case $backend in
	kernel) backend=hardware ;;	# its name before the harness existed
	hardware|harness|model:?*) ;;
	*) die_usage "unknown backend '$backend'" ;;
	esac
else
	case $backend in
	kernel|hardware) backend=kernel ;;
	*) die_usage "--backend $backend is for x86's SEV-ES cases, not $archdir" ;;
	esac
fi
# The SEV-ES binary knows the model's behaviours (its options are read in order).
if [ "$backend" != hardware ] && [ -x "$BUILD/x86_64/sev_es_term_test" ] &&
	! "$BUILD/x86_64/sev_es_term_test" --backend="$backend" --help >/dev/null 2>&1; then
	die_usage "unknown backend '$backend' (see sev_es_term_test --help)"
fi
if [ -z "$timeout" ]; then
	timeout=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$topdir/settings" 2>/dev/null)
	timeout=${timeout:-120}
fi
case $timeout in ''|*[!0-9]*|0) die_usage "-T takes a whole number of seconds, not '$timeout'" ;; esac
selected=$TESTS
if [ -n "$only" ]; then
	selected=""
	for t in $only; do
		case " $TESTS " in *" $t "*) selected="$selected $t" ;;
		*) die_usage "no test binary '$t' (see -l)" ;; esac
	done
fi

rev=${KVM_SYSEVENT_REVISION:-}
[ -n "$rev" ] || rev=$(git -C "$topdir" describe --always --dirty 2>/dev/null) || rev=""
[ -n "$rev" ] || rev=unknown
kut=${KVM_SYSEVENT_KERNEL_UNDER_TEST:-host}
# What the results are, as the binaries say it (lib/x86_64/sev/*.c).
case $backend in
model:*) backend_note="$backend (software model, not a kernel result)" ;;
harness) backend_note="$backend (KVM's SEV-ES handler code driven by a plain guest through a test-only kvm_amd patch, not an SEV-ES hardware result)" ;;
*) backend_note=$backend ;;
esac

# The short view: what a person reads (stdout is theirs).
say() {
	[ "$view" = brief ] || return 0
	[ "$progress" -eq 0 ] || printf '\r\033[K'
	printf '%s\n' "$*"
}

# While the binary at the head of the queue runs: its cases so far.
show_progress() {
	t=$1
	log=$work/logs/$t.log
	t0=$(now)
	while [ ! -e "$work/logs/$t.rc" ]; do
		sleep 0.5 2>/dev/null || sleep 1
		[ ! -e "$work/logs/$t.rc" ] || break
		done_n=$(grep -c '^\(not \)\{0,1\}ok [0-9]' "$log" 2>/dev/null) || done_n=0
		plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" 2>/dev/null | head -n 1)
		printf '\r\033[K..    %-28s %s/%s cases  %ss' "$t" "$done_n" "${plan:-?}" \
			"$(($(now) - t0))"
	done
}

# A binary's failed cases (with their deviations, or the harness's own
# messages) and its skips by reason, from its log.
case_lines() {
	awk -v max=5 '
	function reset() { nd = 0; nm = 0 }
	/^#  RUN / { reset(); next }
	/^# deviation: / { dev[nd++] = substr($0, 3); next }
	/^# +(OK|FAIL|SKIP) / || /^# hint: / || /^# (Totals|PASSED|FAILED|Starting)/ { next }
	/^# / { if (nm < 3) msg[nm++] = substr($0, 3); next }
	/^not ok [0-9]+ / {
		name = $0; sub(/^not ok [0-9]+ /, "", name)
		nf++
		if (nf <= max) {
			out[no++] = "        not ok " name
			for (i = 0; i < nd; i++) out[no++] = "          " dev[i]
			if (!nd) for (i = 0; i < nm; i++) out[no++] = "          " msg[i]
		}
		reset(); next
	}
	/^ok [0-9]+ .*# SKIP/ {
		name = $0; sub(/^ok [0-9]+ /, "", name); sub(/ +# SKIP.*/, "", name)
		why = $0; sub(/.*# SKIP */, "", why)
		if (!(why in cnt)) { order[nr++] = why; first[why] = name }
		cnt[why]++
		reset(); next
	}
	/^ok [0-9]+ / { reset() }
	END {
		for (i = 0; i < no; i++) print out[i]
		if (nf > max) print "        ... and " nf - max " more failed cases (ktap.txt)"
		for (i = 0; i < nr; i++) {
			w = order[i]
			if (cnt[w] == 1) print "        skipped " first[w] ": " w
			else print "        skipped " cnt[w] " cases: " w
		}
	}' "$1"
}

# One binary in the short view: a line with its counts, then its cases.
brief_binary() {	# brief_binary RESULT-LINE NAME LOG SECONDS
	log_counts "$3"
	case $1 in
	"not ok"*) [ "$f" -gt 0 ] || f=1 ;;
	*"# SKIP"*) [ "$p$f$s" != 000 ] || s=1 ;;
	esac
	case $1 in
	"not ok"*"# "*) word="FAIL" extra=" # ${1#*# }" ;;
	"not ok"*) word="FAIL" extra="" ;;
	*"# SKIP all cases skipped") word="skip" extra="" ;;
	*"# SKIP"*) word="skip" extra=" # ${1#*# }" ;;
	*) word="ok" extra="" ;;
	esac
	say "$(printf '%-4s  %-28s %s (%ss)%s' "$word" "$2" \
		"$p passed, $f failed, $s skipped" "$4" "$extra")"
	case_lines "$3"
}

# Leaf results in a binary's log: p passed, s skipped, f failed.
log_counts() {
	p=$(grep -c '^ok [0-9]' "$1" 2>/dev/null) || p=0
	s=$(grep -c '^ok [0-9].*# SKIP' "$1" 2>/dev/null) || s=0
	f=$(grep -c '^not ok [0-9]' "$1" 2>/dev/null) || f=0
	p=$((p - s))
}

# --show DIR: a finished result set (another kernel's, say) in the short view.
show_set() {
	dir=$1
	hdr=$(sed -n 's/^# \(kvm-sysevent [^ ]* on .*\)/\1/p' "$dir/ktap.txt" | head -n 1)
	prof=$(sed -n 's/^# abi-profile: //p' "$dir/ktap.txt" | head -n 1)
	be=$(sed -n 's/^# backend: //p' "$dir/ktap.txt" | head -n 1)
	say "${hdr:-$dir}${prof:+: abi-profile $prof}${be:+, backend $be}"
	# Each binary's own stream, from the nesting of ktap.txt.
	blocks=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-show.XXXXXX") || exit 1
	awk -v d="$blocks" '
		BEGIN { n = 1 }
		/^  / { sub(/^  /, ""); print > (d "/" n ".log"); next }
		/^(not )?ok [0-9]+ / { print > (d "/results"); close(d "/" n ".log"); n++ }
	' "$dir/ktap.txt"
	[ -f "$blocks/results" ] || : >"$blocks/results"
	i=0
	while IFS= read -r r; do
		i=$((i + 1))
		t=${r#ok }
		t=${t#not ok }
		t=${t#* }
		t=${t%% *}
		secs=$(sed -n "s/^$t .* seconds=\([0-9]*\).*/\1/p" "$dir/status.txt" 2>/dev/null)
		brief_binary "$r" "$t" "$blocks/$i.log" "${secs:-?}"
	done <"$blocks/results"
	rm -rf "$blocks"
	made=ktap.txt
	for x in junit.xml report.html; do [ ! -f "$dir/$x" ] || made="$made, $x"; done
	case $be in ''|hardware|kernel) ;; *) say "backend: $be" ;; esac
	say "results: $dir ($made)"
	say "$(tail -n 1 "$dir/summary.txt" 2>/dev/null || echo 'no summary.txt')"
}

if [ -n "$show" ]; then
	[ -f "$show/ktap.txt" ] || die_usage "--show: '$show' is not a result set (no ktap.txt)"
	view=brief progress=0
	show_set "$show"
	exit 0
fi

# Where logs go: the result set, or a scratch dir removed at exit.
if [ -n "$outdir" ]; then
	if [ -e "$outdir" ] && [ ! -d "$outdir" ]; then
		die_usage "-o: '$outdir' exists and is not a directory"
	fi
	if [ -e "$outdir/ktap.txt" ]; then
		rm -rf "$outdir.old" && mv "$outdir" "$outdir.old" ||
			die_usage "-o: cannot move the previous result set aside"
	fi
	mkdir -p "$outdir/logs" 2>/dev/null || die_usage "-o: cannot create '$outdir'"
	work=$outdir
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent.XXXXXX") || exit 1
	mkdir -p "$work/logs"
	# The short view points at the full KTAP: keep it.
	if [ "$view" = brief ]; then outdir=$work; else trap 'rm -rf "$work"' EXIT; fi
fi
: >"$work/status.txt"
ktap=$work/ktap.txt
: >"$ktap"

emit() {
	[ "$view" = brief ] || printf '%s\n' "$*"
	printf '%s\n' "$*" >>"$ktap"
}

export KVM_SYSEVENT_ABI_PROFILE="$profile" KVM_SYSEVENT_BACKEND="$backend"
export KVM_SYSEVENT_SWEEP="$sweep"
if [ -n "$exhaustive" ] && [ "$exhaustive" != 0 ]; then
	export KVM_SYSEVENT_EXHAUSTIVE=1
else
	unset KVM_SYSEVENT_EXHAUSTIVE
fi

# Each binary's timeout: the base, plus for an exhaustive run what its sweep
# needs (the binary says how many guest launches and how long each may
# take). 12,288 per-VM launches cannot finish in 120 s: never time them out.
tvar() { echo "timeout_$(echo "$1" | tr -c 'A-Za-z0-9_\n' _)"; }
budgets=""
for t in $selected; do
	tt=$timeout
	if [ -n "${KVM_SYSEVENT_EXHAUSTIVE:-}" ] && [ -x "$BUILD/$archdir/$t" ]; then
		b=$("$BUILD/$archdir/$t" --sweep-budget 2>/dev/null </dev/null) || b=""
		l=$(echo "$b" | sed -n 's/^launches=\([0-9][0-9]*\) ms_per_launch=[0-9][0-9]*$/\1/p')
		ms=$(echo "$b" | sed -n 's/^launches=[0-9][0-9]* ms_per_launch=\([0-9][0-9]*\)$/\1/p')
		if [ -n "$l" ] && [ -n "$ms" ] && [ "$l" -gt 0 ]; then
			tt=$((timeout + (l * ms + 999) / 1000))
			budgets="$budgets
# timeout: $t ${tt}s (${timeout}s + $l sweep launches x ${ms}ms, $sweep sweep)"
		fi
	fi
	eval "$(tvar "$t")=$tt"
done

inventory() {
	inv=$BUILD/tools/host_inventory
	if [ -x "$inv" ]; then
		"$inv" --abi-profile "$profile" --backend "$backend" \
			--kernel-under-test "$kut" --suite-revision "$rev" 2>/dev/null
	else
		echo "suite_revision=$rev"
		echo "kernel_release=$(uname -r)"
		echo "abi_profile=$profile"
		echo "backend=$backend"
		echo "kernel_under_test=$kut"
	fi
}
if [ -n "$outdir" ]; then
	{
		inventory
		# How this run was asked to run (the reporter's matrix reads them).
		if [ -n "${KVM_SYSEVENT_EXHAUSTIVE:-}" ]; then
			echo "exhaustive=yes"
			echo "sweep=$sweep"
		else
			echo "exhaustive=no"
		fi
	} >"$outdir/inventory.txt"
fi

now() { date +%s; }

# The kselftest harness runs each case in a process group of its own, out
# of reach of the timeout's kill: after a binary is killed, kill what it
# left behind (a case stuck in KVM_RUN), found by the token in its
# environment, and give it a moment to go.
kill_strays() {
	strays=""
	for e in /proc/[0-9]*/environ; do
		# NUL-separated; busybox grep would stop at the first NUL.
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "KSE_RUN_TOKEN=$1" || continue
		e=${e#/proc/}
		strays="$strays ${e%/environ}"
	done
	[ -n "$strays" ] || return 0
	# shellcheck disable=SC2086
	kill -KILL $strays 2>/dev/null
	i=0
	while [ "$i" -lt 25 ]; do
		alive=""
		for p in $strays; do
			state=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
			case $state in ""|Z*) ;; *) alive="$alive $p" ;; esac
		done
		[ -n "$alive" ] || break
		strays=$alive
		sleep 0.2 2>/dev/null || sleep 1
		i=$((i + 1))
	done
}

# Start one binary in the background: its log, and a .rc file when done.
start() {
	t=$1
	log=$work/logs/$t.log
	bin=$BUILD/$archdir/$t
	(
		t0=$(now)
		if [ ! -x "$bin" ]; then
			echo "# $t: binary not built ($bin)" >"$log"
			echo "127 0 0" >"$work/logs/$t.rc"
			exit 0
		fi
		# Waited for in the background so that the shell's own
		# "Killed" never lands in the log; the runner reports it.
		token="$$.$t."
		eval "tt=\$$(tvar "$t")"
		if command -v timeout >/dev/null 2>&1; then
			KSE_RUN_TOKEN=$token timeout -s KILL "$tt" "$bin" \
				>"$log" 2>&1 </dev/null &
		else
			KSE_RUN_TOKEN=$token "$bin" >"$log" 2>&1 </dev/null &
		fi
		wait $! 2>/dev/null
		rc=$?
		t1=$(now)
		[ "$rc" -lt 124 ] || kill_strays "$token"
		echo "$rc $t0 $t1" >"$work/logs/$t.rc"
	) &
	eval "pid_$(echo "$t" | tr -c 'A-Za-z0-9_\n' _)=\$!"
}

pass=0 fail=0 skip=0 n=0 failed_any=0
count=$(echo $selected | wc -w)

emit "KTAP version 1"
emit "# kvm-sysevent $rev on $(uname -r)"
emit "# abi-profile: $profile"
emit "# backend: $backend_note"
emit "# timeout: ${timeout}s per binary"
[ -z "$budgets" ] || emit "${budgets#?}"
emit "1..$count"
say "kvm-sysevent $rev on $(uname -r): abi-profile $profile, backend $backend_note"

# Keep at most $jobs running; report strictly in order.
queue=$selected
running=""
report_next() {
	t=$1
	var=pid_$(echo "$t" | tr -c 'A-Za-z0-9_\n' _)
	eval "pid=\$$var"
	[ "$progress" -eq 0 ] || show_progress "$t"
	wait "$pid" 2>/dev/null
	set -- $(cat "$work/logs/$t.rc" 2>/dev/null || echo "1 0 0")
	rc=$1 secs=$(($3 - $2))
	log=$work/logs/$t.log
	n=$((n + 1))

	# A binary killed mid-line leaves its last line unterminated: keep it.
	sed 's/^/  /' "$log" | while IFS= read -r line || [ -n "$line" ]; do emit "$line"; done

	log_counts "$log"
	# What the binary planned (its first plan line; `1..0 # SKIP` plans none).
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
	got=$((p + f + s))

	sig=- tmo=0
	eval "tt=\$$(tvar "$t")"
	if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
		sig=SIG$(kill -l "$((rc - 128))" 2>/dev/null || echo "$((rc - 128))")
		if [ "$secs" -ge "$tt" ] && [ "$sig" = SIGKILL ]; then
			tmo=1
		fi
	elif [ "$rc" -eq 124 ]; then
		tmo=1
	fi

	if [ "$tmo" -eq 1 ]; then
		result="not ok $n $t # TIMEOUT ${tt}s"
	elif [ "$sig" != - ]; then
		result="not ok $n $t # CRASH $sig"
	elif { [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]; } && [ -n "$plan" ] && [ "$got" -lt "$plan" ]; then
		# It left without a result for every case it planned.
		result="not ok $n $t # $got of $plan results"
	elif [ "$rc" -eq 0 ]; then
		result="ok $n $t"
		# KTAP: a parent whose every case skipped may be marked skipped.
		[ "$p$f" = 00 ] && [ "$s" -gt 0 ] && result="ok $n $t # SKIP all cases skipped"
	elif [ "$rc" -eq 4 ]; then
		# KSFT_SKIP: a skip plan's reason, or every case skipped.
		reason=$(sed -n 's/^1\.\.0 # SKIP //p' "$log" | head -n 1)
		result="ok $n $t # SKIP ${reason:-all cases skipped}"
		[ "$p$f$s" = 000 ] && s=1
	elif [ "$rc" -eq 127 ] && grep -q 'binary not built' "$log"; then
		result="not ok $n $t # ERROR binary not built"
	else
		result="not ok $n $t"
	fi
	case $result in
	"not ok"*)
		failed_any=1
		[ "$f" -eq 0 ] && f=1
		;;
	esac
	emit "$result"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$view" != brief ] || brief_binary "$result" "$t" "$log" "$secs"
	echo "$t exit=$rc signal=$sig timeout=$tmo seconds=$secs" >>"$work/status.txt"
}

inflight=0
set -- $queue
pending=""
for t in "$@"; do
	start "$t"
	pending="$pending $t"
	inflight=$((inflight + 1))
	if [ "$inflight" -ge "$jobs" ]; then
		first=${pending# }
		first=${first%% *}
		report_next "$first"
		pending=${pending# }
		pending=${pending#"$first"}
		inflight=$((inflight - 1))
	fi
done
for t in $pending; do
	report_next "$t"
done

summary="$pass passed, $fail failed, $skip skipped"
[ "$backend_note" = "$backend" ] || emit "# backend: $backend_note"
emit "$summary"
[ -n "$outdir" ] && echo "$summary" >"$outdir/summary.txt"

# JUnit and HTML beside the KTAP, where the reporter's Python is (not in
# the busybox guests of the kernel matrix: the host can make them later).
made="ktap.txt"
report=$topdir/report/kvm-sysevent-report
if [ -n "$outdir" ] && [ -x "$report" ] &&
   command -v "$("$report" --print-python 2>/dev/null)" >/dev/null 2>&1; then
	if "$report" junit -q -o "$outdir/junit.xml" "$outdir" >/dev/null 2>"$work/report.err" &&
	   "$report" html -q "$outdir" >/dev/null 2>>"$work/report.err"; then
		made="$made, junit.xml, report.html"
	else
		echo "run_tests.sh: no junit.xml/report.html: $(tail -n 1 "$work/report.err")" >&2
	fi
	rm -f "$work/report.err"
fi
if [ "$view" = brief ]; then
	[ "$backend_note" = "$backend" ] || say "backend: $backend_note"
	say "results: $outdir ($made)"
	say "$summary"
fi
[ "$failed_any" -eq 0 ] && [ "$fail" -eq 0 ] || exit 1
[ "$pass" -eq 0 ] && [ "$skip" -gt 0 ] && exit 4
exit 0
