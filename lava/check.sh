#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-lava: the KTAP-to-LAVA converter and the case-by-case compare
# (lava/lava_results.py) on streams with known answers, the device
# dictionaries against the architecture table, then the LAVA jobs under
# lava-run (lava/run-local.sh): x86_64, with the suite's runner, its
# kselftest collection and a control on a broken software model whose
# failing cases must reach LAVA as failures; arm64 (virt with EL2), with the
# suite's runner and its kselftest collection. Each job's cases are compared
# with the guest's stream case by case, and the compare must catch two
# swapped verdicts and a renamed case in the job's own results. Last line:
# `lava: N passed, N failed, N skipped`, counting checks: a guest's cases
# are the kernel matrix's to count, not counted here again.
#
# usage: lava/check.sh [--kernel K] [--kselftest TARBALL] [--kernel-arm64 K]
#                      [--kselftest-arm64 TARBALL] [--no-control]
#        (BUILD_STATIC, default build-static; BUILD_STATIC_ARM64, default
#        build-static-arm64)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
kernel='' kernel_arm64='' ksft='' ksft_arm64='' control=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel|--kernel-arm64|--kselftest|--kselftest-arm64)
		[ $# -ge 2 ] || { echo "lava/check.sh: $1 needs a value" >&2; exit 2; }
		case $1 in
		--kernel) kernel=$2 ;;
		--kernel-arm64) kernel_arm64=$2 ;;
		--kselftest) ksft=$2 ;;
		--kselftest-arm64) ksft_arm64=$2 ;;
		esac
		shift
		;;
	--no-control) control=0 ;;
	-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "lava/check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
build=${BUILD_STATIC:-$repo/build-static}
build_arm64=${BUILD_STATIC_ARM64:-$repo/build-static-arm64}
python=/usr/bin/python3
# Default kernels: the oldest line of kernel/lines.toml, on each architecture.
if [ -z "$kernel" ] || [ -z "$kernel_arm64" ]; then
	oldest=$(PYTHONPATH=$repo/kernel "$python" -m sysevent_kernel.lines --role oldest) || exit 2
	kernel=${kernel:-debian-$oldest} kernel_arm64=${kernel_arm64:-debian-$oldest:arm64}
fi

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

# --- the compare, on known answers ----------------------------------------------
# Two binaries: cases that pass, skip and fail, and a binary that fails
# after its last case (a failing case named after it).
res=$here/lava_results.py
cat >"$work/cmp.ktap" <<'EOF'
KTAP version 1
1..2
  KTAP version 1
  1..3
  ok 1 a.one
  ok 2 a.two # SKIP no SEV-ES VM type
  not ok 3 a.three
not ok 1 bin_a
  KTAP version 1
  1..2
  ok 1 b.one
not ok 2 bin_b # TIMEOUT 120s
1 passed, 2 failed, 1 skipped
EOF
c_pass=0 c_fail=0
compare_expect() {	# compare_expect WANT_RC NAME (CASES on stdin)
	local rc=0 got
	cat >"$work/cmp.cases"
	got=$("$python" "$res" compare "$work/cmp.ktap" "$work/cmp.cases" --label known 2>&1) || rc=$?
	if [ "$rc" -eq "$1" ]; then
		c_pass=$((c_pass + 1)); echo "ok - lava_results.py compare: $2 (exit $rc)"
	else
		c_fail=$((c_fail + 1)); echo "not ok - lava_results.py compare: $2: exit $rc, not $1"
		echo "#   $got"
	fi
}
compare_expect 0 "the same cases and verdicts match" <<'EOF'
a.one pass
a.two skip
a.three fail
b.one pass
bin_b fail
EOF
compare_expect 1 "two verdicts swapped (the same totals) differ" <<'EOF'
a.one skip
a.two pass
a.three fail
b.one pass
bin_b fail
EOF
compare_expect 1 "a renamed case differs" <<'EOF'
a.one pass
a.two skip
a.three_renamed fail
b.one pass
bin_b fail
EOF
compare_expect 1 "a binary's failure after its last case, missing, differs" <<'EOF'
a.one pass
a.two skip
a.three fail
b.one pass
EOF
compare_expect 1 "a case recorded twice differs" <<'EOF'
a.one pass
a.one pass
a.two skip
a.three fail
b.one pass
bin_b fail
EOF
echo "compare: $c_pass passed, $c_fail failed, 0 skipped" | tee "$work/compare.out"
add "$work/compare.out" "$c_fail" compare

# --- the device dictionaries, against the architecture table -------------------
"$python" - "$repo" <<'PY' >"$work/devices.out" 2>&1
import os
import sys

