#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest install, as a lab gets it: unpack the tarball `make gen_tar`
# wrote, check its layout, run kselftest's own run_kselftest.sh on it, read
# the output the way LKFT's parser does (install/lkft_results.py) and compare
# every case with run_tests.sh's result set of the same build: as many
# cases, the same names and results, unique names, and each binary's own
# result `# SKIP` exactly when every one of its cases skipped. Once on the
# hardware backend, once with the SEV-ES cases on a broken software model
# (model:sev-term-4), so that failures are read as failures too.
#
# usage: install/check.sh TARBALL   (environment: BUILD, default build)
# Last line: `install: N passed, N failed, N skipped`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
py=${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}
collection=kvm-sysevent

case ${1:-} in
-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') echo "install: give the tarball (see --help)" >&2; exit 2 ;;
-*) echo "install: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { echo "install: one tarball, not $# arguments (see --help)" >&2; exit 2; }
tarball=$1
[ -f "$tarball" ] || { echo "install: no tarball '$tarball' (make gen_tar)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kse-install.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

. "$top/tests/lib/tap.sh"

ksft=$work/ksft
mkdir -p "$ksft"
check "the tarball unpacks" tar -xf "$tarball" -C "$ksft"
for f in run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl kselftest/module.sh; do
	check "layout: $f, executable" test -x "$ksft/$f"
done
for f in kselftest-list.txt $collection/settings $collection/config; do
	check "layout: $f" test -s "$ksft/$f"
done

# One list: the install lists exactly the binaries run_tests.sh runs.
want=$(BUILD=$build "$top/run_tests.sh" -l | sed "s/^/$collection:/")
check "kselftest-list.txt: one '$collection:<binary>' line per binary of run_tests.sh -l" \
	[ "$(cat "$ksft/kselftest-list.txt")" = "$want" ]
check "run_kselftest.sh -l lists them" \
	[ "$("$ksft/run_kselftest.sh" -l)" = "$want" ]
for t in $(sed "s/^$collection://" "$ksft/kselftest-list.txt"); do
	check "layout: $collection/$t, executable" test -x "$ksft/$collection/$t"
done

# LKFT pipes the runner's output (its scripts append to /dev/stdout).
run_ksft() {	# run_ksft OUT [ARGS...]
	o=$1
	shift
	(cd "$ksft" && ./run_kselftest.sh "$@") 2>&1 | cat >"$o"
}

run_ksft "$work/one.out" -t "$collection:ghcb_nonsev_test"
check "run_kselftest.sh -t $collection:ghcb_nonsev_test runs that binary alone" \
	[ "$(grep -cE '^(not )?ok [0-9]+ ' "$work/one.out")" -eq 1 ]

for backend in hardware model:sev-term-4; do
	suite=$work/suite-$backend
	BUILD=$build "$top/run_tests.sh" --backend "$backend" -o "$suite" >/dev/null 2>&1
	t0=$(date +%s)
	KVM_SYSEVENT_BACKEND=$backend run_ksft "$work/$backend.out"
	secs=$(($(date +%s) - t0))
	echo "# backend $backend: run_kselftest.sh took ${secs}s; run_tests.sh: $(cat "$suite/summary.txt")"
	"$py" "$here/lkft_results.py" --check "$suite" "$work/$backend.out" >"$work/$backend.check" 2>&1
	rc=$?
	sed -e "s/^ok - /ok - $backend: /" -e "s/^not ok - /not ok - $backend: /" \
		"$work/$backend.check" | grep -v '^lkft: '
	line=$(tail -n 1 "$work/$backend.check")
	case $line in
	"lkft: "*" passed, "*" failed")
		p=${line#lkft: } p=${p%% *}
		f=${line#*passed, } f=${f%% *}
		pass=$((pass + p)) fail=$((fail + f))
		[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || bad "$backend: lkft_results.py exit $rc"
		;;
	*) bad "$backend: lkft_results.py: $line" ;;
	esac
done
check "model:sev-term-4: the failures reach LKFT's reading as fail" \
	grep -q '^# LKFT-style reading: .* [1-9][0-9]* fail' "$work/model:sev-term-4.check"

echo "install: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
