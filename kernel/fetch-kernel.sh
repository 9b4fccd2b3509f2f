#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve a kernel name to a bootable image and its kvm modules, fetching and
# extracting Debian packages into a cache. See kernel/README.md.

set -euo pipefail
shopt -s extglob

prog=fetch-kernel.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kernel/lib.sh
. "$here/lib.sh"
cache=${KVM_SYSEVENT_KERNEL_CACHE:-$here/../.cache/kernels}

usage() {
	cat <<EOF
usage: $prog [--cache DIR] [--refresh] KERNEL
       $prog [--cache DIR] [--refresh] --busybox ARCH
       $prog [--cache DIR] [--refresh] --fetch PACKAGE[:ARCH][=VERSION]

KERNEL is one of
  debian-X.Y[:ARCH]       the newest linux-image-X.Y.*-ARCH-unsigned (else the
                          signed one) the package index offers today, e.g.
                          debian-6.12, debian-6.1:arm64, debian-6.12:riscv64
  linux-image-...[:ARCH]  a Debian kernel image package by name
  PATH.deb                a Debian kernel image package file

ARCH is amd64, arm64 or riscv64 (x86_64, aarch64, riscv also work); the
default is the host's. Packages of the host's architecture come from the
system's package index (run apt-get update first). Those of another come
from a private package index in the cache, made from the system's own
sources with the architecture changed: for arm64 the system's release, for
riscv64 Debian's first release with it (trixie), or \$KVM_SYSEVENT_DEBIAN_SUITE.
The private index is refreshed once a day, or now with --refresh. The
system's apt configuration is never changed.

The package is fetched with 'apt-get download' into the cache (default
<repo>/.cache/kernels, or \$KVM_SYSEVENT_KERNEL_CACHE) unless it is already
there, and its kernel image and kvm modules are extracted beside it. Prints
key=value lines: name, arch, package, version, release, deb, image, bzimage
(the same as image), modules.

--busybox ARCH fetches Debian's busybox-static for ARCH the same way and
prints busybox=PATH. --fetch fetches any package of ARCH's index (its
candidate version unless VERSION is given) and prints deb=PATH.

Exit status: 0 done, 2 bad usage, unknown kernel or failed fetch/extraction.
EOF
}

refresh=0 busybox_arch='' fetch_spec=''
while [ $# -gt 0 ]; do
	case "$1" in
	--cache) need_arg "$@"; cache=$2; shift 2 ;;
	--busybox) need_arg "$@"; busybox_arch=$2; shift 2 ;;
	--fetch) need_arg "$@"; fetch_spec=$2; shift 2 ;;
	--refresh) refresh=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "$prog: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ -n "$busybox_arch" ] || [ -n "$fetch_spec" ]; then
	[ $# -eq 0 ] || die "--busybox and --fetch take no KERNEL"
	[ -z "$busybox_arch" ] || [ -z "$fetch_spec" ] || die "--busybox and --fetch do not mix"
else
	[ $# -eq 1 ] || die "expected one KERNEL (see --help)"
fi
kernel=${1:-}
mkdir -p "$cache" || die "cannot create the cache $cache"
cache=$(cd "$cache" && pwd)

native=$(arch_debian "$(host_arch)")

# --- package indexes ----------------------------------------------------------
# apt=(...) runs apt-get/apt-cache against the index for Debian architecture
# $1: the system's for the host's own architecture, else a private one.
apt_opts=()
use_index() {
	local darch=$1 codename suite dir uri rel comp keyring lists age
	apt_opts=()
	if [ "$darch" = "$native" ]; then
		command -v apt-cache >/dev/null || die "apt-cache not found (a Debian system is needed)"
		return 0
	fi
	command -v apt-get >/dev/null || die "apt-get not found (a Debian system is needed)"
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "cannot read the system's release codename (/etc/os-release)"
	suite=${KVM_SYSEVENT_DEBIAN_SUITE:-}
	if [ -z "$suite" ]; then
		case "$darch" in riscv64) suite=trixie ;; *) suite=$codename ;; esac
	fi
	case "$suite" in ''|*[!a-z0-9-]*) die "bad Debian suite name: $suite" ;; esac
	dir=$cache/apt/$darch-$suite
	mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/etc/sources.list.d" \
		"$dir/etc/preferences.d" || die "cannot create $dir"
	[ -f "$dir/status" ] || : >"$dir/status"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	apt_opts=(-o "Dir::State=$dir" -o "Dir::State::lists=$dir/lists"
		-o "Dir::State::status=$dir/status" -o "Dir::Cache=$dir"
		-o "Dir::Cache::archives=$dir/archives" -o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache=" -o "Dir::Etc::sourcelist=$dir/etc/sources.list"
		-o "Dir::Etc::sourceparts=$dir/etc/sources.list.d"
		-o "Dir::Etc::preferencesparts=$dir/etc/preferences.d"
		-o "APT::Architecture=$darch" -o "APT::Architectures::=$darch")
	[ "$(id -u)" != 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	# Tools booting kernels in parallel share this index: one at a time.
	exec 9>"$dir/lock"
	flock 9
	# The system's own Debian sources (whatever mirror apt uses), for $suite.
	# shellcheck disable=SC2016 # apt's own format, not the shell's
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
		'Identifier: Packages' 2>/dev/null | sort -u |
		while read -r uri rel comp; do
			case "$rel" in
			"$codename") rel=$suite ;;
			"$codename"-*) rel=$suite-${rel#"$codename"-} ;;
			*) continue ;;
			esac
			if [ -r "$keyring" ]; then
				echo "deb [arch=$darch signed-by=$keyring] $uri $rel $comp"
			else
				echo "deb [arch=$darch] $uri $rel $comp"
			fi
		done >"$dir/etc/sources.list.new"
	[ -s "$dir/etc/sources.list.new" ] ||
		die "no Debian $codename sources in the system's apt configuration"
	if ! cmp -s "$dir/etc/sources.list.new" "$dir/etc/sources.list"; then
		mv "$dir/etc/sources.list.new" "$dir/etc/sources.list"
		rm -f "$dir/updated"
	else
		rm -f "$dir/etc/sources.list.new"
	fi
	lists=$dir/updated
	age=$(($(date +%s) - $(stat -c %Y "$lists" 2>/dev/null || echo 0)))
	if [ "$refresh" = 1 ] || [ "$age" -gt 86400 ]; then
		echo "$prog: updating the $darch package index ($suite)" >&2
		# A secondary index (updates, security) that fails to download
		# leaves the others usable: resolution decides.
		apt-get "${apt_opts[@]}" -q update >"$dir/update.log" 2>&1 ||
			echo "$prog: warning: some $darch package indexes failed to download (see $dir/update.log)" >&2
		touch "$lists"
	fi
	# The lock is held until this tool exits (fd 9 stays open): the index
	# is not changed under a resolution or download.
}

