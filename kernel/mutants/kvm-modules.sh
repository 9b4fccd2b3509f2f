#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build KVM's own modules (kvm.ko, kvm-amd.ko) out of tree, for Debian's
# 6.12 kernel from Debian's linux-source-6.12, or for a kernel tree the
# developer built (--kdir). Stock modules are built once and their objects
# kept, so a build with one edited file recompiles that file and relinks.
#
# Used as a library by mutants.sh (source it, then call km_* functions) and
# as a command of its own; see usage() below.

km_prog=kvm-modules.sh
km_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
km_repo=$(cd "$km_here/../.." && pwd)

# Settings (callers may set them before km_setup).
KM_CACHE=${KM_CACHE:-$km_repo/.cache/mutants}
KM_KDIR=${KM_KDIR:-}
KM_JOBS=${KM_JOBS:-$(nproc 2>/dev/null || echo 2)}
KM_QUIET=${KM_QUIET:-0}

# The source files an edit may touch: KVM's own directories.
KM_SRC_DIRS="arch/x86/kvm virt/kvm"

# The test-only kvm_amd harness (kernel/harness/README.md): a module set of
# its own, built once on top of the stock objects, loaded with this
# parameter; mutants of KVM's SEV-ES code are built on top of it.
KM_HARNESS_PATCH=${KM_HARNESS_PATCH:-$km_repo/kernel/harness/sev-es-test-harness.patch}
KM_HARNESS_PARAM=kvm_amd.sev_es_test_harness=1

km_die() {
	echo "$km_prog: error: $*" >&2
	exit 2
}

km_say() {
	[ "$KM_QUIET" = 1 ] || echo "$km_prog: $*" >&2
}

km_usage() {
	cat <<EOF
usage: $km_prog [--kdir DIR] [--cache DIR] [--jobs N] COMMAND [ARGS]

Build KVM's modules for Debian's linux-source-6.12 (versions resolved from
the package index today) or for a built kernel tree (--kdir, or KDIR=).

Commands:
  resolve           print the resolved versions and packages (key=value)
  packages          print the Debian packages the build needs installed
  prepare           download and extract what is needed, build the stock
                    modules and the harness modules once; print bzimage=,
                    stock=, harness= and harness_param= lines
  build [--harness] OUT [PATCH...]
                    modules with the PATCH files (patch -p1, no fuzz, paths
                    inside arch/x86/kvm or virt/kvm) applied, into OUT
                    (kvm.ko, kvm-amd.ko, irqbypass.ko, ccp.ko); the source
                    is restored afterwards. --harness: on top of the
                    test-only SEV-ES harness (kernel/harness/); load the
                    result with the printed harness_param=

Options:
  --kdir DIR   a kernel tree built with CONFIG_KVM=m (arch/x86/boot/bzImage,
               Module.symvers); its tree is only read, never written
  --cache DIR  work directory (default <repo>/.cache/mutants)
  --jobs N     parallel compile jobs (default: number of CPUs)
  -h, --help   this help

Exit status: 0 done, 1 a build failed, 2 bad usage or missing input.
EOF
}

