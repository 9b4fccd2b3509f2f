#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mutation proof: run the real SEV-ES test binary, on the real local
# KVM, against every behaviour of the software model of KVM's SEV-ES side
# (tests/mutation/behaviours.tsv). A conformant behaviour must give exactly
# the results tests/mutation/conformant.tsv lists, case by case (each pass,
# each skip with its reason). A bug is detected only by its named cause:
# some failing case's own deviation lines name the row's field with the
# row's diagnosis id, and every failing case names that field. Any other
# failure (a watchdog stall, an errno the diagnosis does not fit, a case
# failing for another field) is `otherwise` and fails the proof. These are
# results about the suite's power to catch bugs, produced with a software
# model: they say nothing about any kernel.
#
# usage: tests/mutation/run.sh [-b BUILD] [--exhaustive] [-o DIR]
# environment: KSE_MUTATION_BEHAVIOURS, KSE_MUTATION_CONFORMANT (other
# tables than the two beside this script: for proving the proof itself)
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
	-h|--help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "mutation: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $build in /*) ;; *) build=$top/$build ;; esac
bin=$build/x86_64/sev_es_term_test
[ -x "$bin" ] || { echo "mutation: $bin not built (run make)" >&2; exit 2; }
behaviours=${KSE_MUTATION_BEHAVIOURS:-$here/behaviours.tsv}
conformant=${KSE_MUTATION_CONFORMANT:-$here/conformant.tsv}
for f in "$behaviours" "$conformant"; do
	[ -r "$f" ] || { echo "mutation: cannot read $f" >&2; exit 2; }
done
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

# The results of a binary's stream, one `CASE<TAB>VERDICT` line each in
# the conformant list's form: pass, fail, or `skip: REASON`.
results() {
	awk '
	/^(not )?ok [0-9]+ / {
		failed = ($1 == "not")
		line = $0
		sub(/^(not )?ok [0-9]+ /, "", line)
		reason = ""
		if (match(line, / # /)) {
			reason = substr(line, RSTART + 3)
			line = substr(line, 1, RSTART - 1)
		}
		if (failed) v = "fail"
		else if (reason ~ /^SKIP( |$)/) { sub(/^SKIP ?/, "", reason); v = "skip: " reason }
		else v = "pass"
		print line "\t" v
	}' "$1"
}

# The deviations of every failing case, one `CASE<TAB>FIELD<TAB>ID` line
# each (ID `-` when the oracle gave no diagnosis); a failing case without a
# deviation line gives `CASE<TAB>(none)<TAB>-`. A case's deviations are the
# `# deviation:` lines (and the sweep's `# code 0xNN: deviation:`) printed
# between its RUN line and its result line.
deviations() {
	awk '
	/^#  RUN / { n = 0; next }
	/^# (code 0x[0-9a-f]+: )?deviation: / {
		line = $0
		sub(/^# (code 0x[0-9a-f]+: )?deviation: /, "", line)
		field = line
		sub(/^field=/, "", field)
		sub(/ .*/, "", field)
		id = "-"
		if (match(line, / diagnosis="[^":]*/))
			id = substr(line, RSTART + 12, RLENGTH - 12)
		dev[++n] = field "\t" id
		next
	}
	/^not ok [0-9]+ / {
		name = $4
		if (n == 0)
			print name "\t(none)\t-"
		for (i = 1; i <= n; i++)
			print name "\t" dev[i]
		n = 0
		next
	}
	/^ok [0-9]+ / { n = 0 }' "$1"
}

# The cases of list $1 (expected) and of run $2 that differ, one line each:
# `CASE: expected V, got W`, `CASE: expected V, not run`, `CASE: got W, not listed`.
compare() {
	awk -F '\t' '
	NR == FNR { want[$1] = $2; order[++n] = $1; next }
	{ got[$1] = $2; if (!($1 in want)) extra[++m] = $1 }
	END {
		for (i = 1; i <= n; i++) {
			c = order[i]
			if (!(c in got)) print c ": expected " want[c] ", not run"
			else if (got[c] != want[c]) print c ": expected " want[c] ", got " got[c]
		}
		for (i = 1; i <= m; i++) print extra[i] ": got " got[extra[i]] ", not listed"
	}' "$1" "$2"
}

