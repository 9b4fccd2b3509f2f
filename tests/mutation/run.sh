#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mutation proof: run the real SEV-ES test binary, on the real local
# KVM, against every behaviour of the software model of KVM's SEV-ES side
# (tests/mutation/behaviours.tsv). Conformant behaviours must pass every
# case; every bug must be detected by at least one case, with a deviation
# naming the right field. These are results about the suite's power to
# catch bugs, produced with a software model: they say nothing about any
# kernel.
#
# usage: tests/mutation/run.sh [-b BUILD] [--exhaustive] [-o DIR]
# Last lines: `mutation: P passed, F failed`, then `mutants detected: K/N`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
sweep="" outdir=""
while [ $# -gt 0 ]; do
	case $1 in
	-b) [ $# -ge 2 ] || { echo "mutation: -b needs a build directory" >&2; exit 2; }
	    build=$2; shift ;;
	--exhaustive) sweep=--exhaustive ;;
	-o) [ $# -ge 2 ] || { echo "mutation: -o needs a directory" >&2; exit 2; }
	    outdir=$2; shift ;;
	-h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "mutation: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $build in /*) ;; *) build=$top/$build ;; esac
bin=$build/x86_64/sev_es_term_test
[ -x "$bin" ] || { echo "mutation: $bin not built (run make)" >&2; exit 2; }
work=${outdir:-$(mktemp -d "${TMPDIR:-/tmp}/kse-mutation.XXXXXX")}
mkdir -p "$work"
[ -n "$outdir" ] || trap 'rm -rf "$work"' EXIT

# A kernel without what the model needs (userspace MSR exits, MSR filter,
# single-step, the hypercall quirk) cannot host the proof: say so, fail.
probe=$("$bin" --backend=model:upstream -r sev_es_reentry.long.second_request 2>&1)
if printf '%s\n' "$probe" | grep -q '# SKIP'; then
	printf '%s\n' "$probe" | grep '# SKIP' >&2
	echo "mutation: the model cannot run on this KVM" >&2
	echo "mutation: 0 passed, 1 failed"
	echo "mutants detected: 0/0"
	exit 1
fi

printf '%-18s %-14s %-10s %-10s %s\n' behaviour profile expected actual \
	"first deviation named (model results, not a kernel result)"
ok=0 bad=0 bugs=0 killed=0 i=0
while IFS='	' read -r beh prof expect field; do
	case $beh in ''|'#'*) continue ;; esac
	i=$((i + 1))
	log=$work/$i-$beh-$prof.log
	"$bin" --backend="model:$beh" --abi-profile="$prof" $sweep >"$log" 2>&1
	rc=$?
	fails=$(grep -c '^not ok ' "$log")
	passes=$(grep -c '^ok [0-9]*[^#]*$' "$log")
	first=$(grep -m1 '^# deviation:' "$log" | sed 's/^# deviation: //; s/ diagnosis=.*//')
	if [ "$expect" = conformant ]; then
		if [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ] && [ "$passes" -gt 0 ]; then
			actual=pass verdict=ok
		else
			actual="fail($fails)" verdict=WRONG
		fi
	else
		bugs=$((bugs + 1))
		if [ "$fails" -gt 0 ] && grep -qF "# deviation: field=$field " "$log"; then
			actual="detected($fails)" verdict=ok
			killed=$((killed + 1))
		elif [ "$fails" -gt 0 ]; then
			actual="wrong-field" verdict=WRONG
		else
			actual=missed verdict=WRONG
		fi
	fi
	if [ "$verdict" = ok ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	printf '%-18s %-14s %-10s %-10s %s\n' "$beh" "$prof" "$expect" "$actual" "${first:--}"
done <"$here/behaviours.tsv"

echo "mutation: $ok passed, $bad failed"
echo "mutants detected: $killed/$bugs"
[ "$bad" -eq 0 ]
