#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-lava: the KTAP-to-LAVA converter on streams with known answers,
# then the LAVA job under lava-run (lava/run-local.sh): once as it is, where
# every case must pass or skip and the required ones pass, and once as a
# control with a broken software-model behaviour, whose failing cases must
# reach LAVA as failures. Last line: `lava: N passed, N failed, N skipped`.
#
# usage: lava/check.sh [--kernel K] [--no-control]   (BUILD_STATIC, default build-static)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
kernel=debian-6.1 control=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || { echo "lava/check.sh: --kernel needs a value" >&2; exit 2; }; kernel=$2; shift ;;
	--no-control) control=0 ;;
	-h|--help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "lava/check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
build=${BUILD_STATIC:-$repo/build-static}

pass=0 fail=0 skip=0
add() {	# add FILE RC WHAT: the last count line of a sub-run, and its status
	local re='([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$' line p=0 f=0 s=0
	line=$(grep -E "$re" "$1" | tail -n 1)
	if [[ $line =~ $re ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
	fi
	if [ -z "$line" ] || { [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		f=$((f + 1))
		echo "not ok - $3: exit $2${line:+, '$line'}"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}
work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-lavacheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the converter -------------------------------------------------------------
conv=$here/ktap-to-lava.sh
t_pass=0 t_fail=0
expect() {	# expect NAME EXPECTED-OUTPUT (KTAP on stdin)
	local got rc=0
	got=$("$conv" 2>/dev/null) || rc=$?
	if [ "$got" = "$2" ] && [ $rc -eq 0 ]; then
		t_pass=$((t_pass + 1)); echo "ok - ktap-to-lava: $1"
	else
		t_fail=$((t_fail + 1)); echo "not ok - ktap-to-lava: $1 (exit $rc)"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$got") | sed 's/^/#   /'
	fi
}
expect "nested by indentation, as run_tests.sh prints it" "a.one pass
a.two skip
b.one fail" <<'EOF'
KTAP version 1
1..2
  KTAP version 1
  # kvm-sysevent: x
  1..2
  ok 1 a.one
  ok 2 a.two # SKIP no SEV-ES VM type
ok 1 bin_a
  KTAP version 1
  1..1
  not ok 1 b.one
not ok 2 bin_b
1 passed, 1 failed, 1 skipped
EOF
expect "nested by '# ', as kselftest's runner prints it" "a.one pass
a.two skip
bin_b fail" <<'EOF'
TAP version 13
1..2
# timeout set to 120
# selftests: kvm-sysevent: bin_a
# KTAP version 1
# 1..2
# ok 1 a.one
# ok 2 a.two # SKIP no /dev/kvm (is KVM loaded?)
ok 1 selftests: kvm-sysevent: bin_a
# selftests: kvm-sysevent: bin_b
not ok 2 selftests: kvm-sysevent: bin_b # exit=1
EOF
expect "a binary that fails after its last passing case fails as itself" "a.one pass
bin_a fail" <<'EOF'
KTAP version 1
1..1
  KTAP version 1
  1..2
  ok 1 a.one
not ok 1 bin_a # TIMEOUT
EOF
expect "'not ok' with a SKIP directive is a failure; XFAIL is a pass" "x.one fail
x.two pass" <<'EOF'
KTAP version 1
1..2
not ok 1 x.one # SKIP no reason
ok 2 x.two # XFAIL known
EOF
expect "a repeated name gets _dup2; odd characters become _" "x_y pass
x_y_dup2 pass" <<'EOF'
KTAP version 1
1..2
ok 1 x y
ok 2 x/y
EOF
rc=0
printf 'KTAP version 1\n1..0\n' | "$conv" >/dev/null 2>&1 || rc=$?
if [ $rc -eq 1 ]; then
	t_pass=$((t_pass + 1)); echo "ok - ktap-to-lava: a stream without results exits 1"
else
	t_fail=$((t_fail + 1)); echo "not ok - ktap-to-lava: a stream without results exits $rc, not 1"
fi
echo "converter: $t_pass passed, $t_fail failed, 0 skipped" | tee "$work/conv.out"
add "$work/conv.out" "$t_fail" converter

# --- the job, and the control ----------------------------------------------------
rc=0
"$here/run-local.sh" --kernel "$kernel" --build "$build" -o "$repo/results/lava" 2>&1 |
	tee "$work/job.out" || rc=$?
add "$work/job.out" "$rc" "lava job"

if [ "$control" = 1 ]; then
	rc=0
	"$here/run-local.sh" --kernel "$kernel" --build "$build" -o "$repo/results/lava-control" \
		--expect-fail -- -t sev_es_term_test --backend model:sev-term-4 2>&1 |
		tee "$work/control.out" || rc=$?
	add "$work/control.out" "$rc" "lava control"
fi

echo "lava: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
