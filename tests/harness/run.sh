#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the SEV-ES test harness's own checks (harness_safety_test, then
# harness_host_fault_test) inside a kernel under QEMU, with kvm modules
# built with the harness patch and loaded with kvm_amd.sev_es_test_harness=1
# (kernel/harness/README.md).
# The result set (ktap.txt, boot.log, dmesg.txt, ...) goes to OUT; a host
# kernel oops or warning the guest caused is in its boot.log and dmesg.txt.
#
# usage: tests/harness/run.sh --image IMAGE --modules DIR --out OUT
#                             [--build DIR] [--timeout S] [-- RUNNER_ARGS...]
#        tests/harness/run.sh --line L --out OUT [...]
#
# --line L: Debian's kernel of line L of kernel/lines.toml (6.12, latest, or
# a role: lts) and its harness modules, built with the harness patch of that
# line (kernel/mutants/kvm-modules.sh --line L build --harness).
#
# Exit status: qemu-suite.sh's (0 passed, 1 a failure, 3 the kernel or the
# run died, 2 bad usage).

set -euo pipefail

prog=tests/harness/run.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

image='' modules='' out='' line='' build=$repo/build-static timeout=300
while [ $# -gt 0 ]; do
	case "$1" in
	--image) [ -n "${2:-}" ] || die "--image needs a path"; image=$2; shift 2 ;;
	--modules) [ -n "${2:-}" ] || die "--modules needs a directory"; modules=$2; shift 2 ;;
	--out) [ -n "${2:-}" ] || die "--out needs a directory"; out=$2; shift 2 ;;
	--line) [ -n "${2:-}" ] || die "--line needs a kernel line"; line=$2; shift 2 ;;
	--build) [ -n "${2:-}" ] || die "--build needs a directory"; build=$2; shift 2 ;;
	--timeout) [ -n "${2:-}" ] || die "--timeout needs seconds"; timeout=$2; shift 2 ;;
	-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
if [ -n "$line" ]; then
	if [ -n "$image" ] || [ -n "$modules" ]; then
		die "--line builds its own image and modules: no --image or --modules with it"
	fi
elif [ -z "$image" ] || [ -z "$modules" ]; then
	die "--image and --modules, or --line, are needed"
fi
[ -n "$out" ] || die "--out is needed"
bin=$build/tests/harness/harness_safety_test
for b in "$bin" "$build/tests/harness/harness_host_fault_test"; do
	[ -x "$b" ] || die "no $b (run: make STATIC=1)"
done
[ -x "$build/tools/host_inventory" ] || die "no $build/tools/host_inventory (run: make STATIC=1)"

# A suite of the two binaries, the one that may fault the host last: its own
# tests.list and build directory.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/suite" "$work/build/x86_64" "$work/build/tools"
cp "$repo/run_tests.sh" "$work/suite/"
for f in settings config; do
	if [ -e "$repo/$f" ]; then cp -r "$repo/$f" "$work/suite/"; fi
done
printf "x86_64/%s\n" harness_safety_test harness_host_fault_test >"$work/suite/tests.list"
cp "$bin" "$build/tests/harness/harness_host_fault_test" "$work/build/x86_64/"
cp "$build/tools/host_inventory" "$work/build/tools/"

if [ -n "$line" ]; then
	built=$("$repo/kernel/mutants/kvm-modules.sh" --line "$line" build --harness "$work/modules") ||
		exit "$?"
	image=$(printf '%s\n' "$built" | sed -n 's/^bzimage=//p')
	modules=$work/modules
	[ -n "$image" ] || die "kvm-modules.sh printed no bzimage= for line $line"
fi

rc=0
"$repo/kernel/qemu-suite.sh" --image "$image" --modules "$modules" \
	--module-param kvm_amd.sev_es_test_harness=1 --out "$out" --timeout "$timeout" \
	--suite-dir "$work/suite" --build "$work/build" --no-stream --no-report -- "$@" || rc=$?
exit "$rc"
