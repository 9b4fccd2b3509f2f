#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's two commands on a fresh machine: build a Debian minbase of the
# host's release with debootstrap (plus git and make, which a user needs to
# clone and to type `make`), from the mirror the host's apt already uses (read
# from `apt-get indextargets` now, never written down here), bind /dev/kvm in,
# clone this repository's HEAD into /root/kvm-sysevent (root's home, mode
# 0700) and run `make run`, then `make check` there, as root. The packages are
# installed by the two commands themselves (tools/deps.sh).
#
# usage: .ci/fresh-machine.sh [--keep] [--only-run] [--mutants] [-o DIR]
#   --keep       keep the fresh root (its path is printed) instead of removing it
#   --only-run   run `make run` and stop (proves the set-up of the build and
#                run packages without make check's cost)
#   --mutants    then install every group of tools/packages (tools/deps.sh ci)
#                and run one real-kernel mutant row of each architecture on
#                the latest line (the x86_64 one with upstream's selftests):
#                proves what the mutant steps of .ci/run need from Debian
#   -o DIR       logs (debootstrap.log, make-run.log, make-check.log) and the
#                fresh machine's result sets, default results/fresh-machine
#
# Needs root, debootstrap and /dev/kvm; without them it skips and says why.
# Every mount lives in a private mount namespace, so nothing is left mounted
# on the host and removing the root is safe.
# Last line: `fresh: N passed, N failed, N skipped`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
keep=0 only_run=0 mutants=0 out=$repo/results/fresh-machine
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--only-run) only_run=1 ;;
	--mutants) mutants=1 ;;
	-o) [ $# -ge 2 ] || { echo "fresh-machine: -o needs a directory" >&2; exit 2; }; out=$2; shift ;;
	-h|--help) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fresh-machine: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

