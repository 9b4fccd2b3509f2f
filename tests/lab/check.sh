#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The lab's one command (tools/lab.sh), on this host: a quick lab run on the
# software model (--backend model:upstream --no-sweep: no SEV-ES needed)
# must leave one archive holding the result sets, the inventory, the HTML
# report with its conformance matrix, JUnit and KCIDB; bad input is one
# line and exit 2. Without access to /dev/kvm the run still makes its
# archive, every case skipped (exit 4), and every check runs but those that
# need a case to have run, which skip.
#
# usage: tests/lab/check.sh   (environment: BUILD, default build)
# Last line: `lab-check: N passed, N failed, N skipped`.
set -u

case "${1:-}" in
-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
lab=$top/tools/lab.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/kse-lab.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

. "$top/tests/lib/tap.sh"

# Bad input: one line, exit 2, nothing left behind. No KVM needed.
for args in "--origin Bad-Name" "-t sev_es_term_test" "--exhaustive" "-o"; do
	# shellcheck disable=SC2086
	"$lab" $args >"$work/bad.out" 2>"$work/bad.err"
	rc=$?
	check "bad input '$args': exit 2, one line on stderr" \
		eval '[ "$rc" -eq 2 ] && [ "$(wc -l <"$work/bad.err")" -eq 1 ] && [ ! -s "$work/bad.out" ]'
done
mkdir -p "$work/full" && : >"$work/full/x"
"$lab" -o "$work/full" >/dev/null 2>"$work/bad.err"
rc=$?
check "an -o that is not empty: exit 2" [ "$rc" -eq 2 ]

# The run: with /dev/kvm the model's cases run (exit 0); without, every
# case skips (exit 4) and the archive is made all the same.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	kvm=1 want_rc=0
else
	kvm=0 want_rc=4
fi
# needs_kvm DESCRIPTION CMD...: a check that needs a case to have run.
needs_kvm() {
	if [ "$kvm" = 1 ]; then
		check "$@"
	else
		skipped "$1 (no access to /dev/kvm)"
	fi
}

out=$work/lab
"$lab" --backend model:upstream --no-sweep --origin check -o "$out" >"$work/stdout" 2>"$work/stderr"
rc=$?
sed 's/^/#   /' "$work/stdout"
check "exit status $want_rc" [ "$rc" -eq "$want_rc" ]
check "last line names the archive" [ "$(tail -n 1 "$work/stdout")" = "archive: $out.tar.gz" ]
check "a count line over every run" \
	grep -qE '^lab: [0-9]+ passed, 0 failed, [0-9]+ skipped$' "$work/stdout"
needs_kvm "the model's cases ran" grep -qE '^lab: [1-9][0-9]* passed' "$work/stdout"
check "the archive exists" [ -s "$out.tar.gz" ]
mkdir -p "$work/x"
tar -xzf "$out.tar.gz" -C "$work/x" 2>/dev/null
a=$work/x/lab
for f in README.txt inventory.txt summary.txt report.html runs/default/ktap.txt \
	runs/default/inventory.txt runs/default/status.txt runs/default/junit.xml \
	runs/default/kcidb.json runs/default/logs/sev_es_term_test.log; do
	check "the archive holds $f" [ -s "$a/$f" ]
done
check "the inventory names the CPU" grep -q '^cpu_vendor=' "$a/inventory.txt"
check "the report leads with the conformance matrix" \
	grep -q 'id="matrix-table"' "$a/report.html"
check "the matrix has a column for the model, marked" \
	grep -q '<th class="col" data-kind="model"' "$a/report.html"
check "the matrix has a column for this kernel" \
	grep -q '<th class="col" data-kind="kernel"' "$a/report.html"
check "every run's sections follow" grep -q 'id="results-table"' "$a/report.html"
check "the model banner is on the page" grep -q 'id="model-banner"' "$a/report.html"
check "KCIDB leaves the model's results out" \
	grep -q 'left out' "$a/runs/default/kcidb.log"
check "JUnit marks the model's class" grep -q 'kvm_sysevent.model.' "$a/runs/default/junit.xml"

echo "lab-check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
