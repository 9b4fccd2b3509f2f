#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The mutant machinery's own tests (no kernel build, no boot): edit.pl's
# loud failures, the catalogue's shape, the command lines' bad input.
# Ends with `mutants-tools: N passed, N failed`.

set -u

here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
-h|--help)
	echo "usage: $0   (runs the mutant machinery's own tests; no arguments)"
	exit 0
	;;
'') ;;
*) echo "selftest.sh: error: no arguments expected (try --help)" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvm-mutants-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() {
	echo "ok $((pass + fail + 1)) $1"
	pass=$((pass + 1))
}

not_ok() {
	echo "not ok $((pass + fail + 1)) $1"
	fail=$((fail + 1))
}

# expect NAME STATUS CMD...: CMD exits with STATUS.
expect() {
	local name=$1 want=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; else
		not_ok "$name"
		echo "# exit $rc, wanted $want; stderr: $(head -c 300 "$tmp/err")"
	fi
}

# A small C file in the kernel's shape.
sample() {
	printf '%s\n' \
		'static int f(void)' \
		'{' \
		'	if (check(REQ_A)) {' \
		'		run->type = TYPE_A;' \
		'		run->ndata = 0;' \
		'		return 0;' \
		'	}' \
		'	if (check(REQ_B)) {' \
		'		run->type = TYPE_B;' \
		'		run->ndata = 0;' \
		'		return 0;' \
		'	}' \
		'	return 1;' \
		'}' >"$tmp/s.c"
}

echo "KTAP version 1"
echo "# kvm-sysevent: mutant machinery"

ep=$here/edit.pl
expect "edit.pl --help" 0 perl "$ep" --help
expect "edit.pl rejects a wrong argument count" 2 perl "$ep" "$tmp/s.c" a b
expect "edit.pl rejects a bad window" 2 perl "$ep" "$tmp/s.c" a b c 0
expect "edit.pl missing file" 1 perl "$ep" "$tmp/nonexistent.c" a b c

sample
expect "edit.pl edits inside the anchored block" 0 \
	perl "$ep" "$tmp/s.c" 'check(REQ_B)' 'ndata = 0;' 'ndata = 1;' 3
if [ "$(grep -c 'ndata = 1;' "$tmp/s.c")" = 1 ] &&
	[ "$(sed -n 10p "$tmp/s.c")" = '		run->ndata = 1;' ]; then
	ok "edit.pl changed exactly the line after the anchor"
else
	not_ok "edit.pl changed exactly the line after the anchor"
fi

sample
cp "$tmp/s.c" "$tmp/orig.c"
expect "edit.pl fails when the anchor is missing" 1 \
	perl "$ep" "$tmp/s.c" 'check(REQ_C)' 'ndata = 0;' 'ndata = 1;'
expect "edit.pl fails on an ambiguous anchor" 1 \
	perl "$ep" "$tmp/s.c" 'run->type' 'ndata = 0;' 'ndata = 1;'
expect "edit.pl fails when OLD is past the window" 1 \
	perl "$ep" "$tmp/s.c" 'check(REQ_A)' 'return 1;' 'return 2;' 5
expect "edit.pl fails on an edit that changes nothing" 1 \
	perl "$ep" "$tmp/s.c" 'check(REQ_A)' 'ndata = 0;' 'ndata = 0;'
if cmp -s "$tmp/s.c" "$tmp/orig.c"; then ok "failed edits leave the file untouched"; else
	not_ok "failed edits leave the file untouched"; fi

sample
expect "edit.pl inserts lines" 0 \
	perl "$ep" "$tmp/s.c" 'check(REQ_A)' 'ndata = 0;' 'ndata = 0;\n\t\tmemset(x, 0, 8);' 3
if grep -qx '		memset(x, 0, 8);' "$tmp/s.c"; then ok "edit.pl writes \\n and \\t"; else
	not_ok "edit.pl writes \\n and \\t"; fi

# The catalogue: fields, names, expectations.
ms=$here/mutants.sh
expect "mutants.sh --help" 0 "$ms" --help
expect "mutants.sh rejects an unknown option" 2 "$ms" --bogus
expect "mutants.sh rejects a bad timeout" 2 "$ms" --timeout 0 --list
expect "mutants.sh rejects a missing patch" 2 "$ms" --patch "$tmp/none.patch"
expect "mutants.sh rejects an --only that matches nothing" 2 "$ms" --only 'no-such-*' --list
expect "mutants.sh --list" 0 "$ms" --list
n_files=$(find "$here/catalogue" -maxdepth 1 -name '*.mut' | wc -l)
n_rows=$(($(wc -l <"$tmp/out") - 1))
if [ "$n_files" -gt 0 ] && [ "$n_rows" = "$n_files" ]; then
	ok "--list shows every catalogue entry"
else
	not_ok "--list shows every catalogue entry"; echo "# $n_rows rows, $n_files files"; fi
