#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve a kernel name to a bootable image and its kvm modules, fetching and
# extracting Debian packages into a cache. See kernel/README.md.

set -euo pipefail

prog=fetch-kernel.sh
here=$(cd "$(dirname "$0")" && pwd)
cache=${KVM_SYSEVENT_KERNEL_CACHE:-$here/../.cache/kernels}

usage() {
	cat <<EOF
usage: $prog [--cache DIR] KERNEL

KERNEL is one of
  debian-X.Y       the newest linux-image-X.Y.*-amd64-unsigned package the
                   package index offers today (apt-cache), e.g. debian-6.12
  linux-image-...  a Debian kernel image package by name
  PATH.deb         a Debian kernel image package file

The package is fetched with 'apt-get download' into the cache (default
<repo>/.cache/kernels, or \$KVM_SYSEVENT_KERNEL_CACHE) unless it is already
there, and its kernel image and kvm modules are extracted beside it. Prints
key=value lines: name, package, version, release, deb, bzimage, modules.

Exit status: 0 done, 2 bad usage, unknown kernel or failed fetch/extraction.
EOF
}

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--cache)
		if [ $# -lt 2 ] || [ -z "$2" ]; then die "--cache needs a value"; fi
		cache=$2
		shift 2
		;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "$prog: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "$prog: error: expected one KERNEL (see --help)" >&2; exit 2; }
kernel=$1
mkdir -p "$cache" || die "cannot create the cache $cache"
cache=$(cd "$cache" && pwd)

# The newest amd64 image package of series X.Y (unsigned first, else signed)
# and its version, in one apt-cache call: sets pkg and ver.
resolve_series() {
	local series=$1 re pairs flavour
	re="^linux-image-${series//./\\.}\\.[0-9]+(-[0-9]+)?(\\+deb[0-9]+)?-amd64"
	command -v apt-cache >/dev/null || die "apt-cache not found: cannot resolve $kernel"
	pairs=$(apt-cache search --names-only --full "$re(-unsigned)?\$" 2>/dev/null |
		sed -n 's/^Package: //p; s/^Version: //p' | paste - - | tr '\t' ' ' || true)
	for flavour in -unsigned ''; do
		pkg=$(printf '%s\n' "$pairs" | cut -d' ' -f1 | grep -E "$re$flavour\$" |
			sort -V | tail -n 1 || true)
		[ -n "$pkg" ] || continue
		ver=$(printf '%s\n' "$pairs" | awk -v p="$pkg" '$1 == p { print $2 }' | sort -V |
			tail -n 1)
		return 0
	done
	die "no linux-image-$series.*-amd64 package in the package index (run: apt-get update)"
}

# Fetch package $1 at version $2 (default: its candidate) into the cache;
# sets deb.
fetch_package() {
	local pkg=$1 ver=${2:-} file
	if [ -z "$ver" ]; then
		ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
			sed -n 's/^Version: //p' | head -n 1)
	fi
	[ -n "$ver" ] || die "package $pkg not in the package index (run: apt-get update)"
	file=$cache/${pkg}_${ver//:/%3a}_amd64.deb
	if [ ! -s "$file" ]; then
		local opts=()
		[ "$(id -u)" != 0 ] || opts=(-o APT::Sandbox::User=root)
		echo "$prog: fetching $pkg $ver" >&2
		(cd "$cache" && apt-get download -q ${opts[@]+"${opts[@]}"} "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		[ -s "$file" ] || die "apt-get download did not leave $file"
	fi
	deb=$file
}

case "$kernel" in
debian-[0-9]*.[0-9]*)
	series=${kernel#debian-}
	case "$series" in *[!0-9.]*) die "bad kernel series: $kernel" ;; esac
	resolve_series "$series"
	fetch_package "$pkg" "$ver"
	name=$kernel
	;;
linux-image-*)
	case "$kernel" in *.deb|*/*) die "no such file: $kernel" ;; esac
	pkg=$kernel
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
	die "unknown kernel '$kernel' (want debian-X.Y, linux-image-<name> or a .deb)"
	;;
esac

ver=$(dpkg-deb -f "$deb" Version 2>/dev/null) || die "not a Debian package: $deb"
pkg=$(dpkg-deb -f "$deb" Package)
dir=$cache/${pkg}_${ver//:/%3a}
if [ ! -f "$dir/.extracted" ]; then
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards \
		'./boot/vmlinuz-*' './boot/config-*' \
		'./lib/modules/*/kernel/arch/x86/kvm/*' \
		'./lib/modules/*/kernel/drivers/crypto/ccp/ccp.ko*' \
		'./lib/modules/*/kernel/virt/lib/irqbypass.ko*' 2>"$tmp.err"; then
		# A kernel with KVM built in has no kvm modules; the image must be there.
		if ! compgen -G "$tmp/boot/vmlinuz-*" >/dev/null; then
			rm -rf "$tmp" "$tmp.err"
			die "no kernel image in $deb"
		fi
	fi
	rm -f "$tmp.err"
	touch "$tmp/.extracted"
	rm -rf "$dir"
	mv "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
fi
bzimage=$(compgen -G "$dir/boot/vmlinuz-*" | head -n 1) || true
[ -n "$bzimage" ] || die "no kernel image in $deb"
release=${bzimage##*/vmlinuz-}
modules=$dir/lib/modules/$release
[ -d "$modules" ] || modules=

echo "name=$name"
echo "package=$pkg"
echo "version=$ver"
echo "release=$release"
echo "deb=$deb"
echo "bzimage=$bzimage"
echo "modules=$modules"
