#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The real-kernel mutants' command lines (kernel/mutants/*.sh, the wrappers
# around kernel/sysevent_kernel): help, bad input and exit status, the
# catalogue as --list and --check-edits see it, and the harness patch's
# markings. No kernel build, no boot. Ends with
# `mutants-tools: N passed, N failed, N skipped` (make check-mutants-tools).
# The package's pytest units (tests/kernel/test_{catalogue,mutants,build}.py)
# run once, with every tests/kernel/test_*.py, in make check-kernel-tools.

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
if [ -f "$top/kernel/sysevent_kernel/kernelbuild.py" ]; then
	expect "mutants.sh --arch arm64 --list (a whole-kernel build)" 0 "$ms" --arch arm64 --list
else
	expect "mutants.sh rejects --arch arm64 (KVM built in, no whole-kernel build)" 2 \
		"$ms" --arch arm64 --list
fi
expect "mutants.sh rejects an unknown --arch" 2 "$ms" --arch mips --list
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

expect "mutants.sh --list shows the declared kills" 0 "$ms" --list
check "... every killed entry names a field" \
	awk 'NR > 1 && $2 == "killed" && $6 == "-" { bad = 1 } END { exit bad }' "$tmp/out"
expect "mutants.sh --check-edits rejects an unknown line" 2 "$ms" --check-edits --line 7.99
expect "kvm-modules-riscv.sh --help (the riscv64 wrapper)" 0 "$m/kvm-modules-riscv.sh" --help

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
check "... names debootstrap (the compiler chroot)" grep -qw debootstrap "$tmp/out"
expect "kvm-modules.sh rejects an unknown line" 2 "$km" --line 7.99 resolve
expect "kvm-modules.sh rejects --arch arm64 (KVM built in)" 2 "$km" --arch arm64 resolve

echo "1..$((pass + fail + skip))"

echo "mutants-tools: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