for kind in killed conformant unreachable; do
	if awk -v k="$kind" 'NR > 1 && $2 == k { n++ } END { exit !(n > 0) }' "$tmp/out"; then
		ok "the catalogue has $kind entries"
	else
		not_ok "the catalogue has $kind entries"
	fi
done
# riscv64's catalogue: its own list, killed and conformant entries; arm64
# has none (KVM built into the kernel image).
expect "mutants.sh --arch riscv64 --list" 0 "$ms" --arch riscv64 --list
n_files=$(find "$here/catalogue/riscv64" -maxdepth 1 -name '*.mut' | wc -l)
n_rows=$(($(wc -l <"$tmp/out") - 1))
if [ "$n_files" -gt 0 ] && [ "$n_rows" = "$n_files" ] &&
	awk 'NR > 1 { k[$2]++ } END { exit !(k["killed"] > 0 && k["conformant"] > 0) }' "$tmp/out"; then
	ok "--arch riscv64 --list shows the riscv64 catalogue, killed and conformant"
else
	not_ok "--arch riscv64 --list shows the riscv64 catalogue, killed and conformant"
	echo "# $n_rows rows, $n_files files"
fi
expect "mutants.sh rejects --arch arm64 (KVM built in)" 2 "$ms" --arch arm64 --list
bad=$(grep -L '^# SPDX-License-Identifier: GPL-2.0$' "$here"/catalogue/*.mut "$here"/catalogue/*/*.mut || true)
if [ -z "$bad" ]; then ok "every catalogue entry has an SPDX line"; else
	not_ok "every catalogue entry has an SPDX line"; echo "# missing: $bad"; fi
bad=$(grep -l 'unreachable' "$here"/catalogue/*.mut | xargs grep -L 'svm/' || true)
if [ -z "$bad" ]; then ok "unreachable entries are SVM/SEV code"; else
	not_ok "unreachable entries are SVM/SEV code"; echo "# $bad"; fi
if "$ms" --list 2>/dev/null | awk 'NR > 1 && $3 == "harness" { n++ } END { exit !(n > 0) }'; then
	ok "the catalogue has entries built on the SEV-ES harness"
else
	not_ok "the catalogue has entries built on the SEV-ES harness"
fi
bad=$(grep -l '^base=harness$' "$here"/catalogue/*.mut | xargs grep -L 'svm/sev.c' || true)
if [ -z "$bad" ]; then ok "harness entries edit svm/sev.c"; else
	not_ok "harness entries edit svm/sev.c"; echo "# $bad"; fi
hp=$here/../harness/sev-es-test-harness.patch
if grep -q 'NEVER FOR A PRODUCTION KERNEL' "$hp" 2>/dev/null &&
	grep -q '^+module_param(sev_es_test_harness, bool, 0444);$' "$hp"; then
	ok "the harness patch is marked test-only and its parameter is read-only"
else
	not_ok "the harness patch is marked test-only and its parameter is read-only"
fi

# A bad catalogue entry is refused, not run.
cp "$here/mutants.sh" "$here/kvm-modules.sh" "$here/edit.pl" "$tmp/"
mkdir -p "$tmp/catalogue"
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' 'desc="x"' 'site="y"' 'expect=maybe' \
	'mutate() {' '	:' '}' >"$tmp/catalogue/10-bad.mut"
expect "a catalogue entry with a bad expect= is refused" 2 "$tmp/mutants.sh" --list
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' 'desc="x"' 'site="y"' 'expect=killed' \
	>"$tmp/catalogue/10-bad.mut"
expect "a catalogue entry without mutate() is refused" 2 "$tmp/mutants.sh" --list
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' 'desc="x"' 'site="y"' 'expect=killed' \
	'base=kernel' 'mutate() {' '	:' '}' >"$tmp/catalogue/10-bad.mut"
expect "a catalogue entry with a bad base= is refused" 2 "$tmp/mutants.sh" --list

km=$here/kvm-modules.sh
expect "kvm-modules.sh --help" 0 "$km" --help
expect "kvm-modules.sh rejects an unknown command" 2 "$km" frobnicate
expect "kvm-modules.sh rejects a KDIR that is not a tree" 2 "$km" --kdir "$tmp/none" resolve
mkdir -p "$tmp/kdir/arch/x86/kvm" "$tmp/kdir/virt/kvm"
touch "$tmp/kdir/Makefile"
expect "kvm-modules.sh rejects an unbuilt KDIR" 2 "$km" --kdir "$tmp/kdir" resolve
touch "$tmp/kdir/.config" "$tmp/kdir/Module.symvers"
echo 'CONFIG_KVM=y' >"$tmp/kdir/.config"
expect "kvm-modules.sh rejects a KDIR with KVM built in" 2 "$km" --kdir "$tmp/kdir" resolve
expect "mutants.sh rejects a bad KDIR" 2 env KDIR="$tmp/none" "$ms" --check-edits
expect "kvm-modules.sh packages" 0 "$km" packages

echo "1..$((pass + fail))"
echo "mutants-tools: $pass passed, $fail failed"
[ "$fail" = 0 ]
