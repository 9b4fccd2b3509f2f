#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run lava/qemu-job.yaml here under LAVA's own dispatcher (`lava-run`, Debian's
# lava-dispatcher, no server) and judge it by its per-case results.
# See lava/README.md.

set -euo pipefail

prog=run-local.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
python=/usr/bin/python3

usage() {
	cat <<EOF
usage: lava/$prog [--kernel K] [-o DIR] [--required FILE] [--expect-fail]
                    [--build DIR] [-- RUNNER_ARGS...]

Make what the job needs (the kernel through kernel/fetch-kernel.sh, the
initramfs through kernel/qemu-suite.sh --initramfs, the test definition from
this tree), point lava/qemu-job.yaml at them with file:// URLs, run it under
lava-run with lava/device-qemu.yaml, then read every case's result from
lava-run's log (its exit status and result.yaml say "pass" even when cases
fail). Prints one line per LAVA result and ends with
'lava: N passed, N failed, N skipped'.

  --kernel K       debian-X.Y, a linux-image package or a .deb (default
                   debian-6.1; see kernel/README.md)
  -o DIR           keep the job, the device dictionary, lava-run's log and
                   results.txt there (default results/lava)
  --required FILE  cases that must pass, not skip (default
                   kernel/required-cases.txt; 'none' for none)
  --expect-fail    the control: the run must report failing cases, each one
                   a failing KTAP case of the guest's stream (used with a
                   broken model behaviour, e.g. -- --backend model:sev-term-4)
  --build DIR      the static suite (default build-static, make static-suite)
  -h, --help       this help

lava-dispatcher, lava-common and lava-dispatcher-host are fetched with
apt-get download and unpacked into .cache/lava/<version>/ (their Python
dependencies are Debian packages of tools/packages group lava); nothing is
installed system-wide.

Exit status: 0 the job ran and every gate held, 1 a gate failed, 2 bad
usage or a missing prerequisite.
EOF
}

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

kernel=debian-6.1 out=$repo/results/lava required=$repo/kernel/required-cases.txt
expect_fail=0 build=$repo/build-static
runner_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel|-o|--required|--build)
		[ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
		case $1 in
		--kernel) kernel=$2 ;;
		-o) out=$2 ;;
		--required) required=$2 ;;
		--build) build=$2 ;;
		esac
		shift 2
		;;
	--expect-fail) expect_fail=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; runner_args=("$@"); break ;;
	*) echo "$prog: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ "$required" = none ] || [ -f "$required" ] || die "no such file: $required"
[ -d "$build/x86_64" ] || die "no static suite in $build (run: make static-suite)"
[ -x "$python" ] || die "no $python (apt-get install python3)"
"$python" -c 'import yaml' 2>/dev/null || die "no python3-yaml (tools/deps.sh lava)"
command -v git >/dev/null || die "no git (tools/deps.sh lava)"

