# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154,SC2034
# (km_repo and the km_* helpers come from kvm-modules.sh, which sources this
# file; the KM_* it sets are read there and by mutants.sh.)
#
# riscv64's KVM module (kvm.ko) for Debian's riscv64 kernel, built here with
# Debian's cross compiler: what kvm-modules.sh does for x86, for the other
# architecture whose KVM is a module. Sourced by kvm-modules.sh when
# KM_ARCH=riscv64; it replaces the functions that know packages, paths and
# the compiler, and keeps the rest (stock build once, edited files compiled
# on the side, relink, restore).
#
# Everything comes from Debian's riscv64 release (trixie) at one version:
# the kernel image debian-6.12:riscv64 resolves to today, its headers
# (linux-headers-<abi>-riscv64 and -common) and the kernel source of the same
# version (linux-source-6.12, for arch/riscv/kvm and virt/kvm). The kbuild
# host tools (fixdep, modpost: programs that run here) are Debian's amd64
# linux-kbuild of the same upstream version from this machine's own release;
# they read the riscv objects as well as x86 ones. The compiler is
# riscv64-linux-gnu-gcc of this machine (Debian built the kernel with a
# newer gcc; the module carries the kernel's exact vermagic and CRCs).

KM_SRC_DIRS="arch/riscv/kvm virt/kvm"
KM_KVM_DIR=arch/riscv/kvm
KM_CROSS=riscv64-linux-gnu-

km_fetch_kernel() {
	"$km_repo/kernel/fetch-kernel.sh" "$@" || exit 2
}

km_resolve_debian() {
	local info up cands
	info=$(km_fetch_kernel debian-6.12:riscv64)
	KM_RELEASE=$(sed -n 's/^release=//p' <<<"$info")
	KM_VERSION=$(sed -n 's/^version=//p' <<<"$info")
	KM_IMAGE=$(sed -n 's/^package=//p' <<<"$info")
	KM_BZIMAGE=$(sed -n 's/^image=//p' <<<"$info")
	if [ -z "$KM_RELEASE" ] || [ -z "$KM_VERSION" ] || [ ! -f "$KM_BZIMAGE" ]; then
		km_die "cannot resolve Debian's riscv64 6.12 kernel"
	fi
	KM_ABI=${KM_RELEASE%-riscv64}
	KM_HEADERS=linux-headers-$KM_RELEASE
	KM_HEADERS_COMMON=linux-headers-$KM_ABI-common
	KM_SOURCE=linux-source-6.12
	# Host tools of the same upstream version, built for this machine.
	up=${KM_VERSION%%-*}
	command -v apt-cache >/dev/null || km_die "apt-cache not found (a Debian system is needed)"
	cands=$(apt-cache pkgnames "linux-kbuild-$up+" 2>/dev/null |
		grep -E "^linux-kbuild-${up//./\\.}\+deb[0-9]+\$" | sort -V || true)
	KM_KBUILD=$(printf '%s\n' "$cands" | tail -n 1)
	[ -n "$KM_KBUILD" ] ||
		km_die "no linux-kbuild-$up+* for this machine in the package index (run apt-get update)"
	KM_TARBALL="$KM_SOURCE $KM_VERSION (riscv64 release)"
	KM_DIR=$KM_CACHE/$KM_RELEASE
	if [ -n "$KM_KDIR" ]; then
		km_die "--kdir is for x86 kernel trees; riscv64 mutants use Debian's kernel"
	fi
}

km_packages() {
	echo "gcc-riscv64-linux-gnu make binutils xz-utils libelf1 libssl3 zlib1g"
}

km_deb() {
	km_fetch_kernel --fetch "$1" | sed -n 's/^deb=//p'
}