# --- version resolution ---------------------------------------------------------
# Debian: the linux-source-6.12 that is installed decides the version; the
# headers, kbuild and image packages of exactly that version come from the
# package index.
km_resolve_debian() {
	local tarball v up cands c
	tarball=/usr/src/linux-source-6.12.tar.xz
	[ -r "$tarball" ] ||
		km_die "Debian's kernel source is not installed (apt-get install linux-source-6.12)"
	v=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		km_die "cannot read the version of linux-source-6.12 (dpkg-query)"
	[ -n "$v" ] || km_die "cannot read the version of linux-source-6.12 (dpkg-query)"
	up=${v%%-*}
	command -v apt-cache >/dev/null || km_die "apt-cache not found (a Debian system is needed)"
	cands=$(apt-cache pkgnames "linux-headers-$up+" 2>/dev/null |
		grep -E "^linux-headers-${up//./\\.}\+[a-z0-9]+-amd64\$" | sort || true)
	KM_HEADERS=
	for c in $cands; do
		if apt-cache madison "$c" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' |
			grep -qxF "$v"; then
			KM_HEADERS=$c
			break
		fi
	done
	[ -n "$KM_HEADERS" ] ||
		km_die "no linux-headers-$up+*-amd64 of version $v in the package index (run apt-get update)"
	KM_VERSION=$v
	KM_RELEASE=${KM_HEADERS#linux-headers-}
	KM_ABI=${KM_RELEASE%-amd64}
	KM_HEADERS_COMMON=linux-headers-$KM_ABI-common
	KM_KBUILD=linux-kbuild-$KM_ABI
	KM_IMAGE=linux-image-$KM_RELEASE-unsigned
	KM_TARBALL=$tarball
	KM_DIR=$KM_CACHE/$KM_RELEASE
}

km_resolve_kdir() {
	local k=$KM_KDIR
	[ -d "$k" ] || km_die "KDIR is not a directory: $k"
	k=$(cd "$k" && pwd)
	KM_KDIR=$k
	if [ ! -f "$k/Makefile" ] || [ ! -d "$k/arch/x86/kvm" ] || [ ! -d "$k/virt/kvm" ]; then
		km_die "KDIR is not a kernel source tree (no arch/x86/kvm): $k"
	fi
	if [ ! -f "$k/.config" ] || [ ! -f "$k/Module.symvers" ]; then
		km_die "KDIR has not been built (no .config or Module.symvers): run make in $k first"
	fi
	grep -qx 'CONFIG_KVM=m' "$k/.config" ||
		km_die "KDIR's kernel has KVM built in or off; mutants need CONFIG_KVM=m and CONFIG_KVM_AMD=m"
	grep -qx 'CONFIG_KVM_AMD=m' "$k/.config" ||
		km_die "KDIR's kernel lacks CONFIG_KVM_AMD=m (QEMU emulates AMD SVM, so kvm-amd is what runs)"
	[ -f "$k/arch/x86/boot/bzImage" ] || km_die "no $k/arch/x86/boot/bzImage: build the kernel first"
	KM_RELEASE=$(cat "$k/include/config/kernel.release" 2>/dev/null || true)
	[ -n "$KM_RELEASE" ] || km_die "cannot read include/config/kernel.release in $k"
	KM_VERSION="tree $k"
	KM_DIR=$KM_CACHE/kdir-$(printf '%s' "$k" | sha256sum | cut -c1-12)
}

km_resolve() {
	if [ -n "$KM_KDIR" ]; then km_resolve_kdir; else km_resolve_debian; fi
	KM_WORK=$KM_DIR/work
	KM_PRISTINE=$KM_DIR/src
	KM_STOCK=$KM_DIR/stock
	KM_STOCK_OBJ=$KM_DIR/stock-obj
	KM_HARNESS=$KM_DIR/harness
	KM_HARNESS_SRC=$KM_DIR/harness-src
	KM_HARNESS_OBJ=$KM_DIR/harness-obj
}

km_packages() {
	# What must be installed (not merely downloaded) for the build; the
	# headers, kbuild and image packages are fetched with apt-get download.
	echo "linux-source-6.12 gcc-12 make binutils xz-utils libelf1 libssl3 zlib1g"
}

# --- fetching and extracting -------------------------------------------------------
km_fetch() {
	local pkg deb found debs=$KM_CACHE/debs log
	mkdir -p "$debs"
	for pkg in "$KM_HEADERS" "$KM_HEADERS_COMMON" "$KM_KBUILD" "$KM_IMAGE"; do
		deb=$(find "$debs" "$km_repo/.cache/kernels" -maxdepth 1 \
			-name "${pkg}_*.deb" 2>/dev/null | grep -F "_${KM_VERSION//:/%3a}_" | head -n 1 || true)
		if [ -z "$deb" ]; then
			km_say "apt-get download $pkg=$KM_VERSION"
			log=$debs/download.log
			(cd "$debs" && apt-get download "$pkg=$KM_VERSION") >"$log" 2>&1 ||
				{ tail -n 3 "$log" >&2; km_die "cannot download $pkg=$KM_VERSION (run apt-get update)"; }
			deb=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
			[ -n "$deb" ] || km_die "apt-get download left no .deb for $pkg"
		fi
		found+=("$deb")
	done
	KM_DEB_HEADERS=${found[0]} KM_DEB_COMMON=${found[1]} KM_DEB_KBUILD=${found[2]}
	KM_DEB_IMAGE=${found[3]}
}

# KVM's source from the tarball into $KM_PRISTINE (once).
km_extract_src_debian() {
	if [ ! -f "$KM_DIR/.src-ok" ]; then
		km_say "extracting $KM_SRC_DIRS from $KM_TARBALL"
		mkdir -p "$KM_DIR"
		rm -rf "$KM_PRISTINE" && mkdir -p "$KM_PRISTINE"
		# shellcheck disable=SC2046,SC2086
		tar -xf "$KM_TARBALL" -C "$KM_PRISTINE" --strip-components=1 \
			$(printf 'linux-source-6.12/%s ' $KM_SRC_DIRS) ||
			km_die "cannot extract KVM's source from $KM_TARBALL"
		touch "$KM_DIR/.src-ok"
	fi
}

# Headers: the three packages unpacked into $KM_DIR/root, with the amd64
# Makefile pointed at our copy of the common tree. The kvm source is copied
# into that common tree too (its srctree), so that the KVM Makefile finds
# virt/kvm/Makefile.kvm and trace.h finds itself as ../../arch/x86/kvm.
km_extract_debian() {
	local root=$KM_DIR/root hdr common img d
	hdr=$root/usr/src/linux-headers-$KM_RELEASE
	common=$root/usr/src/linux-headers-$KM_ABI-common
	if [ ! -f "$KM_DIR/.headers-ok" ]; then
		km_say "extracting headers $KM_RELEASE"
		rm -rf "$root" && mkdir -p "$root"
		for d in "$KM_DEB_HEADERS" "$KM_DEB_COMMON" "$KM_DEB_KBUILD"; do
			dpkg-deb -x "$d" "$root" || km_die "cannot unpack $d"
		done
		if [ ! -f "$hdr/Makefile" ] || [ ! -f "$common/Makefile" ]; then
			km_die "unexpected layout of the headers packages under $root"
		fi
		sed -i "s|^include /usr/src/linux-headers-$KM_ABI-common/Makefile\$|include $common/Makefile|" \
			"$hdr/Makefile"
		grep -qxF "include $common/Makefile" "$hdr/Makefile" ||
			km_die "cannot point $hdr/Makefile at the extracted common headers"
		touch "$KM_DIR/.headers-ok"
	fi
	if [ ! -f "$KM_DIR/.image-ok" ]; then
		km_say "extracting the kernel image $KM_IMAGE"
		img=$KM_DIR/image
		rm -rf "$img" && mkdir -p "$img/base"
		dpkg-deb --fsys-tarfile "$KM_DEB_IMAGE" | tar -x -C "$img" --wildcards \
			'./boot/vmlinuz-*' '*/kernel/virt/lib/irqbypass.ko*' '*/kernel/drivers/crypto/ccp/ccp.ko*' ||
			km_die "cannot unpack $KM_DEB_IMAGE"
		for d in irqbypass ccp; do
			local f
			f=$(find "$img/lib" -name "$d.ko*" | head -n 1)
			case "$f" in
			*.ko.xz) xz -dc "$f" >"$img/base/$d.ko" ;;
			*.ko) cp "$f" "$img/base/$d.ko" ;;
			'') ;;
			*) km_die "unknown module compression: $f" ;;
			esac
		done
		rm -rf "${img:?}/lib"
		touch "$KM_DIR/.image-ok"
	fi
	KM_HDR=$hdr
	KM_COMMON=$common
	KM_BZIMAGE=$KM_DIR/image/boot/vmlinuz-$KM_RELEASE
	KM_BASE_MODS=$KM_DIR/image/base
	[ -f "$KM_BZIMAGE" ] || km_die "no kernel image in $KM_DIR/image (remove $KM_DIR and retry)"
}

