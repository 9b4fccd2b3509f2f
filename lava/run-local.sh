#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the LAVA job of a kernel's architecture (lava/qemu-job-ARCH.yaml) here
# under LAVA's own dispatcher (`lava-run`, Debian's lava-dispatcher, no
# server) and judge it case by case. See lava/README.md.

set -euo pipefail

prog=run-local.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
python=/usr/bin/python3

usage() {
	cat <<EOF
usage: lava/$prog [--kernel K] [-o DIR] [--kselftest TARBALL] [--control]
                    [--build DIR] [-- RUNNER_ARGS...]

Make what the job needs (the kernel through kernel/fetch-kernel.sh, the
initramfs through kernel/qemu-suite.sh --initramfs, the test definitions
from this tree), point the job of the kernel's architecture
(lava/qemu-job-ARCH.yaml, x86_64 or arm64) at them with file:// URLs, run
it under lava-run with lava/device-qemu-ARCH.yaml, and judge it by what
lava-run's log holds (its exit status and result.yaml say "pass" even when
cases fail): each definition's cases are compared, case by case, with the
stream the guest printed (lava/lava_results.py), and the kselftest
collection's with the suite runner's. Ends with
'lava: N passed, N failed, N skipped', counting these checks, never the
guest's cases again (the kernel matrix counts those).

  --kernel K          debian-X.Y[:arm64], a linux-image package or a .deb
                      (default: the oldest line of kernel/lines.toml; see
                      kernel/README.md)
  -o DIR              keep the job, the device dictionary, lava-run's log,
                      results.txt and the guest's streams there (default
                      results/lava)
  --kselftest TARBALL the kselftest install of this architecture's suite
                      (make [ARCH=arm64] STATIC=1 gen_tar), put into the
                      ramdisk at /opt/kselftest for the definition
                      kvm-sysevent-kselftest; without it, that definition
                      and its overlay are left out of the job
  --control           also run a definition kvm-sysevent-control with the
                      SEV-ES cases on a broken software model
                      (model:sev-term-4; x86_64 only): its failing cases and
                      its runner's exit status must reach LAVA as failures
  --build DIR         the static suite (default build-static for x86_64,
                      build-static-arm64 for arm64: make static-suite[-arm64])
  -h, --help          this help

Everything after -- goes to the kvm-sysevent definition's run_tests.sh.

lava-dispatcher, lava-common and lava-dispatcher-host are fetched with
apt-get download and unpacked into .cache/lava/<version>/ (their Python
dependencies are Debian packages of tools/packages group lava); nothing is
installed system-wide.

Exit status: 0 the job ran and every check held, 1 a check failed, 2 bad
usage or a missing prerequisite.
EOF
}

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

kernel='' out=$repo/results/lava kselftest='' control=0 build=''
runner_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel|-o|--kselftest|--build)
		[ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
		case $1 in
		--kernel) kernel=$2 ;;
		-o) out=$2 ;;
		--kselftest) kselftest=$2 ;;
		--build) build=$2 ;;
		esac
		shift 2
		;;
	--control) control=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; runner_args=("$@"); break ;;
	*) echo "$prog: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
if [ -n "$kselftest" ]; then
	[ -f "$kselftest" ] || die "no such file: $kselftest"
	kselftest=$(cd "$(dirname "$kselftest")" && pwd)/$(basename "$kselftest")
fi
[ -x "$python" ] || die "no $python (apt-get install python3)"
"$python" -c 'import yaml' 2>/dev/null || die "no python3-yaml (tools/deps.sh lava)"
command -v git >/dev/null || die "no git (tools/deps.sh lava)"
if [ -z "$kernel" ]; then
	# The oldest line of kernel/lines.toml (its own error, then exit 2).
	oldest=$(PYTHONPATH=$repo/kernel "$python" -m sysevent_kernel.lines --role oldest) || exit 2
	kernel=debian-$oldest
fi

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
	# never calls them (the overlays go into the cpio), so a stand-in that
	# fails loudly if it ever is called replaces python3-guestfs.
	mkdir -p "$lava/stub"
	cat >"$lava/stub/guestfs.py" <<'PY'
