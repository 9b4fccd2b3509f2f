#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every fuzz target for a fixed number of executions and print what
# each did: the libFuzzer targets (build-fuzz/tests/fuzz/, ASan+UBSan) over
# their committed corpus (tests/fuzz/corpus/<target>/: seeds from real runs
# and a regression input for every crash fixed) plus a scratch corpus kept
# in build-fuzz/corpus/ between runs, and the reporter's KTAP reader
# (tests/fuzz/ktap_fuzz.py) on hostile mutations of real streams.
#
# usage: tests/fuzz/run.sh [-r RUNS] [-p PY_RUNS] [-s SEED] [-b FUZZ_BUILD]
#   -r RUNS      executions per libFuzzer target (default 1000000; a tenth
#                for fuzz_inventory, each of whose executions writes a file)
#   -p PY_RUNS   mutated streams for the KTAP reader (default 5000)
#   -s SEED      random seed (default 1: the same inputs every time)
# A crash leaves its input in FUZZ_BUILD/crashes/ (add it to the corpus as
# regress-<what> once fixed).
# Last lines: `fuzz: N passed, N failed` (targets without / with a crash),
# then `fuzz: T targets, E executions, C crashes`.
# Exit status: 0 no crash, 1 a crash or a target that did not run, 2 bad usage.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=1000000 py_runs=5000 seed=1 fbuild=$top/build-fuzz
usage() { sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-r|-p|-s|-b)
		[ $# -ge 2 ] || { echo "fuzz: $1 needs a value" >&2; exit 2; }
		case $1 in -r) runs=$2 ;; -p) py_runs=$2 ;; -s) seed=$2 ;; -b) fbuild=$2 ;; esac
		shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fuzz: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
for v in "$runs" "$py_runs" "$seed"; do
	case $v in ''|*[!0-9]*) echo "fuzz: '$v' is not a whole number" >&2; exit 2 ;; esac
done

TARGETS="fuzz_oracle fuzz_ghcb fuzz_deviation fuzz_page_walk fuzz_inventory"
python=$("$top/report/kvm-sysevent-report" --print-python)
mkdir -p "$fbuild/crashes" "$fbuild/logs"

targets=0 execs=0 crashes=0 ok=0 bad=0
printf '%-16s %10s %9s %6s %6s %8s %8s  %s\n' target executions exec/s cov ft corpus crashes note
for t in $TARGETS; do
	targets=$((targets + 1))
	bin=$fbuild/tests/fuzz/$t
	log=$fbuild/logs/$t.log
	if [ ! -x "$bin" ]; then
		printf '%-16s %10s %9s %6s %6s %8s %8s  %s\n' "$t" - - - - - - "not built (make fuzz-build)"
		bad=$((bad + 1))
		continue
	fi
	mkdir -p "$fbuild/corpus/$t"
	n_runs=$runs
	# Each of its executions writes a file: a tenth of the runs.
	[ "$t" != fuzz_inventory ] || n_runs=$((runs / 10 > 0 ? runs / 10 : 1))
	before=$(ls "$fbuild/crashes" | wc -l)
	t0=$(date +%s%N)
	# Scratch corpus first (new inputs go there), the committed one read-only.
	"$bin" -runs="$n_runs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$fbuild/crashes/$t-" "$fbuild/corpus/$t" "$here/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	new=$(($(ls "$fbuild/crashes" | wc -l) - before))
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(( ${n:-0} * 1000 / (ms > 0 ? ms : 1) ))
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	note=""
	if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
		[ "$new" -gt 0 ] || new=1
		note="CRASH: $(grep -m1 -E 'contract violated|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error|ERROR: libFuzzer' "$log" | cut -c1-100)"
		bad=$((bad + 1))
	else
		ok=$((ok + 1))
	fi
	crashes=$((crashes + new))
	execs=$((execs + ${n:-0}))
	printf '%-16s %10s %9s %6s %6s %8s %8s  %s\n' "$t" "${n:-?}" "${rate:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$new" "$note"
done

# The reporter's KTAP reader.
targets=$((targets + 1))
log=$fbuild/logs/ktap_fuzz.log
PYTHONDONTWRITEBYTECODE=1 "$python" "$here/ktap_fuzz.py" --runs "$py_runs" --seed "$seed" \
	--save "$fbuild/crashes" >"$log" 2>&1
rc=$?
last=$(grep '^ktap-fuzz: .* executions in ' "$log" | tail -n 1)
n=$(echo "$last" | sed -n 's/^ktap-fuzz: \([0-9]*\) executions.*/\1/p')
rate=$(echo "$last" | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p')
if [ "$rc" -eq 0 ] && [ -n "$n" ]; then
	ok=$((ok + 1)) new=0 note=""
else
	bad=$((bad + 1)) new=1
	note="CRASH: $(grep -m1 'crash on' "$log" | cut -c1-100)"
fi
crashes=$((crashes + new))
execs=$((execs + ${n:-0}))
printf '%-16s %10s %9s %6s %6s %8s %8s  %s\n' ktap_reader "${n:-?}" "${rate:-?}" - - - "$new" \
	"${note:-$(echo "$last" | sed -n 's/.*), \([0-9]* inputs reported malformed\).*/\1/p')}"

[ "$crashes" -eq 0 ] || echo "# crash inputs: $fbuild/crashes/  logs: $fbuild/logs/"
echo "fuzz: $ok passed, $bad failed"
echo "fuzz: $targets targets, $execs executions, $crashes crashes"
[ "$bad" -eq 0 ]