km_extract_kdir() {
	local d
	# Copy again when the tree's KVM sources changed since the last copy.
	local newer=''
	if [ -f "$KM_DIR/.src-ok" ]; then
		# shellcheck disable=SC2086,SC2015
		newer=$(cd "$KM_KDIR" && find $KM_SRC_DIRS -type f \( -name '*.[chS]' -o -name 'Makefile*' \) \
			-newer "$KM_DIR/.src-ok" 2>/dev/null | head -n 1 || true)
	fi
	if [ ! -f "$KM_DIR/.src-ok" ] || [ -n "$newer" ]; then
		km_say "copying $KM_SRC_DIRS from $KM_KDIR"
		rm -rf "$KM_PRISTINE" "$KM_STOCK" "$KM_WORK" "$KM_HARNESS" && mkdir -p "$KM_PRISTINE"
		# shellcheck disable=SC2086
		(cd "$KM_KDIR" && tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
			--exclude='*.mod.c' --exclude='.*.cmd' --exclude='modules.order' \
			--exclude='Module.symvers' --exclude='*.a' $KM_SRC_DIRS) |
			tar -xf - -C "$KM_PRISTINE" || km_die "cannot copy KVM's source from $KM_KDIR"
		touch "$KM_DIR/.src-ok"
	fi
	mkdir -p "$KM_DIR/image/base"
	for d in virt/lib/irqbypass drivers/crypto/ccp/ccp; do
		if [ -f "$KM_KDIR/$d.ko" ]; then cp "$KM_KDIR/$d.ko" "$KM_DIR/image/base/"; fi
	done
	KM_HDR=$KM_KDIR
	KM_BZIMAGE=$KM_KDIR/arch/x86/boot/bzImage
	KM_BASE_MODS=$KM_DIR/image/base
}