km_fetch() {
	command -v "${KM_CROSS}gcc" >/dev/null ||
		km_die "${KM_CROSS}gcc not found (apt-get install gcc-riscv64-linux-gnu)"
	KM_DEB_HEADERS=$(km_deb "$KM_HEADERS:riscv64=$KM_VERSION")
	KM_DEB_COMMON=$(km_deb "$KM_HEADERS_COMMON:riscv64=$KM_VERSION")
	KM_DEB_KBUILD=$(km_deb "$KM_KBUILD")
	KM_DEB_IMAGE=
}

# KVM's source, from the source package of the kernel's own version (its
# tarball is read straight out of the .deb).
km_extract_src_debian() {
	local deb
	[ ! -f "$KM_DIR/.src-ok" ] || return 0
	deb=$(km_deb "$KM_SOURCE:riscv64=$KM_VERSION")
	[ -f "$deb" ] || km_die "cannot fetch $KM_SOURCE $KM_VERSION"
	km_say "extracting $KM_SRC_DIRS from $(basename "$deb")"
	mkdir -p "$KM_DIR"
	rm -rf "$KM_PRISTINE" && mkdir -p "$KM_PRISTINE"
	# shellcheck disable=SC2046,SC2086
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xOf - "./usr/src/$KM_SOURCE.tar.xz" |
		tar -xJf - -C "$KM_PRISTINE" --strip-components=1 \
			$(printf "$KM_SOURCE/%s " $KM_SRC_DIRS) ||
		km_die "cannot extract KVM's source from $deb"
	touch "$KM_DIR/.src-ok"
}

# Headers and host tools unpacked into $KM_DIR/root; the riscv64 Makefile
# pointed at our copy of the common tree, its scripts at our host tools.
km_extract_debian() {
	local root=$KM_DIR/root hdr common kabi d
	hdr=$root/usr/src/linux-headers-$KM_RELEASE
	common=$root/usr/src/linux-headers-$KM_ABI-common
	kabi=${KM_KBUILD#linux-kbuild-}
	if [ ! -f "$KM_DIR/.headers-ok" ]; then
		km_say "extracting headers $KM_RELEASE and host tools $KM_KBUILD"
		rm -rf "$root" && mkdir -p "$root"
		for d in "$KM_DEB_HEADERS" "$KM_DEB_COMMON" "$KM_DEB_KBUILD"; do
			dpkg-deb -x "$d" "$root" || km_die "cannot unpack $d"
		done
		if [ ! -f "$hdr/Makefile" ] || [ ! -f "$common/Makefile" ] ||
			[ ! -d "$root/usr/lib/linux-kbuild-$kabi/scripts" ]; then
			km_die "unexpected layout of the headers packages under $root"
		fi
		sed -i "s|^include /usr/src/linux-headers-$KM_ABI-common/Makefile\$|include $common/Makefile|" \
			"$hdr/Makefile"
		grep -qxF "include $common/Makefile" "$hdr/Makefile" ||
			km_die "cannot point $hdr/Makefile at the extracted common headers"
		# The headers link to linux-kbuild-<their abi>: ours is this machine's.
		[ "$kabi" = "$KM_ABI" ] || ln -sfn "linux-kbuild-$kabi" "$root/usr/lib/linux-kbuild-$KM_ABI"
		touch "$KM_DIR/.headers-ok"
	fi
	KM_HDR=$hdr
	KM_COMMON=$common
	KM_BASE_MODS=$KM_DIR/base
	mkdir -p "$KM_BASE_MODS"
}

# Debian's headers name gcc-14 (their .kernelvariables): this machine's
# cross compiler instead.
km_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$KM_HDR" M="$KM_WORK/$KM_KVM_DIR" \
		-j"$KM_JOBS" ARCH=riscv CROSS_COMPILE="$KM_CROSS" CC="${KM_CROSS}gcc" \
		CONFIG_DEBUG_INFO_BTF_MODULES= KCFLAGS=-g0 modules
}

km_collect() {
	mkdir -p "$1"
	cp "$KM_WORK/$KM_KVM_DIR/kvm.ko" "$1/"
}

km_set_id() {
	sha256sum <"$1/kvm.ko" | cut -c1-10
}
