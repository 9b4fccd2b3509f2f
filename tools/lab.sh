#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The lab's one command: run everything this host allows and leave one
# archive to send back. Each run is a result set (run_tests.sh -o) under
# DIR/runs/, one after another:
#
#   default        every binary, on the backend given (default: hardware)
#   sweep-loop     the exhaustive reason sweep, one launch per set
#   sweep-per-vm   the exhaustive reason sweep, one VM per value (12,288
#                  launches on SEV-ES hardware: the runner gives it the time
#                  its budget says, see the KTAP header)
#   harness        the SEV-ES cases on the harness backend, when kvm_amd has
#                  the test-only harness loaded (not an SEV-ES hardware result)
#   model          the SEV-ES cases on model:upstream: the same guests in plain
#                  VMs on this host's KVM, a control (never a kernel result)
#
# Then DIR/report.html (the conformance matrix over every run, a column per
# backend or kernel, then each run's results and heatmaps), junit.xml and
# kcidb.json beside each run, DIR/inventory.txt, DIR/summary.txt and
# DIR/README.txt, and DIR.tar.gz: the one file to send back.
#
# usage: tools/lab.sh [-o DIR] [--origin NAME] [--backend B] [--no-model]
#                     [--no-sweep] [RUNNER-ARGS...]
#   -o DIR          where (default results/lab/<host>-<UTC time>)
#   --origin NAME   the KCIDB origin ([a-z0-9_]+, default lab)
#   --backend B     the backend of the SEV-ES runs (default hardware)
#   --no-model      leave out the model control run
#   --no-sweep      leave out both exhaustive sweeps (a quick look)
#   RUNNER-ARGS     go to every run_tests.sh (e.g. --kernel debian-6.12 to
#                   run each inside that kernel under QEMU, -T SECS)
# environment: BUILD (default build), KVM_SYSEVENT_PYTHON (the reporter's).
# Last lines: one count line per run, `lab: N passed, N failed, N skipped`
# and `archive: PATH`. Exit status: 0 nothing failed, 1 something failed
# or could not be made, 2 bad usage, 4 every case of every run skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
runner=$top/run_tests.sh
report=$top/report/kvm-sysevent-report

usage() { sed -n '3,37p' "$0" | sed 's/^# \{0,1\}//'; }
die_usage() {
	echo "lab: $* (see --help)" >&2
	exit 2
}

# The lab's options anywhere on the line; the rest, in order, go to the runner.
out="" origin=lab backend=hardware model=1 sweeps=1
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	case $a in
	-h|--help) usage; exit 0 ;;
	-o|--origin|--backend)
		[ "$n" -ge 1 ] || die_usage "$a needs a value"
		v=$1
		shift
		n=$((n - 1))
		case $a in -o) out=$v ;; --origin) origin=$v ;; --backend) backend=$v ;; esac
		;;
	--origin=*) origin=${a#*=} ;;
	--backend=*) backend=${a#*=} ;;
	--no-model) model=0 ;;
	--no-sweep) sweeps=0 ;;
	-t|--abi-profile*|--exhaustive|--sweep*|--show|-l|--brief)
		die_usage "'$a' is the lab's to choose, not a runner argument here" ;;
	*) set -- "$@" "$a" ;;
	esac
done
case $origin in ''|*[!a-z0-9_]*) die_usage "--origin '$origin' must match [a-z0-9_]+" ;; esac

host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null || echo host)
host=$(echo "$host" | tr -c 'A-Za-z0-9._\n-' _)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$out" ] || out=$top/results/lab/$host-$stamp
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
	die_usage "-o: '$out' exists and is not empty"
fi
mkdir -p "$out/runs" || die_usage "-o: cannot create '$out'"

# The harness backend is there when kvm_amd was loaded with it.
harness=0
[ "$(cat /sys/module/kvm_amd/parameters/sev_es_test_harness 2>/dev/null)" = Y ] && harness=1
case $backend in model:*) model=0 ;; esac

runs="" pass=0 fail=0 skip=0 failed=0 any_count=0
: >"$out/summary.txt"