# --- building ------------------------------------------------------------------------
# No kvm-intel (QEMU emulates SVM), no BTF (needs pahole), no debug info:
# the object code of every function is what Debian's flags make of it.
km_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$KM_HDR" M="$KM_WORK/arch/x86/kvm" -j"$KM_JOBS" \
		CONFIG_KVM_INTEL= CONFIG_DEBUG_INFO_BTF_MODULES= KCFLAGS=-g0 modules
}

# km_collect DIR: the built module set plus the kernel's base modules.
km_collect() {
	local out=$1
	mkdir -p "$out"
	cp "$KM_WORK/arch/x86/kvm/kvm.ko" "$KM_WORK/arch/x86/kvm/kvm-amd.ko" "$out/"
	if ls "$KM_BASE_MODS"/*.ko >/dev/null 2>&1; then cp "$KM_BASE_MODS"/*.ko "$out/"; fi
}

# A short id for a module set: the hash of kvm.ko and kvm-amd.ko.
km_set_id() {
	cat "$1/kvm.ko" "$1/kvm-amd.ko" | sha256sum | cut -c1-10
}

km_build_stock() {
	local log=$KM_DIR/stock-build.log t0
	if [ -f "$KM_STOCK/.ok" ] && [ -d "$KM_WORK" ]; then
		km_sanitize
		return 0
	fi
	km_say "building the stock modules (once; about a minute)"
	t0=$(date +%s)
	rm -rf "$KM_WORK" "$KM_STOCK" "$KM_STOCK_OBJ" "$KM_HARNESS"
	mkdir -p "$KM_WORK"
	cp -a "$KM_PRISTINE/." "$KM_WORK/"
	if ! km_make >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "$km_prog: stock build failed, log: $log" >&2
		return 1
	fi
	km_collect "$KM_STOCK"
	# Keep every object so that a file restored after an edit needs no
	# recompilation (km_restore).
	(cd "$KM_WORK" && find . -name '*.o' ! -name '*.mod.o' -print0 |
		cpio -0 -pdm --quiet "$KM_STOCK_OBJ") || km_die "cannot keep the stock objects"
	KM_STOCK_SECONDS=$(($(date +%s) - t0))
	echo "$KM_STOCK_SECONDS" >"$KM_STOCK/.ok"
}

# km_build_harness: the harness module set, once per version of the patch.
# Its source (the pristine source with the patch applied) stays in
# $KM_HARNESS_SRC for mutants to edit; the objects that differ from the stock
# ones stay in $KM_HARNESS_OBJ, listed by source file in its .files; the work
# tree gets its stock objects back (and no header newer than them, so the
# next build only relinks).
km_build_harness() {
	local log=$KM_DIR/harness-build.log id t0 f o rc=0 patched
	[ -f "$KM_HARNESS_PATCH" ] || km_die "the harness patch is missing: $KM_HARNESS_PATCH"
	id=$(sha256sum <"$KM_HARNESS_PATCH" | cut -c1-16)
	if [ -f "$KM_HARNESS/.ok" ] && [ "$(head -n 1 "$KM_HARNESS/.ok")" = "$id" ]; then
		return 0
	fi
	km_say "building the harness modules (once; about 20 s)"
	t0=$(date +%s)
	rm -rf "$KM_HARNESS" "$KM_HARNESS_SRC" "$KM_HARNESS_OBJ"
	mkdir -p "$KM_HARNESS_SRC" "$KM_HARNESS_OBJ"
	cp -a "$KM_PRISTINE/." "$KM_HARNESS_SRC/"
	patched=$(km_patch_files "$KM_HARNESS_PATCH")
	for f in $patched; do
		km_check_path "$f" || km_die "the harness patch touches $f, outside $KM_SRC_DIRS"
	done
	patch -d "$KM_HARNESS_SRC" -p1 --fuzz=0 --no-backup-if-mismatch -s <"$KM_HARNESS_PATCH" >&2 ||
		km_die "the harness patch does not apply to KVM's source of $KM_VERSION"
	for f in $patched; do
		cp "$KM_HARNESS_SRC/$f" "$KM_WORK/$f"
	done
	km_make >"$log" 2>&1 || rc=1
	if [ "$rc" = 0 ]; then
		km_collect "$KM_HARNESS"
		(cd "$KM_WORK" && find . -name '*.o' ! -name '*.mod.o' -printf '%P\n') | sort |
			while read -r o; do
				# Compiled objects only: kvm.o and kvm-amd.o are relinked.
				[ -f "$KM_PRISTINE/${o%.o}.c" ] || continue
				cmp -s "$KM_WORK/$o" "$KM_STOCK_OBJ/$o" && continue
				mkdir -p "$KM_HARNESS_OBJ/$(dirname "$o")"
				cp "$KM_WORK/$o" "$KM_HARNESS_OBJ/$o"
				echo "${o%.o}.c" >>"$KM_HARNESS_OBJ/.files"
			done
		[ "$(km_set_id "$KM_HARNESS")" != "$(km_set_id "$KM_STOCK")" ] || {
			echo "the harness patch left the modules identical to the stock ones" >>"$log"
			rc=1
		}
	fi
	# Back to stock: sources with their old time stamps, objects newer.
	for f in $patched; do
		cp -p "$KM_PRISTINE/$f" "$KM_WORK/$f"
	done
	(cd "$KM_WORK" && find . -name '*.o' ! -name '*.mod.o' -printf '%P\n') | while read -r o; do
		if [ -f "$KM_STOCK_OBJ/$o" ] && ! cmp -s "$KM_WORK/$o" "$KM_STOCK_OBJ/$o"; then
			cp "$KM_STOCK_OBJ/$o" "$KM_WORK/$o"
			touch "$KM_WORK/$o"
		fi
	done
	if [ "$rc" != 0 ]; then
		tail -n 20 "$log" >&2
		echo "$km_prog: harness build failed, log: $log" >&2
		rm -rf "$KM_HARNESS"
		return 1
	fi
	printf '%s\n%s\n' "$id" "$(($(date +%s) - t0))" >"$KM_HARNESS/.ok"
}

# km_harness_files: the source files whose objects the harness changes.
km_harness_files() {
	cat "$KM_HARNESS_OBJ/.files" 2>/dev/null || true
}

# km_use_harness_objs: the harness objects into the work tree (make relinks).
km_use_harness_objs() {
	local f
	for f in $(km_harness_files); do
		cp "$KM_HARNESS_OBJ/${f%.c}.o" "$KM_WORK/${f%.c}.o"
		touch "$KM_WORK/${f%.c}.o"
	done
}

# km_side_compile FILE MIRROR OUT: compile MIRROR/FILE with the command line
# kbuild used for the work tree's FILE (its .cmd file), into OUT. MIRROR is a
# tree of symbolic links to the pristine source in which the edited files
# are real copies, so includes resolve as in the work tree; __FILE__ and the
# file symbol still name the work tree's FILE. OUT is byte for byte the
# object kbuild makes from the edited FILE.
km_side_compile() {
	local rel=$1 mirror=$2 out=$3 dir base cmdf line cmd src obj dep
	dir=$(dirname "$rel")
	base=$(basename "$rel" .c)
	cmdf=$KM_WORK/$dir/.$base.o.cmd
	# savedcmd_<object as kbuild named it> := <command>; kbuild names
	# virt/kvm objects through arch/x86/kvm/../../../virt/kvm.
	line=$(sed -n '1{/^savedcmd_[^ ]* := /p}' "$cmdf" 2>/dev/null)
	obj=${line#savedcmd_}
	obj=${obj%% := *}
	cmd=${line#* := }
	src=${obj%.o}.c
	dep=$(dirname "$obj")/.$base.o.d
	case "$obj:$cmd" in
	"$KM_WORK"/*"/$base.o:"*" -o $obj $src"*) ;;
	*) echo "$km_prog: no usable compile command for $rel in $cmdf" >&2; return 1 ;;
	esac
	local map="-fmacro-prefix-map=$mirror/=$KM_WORK/"
	cmd=${cmd//" -o $obj $src"/" $map -o $out $mirror${src#"$KM_WORK"}"}
	cmd=${cmd//"-Wp,-MMD,$dep"/"-Wp,-MMD,$out.d"}
	(cd "$KM_HDR" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c "$cmd")
}

# km_restore FILE...: put the pristine source back with its old time stamp
# and the stock object back with a new one: make then relinks without
# recompiling.
km_restore() {
	local f o
	for f in "$@"; do
		cp -p "$KM_PRISTINE/$f" "$KM_WORK/$f"
		case "$f" in
		*.c)
			o=${f%.c}.o
			if [ -f "$KM_STOCK_OBJ/$o" ]; then
				cp "$KM_STOCK_OBJ/$o" "$KM_WORK/$o"
				touch "$KM_WORK/$o"
			else
				touch "$KM_WORK/$f"
			fi
			;;
		*) touch "$KM_WORK/$f" ;;
		esac
	done
}

# km_sanitize: restore every source file of the work tree that differs from
# the pristine copy (a run that was interrupted in the middle of an edit).
km_sanitize() {
	local f
	[ -d "$KM_WORK" ] || return 0
	(cd "$KM_PRISTINE" && find . -type f -printf '%P\n') | while read -r f; do
		if ! cmp -s "$KM_PRISTINE/$f" "$KM_WORK/$f" ||
			[ "$KM_WORK/$f" -nt "$KM_PRISTINE/$f" ]; then
			km_restore "$f"
		fi
	done
}

# km_check_path FILE: FILE is inside the directories we build.
km_check_path() {
	local d
	case "$1" in /*|*..*) return 1 ;; esac
	for d in $KM_SRC_DIRS; do
		case "$1" in "$d"/*) [ -f "$KM_PRISTINE/$1" ] && return 0 ;; esac
	done
	return 1
}

# km_build_edited OUT LOG FILE...: the work tree has edits in FILE...; build,
# collect into OUT, restore FILE... Fails when the modules equal the stock
# ones, or those of KM_REF_SET when it is set (the edit did not reach the
# object code).
km_build_edited() {
	local out=$1 log=$2 rc=0 ref=${KM_REF_SET:-$KM_STOCK}
	shift 2
	km_make >"$log" 2>&1 || rc=1
	if [ "$rc" = 0 ]; then
		km_collect "$out"
		if [ "$(km_set_id "$out")" = "$(km_set_id "$ref")" ]; then
			echo "edit left the modules identical to the $(basename "$ref") ones" >>"$log"
			rc=1
		fi
	fi
	km_restore "$@"
	return "$rc"
}

# Files touched by a -p1 patch.
km_patch_files() {
	sed -n 's|^+++ [^/]*/\([^[:space:]]*\).*|\1|p' "$1" | sort -u
}