# The newest image package of series X.Y for $darch (unsigned first, else
# signed) and its version, in one apt-cache call: sets pkg and ver.
resolve_series() {
	local series=$1 re pairs flavour
	re="^linux-image-${series//./\\.}\\.[0-9]+(-[0-9]+)?(\\+deb[0-9]+)?-$darch"
	pairs=$(apt-cache ${apt_opts[@]+"${apt_opts[@]}"} search --names-only --full \
		"$re(-unsigned)?\$" 2>/dev/null |
		sed -n 's/^Package: //p; s/^Version: //p' | paste - - | tr '\t' ' ' || true)
	for flavour in -unsigned ''; do
		pkg=$(printf '%s\n' "$pairs" | cut -d' ' -f1 | grep -E "$re$flavour\$" |
			sort -V | tail -n 1 || true)
		[ -n "$pkg" ] || continue
		ver=$(printf '%s\n' "$pairs" | awk -v p="$pkg" '$1 == p { print $2 }' | sort -V |
			tail -n 1)
		return 0
	done
	if [ "$darch" = "$native" ]; then
		die "no linux-image-$series.*-$darch package in the package index (run: apt-get update)"
	fi
	die "no linux-image-$series.*-$darch package in the $darch package index (try --refresh)"
}

# Fetch package $1 at version $2 (default: its candidate) into the cache;
# sets deb.
fetch_package() {
	local pkg=$1 ver=${2:-} file
	if [ -z "$ver" ]; then
		ver=$(apt-cache ${apt_opts[@]+"${apt_opts[@]}"} show --no-all-versions "$pkg" \
			2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	fi
	[ -n "$ver" ] || die "package $pkg ($darch) not in the package index (run: apt-get update)"
	# Architecture-independent packages are named _all.deb.
	file=$(compgen -G "$cache/${pkg}_${ver//:/%3a}_@($darch|all).deb" | head -n 1) ||
		file=$cache/${pkg}_${ver//:/%3a}_$darch.deb
	if [ ! -s "$file" ]; then
		local opts=(${apt_opts[@]+"${apt_opts[@]}"})
		[ "$(id -u)" != 0 ] || [ ${#apt_opts[@]} -gt 0 ] || opts=(-o APT::Sandbox::User=root)
		# Tools booting kernels in parallel may want the same package.
		(
			flock 8
			[ ! -s "$file" ] || exit 0
			echo "$prog: fetching $pkg $ver ($darch)" >&2
			cd "$cache" && apt-get download -q ${opts[@]+"${opts[@]}"} "$pkg=$ver" >&2
		) 8>"$cache/.fetch.lock" || die "apt-get download $pkg=$ver ($darch) failed"
		file=$(compgen -G "$cache/${pkg}_${ver//:/%3a}_@($darch|all).deb" | head -n 1) ||
			die "apt-get download left no ${pkg}_${ver}_*.deb in $cache"
	fi
	deb=$file
}

# NAME[:ARCH] -> name and darch.
split_arch() {
	local a
	name=$1
	darch=$native
	case "$1" in
	*:*)
		name=${1%:*}
		a=$(arch_canon "${1##*:}") ||
			die "unknown architecture '${1##*:}' in $1 (amd64, arm64 or riscv64)"
		darch=$(arch_debian "$a")
		;;
	esac
}

# --- any one package ---------------------------------------------------------------
if [ -n "$fetch_spec" ]; then
	fver=
	case "$fetch_spec" in *=*) fver=${fetch_spec#*=}; fetch_spec=${fetch_spec%%=*} ;; esac
	split_arch "$fetch_spec"
	case "$name" in ''|*[!a-z0-9.+-]*) die "bad package name: $name" ;; esac
	use_index "$darch"
	fetch_package "$name" "$fver"
	echo "deb=$deb"
	exit 0
fi

# --- busybox for a guest ------------------------------------------------------------
if [ -n "$busybox_arch" ]; then
	a=$(arch_canon "$busybox_arch") ||
		die "unknown architecture '$busybox_arch' (amd64, arm64 or riscv64)"
	darch=$(arch_debian "$a")
	use_index "$darch"
	fetch_package busybox-static
	dir=${deb%.deb}
	if [ ! -f "$dir/.extracted" ]; then
		tmp=$(mktemp -d "$cache/.extract.XXXXXX")
		dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; die "cannot unpack $deb"; }
		touch "$tmp/.extracted"
		rm -rf "$dir"
		mv "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
	fi
	for b in "$dir/bin/busybox" "$dir/usr/bin/busybox"; do
		if [ -f "$b" ]; then
			echo "busybox=$b"
			exit 0
		fi
	done
	die "no busybox in $deb"
fi

# --- kernels -------------------------------------------------------------------------
case "$kernel" in
debian-[0-9]*.[0-9]*)
	split_arch "$kernel"
	series=${name#debian-}
	case "$series" in *[!0-9.]*) die "bad kernel series: $kernel" ;; esac
	use_index "$darch"
	resolve_series "$series"
	fetch_package "$pkg" "$ver"
	name=$kernel
	;;
