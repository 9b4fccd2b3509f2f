#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages a make target needs (tools/packages), so that
# `make run` and `make check` work on a fresh Debian machine.

set -euo pipefail

prog=deps.sh
here=$(cd "$(dirname "$0")" && pwd)
list=${KVM_SYSEVENT_PACKAGES:-$here/packages}

usage() {
	cat <<EOF
usage: $prog [--list | --missing] [--skip PKG]... FOR

Install the Debian packages FOR needs, from tools/packages, when they are
not installed: with apt-get as root, with 'sudo -n apt-get' when sudo works
without a password, else print the one command that installs them and exit
2. The package index is refreshed (apt-get update) when it does not know a
package, or when an install fails.

FOR is one of
  run      make run: the groups build and run
  check    make check: every group but ci
  ci       .ci/run: every group
  GROUP[,GROUP...]   the groups named (see tools/packages)

  --list       print the packages of FOR, one a line, and exit
  --missing    print the packages of FOR that are not installed, and exit
               (status 1 when some are missing)
  --skip PKG   leave PKG out (e.g. the linux-source-X.Y of tools/packages
               when KDIR= is given)
  -h, --help   this help

Environment: KVM_SYSEVENT_DEPS=0 does nothing (the packages are somebody
else's business); make DEPS=0 sets it.

Exit status: 0 everything is installed, 1 apt-get failed, 2 bad usage, or
packages are missing and this user cannot install them (the command that
would is printed).
EOF
}

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

mode=install
skip=()
while [ $# -gt 0 ]; do
	case $1 in
	--list) mode=list ;;
	--missing) mode=missing ;;
	--skip)
		[ $# -ge 2 ] && [ -n "$2" ] || die "--skip needs a package name"
		skip+=("$2")
		shift
		;;
	-h|--help) usage; exit 0 ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || die "expected one FOR: run, check, ci or GROUP[,GROUP] (see --help)"
for_=$1
[ -r "$list" ] || die "cannot read the package list $list"

known=$(sed 's/#.*//' "$list" | awk 'NF { print $1 }' | sort -u)
what="make $for_"
case $for_ in
run) groups="build run" ;;
check) groups=$(printf '%s\n' "$known" | grep -vx ci | tr '\n' ' ') ;;
ci) groups=$(printf '%s\n' "$known" | tr '\n' ' ') what=CI ;;
*)
	groups=${for_//,/ } what="group ${for_//,/, }"
	for g in $groups; do
		printf '%s\n' "$known" | grep -qxF -- "$g" ||
			die "no group '$g' in $list (groups: $(printf '%s\n' "$known" | tr '\n' ' '))"
	done
	;;
esac

# The packages of the groups, in the list's order, each once.
mapfile -t pkgs < <(sed 's/#.*//' "$list" | awk -v groups=" $groups " '
	NF >= 2 && index(groups, " " $1 " ") && !seen[$2]++ { print $2 }')
if [ ${#skip[@]} -gt 0 ]; then
	mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | grep -vxF -f <(printf '%s\n' "${skip[@]}"))
fi

if [ "$mode" = list ]; then
	[ ${#pkgs[@]} -eq 0 ] || printf '%s\n' "${pkgs[@]}"
	exit 0
fi
[ "${KVM_SYSEVENT_DEPS:-1}" != 0 ] || exit 0
[ ${#pkgs[@]} -gt 0 ] || exit 0

# Installed means dpkg says "install ok installed" (one dpkg-query for all).
missing_pkgs() {
	local have
	have=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }' || true)
	printf '%s\n' "$@" | grep -vxF -f <(printf '%s\n' "$have") || true
}
command -v dpkg-query >/dev/null || die "dpkg-query not found: this needs a Debian system"
mapfile -t missing < <(missing_pkgs "${pkgs[@]}")
if [ "$mode" = missing ]; then
	[ ${#missing[@]} -eq 0 ] || printf '%s\n' "${missing[@]}"
	[ ${#missing[@]} -eq 0 ]
	exit
fi
[ ${#missing[@]} -gt 0 ] || exit 0

# A package the index does not know: the lists are missing (a fresh
# debootstrap) or old.
need_update=no
for p in "${missing[@]}"; do
	if ! apt-cache show --no-all-versions "$p" >/dev/null 2>&1; then
		need_update=yes
		break
	fi
done

install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	as_root=(sudo -n)
else
	cmd=$install_cmd
	[ $need_update = no ] || cmd="apt-get update && $cmd"
	if command -v sudo >/dev/null; then
		case $cmd in
		*'&&'*) cmd="sudo sh -c '$cmd'" ;;
		*) cmd="sudo $cmd" ;;
		esac
	else
		cmd="su -c '$cmd'"
	fi
	echo "$prog: ${#missing[@]} Debian packages are missing for $what; install them with: $cmd" >&2
	exit 2
fi

apt() {
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 "$@"
}
echo "$prog: installing ${#missing[@]} Debian packages for $what: ${missing[*]}" >&2
log=$(mktemp "${TMPDIR:-/tmp}/kvm-sysevent-deps.XXXXXX")
trap 'rm -f "$log"' EXIT
if [ $need_update = yes ]; then
	apt update >"$log" 2>&1 || { tail -n 5 "$log" >&2; echo "$prog: apt-get update failed" >&2; exit 1; }
fi
if ! apt install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
	# Stale lists name files the mirror no longer has: refresh once, retry.
	apt update >"$log" 2>&1 || { tail -n 5 "$log" >&2; echo "$prog: apt-get update failed" >&2; exit 1; }
	if ! apt install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
		tail -n 10 "$log" >&2
		echo "$prog: apt-get install failed: ${missing[*]}" >&2
		exit 1
	fi
fi
mapfile -t still < <(missing_pkgs "${missing[@]}")
[ ${#still[@]} -eq 0 ] || { echo "$prog: still not installed: ${still[*]}" >&2; exit 1; }
echo "$prog: installed ${missing[*]}" >&2