# One run at a time per cache: mutants edit a shared work tree. The lock
# is held on fd 9 until the process (and its children) exit.
km_lock() {
	mkdir -p "$KM_CACHE"
	exec 9>>"$KM_DIR.lock"
	if ! flock -n 9; then
		km_say "waiting for another run that uses $KM_DIR"
		flock 9 || km_die "cannot lock $KM_DIR.lock"
	fi
}

km_setup() {
	km_resolve
	km_lock
	mkdir -p "$KM_DIR"
	if [ -n "$KM_KDIR" ]; then
		km_extract_kdir
		return
	fi
	# The tarball takes longest to read: extract it while the packages are
	# fetched and unpacked.
	local srcpid='' d
	if [ ! -f "$KM_DIR/.src-ok" ]; then
		km_extract_src_debian &
		srcpid=$!
	fi
	km_fetch
	km_extract_debian
	if [ -n "$srcpid" ]; then
		wait "$srcpid" || exit 2
	fi
	[ -f "$KM_DIR/.src-ok" ] || km_die "KVM's source was not extracted"
	for d in $KM_SRC_DIRS; do
		if [ ! -d "$KM_COMMON/$d" ]; then
			mkdir -p "$KM_COMMON/$(dirname "$d")"
			cp -a "$KM_PRISTINE/$d" "$KM_COMMON/$d"
		fi
	done
}