# The conformant list for this run: every line without --exhaustive but
# those marked `exhaustive`.
expected=$work/conformant.expected
awk -F '\t' -v ex="$sweep" '
	/^#/ || NF == 0 { next }
	$1 == "exhaustive" && ex == "" { next }
	{ print $2 "\t" $3 }' "$conformant" >"$expected"

printf '%-18s %-14s %-10s %-13s %s\n' behaviour profile expected actual \
	"cause (model results, not a kernel result)"
ok=0 bad=0 bugs=0 killed=0 i=0
while IFS='	' read -r beh prof expect field diag; do
	case $beh in ''|'#'*) continue ;; esac
	i=$((i + 1))
	log=$work/$i-$beh-$prof.log
	"$bin" --backend="model:$beh" --abi-profile="$prof" $sweep >"$log" 2>&1
	rc=$?
	results "$log" >"$log.results"
	fails=$(grep -c '	fail$' "$log.results")
	if [ "$expect" = conformant ]; then
		# Every case as listed, with its verdict: nothing missing, nothing
		# more, no pass that should skip and no skip that should pass.
		compare "$expected" "$log.results" >"$log.differs"
		ndiff=$(grep -c . "$log.differs")
		if [ "$rc" -eq 0 ] && [ "$ndiff" -eq 0 ]; then
			actual=pass verdict=ok
			cause="every case as listed: $(grep -c '	pass$' "$log.results") pass,"
			cause="$cause $(grep -c '	skip: ' "$log.results") skip"
		else
			actual="differs" verdict=WRONG
			cause="exit $rc, $ndiff case(s) not as listed"
			[ "$ndiff" -eq 0 ] || cause="$cause; first: $(head -n 1 "$log.differs")"
		fi
	else
		bugs=$((bugs + 1))
		deviations "$log" >"$log.deviations"
		# Failing cases that name the field with the diagnosis; failing
		# cases that do not name the field at all.
		named=$(awk -F '\t' -v f="$field" -v d="$diag" '$2 == f && $3 == d { print $1 }' \
			"$log.deviations" | sort -u | grep -c .)
		with_field=$(awk -F '\t' -v f="$field" '$2 == f { print $1 }' "$log.deviations" |
			sort -u | grep -c .)
		if [ "$fails" -eq 0 ]; then
			actual=missed verdict=WRONG cause="no case failed"
		elif [ "$named" -gt 0 ] && [ "$with_field" -eq "$fails" ]; then
			actual="detected($fails)" verdict=ok
			cause="field=$field diagnosis=$diag in $named of $fails failing cases"
			killed=$((killed + 1))
		else
			actual="otherwise($fails)" verdict=WRONG
			# The first deviation that is not the named cause: of a
			# case without the field, else of the field without the id.
			other=$(awk -F '\t' -v f="$field" 'NR == FNR { if ($2 == f) has[$1] = 1; next }
				!has[$1] { print; exit }' "$log.deviations" "$log.deviations")
			[ -n "$other" ] || other=$(awk -F '\t' -v f="$field" '$2 == f' "$log.deviations" | head -n 1)
			cause="want field=$field diagnosis=$diag; $(printf '%s' "$other" |
				awk -F '\t' '{ printf "%s: field=%s diagnosis=%s", $1, $2, $3 }')"
		fi
	fi
	if [ "$verdict" = ok ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	printf '%-18s %-14s %-10s %-13s %s\n' "$beh" "$prof" "$expect" "$actual" "$cause"
done <"$behaviours"

echo "mutation: $ok passed, $bad failed"
echo "mutants detected: $killed/$bugs"
[ "$bad" -eq 0 ]