linux-image-*)
	case "$kernel" in *.deb|*/*) die "no such file: $kernel" ;; esac
	split_arch "$kernel"
	pkg=$name
	use_index "$darch"
	fetch_package "$pkg"
	name=${pkg#linux-image-}
	name=${name%-unsigned}
	;;
*.deb)
	[ -f "$kernel" ] || die "no such file: $kernel"
	deb=$(cd "$(dirname "$kernel")" && pwd)/$(basename "$kernel")
	pkg=$(dpkg-deb -f "$deb" Package 2>/dev/null) || die "not a Debian package: $kernel"
	case "$pkg" in linux-image-*) ;; *) die "not a kernel image package: $kernel ($pkg)" ;; esac
	name=${pkg#linux-image-}
	name=${name%-unsigned}
	;;
*)
	die "unknown kernel '$kernel' (want debian-X.Y[:ARCH], linux-image-<name> or a .deb)"
	;;
esac

ver=$(dpkg-deb -f "$deb" Version 2>/dev/null) || die "not a Debian package: $deb"
pkg=$(dpkg-deb -f "$deb" Package)
darch=$(dpkg-deb -f "$deb" Architecture)
arch=$(arch_canon "$darch") || die "$deb is for $darch (amd64, arm64 or riscv64 wanted)"
dir=$cache/${pkg}_${ver//:/%3a}
if [ ! -f "$dir/.extracted" ]; then
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	# Images are vmlinuz-* (x86, arm64) or vmlinux-* (riscv); modules live in
	# /lib/modules or, from trixie on, /usr/lib/modules.
	pats=('./boot/vmlinu[xz]-*' './boot/config-*')
	for m in './lib/modules' './usr/lib/modules'; do
		pats+=("$m/*/kernel/arch/*/kvm/*" "$m/*/kernel/drivers/crypto/ccp/ccp.ko*"
			"$m/*/kernel/virt/lib/irqbypass.ko*")
	done
	# Patterns that match nothing make tar complain; the image decides.
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "${pats[@]}" \
		2>/dev/null || true
	if ! compgen -G "$tmp/boot/vmlinu[xz]-*" >/dev/null; then
		rm -rf "$tmp"
		die "no kernel image in $deb"
	fi
	touch "$tmp/.extracted"
	rm -rf "$dir"
	mv "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
fi
image=$(compgen -G "$dir/boot/vmlinu[xz]-*" | head -n 1) || true
[ -n "$image" ] || die "no kernel image in $deb"
release=${image##*/vmlinu[xz]-}
modules=
for m in "$dir/lib/modules/$release" "$dir/usr/lib/modules/$release"; do
	[ ! -d "$m" ] || modules=$m
done

echo "name=$name"
echo "arch=$arch"
echo "package=$pkg"
echo "version=$ver"
echo "release=$release"
echo "deb=$deb"
echo "image=$image"
echo "bzimage=$image"
echo "modules=$modules"