"""Stand-in for libguestfs' bindings (not installed): see lava/run-local.sh."""


class GuestFS:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("libguestfs is not installed: use a cpio.newc ramdisk "
                           "with 'overlays: lava: true' (lava/qemu-job-*.yaml)")
PY
	touch "$lava/.unpacked"
fi
export PYTHONPATH=$lava/stub:$lava/root/usr/lib/python3/dist-packages
"$python" -c 'import lava_dispatcher.parser, lava_dispatcher.actions.deploy.apply_overlay' 2>"$lava/import.err" ||
	die "lava-dispatcher does not load: $(tail -n 1 "$lava/import.err") (tools/deps.sh lava)"

# --- the kernel, the job of its architecture, the initramfs --------------------
info=$("$repo/kernel/fetch-kernel.sh" "$kernel") || exit 2
image=$(printf '%s\n' "$info" | sed -n 's/^image=//p')
modules=$(printf '%s\n' "$info" | sed -n 's/^modules=//p')
release=$(printf '%s\n' "$info" | sed -n 's/^release=//p')
karch=$(printf '%s\n' "$info" | sed -n 's/^arch=//p')
karch=${karch:-x86_64}
job_src=$here/qemu-job-$karch.yaml
device_src=$here/device-qemu-$karch.yaml
[ -f "$job_src" ] && [ -f "$device_src" ] ||
	die "$kernel is a $karch kernel; lava/ has jobs for x86_64 and arm64"
[ "$control" = 0 ] || [ "$karch" = x86_64 ] ||
	die "--control runs the SEV-ES software model: x86_64 kernels only"
case $karch in
x86_64) build=${build:-$repo/build-static} ;;
*) build=${build:-$repo/build-static-$karch} ;;
esac
# The suite's test folder and uname -m of the architecture (arches.py).
read -r testdir kuname < <("$python" -c 'import sys; sys.path.insert(0, sys.argv[1])
from sysevent_kernel import arches
a = arches.get(sys.argv[2])
print(a.testdir, a.uname)' "$repo/kernel" "$karch")
[ -d "$build/$testdir" ] || die "no static $karch suite in $build (run: make static-suite$([ "$karch" = x86_64 ] || echo "-$karch"))"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/job" "$out/lava.log" "$out/results.txt" "$out/job.yaml" "$out/device.yaml" \
	"$out"/*.ktap "$out"/*.cases "$out/job.yaml.definitions" "$out/guest-count.txt" "$out/required"
work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-lava.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$repo/kernel/qemu-suite.sh" --image "$image" ${modules:+--modules "$modules"} \
	--build "$build" --label "$kernel" --initramfs "$work/initramfs.cpio" || exit 2

# The test definitions come from a git repository in a real lab; here from
# a one-commit repository of this tree's lava/ (uncommitted edits included).
mkdir -p "$work/defs"
cp -R "$here" "$work/defs/lava"
git -C "$work/defs" init -q
git -C "$work/defs" add lava
git -C "$work/defs" -c user.name=kvm-sysevent -c user.email=kvm-sysevent@localhost \
	commit -q -m "lava/ of the tree under test"

control_args="-t sev_es_term_test --backend model:sev-term-4"
"$python" - "$job_src" "$out/job.yaml" "$image" "$work/initramfs.cpio" "$work/defs" "$kernel" \
	"$kselftest" "$control" "$control_args" ${runner_args[@]+"${runner_args[@]}"} <<'PY'
import copy
import shlex
import sys

import yaml

src, dst, kernel, ramdisk, defs, label, kselftest, control, control_args = sys.argv[1:10]
runner_args = sys.argv[10:]
with open(src) as f:
    job = yaml.safe_load(f)
job["job_name"] = "kvm-sysevent on %s (lava-run, local)" % label
for action in job["actions"]:
    if "deploy" in action:
        images = action["deploy"]["images"]
        images["kernel"]["url"] = "file://" + kernel
        images["ramdisk"]["url"] = "file://" + ramdisk
        overlays = images["ramdisk"]["overlays"]
        if kselftest:
            overlays["kselftest"]["url"] = "file://" + kselftest
        else:
            del overlays["kselftest"]
    if "test" in action:
        defs_list = action["test"]["definitions"]
        for d in defs_list:
            d["repository"] = defs
        if not kselftest:
            defs_list[:] = [d for d in defs_list if d["name"] != "kvm-sysevent-kselftest"]
        main = next(d for d in defs_list if d["name"] == "kvm-sysevent")
        main.setdefault("parameters", {})["RUNNER_ARGS"] = shlex.join(runner_args)
        if control == "1":
            c = copy.deepcopy(main)
            c["name"] = "kvm-sysevent-control"
            c["parameters"]["RUNNER_ARGS"] = control_args
            defs_list.append(c)
        # LAVA names a definition's results <index>_<name>.
        with open(dst + ".definitions", "w") as f:
            for i, d in enumerate(defs_list):
                f.write("%d_%s %s\n" % (i, d["name"], d["name"]))
with open(dst, "w") as f:
    yaml.safe_dump(job, f, sort_keys=False)
PY
cp "$device_src" "$out/device.yaml"

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
echo "# lava-run $ver: $kernel ($release, $karch), definitions" \
	"$(cut -d' ' -f2 "$out/job.yaml.definitions" | tr '\n' ' ')runner arguments '${runner_args[*]:-}'"
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

results=$here/lava_results.py
"$python" "$results" extract "$out/lava.log" "$out" || exit 2
echo "# lava-run exit $lrc after $secs s"

# --- the checks: each one line, none of them a guest's case ----------------------
pass=0 fail=0 skip=0 n=0
line() {	# line pass|fail TEXT [WHY]
	n=$((n + 1))
	case $1 in
	pass) pass=$((pass + 1)); echo "ok $n $2" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2${3:+: $3}" ;;
	esac
}
from_tap() {	# from_tap TEXT: a `ok - ` / `not ok - ` line of lava_results.py
	case $1 in
	"ok - "*) line pass "${1#ok - }" ;;
	"not ok - "*) line fail "${1#not ok - }" ;;
	*) line fail "lava_results.py" "${1:-no verdict}" ;;
	esac
}

