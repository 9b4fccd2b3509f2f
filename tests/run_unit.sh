#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the suite's own unit-test binaries (kselftest harness, no KVM needed)
# and end with `unit: N passed, N failed, N skipped`.
set -u
[ $# -gt 0 ] || { echo "usage: $0 UNIT_TEST_BINARY..." >&2; exit 2; }
pass=0 fail=0 skip=0
for bin in "$@"; do
	echo "=== $bin"
	if [ ! -x "$bin" ]; then
		echo "not ok $bin # binary not built"
		fail=$((fail + 1))
		continue
	fi
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok [0-9]')
	s=$(printf '%s\n' "$out" | grep -c '^ok [0-9].*# SKIP')
	f=$(printf '%s\n' "$out" | grep -c '^not ok [0-9]')
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass=$((pass + p - s)) fail=$((fail + f)) skip=$((skip + s))
done
echo "unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