pass=0 fail=0 skip=0 n=0
ok() { n=$((n + 1)) pass=$((pass + 1)); echo "ok $n $*"; }
bad() { n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n $*"; }
finish() {
	echo "fresh: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}
skip_all() {
	n=$((n + 1)) skip=$((skip + 1))
	echo "ok $n fresh machine # SKIP $1"
	finish
}
now() { date +%s; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip_all "no debootstrap (apt-get install debootstrap)"
command -v unshare >/dev/null || skip_all "no unshare"
[ -c /dev/kvm ] || skip_all "no /dev/kvm (is KVM loaded?)"
. /etc/os-release
release=${VERSION_CODENAME:-}
[ -n "$release" ] || skip_all "the host's release has no codename"

# The Debian repositories apt uses here: "URI SUITE COMPONENT" per index.
repos=$(apt-get indextargets --format '$(ORIGIN)|$(REPO_URI)|$(RELEASE)|$(COMPONENT)' \
	'Identifier: Packages' 2>/dev/null | awk -F'|' '$1 == "Debian" { print $2, $3, $4 }' |
	sort -u)
mirror=$(printf '%s\n' "$repos" | awk -v r="$release" '$2 == r { print $1; exit }')
[ -n "$mirror" ] || skip_all "apt uses no Debian mirror for $release here"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/results" "$out"/*.log
work=$(mktemp -d "${TMPDIR:-/var/tmp}/kse-fresh.XXXXXX")
root=$work/root
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "# kept the fresh root: $root"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT

rev=$(git -C "$repo" rev-parse --short HEAD)
echo "# fresh $release minbase from $mirror, clone of $rev"
t0=$(now)
if debootstrap --variant=minbase --include=git,make "$release" "$root" "$mirror" \
	>"$out/debootstrap.log" 2>&1; then
	ok "debootstrap $release minbase ($(($(now) - t0)) s)"
else
	bad "debootstrap $release minbase: $(tail -n 1 "$out/debootstrap.log")"
	finish
fi

# apt's sources on the fresh machine: the host's Debian repositories (the
# release, its updates and security suites), as an installed system has.
printf '%s\n' "$repos" | awk '{ c[$1 " " $2] = c[$1 " " $2] " " $3 }
	END { for (k in c) print "deb " k c[k] }' | sort >"$root/etc/apt/sources.list"
sed 's/^/# sources.list: /' "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || :

# Root's home is 0700 on Debian: the case a clone there must survive.
chmod 0700 "$root/root"
git clone -q --no-local "$repo" "$root/root/kvm-sysevent"
git -C "$root/root/kvm-sysevent" checkout -q --detach "$rev"

# In a private mount and PID namespace: /proc, /sys, a small /dev with the
# host's /dev/kvm bound in, then the command in the fresh root as a login
# would run it.
in_fresh() {
	unshare --mount --pid --fork --propagation private bash -euc '
		root=$1; shift
		mount --bind "$root" "$root"
		mount -t proc proc "$root/proc"
		mount -t sysfs sysfs "$root/sys"
		mount -t tmpfs -o mode=0755,size=64m dev "$root/dev"
		for d in null zero full random urandom tty kvm; do
			touch "$root/dev/$d"
			mount --bind "/dev/$d" "$root/dev/$d"
		done
		mkdir -p "$root/dev/pts" "$root/dev/shm"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
		ln -s pts/ptmx "$root/dev/ptmx"
		mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
		ln -s /proc/self/fd "$root/dev/fd"
		ln -s /proc/self/fd/0 "$root/dev/stdin"
		ln -s /proc/self/fd/1 "$root/dev/stdout"
		ln -s /proc/self/fd/2 "$root/dev/stderr"
		mount -t tmpfs -o mode=0755 run "$root/run"
		exec chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root \
			SHELL=/bin/bash LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/bash -c "cd /root/kvm-sysevent && $*"' fresh "$root" "$@"
}

# The two commands. Each one's output goes to a log; the count lines and,
# on failure, the tail are shown.
run_cmd() {	# run_cmd NAME: make NAME in the clone, log to make-NAME.log
	local name=$1 log=$out/make-$1.log t rc=0
	t=$(now)
	in_fresh make "$name" </dev/null >"$log" 2>&1 || rc=$?
	secs=$(($(now) - t))
	return $rc
}

if run_cmd run; then
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/make-run.log" | tail -n 1)
	installed=$(sed -n 's/^deps.sh: installed //p' "$out/make-run.log" | wc -w)
	ok "make run: exit 0, '$line', installed $installed packages ($secs s)"
else
	bad "make run: exit status not 0 ($secs s)"
	tail -n 30 "$out/make-run.log" | sed 's/^/#   /'
fi
grep -E '^deps.sh: ' "$out/make-run.log" | sed 's/^/#   /' || :

if [ "$only_run" = 0 ]; then
	if run_cmd check; then
		line=$(tail -n 1 "$out/make-check.log")
		installed=$(sed -n 's/^deps.sh: installed //p' "$out/make-check.log" | wc -w)
		ok "make check: exit 0, '$line', installed $installed packages ($secs s)"
	else
		bad "make check: exit status not 0 ($secs s)"
		grep -E '^not ok|^=== make' "$out/make-check.log" | tail -n 40 | sed 's/^/#   /'
	fi
	sed -n '/^=== make check summary/,$p' "$out/make-check.log" | sed 's/^/#   /'
	grep -E '^deps.sh: ' "$out/make-check.log" | sed 's/^/#   /' || :

	# Everything make check needs is installed now: nothing is missing.
	missing=$(in_fresh tools/deps.sh --missing check 2>&1) || :
	if [ -z "$missing" ]; then
		ok "after make check nothing of tools/packages (check) is missing"
	else
		bad "still missing after make check: $(echo $missing)"
	fi
fi

# One mutant row per architecture, on the latest line: what the mutant steps
# need (the compiler chroots, the whole-kernel build's host tools, upstream's
# selftests) comes from tools/packages or the tools themselves.
mutant_row() {	# mutant_row ID NAME COMMAND: run COMMAND in the clone, log to mutants-ID.log
	local log=$out/mutants-$1.log name=$2 t rc=0 line
	t=$(now)
	in_fresh "$3" </dev/null >"$log" 2>&1 || rc=$?
	line=$(grep -E '^mutants: [0-9]+ passed' "$log" | tail -n 1 || :)
	if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
		ok "$name: exit 0, '$line' ($(($(now) - t)) s)"
	else
		bad "$name: exit status $rc ($(($(now) - t)) s)"
		tail -n 20 "$log" | sed 's/^/#   /'
	fi
}
if [ "$mutants" = 1 ]; then
	t=$(now)
	if in_fresh tools/deps.sh ci </dev/null >"$out/deps-ci.log" 2>&1; then
		ok "tools/deps.sh ci ($(($(now) - t)) s)"
		mutant_row x86_64 "x86_64 mutant row, with upstream's selftests" \
			"make check-mutants-all MUTANTS_ARGS='--line latest --only hv-crash-bit31'"
		mutant_row riscv64 "riscv64 mutant row" \
			"make check-mutants-riscv MUTANTS_RISCV_ARGS='--line latest --only srst-shutdown-as-reset'"
		mutant_row arm64 "arm64 mutant row, with upstream's selftests" \
			"make check-mutants-arm64 MUTANTS_ARM64_ARGS='--line latest --only system-off-as-reset'"
	else
		bad "tools/deps.sh ci: $(tail -n 1 "$out/deps-ci.log")"
	fi
fi

cp -R "$root/root/kvm-sysevent/results" "$out/results" 2>/dev/null || :
echo "# logs: $out"
finish