# LAVA's own results: the deploy, boot and test actions and the job.
lava_rows=$(awk '$1 == "lava"' "$out/results.txt")
job=$(printf '%s\n' "$lava_rows" | awk '$2 == "job" { print $3 }' | tail -n 1)
bad_actions=$(printf '%s\n' "$lava_rows" | awk '$2 != "job" && $3 == "fail" { print $2 }' | tr '\n' ' ')
if [ "$job" = pass ] && [ -z "$bad_actions" ]; then
	line pass "lava job: deploy, boot and test actions completed"
else
	line fail "lava job" "job result '${job:-none}'${bad_actions:+, failed actions: $bad_actions}"
	grep -E '"lvl": "(error|exception)"' "$out/lava.log" | tail -n 3 | cut -c1-300 | sed 's/^/#   /'
fi

# The cases of the definition (LAVA name) $1, without its set-up results.
meta='^(kvm-modules|dev-kvm|kselftest-install|run_tests|run_kselftest|ktap)$'
cases_of() {
	awk -v d="$1" -v m="$meta" '$1 == d && $2 !~ m { print $2, $3 }' "$out/results.txt"
}
result_of() {	# result_of DEF CASE
	awk -v d="$1" -v c="$2" '$1 == d && $2 == c { print $3 }' "$out/results.txt" | tail -n 1
}