# run NAME RUNNER-ARGS...: one result set, its count line kept.
run() {
	name=$1
	shift
	set_dir=$out/runs/$name
	echo "lab: $name: run_tests.sh $*" >&2
	"$runner" --ktap -o "$set_dir" "$@" >"$out/runs/$name.stdout" 2>"$out/runs/$name.stderr"
	rc=$?
	line=$(tail -n 1 "$out/runs/$name.stdout" 2>/dev/null)
	case $line in
	*" passed, "*" failed, "*" skipped")
		set -- $line
		pass=$((pass + $1)) fail=$((fail + $3)) skip=$((skip + $5))
		any_count=1
		;;
	*)
		line="no count line (exit $rc)"
		fail=$((fail + 1))
		;;
	esac
	case $rc in 0|4) ;; *) failed=1 ;; esac
	[ -f "$set_dir/ktap.txt" ] && runs="$runs runs/$name"
	echo "$name: $line" | tee -a "$out/summary.txt"
}

run default --backend "$backend" "$@"
if [ "$sweeps" -eq 1 ]; then
	run sweep-loop --backend "$backend" -t sev_es_term_test --exhaustive --sweep loop "$@"
	run sweep-per-vm --backend "$backend" -t sev_es_term_test --exhaustive --sweep per-vm "$@"
fi
if [ "$harness" -eq 1 ] && [ "$backend" != harness ]; then
	run harness --backend harness -t sev_es_term_test "$@"
	[ "$sweeps" -eq 0 ] ||
		run harness-sweep --backend harness -t sev_es_term_test --exhaustive "$@"
fi
[ "$model" -eq 0 ] || run model --backend model:upstream -t sev_es_term_test "$@"

# The reports: the matrix over every run, and JUnit and KCIDB beside each.
made=""
if [ -x "$report" ] && command -v "$("$report" --print-python)" >/dev/null 2>&1 &&
   "$report" --help >/dev/null 2>&1; then
	# From inside DIR, so that the page names the runs as the archive does.
	# shellcheck disable=SC2086
	if (cd "$out" && "$report" html -q -o report.html $runs) >/dev/null 2>"$out/report.err"
	then
		made="report.html"
	else
		echo "lab: no report.html: $(tail -n 1 "$out/report.err")" >&2
		failed=1
	fi
	for d in $runs; do
		"$report" junit -q -o "$out/$d/junit.xml" "$out/$d" 2>>"$out/report.err" ||
			failed=1
		# It says on stderr how many model results it left out: keep that beside.
		"$report" kcidb -q --origin "$origin" -o "$out/$d/kcidb.json" "$out/$d" \
			2>"$out/$d/kcidb.log" || { failed=1; cat "$out/$d/kcidb.log" >>"$out/report.err"; }
		[ -s "$out/$d/kcidb.log" ] || rm -f "$out/$d/kcidb.log"
	done
	[ -s "$out/report.err" ] || rm -f "$out/report.err"
	made="$made, junit.xml and kcidb.json per run"
else
	echo "lab: the reporter cannot run here (apt-get install python3 python3-tap):" \
		"the archive has the result sets only" >&2
	failed=1
fi
first=${runs# }
first=${first%% *}
[ -z "$first" ] || cp "$out/$first/inventory.txt" "$out/inventory.txt"

cat >"$out/README.txt" <<EOF
kvm-sysevent lab archive: $host, $stamp
suite: $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
command: tools/lab.sh $(printf '%s ' --backend "$backend" "$@")

report.html      open in a browser: the conformance matrix (one row per ABI
                 promise, one column per backend or kernel), then each run
inventory.txt    the host (CPU, microcode, kvm_amd parameters, SEV API version)
summary.txt      one count line per run
runs/<run>/      a result set each (docs/output-format.md): ktap.txt, logs/,
                 status.txt, inventory.txt, summary.txt, junit.xml, kcidb.json,
                 report.html
runs/<run>.stdout, .stderr   what the runner printed
EOF

summary="$pass passed, $fail failed, $skip skipped"
echo "lab: $summary" >>"$out/summary.txt"
archive=$out.tar.gz
if tar -czf "$archive.tmp" -C "$(dirname "$out")" "$(basename "$out")" &&
   mv "$archive.tmp" "$archive"; then
	:
else
	rm -f "$archive.tmp"
	echo "lab: cannot write $archive" >&2
	archive="(none)"
	failed=1
fi
echo "lab: made ${made:-the result sets}" >&2
echo "lab: $summary"
echo "archive: $archive"
[ "$failed" -eq 0 ] && [ "$fail" -eq 0 ] || exit 1
[ "$any_count" -eq 1 ] && [ "$pass" -eq 0 ] && [ "$skip" -gt 0 ] && exit 4
exit 0