# --- lava-dispatcher, unpacked ------------------------------------------------
# Installing lava-dispatcher pulls ~150 packages (libguestfs with its own
# appliance, systemd-sysv, bmap-tools) that a qemu job with a cpio overlay
# never uses; its three own packages are unpacked instead.
lava_pkgs="lava-dispatcher lava-common lava-dispatcher-host"
ver=$(apt-cache show --no-all-versions lava-dispatcher 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
[ -n "$ver" ] || die "lava-dispatcher is not in the package index (run: apt-get update)"
lava=$repo/.cache/lava/${ver//:/%3a}
if [ ! -f "$lava/.unpacked" ]; then
	echo "$prog: fetching $lava_pkgs $ver into $lava" >&2
	rm -rf "$lava"
	mkdir -p "$lava/debs"
	opts=()
	[ "$(id -u)" != 0 ] || opts=(-o APT::Sandbox::User=root)
	for p in $lava_pkgs; do
		(cd "$lava/debs" && apt-get download -q ${opts[@]+"${opts[@]}"} "$p=$ver") >"$lava/debs/download.log" 2>&1 ||
			{ tail -n 3 "$lava/debs/download.log" >&2; die "apt-get download $p=$ver failed"; }
	done
	for d in "$lava"/debs/*.deb; do
		dpkg-deb -x "$d" "$lava/root" || die "cannot unpack $d"
	done
	# apply_overlay.py imports libguestfs' bindings at load time; this job
	# never calls them (the overlay goes into the cpio), so a stand-in that
	# fails loudly if it ever is called replaces python3-guestfs.
	mkdir -p "$lava/stub"
	cat >"$lava/stub/guestfs.py" <<'PY'
"""Stand-in for libguestfs' bindings (not installed): see lava/run-local.sh."""


class GuestFS:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("libguestfs is not installed: use a cpio.newc ramdisk "
                           "with 'overlays: lava: true' (lava/qemu-job.yaml)")
PY
	touch "$lava/.unpacked"
fi
export PYTHONPATH=$lava/stub:$lava/root/usr/lib/python3/dist-packages
"$python" -c 'import lava_dispatcher.parser, lava_dispatcher.actions.deploy.apply_overlay' 2>"$lava/import.err" ||
	die "lava-dispatcher does not load: $(tail -n 1 "$lava/import.err") (tools/deps.sh lava)"

# --- the kernel, the initramfs, the test definition ---------------------------
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/job" "$out/lava.log" "$out/results.txt" "$out/job.yaml" "$out/device.yaml"
work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-lava.XXXXXX")
trap 'rm -rf "$work"' EXIT

info=$("$repo/kernel/fetch-kernel.sh" "$kernel") || exit 2
bzimage=$(printf '%s\n' "$info" | sed -n 's/^bzimage=//p')
modules=$(printf '%s\n' "$info" | sed -n 's/^modules=//p')
release=$(printf '%s\n' "$info" | sed -n 's/^release=//p')
karch=$(printf '%s\n' "$info" | sed -n 's/^arch=//p')
[ "${karch:-x86_64}" = x86_64 ] || die "$kernel is a $karch kernel; the job and device dictionary boot x86_64"
"$repo/kernel/qemu-suite.sh" --image "$bzimage" ${modules:+--modules "$modules"} \
	--build "$build" --label "$kernel" --initramfs "$work/initramfs.cpio" || exit 2

# The test definition comes from a git repository in a real lab; here from
# a one-commit repository of this tree's lava/ (uncommitted edits included).
mkdir -p "$work/defs"
cp -R "$here" "$work/defs/lava"
git -C "$work/defs" init -q
git -C "$work/defs" add lava
git -C "$work/defs" -c user.name=kvm-sysevent -c user.email=kvm-sysevent@localhost \
	commit -q -m "lava/ of the tree under test"

"$python" - "$here/qemu-job.yaml" "$out/job.yaml" "$bzimage" "$work/initramfs.cpio" \
	"$work/defs" "$kernel" ${runner_args[@]+"${runner_args[@]}"} <<'PY'
import shlex
import sys

import yaml

src, dst, kernel, ramdisk, defs, label = sys.argv[1:7]
runner_args = sys.argv[7:]
with open(src) as f:
    job = yaml.safe_load(f)
job["job_name"] = "kvm-sysevent on %s (lava-run, local)" % label
for action in job["actions"]:
    if "deploy" in action:
        action["deploy"]["images"]["kernel"]["url"] = "file://" + kernel
        action["deploy"]["images"]["ramdisk"]["url"] = "file://" + ramdisk
    if "test" in action:
        for d in action["test"]["definitions"]:
            d["repository"] = defs
            d.setdefault("parameters", {})["RUNNER_ARGS"] = shlex.join(runner_args)
with open(dst, "w") as f:
    yaml.safe_dump(job, f, sort_keys=False)
PY
cp "$here/device-qemu.yaml" "$out/device.yaml"

# --- lava-run ------------------------------------------------------------------
# lava-run refuses to start unless it is root, though this job needs no
# privilege (TCG, a tmpfs deploy, files in the output directory): a user
# runs it as root of a user namespace of its own.
as_root=()
if [ "$(id -u)" != 0 ]; then
	if ! unshare --map-root-user true 2>/dev/null; then
		echo "ok 1 lava job # SKIP lava-run needs root or a user namespace"
		echo "lava: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
	as_root=(unshare --map-root-user)
fi
echo "# lava-run $ver: $kernel ($release), runner arguments '${runner_args[*]:-}'"
start=$(date +%s)
lrc=0
# Its scratch directories go under $work, not /var/lib/lava/dispatcher/tmp:
# the dispatcher configuration's job-directory prefix, made absolute, takes
# the place of that directory (os.path.join keeps the last absolute part).
mkdir -p "$work/lava-tmp"
printf 'prefix: "%s/"\n' "$work/lava-tmp" >"$work/dispatcher.yaml"
${as_root[@]+"${as_root[@]}"} "$python" "$lava/root/usr/bin/lava-run" --job-id 1 --output-dir "$work/job" \
	--dispatcher "$work/dispatcher.yaml" --device "$out/device.yaml" "$out/job.yaml" \
	>"$out/lava.log" 2>&1 || lrc=$?
secs=$(($(date +%s) - start))

# Every result LAVA recorded, one line each: DEFINITION CASE RESULT; and the
# guest's own count line (run_tests.sh) from the serial output.
"$python" - "$out/lava.log" "$out/results.txt" "$out/guest-count.txt" <<'PY'
import re
import sys

import yaml

log, results, count = sys.argv[1:4]
rows, counts = [], []
with open(log, errors="replace") as f:
    for line in f:
        # One log entry a line: `{...}`, or `- {...}` in a YAML log file.
        line = line[2:] if line.startswith("- {") else line
        if not line.startswith("{"):
            continue
        try:
            entry = yaml.safe_load(line)
        except yaml.YAMLError:
            continue
        if not isinstance(entry, dict):
            continue
        msg = entry.get("msg")
        if entry.get("lvl") == "results" and isinstance(msg, dict):
            rows.append("%s %s %s" % (msg.get("definition"), msg.get("case"), msg.get("result")))
        elif entry.get("lvl") == "target" and isinstance(msg, str):
            m = re.fullmatch(r"\s*(\d+ passed, \d+ failed, \d+ skipped)\s*", msg)
            if m:
                counts.append(m.group(1))
with open(results, "w") as f:
    f.writelines(r + "\n" for r in rows)
with open(count, "w") as f:
    f.write(counts[-1] + "\n" if counts else "")
PY

pass=0 fail=0 skip=0 n=0
line() {	# line RESULT TEXT
	n=$((n + 1))
	case $1 in
	pass) pass=$((pass + 1)); echo "ok $n $2" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2 # SKIP" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2${3:+: $3}" ;;
	esac
}

def=0_kvm-sysevent
suite_rows=$(awk -v d="$def" '$1 == d' "$out/results.txt")
lava_rows=$(awk '$1 == "lava"' "$out/results.txt")
echo "# lava-run exit $lrc after $secs s; $(grep -c . "$out/results.txt" || true) results in its log"

# LAVA's own results: the deploy, boot and test actions and the job.
job=$(printf '%s\n' "$lava_rows" | awk '$2 == "job" { print $3 }' | tail -n 1)
bad_actions=$(printf '%s\n' "$lava_rows" | awk '$2 != "job" && $3 == "fail" { print $2 }' | tr '\n' ' ')
if [ "$job" = pass ] && [ -z "$bad_actions" ]; then
	line pass "lava job: deploy, boot and test actions completed"
else
	line fail "lava job" "job result '${job:-none}'${bad_actions:+, failed actions: $bad_actions}"
	grep -E '"lvl": "(error|exception)"' "$out/lava.log" | tail -n 3 | cut -c1-300 | sed 's/^/#   /'
fi

guest=$(cat "$out/guest-count.txt")
cases=$(printf '%s\n' "$suite_rows" | awk '$2 !~ /^(kvm-modules|dev-kvm|run_tests|ktap)$/ && NF')
count() { printf '%s\n' "$cases" | awk -v r="$1" '$3 == r' | grep -c . || true; }
lp=$(count pass) lf=$(count fail) ls=$(count skip)
runner=$(printf '%s\n' "$suite_rows" | awk '$2 == "run_tests" { print $3 }' | tail -n 1)

if [ "$expect_fail" = 0 ]; then
	# Every result of the definition, one line each: a fail is a failure.
	while read -r _ case result; do
		[ -n "${case:-}" ] || continue
		line "$result" "$def/$case"
	done <<<"$suite_rows"
else
	# The control: failing cases are what is expected; they are listed, and
	# must come through as LAVA failures, with the runner's exit status.
	printf '%s\n' "$suite_rows" | awk 'NF { print "# " $1 "/" $2, $3 }'
	if [ "$lf" -gt 0 ] && [ "$runner" = fail ]; then
		line pass "control: $lf failing cases and the runner's exit status reach LAVA as failures"
	else
		line fail "control: failing cases reach LAVA as failures" "$lf failing cases, run_tests '${runner:-none}'"
	fi
fi

# Every case of the guest's KTAP is a LAVA result, with the same verdict.
if [ -n "$guest" ] && [ "$guest" = "$lp passed, $lf failed, $ls skipped" ]; then
	line pass "LAVA's cases match the guest's KTAP: $guest"
else
	line fail "LAVA's cases match the guest's KTAP" "guest '${guest:-no count line}', LAVA $lp passed, $lf failed, $ls skipped"
fi

if [ "$expect_fail" = 0 ] && [ "$required" != none ]; then
	# The x86_64 section of the file (the job boots x86_64 kernels).
	section=x86_64 nreq=0
	while IFS='|' read -r what re; do
		case $what in
		''|'#'*) continue ;;
		'['*']') section=${what#[}; section=${section%]}; continue ;;
		esac
		[ "$section" = x86_64 ] || continue
		nreq=$((nreq + 1))
		got=$(printf '%s\n' "$cases" | awk -v re="$re" 'NF && $2 ~ re { print $3 }')
		if [ -n "$got" ] && ! printf '%s\n' "$got" | grep -qvx pass; then
			line pass "required: $what passes ($(printf '%s\n' "$got" | grep -c .) cases)"
		else
			line fail "required: $what" "$(printf '%s\n' "$got" | sort | uniq -c | tr -s ' \n' ' ')"
		fi
	done <"$required"
	[ "$nreq" -gt 0 ] || line fail "required cases" "none for x86_64 in $required"
fi

echo "# lava-run log, job and results: $out"
echo "lava: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