while read -r def name; do
	cases_of "$def" >"$out/$name.cases"
	np=$(awk '$2 == "pass"' "$out/$name.cases" | grep -c . || true)
	nf=$(awk '$2 == "fail"' "$out/$name.cases" | grep -c . || true)
	ns=$(awk '$2 == "skip"' "$out/$name.cases" | grep -c . || true)
	echo "# $def: $np pass, $nf fail, $ns skip in LAVA"
	awk '$2 == "fail" { print "#   fail: " $1 }' "$out/$name.cases" | head -n 5

	# Its set-up: the device has /dev/kvm, the modules loaded, the install
	# is there, the stream was read.
	setup=""
	for c in dev-kvm kvm-modules kselftest-install ktap; do
		r=$(result_of "$def" "$c")
		case $c:$r in
		kvm-modules:|kselftest-install:|ktap:|*:pass) ;;
		ktap:*) setup="$setup ktap-to-lava.sh found no result;" ;;
		*) setup="$setup $c ${r:-missing};" ;;
		esac
	done
	if [ -z "$setup" ]; then
		line pass "$name: set-up results pass (dev-kvm and what it loaded)"
	else
		line fail "$name: set-up" "${setup%;}"
	fi

	# Every case LAVA recorded is one the guest printed, with its verdict.
	if [ -f "$out/$def.ktap" ]; then
		from_tap "$("$python" "$results" compare "$out/$def.ktap" "$out/$name.cases" --label "$name" 2>&1)"
	else
		line fail "$name: LAVA's cases are the guest's" "no stream between markers in the log"
	fi

	case $name in
	kvm-sysevent-control)
		# The control: its failures must come through as failures.
		runner=$(result_of "$def" run_tests)
		if [ "$nf" -gt 0 ] && [ "$runner" = fail ]; then
			line pass "$name: $nf failing cases and the runner's exit status reach LAVA as failures"
		else
			line fail "$name: failing cases reach LAVA as failures" "$nf failing cases, run_tests '${runner:-none}'"
		fi
		;;
	*)
		runner=$(result_of "$def" run_tests)$(result_of "$def" run_kselftest)
		if [ "$nf" -eq 0 ] && [ $((np + ns)) -gt 0 ] && { [ "$runner" = pass ] || [ "$runner" = skip ]; }; then
			line pass "$name: no case failed, the runner's exit status $runner"
		else
			line fail "$name: no case failed" "$nf failing cases, runner '${runner:-none}'"
		fi
		;;
	esac
done <"$out/job.yaml.definitions"

# The kselftest collection gives the very cases and verdicts the suite's own
# runner gave in the same boot.
main_def=$(awk '$2 == "kvm-sysevent" { print $1 }' "$out/job.yaml.definitions")
if grep -q ' kvm-sysevent-kselftest$' "$out/job.yaml.definitions"; then
	if [ -f "$out/$main_def.ktap" ]; then
		from_tap "$("$python" "$results" compare "$out/$main_def.ktap" \
			"$out/kvm-sysevent-kselftest.cases" \
			--label "the kselftest collection, against the suite runner's stream" 2>&1)"
	else
		line fail "the kselftest collection against the suite runner's stream" "no kvm-sysevent stream"
	fi
fi

# The promises a kernel of this architecture must keep (the catalogue,
# promises.toml, through the reporter), on the guest's stream.
if [ -z "${runner_args[*]:-}" ] && [ -f "$out/$main_def.ktap" ]; then
	mkdir -p "$out/required"
	cp "$out/$main_def.ktap" "$out/required/ktap.txt"
	printf 'arch=%s\nkernel_release=%s\nkernel_under_test=%s\n' "$kuname" "$release" "$kernel" \
		>"$out/required/inventory.txt"
	rrc=0
	req=$("$repo/report/kvm-sysevent-report" required -q "$out/required" 2>&1) || rrc=$?
	last=$(printf '%s\n' "$req" | tail -n 1)
	if [ "$rrc" -eq 0 ] && [[ $last =~ ^required:\ [1-9][0-9]*\ met,\ 0\ not\ met$ ]]; then
		line pass "kvm-sysevent: the required promises hold (${last#required: })"
	else
		line fail "kvm-sysevent: the required promises" "${last:-exit $rrc}"
		printf '%s\n' "$req" | grep -E 'NOT MET|error' | head -n 5 | sed 's/^/#   /'
	fi
fi

echo "# lava-run log, job, results and the guest's streams: $out"
echo "lava: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
