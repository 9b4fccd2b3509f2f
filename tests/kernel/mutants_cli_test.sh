#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The real-kernel mutants' command lines (kernel/mutants/*.sh, the wrappers
# around kernel/sysevent_kernel): help, bad input and exit status, the
# catalogue as --list and --check-edits see it, and the harness patch's
# markings. No kernel build, no boot. Ends with
# `mutants-tools: N passed, N failed, N skipped` (make check-mutants-tools,
# which also runs the package's pytest units).

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case "${1:-}" in
-h|--help)
	echo "usage: $0   (runs the mutant tools' command-line tests; no arguments)"
	exit 0
	;;
'') ;;
*) echo "mutants_cli_test.sh: error: no arguments expected (try --help)" >&2; exit 2 ;;
esac

# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvm-mutants-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

m=$top/kernel/mutants
ms=$m/mutants.sh
km=$m/kvm-modules.sh

# expect DESCRIPTION STATUS CMD...: CMD exits with STATUS (its output in
# $tmp/out and $tmp/err).
expect() {
	local d=$1 want=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$d"
	else
		bad "$d"
		echo "# exit $rc, wanted $want; stderr: $(head -c 300 "$tmp/err")"
	fi
}

# one_line_error: the last command said one line on stderr, starting with
# the program's name and "error:".
one_line_error() {
	[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q '^[a-z0-9.-]*: error: ' "$tmp/err"
}

echo "TAP version 13"

expect "mutants.sh --help" 0 "$ms" --help
check "mutants.sh --help names the verdicts' count lines" \
	grep -q 'kernel mutants killed: K/N' "$tmp/out"
expect "mutants.sh rejects an unknown option" 2 "$ms" --bogus
expect "mutants.sh rejects a bad timeout" 2 "$ms" --timeout 0 --list
check "... with one line on stderr" one_line_error
expect "mutants.sh rejects a bad --jobs" 2 "$ms" --jobs x --list
expect "mutants.sh rejects an option without its value" 2 "$ms" --only
expect "mutants.sh rejects a missing patch" 2 "$ms" --patch "$tmp/none.patch"
expect "mutants.sh rejects an --only that matches nothing" 2 "$ms" --only 'no-such-*' --list
expect "mutants.sh rejects --arch arm64 (KVM built in)" 2 "$ms" --arch arm64 --list
expect "mutants.sh rejects --patch with --only" 2 "$ms" --patch "$ms" --only 'hv-*'

expect "mutants.sh --list" 0 "$ms" --list
cp "$tmp/out" "$tmp/list"
n_rows=$(($(wc -l <"$tmp/list") - 1))
check "--list shows entries" test "$n_rows" -gt 0
for kind in killed conformant unreachable; do
	check "the catalogue has $kind entries" \
		awk -v k="$kind" 'NR > 1 && $2 == k { n++ } END { exit !(n > 0) }' "$tmp/list"
done
check "the catalogue has entries built on the SEV-ES harness" \
	awk 'NR > 1 && $3 == "harness" { n++ } END { exit !(n > 0) }' "$tmp/list"
expect "mutants.sh --arch riscv64 --list" 0 "$ms" --arch riscv64 --list
check "--arch riscv64 --list shows killed and conformant entries" \
	awk 'NR > 1 { k[$2]++ } END { exit !(k["killed"] > 0 && k["conformant"] > 0) }' "$tmp/out"

# edit.pl: the anchored, verified edit every catalogue entry is made of.
sample() {
	printf '%s\n' 'static int f(void)' '{' '	if (check(REQ_A)) {' \
		'		run->type = TYPE_A;' '		run->ndata = 0;' '		return 0;' '	}' \
		'	if (check(REQ_B)) {' '		run->type = TYPE_B;' '		run->ndata = 0;' \
		'		return 0;' '	}' '	return 1;' '}' >"$tmp/s.c"
}
ep=$m/edit.pl
expect "edit.pl --help" 0 perl "$ep" --help
expect "edit.pl rejects a wrong argument count" 2 perl "$ep" "$tmp/s.c" a b
expect "edit.pl rejects a bad window" 2 perl "$ep" "$tmp/s.c" a b c 0
sample
expect "edit.pl edits inside the anchored block" 0 \
	perl "$ep" "$tmp/s.c" 'check(REQ_B)' 'ndata = 0;' 'ndata = 1;' 3
check "edit.pl changed exactly the line after the anchor" \
	test "$(sed -n 10p "$tmp/s.c")" = '		run->ndata = 1;'
sample
cp "$tmp/s.c" "$tmp/orig.c"
expect "edit.pl fails when the anchor is missing" 1 \
	perl "$ep" "$tmp/s.c" 'check(REQ_C)' 'ndata = 0;' 'ndata = 1;'
expect "edit.pl fails on an ambiguous anchor" 1 perl "$ep" "$tmp/s.c" 'run->type' 'ndata = 0;' 'x'
expect "edit.pl fails when OLD is past the window" 1 \
	perl "$ep" "$tmp/s.c" 'check(REQ_A)' 'return 1;' 'return 2;' 5
expect "edit.pl fails on an edit that changes nothing" 1 \
	perl "$ep" "$tmp/s.c" 'check(REQ_A)' 'ndata = 0;' 'ndata = 0;'
check "failed edits leave the file untouched" cmp -s "$tmp/s.c" "$tmp/orig.c"

# The catalogue's files (shell fragments for now).
check "every catalogue entry has an SPDX line" eval \
	"! grep -L '^# SPDX-License-Identifier: GPL-2.0\$' '$m'/catalogue/*.mut '$m'/catalogue/*/*.mut | grep -q ."
check "unreachable entries are SVM/SEV code" eval \
	"! grep -l 'unreachable' '$m'/catalogue/*.mut | xargs grep -L 'svm/' | grep -q ."
check "harness entries edit svm/sev.c" eval \
	"! grep -l '^base=harness\$' '$m'/catalogue/*.mut | xargs grep -L 'svm/sev.c' | grep -q ."
cp "$ms" "$m/kvm-modules.sh" "$m/edit.pl" "$tmp/"
mkdir -p "$tmp/catalogue"
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' 'desc="x"' 'site="y"' 'expect=maybe' \
	'mutate() {' '	:' '}' >"$tmp/catalogue/10-bad.mut"
expect "a catalogue entry with a bad expect= is refused" 2 "$tmp/mutants.sh" --list
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' 'desc="x"' 'site="y"' 'expect=killed' \
	>"$tmp/catalogue/10-bad.mut"
expect "a catalogue entry without mutate() is refused" 2 "$tmp/mutants.sh" --list

hp=$top/kernel/harness/sev-es-test-harness.patch
check "the harness patch is marked test-only and its parameter is read-only" \
	eval "grep -q 'NEVER FOR A PRODUCTION KERNEL' '$hp' &&
		grep -q '^+module_param(sev_es_test_harness, bool, 0444);\$' '$hp'"

expect "kvm-modules.sh --help" 0 "$km" --help
expect "kvm-modules.sh rejects an unknown command" 2 "$km" frobnicate
expect "kvm-modules.sh rejects a missing command" 2 "$km"
expect "kvm-modules.sh rejects a KDIR that is not a tree" 2 "$km" --kdir "$tmp/none" resolve
check "... with one line on stderr" one_line_error
mkdir -p "$tmp/kdir/arch/x86/kvm" "$tmp/kdir/virt/kvm"
touch "$tmp/kdir/Makefile"
expect "kvm-modules.sh rejects an unbuilt KDIR" 2 "$km" --kdir "$tmp/kdir" resolve
touch "$tmp/kdir/.config" "$tmp/kdir/Module.symvers"
echo 'CONFIG_KVM=y' >"$tmp/kdir/.config"
expect "kvm-modules.sh rejects a KDIR with KVM built in" 2 "$km" --kdir "$tmp/kdir" resolve
expect "mutants.sh rejects a bad KDIR" 2 env KDIR="$tmp/none" "$ms" --check-edits
expect "mutants.sh rejects --kdir for riscv64" 2 "$ms" --arch riscv64 --kdir "$tmp/kdir" --list
expect "kvm-modules.sh packages" 0 "$km" packages
check "... names a compiler" grep -q 'gcc' "$tmp/out"

echo "1..$((pass + fail + skip))"
echo "mutants-tools: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