km_main() {
	local cmd out p f files=() rc
	while [ $# -gt 0 ]; do
		case "$1" in
		--kdir) [ -n "${2:-}" ] || km_die "--kdir needs a directory"; KM_KDIR=$2; shift 2 ;;
		--cache) [ -n "${2:-}" ] || km_die "--cache needs a directory"; KM_CACHE=$2; shift 2 ;;
		--jobs) case "${2:-}" in ''|*[!0-9]*|0) km_die "--jobs needs a positive number" ;; esac
			KM_JOBS=$2; shift 2 ;;
		-h|--help) km_usage; exit 0 ;;
		-*) echo "$km_prog: error: unknown option '$1'" >&2; km_usage >&2; exit 2 ;;
		*) break ;;
		esac
	done
	[ -z "${KDIR:-}" ] || [ -n "$KM_KDIR" ] || KM_KDIR=$KDIR
	cmd=${1:-}
	[ -n "$cmd" ] || { km_usage >&2; exit 2; }
	shift
	case "$cmd" in
	resolve)
		km_resolve
		echo "release=$KM_RELEASE"
		echo "version=$KM_VERSION"
		if [ -z "$KM_KDIR" ]; then
			echo "packages=$KM_HEADERS $KM_HEADERS_COMMON $KM_KBUILD $KM_IMAGE"
		fi
		echo "cache=$KM_DIR"
		;;
	packages) km_packages ;;
	prepare)
		km_setup
		km_build_stock || exit 1
		echo "bzimage=$KM_BZIMAGE"
		echo "stock=$KM_STOCK"
		echo "stock_id=$(km_set_id "$KM_STOCK")"
		# A tree the harness patch does not apply to still gets its stock
		# modules; the harness rows then say why they cannot run. The
		# harness is kvm_amd's: x86_64 only.
		[ "$KM_ARCH" = x86_64 ] || exit 0
		if (km_build_harness); then
			echo "harness=$KM_HARNESS"
			echo "harness_id=$(km_set_id "$KM_HARNESS")"
		else
			echo "harness=none"
		fi
		echo "harness_param=$KM_HARNESS_PARAM"
		;;
	build)
		harness=0
		if [ "${1:-}" = --harness ]; then
			[ "$KM_ARCH" = x86_64 ] || km_die "the SEV-ES harness is kvm_amd's: x86_64 only"
			harness=1
			shift
		fi
		out=${1:-}
		[ -n "$out" ] || km_die "build needs an output directory"
		shift
		for p in "$@"; do
			[ -f "$p" ] || km_die "patch not found: $p"
		done
		km_setup
		km_build_stock || exit 1
		if [ "$harness" = 1 ] && [ $# -eq 0 ]; then
			km_build_harness || exit 1
			rm -rf "$out" && mkdir -p "$out" && cp "$KM_HARNESS"/*.ko "$out/"
			echo "bzimage=$KM_BZIMAGE"
			echo "modules=$out"
			echo "modules_id=$(km_set_id "$out")"
			echo "module_param=$KM_HARNESS_PARAM"
			exit 0
		fi
		if [ "$harness" = 1 ]; then
			set -- "$KM_HARNESS_PATCH" "$@"
		fi
		for p in "$@"; do
			for f in $(km_patch_files "$p"); do
				km_check_path "$f" ||
					km_die "$p touches $f, outside $KM_SRC_DIRS: build the whole kernel instead"
				files+=("$f")
			done
		done
		for p in "$@"; do
			if ! patch -d "$KM_WORK" -p1 --fuzz=0 --no-backup-if-mismatch -s <"$p" >&2; then
				km_restore ${files[@]+"${files[@]}"}
				km_die "$p does not apply to $KM_VERSION"
			fi
		done
		rc=0
		if [ $# -eq 0 ]; then
			rm -rf "$out" && km_collect "$out"
		else
			km_build_edited "$out" "$out.log" "${files[@]}" || rc=1
			[ "$rc" = 0 ] || { tail -n 20 "$out.log" >&2; exit 1; }
		fi
		echo "bzimage=$KM_BZIMAGE"
		echo "modules=$out"
		echo "modules_id=$(km_set_id "$out")"
		[ "$harness" = 0 ] || echo "module_param=$KM_HARNESS_PARAM"
		;;
	*) echo "$km_prog: error: unknown command '$cmd'" >&2; km_usage >&2; exit 2 ;;
	esac
}

# riscv64's KVM is a module too (arm64's is built into the kernel image):
# its packages, paths and compiler replace x86's (KM_ARCH=riscv64).
KM_ARCH=${KM_ARCH:-x86_64}
case "$KM_ARCH" in
x86_64) ;;
riscv64)
	# shellcheck source=kernel/mutants/kvm-modules-riscv.sh
	. "$km_here/kvm-modules-riscv.sh"
	;;
*) km_die "KM_ARCH must be x86_64 or riscv64, not $KM_ARCH" ;;
esac

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -eEuo pipefail
	trap 'echo "$km_prog: error: unexpected failure (line $LINENO)" >&2' ERR
	km_main "$@"
fi