import yaml

repo = sys.argv[1]
sys.path.insert(0, os.path.join(repo, "kernel"))
from sysevent_kernel import arches

ok = bad = 0
for name in ("x86_64", "arm64"):
    a = arches.get(name)
    path = os.path.join(repo, "lava", f"device-qemu-{name}.yaml")
    with open(path) as f:
        dev = yaml.safe_load(f)
    q = dev["actions"]["boot"]["methods"]["qemu"]["parameters"]
    opts = " ".join(q["options"]).split()
    machine = a.machine[a.machine.index("-machine") + 1]
    wrong = []
    if q["command"] != a.qemu:
        wrong.append(f"command {q['command']}, not {a.qemu}")
    if opts[opts.index("-machine") + 1] != machine:
        wrong.append(f"-machine {opts[opts.index('-machine') + 1]}, not {machine}")
    if opts[opts.index("-cpu") + 1] != a.cpu_tcg:
        wrong.append(f"-cpu {opts[opts.index('-cpu') + 1]}, not {a.cpu_tcg}")
    if q["boot_options"]["console"] != a.console:
        wrong.append(f"console {q['boot_options']['console']}, not {a.console}")
    if wrong:
        bad += 1
        print(f"not ok - lava/device-qemu-{name}.yaml: " + "; ".join(wrong))
    else:
        ok += 1
        print(f"ok - lava/device-qemu-{name}.yaml: {a.qemu} -machine {machine} -cpu {a.cpu_tcg}, "
              f"console {a.console}, as arches.py says")
print(f"devices: {ok} passed, {bad} failed, 0 skipped")
PY
rc=$?
cat "$work/devices.out"
add "$work/devices.out" "$rc" "device dictionaries"

# --- the jobs ----------------------------------------------------------------------
# A job's own results, with two verdicts of different kinds swapped and one
# case renamed, must not match the guest's stream: the compare that passed
# the job can fail on the job's own data. tamper_check OUT_DIR LABEL
tamper_check() {
	local dir=$1 def cases p s rc=0
	def=$(awk '$2 == "kvm-sysevent" { print $1 }' "$dir/job.yaml.definitions" 2>/dev/null)
	cases=$dir/kvm-sysevent.cases
	p=$(grep -m1 -n ' pass$' "$cases" 2>/dev/null | cut -d: -f1)
	s=$(grep -m1 -n ' skip$' "$cases" 2>/dev/null | cut -d: -f1)
	if [ -z "$def" ] || [ -z "$p" ] || [ -z "$s" ]; then
		echo "not ok - $2: no results with a pass and a skip to tamper with"
		t_fail=$((t_fail + 1))
		return
	fi
	awk -v p="$p" -v s="$s" 'NR == p { $2 = "skip" } NR == s { $2 = "pass" }
		NR == p + 1 { $1 = $1 "_renamed" } { print }' "$cases" >"$work/tampered.cases"
	"$python" "$res" compare "$dir/$def.ktap" "$work/tampered.cases" --label "$2" \
		>"$work/tampered.out" 2>&1 || rc=$?
	if [ "$rc" -eq 1 ]; then
		t_pass=$((t_pass + 1))
		echo "ok - $2: the compare fails on the job's own results with two verdicts swapped and a case renamed"
		sed 's/^/#   /' "$work/tampered.out"
	else
		t_fail=$((t_fail + 1))
		echo "not ok - $2: the compare on tampered results exits $rc, not 1"
	fi
}

t_pass=0 t_fail=0
rc=0
args=(--kernel "$kernel" --build "$build" -o "$repo/results/lava")
[ -z "$ksft" ] || args+=(--kselftest "$ksft")
[ "$control" = 0 ] || args+=(--control)
"$here/run-local.sh" "${args[@]}" 2>&1 | grep -v '^#   fail: ' | tee "$work/job.out" || rc=$?
add "$work/job.out" "$rc" "lava job x86_64"
tamper_check "$repo/results/lava" x86_64

rc=0
args=(--kernel "$kernel_arm64" --build "$build_arm64" -o "$repo/results/lava-arm64")
[ -z "$ksft_arm64" ] || args+=(--kselftest "$ksft_arm64")
"$here/run-local.sh" "${args[@]}" 2>&1 | tee "$work/job-arm64.out" || rc=$?
add "$work/job-arm64.out" "$rc" "lava job arm64"
tamper_check "$repo/results/lava-arm64" arm64
pass=$((pass + t_pass)) fail=$((fail + t_fail))

echo "lava: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
