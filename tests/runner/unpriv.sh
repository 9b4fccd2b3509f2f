#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# No privilege beyond /dev/kvm: run the suite as an unprivileged user that is
# in the `kvm` group and nothing else: it must get the same results as root
# (kernel and model backends), and the reporter must work on its result set.
# The same user without the kvm group must get every case skipped, each
# saying it has no access to /dev/kvm: the group is what grants access.
#
# Needs root to set this up: the user `kse-unpriv` and the group `kvm` are
# created if missing, /dev/kvm is given to group kvm with g+rw if it is not,
# and everything is put back as it was at the end. Without root, or where the
# machine does not allow it, the test is skipped with the reason. The user
# runs a copy of the suite in a scratch directory (tests/lib/stage.sh), so
# the checkout may be anywhere, a 0700 home included.
#
# usage: tests/runner/unpriv.sh   (BUILD, default build)
# Last line: `unpriv: N passed, N failed, N skipped`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
case ${1:-} in
-h|--help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) echo "unpriv: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

user=kse-unpriv
. "$top/tests/lib/tap.sh"
skip_all() {
	echo "ok - unprivileged run # SKIP $1"
	echo "unpriv: 0 passed, 0 failed, 1 skipped"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root to create an unprivileged user"
for c in useradd userdel groupadd groupdel setpriv getent stat; do
	command -v "$c" >/dev/null 2>&1 || skip_all "no $c on this machine"
done
[ -c /dev/kvm ] || skip_all "no /dev/kvm (is KVM loaded?)"

created_user=no created_group=no kvm_state=""
work=""
restore() {
	if [ -n "$kvm_state" ]; then
		# shellcheck disable=SC2086
		set -- $kvm_state
		chgrp "$1" /dev/kvm && chmod "$2" /dev/kvm
	fi
	[ $created_user = no ] || userdel "$user" 2>/dev/null
	[ $created_group = no ] || groupdel kvm 2>/dev/null
	[ -z "$work" ] || rm -rf "$work"
}
trap restore EXIT
trap 'exit 1' INT TERM HUP

if ! getent group kvm >/dev/null; then
	groupadd --system kvm || skip_all "cannot create the kvm group"
	created_group=yes
fi
if ! getent passwd "$user" >/dev/null; then
	useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin \
		--groups kvm "$user" 2>/dev/null || skip_all "cannot create a user"
	created_user=yes
fi
id -nG "$user" | tr ' ' '\n' | grep -qx kvm || skip_all "user $user exists and is not in kvm"
grp=$(stat -c %G /dev/kvm) mode=$(stat -c %a /dev/kvm)
if [ "$grp" != kvm ] || [ $((0$mode & 060)) -ne $((060)) ]; then
	kvm_state="$grp $mode"
	{ chgrp kvm /dev/kvm && chmod g+rw /dev/kvm; } || skip_all "cannot give /dev/kvm to group kvm"
fi
echo "# /dev/kvm: $(stat -c '%A %U:%G' /dev/kvm)${kvm_state:+ (was group $grp, mode $mode)}"

work=$(mktemp -d "${TMPDIR:-/tmp}/kse-unpriv.XXXXXX") || exit 1
chmod 755 "$work"
mkdir "$work/user"
chown "$user" "$work/user"

# The user runs a copy of the suite: the checkout may be private.
. "$top/tests/lib/stage.sh"
stage=$work/suite
if ! stage_suite "$top" "$build" "$stage"; then
	bad "copy the suite to a scratch directory"
	echo "unpriv: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

as_user() {	# as_user [--no-kvm] CMD...: the user, its groups (kvm) or none
	groups=--init-groups
	if [ "$1" = --no-kvm ]; then groups=--clear-groups; shift; fi
	(cd "$stage" && setpriv --reuid="$user" --regid="$user" "$groups" --inh-caps=-all \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ TMPDIR="$work/user" \
		KVM_SYSEVENT_REVISION="$rev" BUILD="$stage/build" "$@")
}
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
as_user true 2>/dev/null || skip_all "cannot switch to an unprivileged user here"
stage_reachable "$stage" as_user || skip_all "$stage_unreachable"

# shellcheck disable=SC2016 # expanded by the user's shell
who=$(as_user sh -c 'echo "uid=$(id -u) groups=$(id -nG) caps=$(sed -n "s/^CapEff:\t//p" /proc/self/status)"')
echo "# as $user: $who"
case $who in
"uid=0 "*) bad "the user is root" ;;
*" caps=0000000000000000") g=${who#*groups=}; ok "an unprivileged user: no root, no capabilities, groups: ${g% caps=*}" ;;
*) bad "the user has capabilities: $who" ;;
esac

for backend in kernel model:upstream; do
	BUILD=$build KVM_SYSEVENT_REVISION=$rev "$top/run_tests.sh" --backend "$backend" \
		-o "$work/root-$backend" >/dev/null 2>&1
	want=$(cat "$work/root-$backend/summary.txt" 2>/dev/null)
	as_user ./run_tests.sh --backend "$backend" -o "$work/user/$backend" >"$work/$backend.out" 2>&1
	rc=$?
	got=$(tail -n 1 "$work/$backend.out")
	if [ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$got" = "$want" ] &&
	   ! grep -q 'no access to /dev/kvm' "$work/$backend.out"; then
		ok "backend $backend as $user (kvm group): '$got', as root"
	else
		bad "backend $backend as $user: exit $rc, '$got' (root: '$want')"
		grep -m 3 'SKIP\|not ok' "$work/$backend.out" | sed 's/^/#   /'
	fi
done

if as_user ./report/kvm-sysevent-report html "$work/user/kernel" >"$work/report.out" 2>&1 &&
   [ -s "$work/user/kernel/report.html" ]; then
	ok "the reporter as $user: HTML report of its result set written"
else
	bad "the reporter as $user: $(tail -n 1 "$work/report.out")"
fi

as_user --no-kvm ./run_tests.sh >"$work/nogroup.out" 2>&1
rc=$?
results=$(grep -cE '^  (not )?ok ' "$work/nogroup.out")
denied=$(grep -cE '^  ok [0-9]+ .* # SKIP no access to /dev/kvm \(join the kvm group\)$' "$work/nogroup.out")
if [ "$rc" -eq 4 ] && [ "$results" -gt 0 ] && [ "$results" -eq "$denied" ] &&
   grep -qx "0 passed, 0 failed, $results skipped" "$work/nogroup.out"; then
	ok "without the kvm group: exit 4, all $results cases skipped, 'no access to /dev/kvm (join the kvm group)'"
else
	bad "without the kvm group: exit $rc, $denied of $results cases skipped for no access"
fi

echo "unpriv: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
