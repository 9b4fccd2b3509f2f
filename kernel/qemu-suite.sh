#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel (x86_64, arm64 or riscv64) under QEMU with its kvm
# modules, run the kvm-sysevent suite inside it and leave a complete result
# set on the host. The one place that knows how to boot a kernel of each
# architecture. See kernel/README.md.

set -euo pipefail

prog='qemu-suite.sh'
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=kernel/lib.sh
. "$here/lib.sh"

usage() {
	cat <<EOF
usage: $prog --image PATH [--modules DIR] --out RESULTDIR [options] [-- RUNNER_ARGS...]

Boot the kernel image PATH under QEMU (qemu-system-x86_64, -aarch64 or
-riscv64, from the image's architecture) with an initramfs made of a static
busybox, the suite's static binaries and the kvm modules found in DIR, run
the suite's run_tests.sh inside it and leave a result set in RESULTDIR:
ktap.txt, logs/, status.txt, inventory.txt, summary.txt (from the guest),
boot.log (serial console), kernel.txt (what ran, how, timings), modules.txt,
dmesg.txt.

  --image PATH      kernel image: an x86 bzImage, an arm64 Image or a riscv
                    Image (Debian's vmlinuz-*/vmlinux-*); gzip-compressed
                    images too. --bzimage is the same option
  --modules DIR     kvm modules: a flat directory (kvm.ko and kvm-amd.ko /
                    kvm-intel.ko on x86, kvm.ko on riscv; .ko.xz/.ko.zst/
                    .ko.gz too) or a tree laid out like /lib/modules/<release>/.
                    The modules they depend on (irqbypass, ccp) come from
                    DIR when it has them, else from /lib/modules/<release>
                    on this host, else from the kernel's own Debian package
                    (fetched). Omit it for a kernel with KVM built in
                    (always so on arm64)
  --out RESULTDIR   result set directory (created; our files in it replaced)
  --arch A          the image's architecture must be A (x86_64, arm64,
                    riscv64); read from the image when not given
  --timeout S       kill QEMU after S seconds (default 600)
  --label L         name of the kernel in the inventory and messages
                    (default: the release string read from the image)
  --accel A         auto (default), kvm or tcg. auto uses kvm only for an
                    x86_64 kernel on a host whose KVM offers nested SVM/VMX,
                    else TCG (-cpu max; arm64: virt with EL2, riscv64: virt
                    with the H extension)
  --memory MB       guest memory (default 1024)
  --boot MODE       x86_64 only: auto (default), pvh or bzimage. pvh
                    decompresses the image on the host and boots the ELF
                    through its PVH entry (saves seconds of decompression
                    under TCG); auto does so when the image has a PVH entry
  --build DIR       static suite binaries (default <repo>/build-static for
                    x86_64, <repo>/build-static-arm64 or -riscv, made by
                    'make STATIC=1 [ARCH=arm64|riscv]')
  --busybox PATH    a static busybox for the image's architecture (default
                    /bin/busybox for the host's own, else Debian's
                    busybox-static, fetched)
  --suite-dir DIR   directory holding run_tests.sh and settings (default
                    the repo)
  --config FILE     the kernel's .config, put at /boot/config-<release> in the
                    guest for the inventory (default: boot/config-<release>
                    beside a packaged image, or the .config of the tree an
                    arch/*/boot image was built in)
  --append ARGS     extra kernel command line arguments
  --module-param M.P=V
                    load module M (one of the kvm modules in --modules) with
                    parameter P=V (repeatable); insmod does not read the
                    kernel command line. Recorded in modules.txt and kernel.txt
  --no-stream       do not copy the KTAP stream to stdout while it runs
  --ktap            the KTAP stream on stdout (the default unless stdout is a
                    terminal)
  --no-report       no junit.xml and report.html (the caller reports)
  --brief           a person's view (the default on a terminal): a progress
                    line while the guest boots and runs, then the result set
                    as run_tests.sh --show prints it
                    (ktap.txt is printed when the run ends instead)
  --initramfs FILE  write the initramfs to FILE and stop, booting nothing
                    (no --out needed): its /init loads the kvm modules as a
                    run does, then starts a shell on the console with the
                    suite in /suite, for harnesses that drive the console
                    themselves (LAVA, lava/README.md)
  -h, --help        this help

Everything after -- goes to the guest's run_tests.sh (its -o is ours).

A module that fails to load (other than the vendor module that does not
match the CPU, kvm_intel on AMD or kvm_amd on Intel) or a guest without
/dev/kvm fails the run: the suite does not run, the reason is the result.

Exit status: the guest runner's status (0 nothing failed, 1 failures, 4
every case skipped), 2 bad usage or input, 3 the kernel panicked, never
reached the suite, died in it, timed out, a kvm module failed to load or
there was no /dev/kvm (the tail of boot.log says which).
EOF
}

image='' modules='' out='' timeout_s=600 label='' accel=auto memory=1024 want_arch=''
build='' suite_dir='' stream=1 append='' config='' boot=auto busybox='' view='' initramfs_out=''
host_report=1
runner_args=() module_params=()
while [ $# -gt 0 ]; do
	case "$1" in
	--image|--bzimage) need_arg "$@"; image=$2; shift 2 ;;
	--modules) need_arg "$@"; modules=$2; shift 2 ;;
	--out) need_arg "$@"; out=$2; shift 2 ;;
	--arch) need_arg "$@"; want_arch=$2; shift 2 ;;
	--timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
	--label) need_arg "$@"; label=$2; shift 2 ;;
	--accel) need_arg "$@"; accel=$2; shift 2 ;;
	--memory) need_arg "$@"; memory=$2; shift 2 ;;
	--build) need_arg "$@"; build=$2; shift 2 ;;
	--busybox) need_arg "$@"; busybox=$2; shift 2 ;;
	--suite-dir) need_arg "$@"; suite_dir=$2; shift 2 ;;
	--append) need_arg "$@"; append=$2; shift 2 ;;
	--config) need_arg "$@"; config=$2; shift 2 ;;
	--boot) need_arg "$@"; boot=$2; shift 2 ;;
	--module-param) need_arg "$@"; module_params+=("$2"); shift 2 ;;
	--no-stream) stream=0; shift ;;
	--ktap) view=ktap; shift ;;
	--brief) view=brief; shift ;;
	--no-report) host_report=0; shift ;;
	--initramfs) need_arg "$@"; initramfs_out=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; runner_args=("$@"); break ;;
	*) echo "$prog: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

for a in ${runner_args[@]+"${runner_args[@]}"}; do
	case "$a" in
	-o|--output) die "give the result directory as --out, not as a runner argument" ;;
	--kernel|--kernel=*) die "--kernel is not a runner argument here" ;;
	esac
done
[ -n "$image" ] || die "--image is required (try --help)"
[ -n "$out" ] || [ -n "$initramfs_out" ] || die "--out is required (try --help)"
case "$timeout_s" in ''|*[!0-9]*|0) die "--timeout needs a positive number of seconds" ;; esac
case "$memory" in ''|*[!0-9]*|0) die "--memory needs a positive number of MiB" ;; esac
case "$accel" in auto|kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg" ;; esac
case "$boot" in auto|pvh|bzimage) ;; *) die "--boot must be auto, pvh or bzimage" ;; esac
if [ -n "$want_arch" ]; then
	want_arch=$(arch_canon "$want_arch") || die "--arch must be x86_64, arm64 or riscv64"
fi
for mp in ${module_params[@]+"${module_params[@]}"}; do
	[[ $mp =~ ^[a-z0-9_-]+\.[A-Za-z0-9_]+=[A-Za-z0-9_.,:+-]*$ ]] ||
		die "--module-param needs MODULE.PARAM=VALUE (letters, digits, _.,:+-), not: $mp"
	[ -n "$modules" ] ||
		die "--module-param needs --modules (for a built-in module use --append $mp)"
done
suite_dir=${suite_dir:-$repo}
if [ -z "$view" ]; then
	if [ -t 1 ]; then view=brief; else view=ktap; fi
fi
[ "$view" = ktap ] || stream=0

# --- the image and its architecture ---------------------------------------------
if [ ! -f "$image" ] || [ ! -r "$image" ]; then die "kernel image not found: $image"; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-qemu.XXXXXX")
qpid=''
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# An arm64 Image.gz (or any gzip-compressed image) is looked at, and
# booted, decompressed.
plain_image=$image
if [ "$(od -An -tx1 -N2 "$image" | tr -d ' ')" = 1f8b ]; then
	gzip -dc "$image" >"$work/Image" 2>/dev/null || die "cannot decompress $image"
	plain_image=$work/Image
fi
arch=$(image_arch "$plain_image") ||
	die "not a kernel image (x86 bzImage, arm64 or riscv Image): $image"
if [ -n "$want_arch" ] && [ "$want_arch" != "$arch" ]; then
	die "$image is an $arch kernel, not $want_arch"
fi
archdir=$(arch_dir "$arch")
[ "$arch" = x86_64 ] || [ "$boot" = auto ] || die "--boot is for x86_64 kernels only"
build=${build:-$(arch_static_build "$arch" "$suite_dir")}

# The release string: the bzImage header's kernel_version field on x86, the
# "Linux version" banner inside an arm64/riscv Image.
image_release() {
	local ptr
	if [ "$arch" = x86_64 ]; then
		ptr=$(od -An -tu2 -j 526 -N2 "$1" | tr -d ' ')
		[ -n "$ptr" ] && [ "$ptr" -gt 0 ] || return 0
		dd if="$1" bs=1 skip=$((ptr + 512)) count=256 2>/dev/null |
			tr '\0' '\n' | head -n 1 | cut -d' ' -f1
	else
		LC_ALL=C grep -a -o -m 1 'Linux version [^ ]*' "$1" 2>/dev/null | head -n 1 |
			cut -d' ' -f3 || true
	fi
}
release=$(image_release "$plain_image")
label=${label:-${release:-$(basename "$image")}}

# --- checks on the other inputs -------------------------------------------------
if [ -n "$modules" ]; then
	[ -d "$modules" ] || die "modules directory not found: $modules"
	[ "$arch" != arm64 ] || die "arm64 KVM is built into the kernel (CONFIG_KVM=y); give no --modules"
fi
if [ -n "$config" ] && [ ! -f "$config" ]; then
	die "config file not found: $config"
fi
[ -f "$suite_dir/run_tests.sh" ] || die "no run_tests.sh in $suite_dir"
make_arch=$(arch_make "$arch")
if [ "$arch" = x86_64 ]; then hint="make STATIC=1"; else hint="make STATIC=1 ARCH=$make_arch"; fi
if [ ! -d "$build/$archdir" ]; then
	[ "$arch" != x86_64 ] || die "no static suite build in $build (run: $hint)"
	die "no static $arch suite build in $build (run: $hint)"
fi
case "$arch" in
x86_64) qemu=qemu-system-x86_64 qemu_pkg=qemu-system-x86 ;;
arm64) qemu=qemu-system-aarch64 qemu_pkg=qemu-system-arm ;;
riscv64) qemu=qemu-system-riscv64 qemu_pkg="qemu-system-misc opensbi" ;;
esac
command -v "$qemu" >/dev/null || die "$qemu not found (apt-get install $qemu_pkg)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
machine=$(arch_elf_machine "$arch")
if [ -z "$busybox" ]; then
	if [ "$arch" = "$(host_arch)" ] && [ -x /bin/busybox ] && is_static /bin/busybox; then
		busybox=/bin/busybox
	elif [ "$arch" = "$(host_arch)" ]; then
		die "/bin/busybox is missing or not a static executable (apt-get install busybox-static)"
	else
		info=$("$here/fetch-kernel.sh" --busybox "$arch") || exit 2
		busybox=$(printf '%s\n' "$info" | sed -n 's/^busybox=//p')
	fi
fi
[ -f "$busybox" ] || die "busybox not found: $busybox"
is_static "$busybox" || die "$busybox is not a static executable"
[ "$(elf_machine "$busybox")" = "$machine" ] || die "$busybox is not an $arch executable"

if [ -z "$config" ]; then
	imgdir=$(cd "$(dirname "$image")" && pwd)
	for c in "$imgdir/config-$release" "$imgdir/../../../.config"; do
		if [ -n "$release" ] && [ -f "$c" ]; then
			config=$c
			break
		fi
	done
fi

# --- work area ----------------------------------------------------------------
if [ -n "$out" ]; then
	mkdir -p "$out" || die "cannot create $out"
	out=$(cd "$out" && pwd)
fi

root=$work/root
mkdir -p "$root/bin" "$root/suite/build/$archdir" "$root/suite/build/tools" "$root/suite/modules" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/results"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"

# The suite: runner, its lists and settings, and the static executables.
cp "$suite_dir/run_tests.sh" "$root/suite/"
for f in settings config tests.list; do
	if [ -f "$suite_dir/$f" ]; then cp "$suite_dir/$f" "$root/suite/"; fi
done
nbins=0
for sub in "$archdir" tools; do
	[ -d "$build/$sub" ] || continue
	for f in "$build/$sub"/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		is_static "$f" || die "$f is not a static executable (build with: $hint)"
		[ "$(elf_machine "$f")" = "$machine" ] ||
			die "$f is not an $arch executable (build with: $hint)"
		cp "$f" "$root/suite/build/$sub/"
		nbins=$((nbins + 1))
	done
done
[ "$nbins" -gt 0 ] || die "no executables in $build/$archdir (run: $hint)"

if [ -n "$config" ] && [ -n "$release" ]; then
	mkdir -p "$root/boot"
	cp "$config" "$root/boot/config-$release"
fi

# --- the kvm modules ----------------------------------------------------------
# The modules asked for (kvm and the vendor modules) come from $modules; the
# modules they depend on (the depends= field of each .modinfo, followed to
# the end) from $modules too when it has them, else from the kernel's own
# modules: /lib/modules/<release> on this host, or the kernel's Debian
# package. Each is decompressed and ranked after what it depends on.
case "$arch" in
x86_64) roots="kvm kvm-amd kvm-intel" ;;
riscv64) roots="kvm" ;;
*) roots="" ;;
esac
declare -A mod_file=() mod_deps=() mod_from=()
find_module() {
	local dir=$1 name=$2 hits alt
	alt=${name//-/_}
	hits=$(find -L "$dir" -type f \( -name "$name.ko" -o -name "$name.ko.*" \
		-o -name "$alt.ko" -o -name "$alt.ko.*" \) 2>/dev/null | sort)
	if [ -n "$release" ] && [ "$(printf '%s\n' "$hits" | grep -c .)" -gt 1 ]; then
		local mine
		mine=$(printf '%s\n' "$hits" | grep -F "/$release/" || true)
		[ -z "$mine" ] || hits=$mine
	fi
	[ "$(printf '%s\n' "$hits" | grep -c .)" -le 1 ] ||
		die "several $name modules under $dir; give the directory of one kernel"
	printf '%s' "$hits"
}
add_module() {
	local key=$1 src=$2 dst
	dst=$work/mods/$key.ko
	mkdir -p "$work/mods"
	case "$src" in
	*.ko) cp "$src" "$dst" ;;
	*.ko.xz) xz -dc "$src" >"$dst" || die "cannot decompress $src" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" || die "cannot decompress $src" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" || die "cannot decompress $src" ;;
	*) die "unknown module format: $src" ;;
	esac
	mod_file[$key]=$dst
	mod_deps[$key]=$(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
}
# The kernel's own modules, for the dependencies $modules lacks: sets
# fallback_dirs (once).
fallback_dirs=() fallback_done=0
kernel_modules() {
	local darch info d
	[ "$fallback_done" = 0 ] || return 0
	fallback_done=1
	[ -n "$release" ] || return 0
	[ ! -d "/lib/modules/$release/kernel" ] || fallback_dirs+=("/lib/modules/$release")
	# The package already fetched and extracted by fetch-kernel.sh.
	local kc=${KVM_SYSEVENT_KERNEL_CACHE:-$repo/.cache/kernels}
	for d in "$kc/linux-image-$release"{-unsigned,}_*/{usr/,}lib/modules/"$release"; do
		if [ -d "$d" ] && [ -f "${d%/*lib/modules/*}/.extracted" ]; then
			fallback_dirs+=("$d")
			return 0
		fi
	done
	darch=$(arch_debian "$arch")
	for p in "linux-image-$release-unsigned" "linux-image-$release"; do
		if info=$("$here/fetch-kernel.sh" "$p:$darch" 2>"$work/fetch.err"); then
			d=$(printf '%s\n' "$info" | sed -n 's/^modules=//p')
			[ -z "$d" ] || fallback_dirs+=("$d")
			return 0
		fi
	done
}
if [ -n "$modules" ]; then
	for m in $roots; do
		src=$(find_module "$modules" "$m")
		[ -z "$src" ] || { add_module "${m//-/_}" "$src"; mod_from[${m//-/_}]=$modules; }
	done
	[ -n "${mod_file[kvm]:-}" ] || die "no kvm.ko under $modules"
	if [ "$arch" = x86_64 ] && [ -z "${mod_file[kvm_amd]:-}${mod_file[kvm_intel]:-}" ]; then
		die "no kvm-amd.ko or kvm-intel.ko under $modules"
	fi
	# Follow depends= until nothing is missing.
	while :; do
		missing=
		for k in "${!mod_file[@]}"; do
			for d in ${mod_deps[$k]}; do
				d=${d//-/_}
				[ -n "${mod_file[$d]:-}" ] || missing="$missing $d:$k"
			done
		done
		[ -n "$missing" ] || break
		for md in $missing; do
			d=${md%%:*}
			[ -z "${mod_file[$d]:-}" ] || continue
			src=$(find_module "$modules" "$d")
			from=$modules
			if [ -z "$src" ]; then
				kernel_modules
				for fd in ${fallback_dirs[@]+"${fallback_dirs[@]}"}; do
					src=$(find_module "$fd" "$d")
					from=$fd
					[ -z "$src" ] || break
				done
			fi
			[ -n "$src" ] || die "${md#*:}.ko needs $d.ko, which is neither in $modules nor" \
				"in the modules of kernel ${release:-(unknown release)} (no Debian package found)"
			add_module "$d" "$src"
			mod_from[$d]=$from
		done
	done
fi
rank=10
declare -A placed=()
remaining=${!mod_file[*]}
order=()
while [ -n "${remaining// /}" ]; do
	progress=0
	next=
	# shellcheck disable=SC2086 # a list of names
	for m in $(printf '%s\n' $remaining | sort); do
		ready=1
		for d in ${mod_deps[$m]}; do
			d=${d//-/_}
			[ -n "${placed[$d]:-}" ] || ready=0
		done
		if [ "$ready" = 1 ]; then
			cp "${mod_file[$m]}" "$root/suite/modules/$rank-$m.ko"
			rank=$((rank + 1))
			placed[$m]=1
			order+=("$m")
			progress=1
		else
			next="$next $m"
		fi
	done
	remaining=$next
	[ "$progress" = 1 ] || die "circular module dependencies among:$remaining"
done

# Module parameters: one line per module, `name param=value ...`, read by /init.
for mp in ${module_params[@]+"${module_params[@]}"}; do
	m=${mp%%.*}
	m=${m//-/_}
	[ -n "${mod_file[$m]:-}" ] || die "--module-param $mp: no module $m under $modules"
	printf '%s %s\n' "$m" "${mp#*.}" >>"$root/suite/module-params"
done

# --- the machine ------------------------------------------------------------------
# Three channels from the guest: the kernel console (boot.log), the KTAP
# stream and the result set (exit status and a tar), each a serial port of
# its own. x86 has three ISA ports; the virt machines have one UART, so the
# two others are PCI 16550s (8250_pci, built into Debian's kernels).
host_nested() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local p
	if grep -qw svm /proc/cpuinfo; then
		p=/sys/module/kvm_amd/parameters/nested
	elif grep -qw vmx /proc/cpuinfo; then
		p=/sys/module/kvm_intel/parameters/nested
	else
		return 1
	fi
	case "$(cat "$p" 2>/dev/null)" in 1|Y) return 0 ;; esac
	return 1
}
same_arch=0
[ "$arch" != "$(host_arch)" ] || same_arch=1
if [ "$accel" = auto ]; then
	if [ "$arch" = x86_64 ] && [ "$same_arch" = 1 ] && host_nested; then accel=kvm; else accel=tcg; fi
fi
if [ "$accel" = kvm ]; then
	[ "$same_arch" = 1 ] || die "--accel kvm needs an $arch host"
	cpu=host
	if [ "$arch" = x86_64 ] && ! host_nested; then
		echo "$prog: warning: host KVM offers no nested SVM/VMX; the guest may have no /dev/kvm" >&2
	fi
else
	case "$arch" in
	x86_64) cpu=max ;;
	# pauth-impdef: QEMU's own pointer-authentication algorithm instead of
	# QARMA, which TCG computes slowly (a 6.12 boot: 10 s -> 3 s).
	arm64) cpu=max,pauth-impdef=on ;;
	riscv64) cpu=rv64,h=true ;;
	esac
fi
# QEMU option values: a comma is written twice.
qarg() {
	printf '%s' "${1//,/,,}"
}
chan() {
	# chan ID FILE: a PCI 16550 whose output goes to FILE.
	printf '%s\n' -chardev "file,id=$1,path=$(qarg "$2")" -device "pci-serial,chardev=$1"
}
: >"$work/ktap.out"
: >"$work/tar.out"
case "$arch" in
x86_64)
	console=ttyS0,115200 ktap_tty=ttyS1 tar_tty=ttyS2
	qmachine=(-machine pc -vga none)
	qserial=(-serial "file:$out/boot.log" -serial "file:$work/ktap.out" -serial "file:$work/tar.out")
	;;
arm64)
	console=ttyAMA0 ktap_tty=ttyS0 tar_tty=ttyS1
	qmachine=(-machine 'virt,virtualization=on,gic-version=3')
	mapfile -t qserial < <(printf '%s\n' -serial "file:$out/boot.log"; chan ktap "$work/ktap.out";
		chan tar "$work/tar.out")
	;;
riscv64)
	console=ttyS0 ktap_tty=ttyS1 tar_tty=ttyS2
	qmachine=(-machine virt -bios default)
	mapfile -t qserial < <(printf '%s\n' -serial "file:$out/boot.log"; chan ktap "$work/ktap.out";
		chan tar "$work/tar.out")
	;;
esac

# --- guest settings -------------------------------------------------------------
revision=${KVM_SYSEVENT_REVISION:-$(git -C "$suite_dir" describe --always --dirty 2>/dev/null || echo unknown)}
squote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
{
	printf 'LABEL=%s\n' "$(squote "$label")"
	printf 'REVISION=%s\n' "$(squote "$revision")"
	printf 'KTAP_TTY=%s\n' "$ktap_tty"
	printf 'TAR_TTY=%s\n' "$tar_tty"
	printf 'MODULES_GIVEN=%s\n' "$([ -n "$modules" ] && echo 1 || echo 0)"
	printf 'GUEST_SHELL=%s\n' "$([ -n "$initramfs_out" ] && echo 1 || echo 0)"
	printf 'set --'
	for a in ${runner_args[@]+"${runner_args[@]}"}; do
		printf ' %s' "$(squote "$a")"
	done
	printf '\n'
} >"$root/suite/guest.env"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$work/initrd.cpio" || die "cannot build the initramfs"
if [ -n "$initramfs_out" ]; then
	cp "$work/initrd.cpio" "$initramfs_out" || die "cannot write $initramfs_out"
	exit 0
fi

# --- the image to boot --------------------------------------------------------------
# A bzImage carries its kernel compressed; decompressing it in the guest costs
# several seconds under TCG. The payload's position is in the setup header
# (setup_sects, payload_offset, payload_length; its last 4 bytes are the
# decompressed size, not compressed data).
extract_vmlinux() {
	local img=$1 dst=$2 sects off len magic
	sects=$(od -An -tu1 -j 497 -N1 "$img" | tr -d ' ')
	[ "$sects" != 0 ] || sects=4
	off=$(od -An -tu4 -j 584 -N4 "$img" | tr -d ' ')
	len=$(od -An -tu4 -j 588 -N4 "$img" | tr -d ' ')
	[ -n "$off" ] && [ -n "$len" ] && [ "$len" -gt 4 ] || return 1
	off=$(((sects + 1) * 512 + off))
	tail -c +$((off + 1)) "$img" | head -c $((len - 4)) >"$dst.z"
	magic=$(od -An -tx1 -N6 "$dst.z" | tr -d ' ')
	case "$magic" in
	1f8b*) gzip -dc "$dst.z" ;;
	fd377a585a00) xz -dc --single-stream "$dst.z" ;;
	28b52ffd*) zstd -qdc "$dst.z" ;;
	425a68*) bzip2 -dc "$dst.z" ;;
	02214c18*) lz4 -dc "$dst.z" ;;
	5d00*) xz -dc --format=lzma "$dst.z" ;;
	*) return 1 ;;
	esac >"$dst" 2>/dev/null || return 1
	rm -f "$dst.z"
	is_elf "$dst" || return 1
	command -v readelf >/dev/null || return 1
	# XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry QEMU boots through.
	readelf -n "$dst" 2>/dev/null | grep -Eq 'Xen.*(\(0x00000012\)|PHYS32_ENTRY)'
}
boot_image=$plain_image
if [ "$arch" != x86_64 ]; then
	boot=image
elif [ "$boot" != bzimage ]; then
	if extract_vmlinux "$image" "$work/vmlinux"; then
		boot_image=$work/vmlinux
		boot=pvh
	elif [ "$boot" = pvh ]; then
		die "cannot boot $image through PVH (no PVH entry, or its payload is not readable)"
	else
		boot=bzimage
	fi
fi

# --- boot ---------------------------------------------------------------------------
for f in ktap.txt logs status.txt inventory.txt summary.txt boot.log kernel.txt modules.txt \
	dmesg.txt runner-stderr.txt qemu.log junit.xml report.html; do
	rm -rf "${out:?}/$f"
done
qemu_cmd=("$qemu" -nodefaults -no-user-config -no-reboot -display none
	"${qmachine[@]}" -accel "$accel" -cpu "$cpu" -smp 1 -m "$memory"
	-kernel "$boot_image" -initrd "$work/initrd.cpio"
	-append "console=$console quiet panic=-1 mitigations=off${append:+ $append}"
	"${qserial[@]}" -monitor none)

start=$(date +%s.%N)
timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
if [ "$stream" = 1 ]; then
	tail -n +1 -s 0.2 -F --pid="$qpid" "$work/ktap.out" 2>/dev/null || true
elif [ "$view" = brief ] && [ -t 1 ]; then
	# Progress, rewritten in place: booting, then the cases so far.
	while kill -0 "$qpid" 2>/dev/null; do
		t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a }')
		if grep -q 'kvm-sysevent-guest: suite starting' "$out/boot.log" 2>/dev/null; then
			what="$(grep -cE '^  (not )?ok [0-9]+ ' "$work/ktap.out") cases"
		else
			what=booting
		fi
		printf '\r\033[K..    %s: %s  %ss' "$label" "$what" "$t"
		sleep 1
	done
	printf '\r\033[K'
fi
qrc=0
wait "$qpid" || qrc=$?
qpid=
end=$(date +%s.%N)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

# --- collect --------------------------------------------------------------------------
touch "$out/boot.log"
tr -d '\r' <"$work/tar.out" >"$work/tar.txt"
guest_rc=$(sed -n 's/^KVM-SYSEVENT-EXIT rc=\([0-9]*\)$/\1/p' "$work/tar.txt" | tail -n 1)
setup_failed=$(sed -n 's/^KVM-SYSEVENT-SETUP-FAILED //p' "$work/tar.txt" | head -n 1)
have_tar=0
if grep -qx 'KVM-SYSEVENT-TAR-END' "$work/tar.txt"; then
	sed -n '/^KVM-SYSEVENT-TAR-BEGIN$/,/^KVM-SYSEVENT-TAR-END$/p' "$work/tar.txt" |
		sed '1d;$d' | base64 -d >"$work/results.tar" 2>/dev/null &&
		tar -xf "$work/results.tar" -C "$out" 2>/dev/null && have_tar=1
fi

# What happened to the kernel: one of ok, timeout, panic, no-suite, died,
# module-failed, no-kvm, qemu-failed.
outcome=ok
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	outcome=timeout
elif grep -q 'Kernel panic' "$out/boot.log" 2>/dev/null; then
	outcome=panic
elif [ -n "$setup_failed" ]; then
	case "$setup_failed" in "no /dev/kvm"*) outcome=no-kvm ;; *) outcome=module-failed ;; esac
elif [ "$qrc" != 0 ] && [ ! -s "$out/boot.log" ]; then
	outcome='qemu-failed'
elif ! grep -q 'kvm-sysevent-guest: suite starting' "$out/boot.log" 2>/dev/null; then
	outcome=no-suite
elif [ -z "$guest_rc" ] || [ "$have_tar" = 0 ]; then
	outcome=died
fi
# A timeout or panic after the results were sent does not lose them.
if [ "$outcome" != ok ] && [ -z "$setup_failed" ] && [ -n "$guest_rc" ] && [ "$have_tar" = 1 ] &&
	grep -q 'kvm-sysevent-guest: results sent' "$out/boot.log" 2>/dev/null; then
	outcome=ok
fi

dev_kvm=unknown
if grep -q 'kvm-sysevent-guest: /dev/kvm present' "$out/boot.log" 2>/dev/null; then
	dev_kvm=yes
elif grep -q 'kvm-sysevent-guest: no /dev/kvm' "$out/boot.log" 2>/dev/null; then
	dev_kvm=no
fi

case "$outcome" in
timeout) why="timed out after ${timeout_s}s" ;;
panic) why="kernel panicked" ;;
no-suite) why="kernel never reached the suite" ;;
died) why="kernel stopped before the suite finished" ;;
module-failed) why="module failed to load: $setup_failed" ;;
no-kvm) why="$setup_failed" ;;
qemu-failed) why="QEMU failed: $(grep -m 1 . "$out/qemu.log" 2>/dev/null || echo "exit $qrc")" ;;
*) why= ;;
esac

if [ "$outcome" != ok ]; then
	# Keep what the stream carried, and make the result set complete: the
	# run counts as one failure on top of the results it printed.
	if [ ! -f "$out/ktap.txt" ]; then
		cp "$work/ktap.out" "$out/ktap.txt"
		# A line cut off by the end of the run gets its newline.
		if [ -s "$out/ktap.txt" ] && [ -n "$(tail -c 1 "$out/ktap.txt")" ]; then
			echo >>"$out/ktap.txt"
		fi
	fi
	if [ ! -s "$out/ktap.txt" ]; then
		printf 'KTAP version 1\n# kvm-sysevent in kernel %s\n1..1\n' "$label" >"$out/ktap.txt"
		printf 'not ok 1 boot # %s\n' "$why" >>"$out/ktap.txt"
	else
		printf '# kvm-sysevent: %s: %s\n' "$label" "$why" >>"$out/ktap.txt"
	fi
	mkdir -p "$out/logs"
	read -r p f s < <(count_ktap "$out/ktap.txt")
	f=$((f + 1))
	printf '%d passed, %d failed, %d skipped\n' "$p" "$f" "$s" >>"$out/ktap.txt"
	printf '%d passed, %d failed, %d skipped\n' "$p" "$f" "$s" >"$out/summary.txt"
	printf 'qemu_boot exit=3 signal=- timeout=%d seconds=%s\n' \
		"$([ "$outcome" = timeout ] && echo 1 || echo 0)" "${seconds%.*}" >>"$out/status.txt"
	if [ ! -f "$out/inventory.txt" ]; then
		{
			echo "kernel_release=${release:-unknown}"
			echo "arch=$arch"
			echo "nested_qemu=yes"
			echo "kernel_under_test=$label"
		} >"$out/inventory.txt"
	fi
fi

# --- kernel.txt: what ran and how ----------------------------------------------------
sha() { sha256sum "$1" | cut -d' ' -f1; }
{
	echo "label=$label"
	echo "arch=$arch"
	echo "kernel_release=${release:-unknown}"
	img_abs=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
	img_sha=$(sha "$image")
	echo "image=$img_abs"
	echo "image_sha256=$img_sha"
	echo "bzimage=$img_abs"
	echo "bzimage_sha256=$img_sha"
	echo "modules_dir=${modules:-none}"
	echo "config=${config:-none}"
	echo "modules=$(
		IFS=,
		echo "${order[*]:-}"
	)"
	echo "module_params=${module_params[*]:-none}"
	for m in ${order[@]+"${order[@]}"}; do
		echo "module_${m}_sha256=$(sha "${mod_file[$m]}")"
		echo "module_${m}_from=${mod_from[$m]:-}"
	done
	echo "qemu=$("$qemu" --version | head -n 1)"
	echo "machine=${qmachine[*]}"
	echo "boot=$boot"
	echo "accel=$accel"
	echo "cpu=$cpu"
	echo "memory_mib=$memory"
	echo "timeout_s=$timeout_s"
	echo "dev_kvm=$dev_kvm"
	echo "outcome=$outcome"
	echo "guest_exit=${guest_rc:-none}"
	echo "seconds=$seconds"
} >"$out/kernel.txt"

# JUnit and HTML beside the KTAP, as run_tests.sh -o leaves them where the
# reporter's Python is (the guest has none).
report=$repo/report/kvm-sysevent-report
if [ "$host_report" = 1 ] &&
	command -v "$("$report" --print-python 2>/dev/null)" >/dev/null 2>&1; then
	"$report" junit -q -o "$out/junit.xml" "$out" >/dev/null 2>&1 || rm -f "$out/junit.xml"
	"$report" html -q "$out" >/dev/null 2>&1 || rm -f "$out/report.html"
fi

if [ "$view" = brief ]; then
	"$repo/run_tests.sh" --show "$out"
elif [ "$stream" = 0 ] || [ "$outcome" != ok ]; then
	if [ "$stream" = 0 ]; then
		cat "$out/ktap.txt"
	else
		# The live stream stopped early: finish it with what we added.
		shown=$(wc -l <"$work/ktap.out")
		if [ -s "$work/ktap.out" ] && [ -n "$(tail -c 1 "$work/ktap.out")" ]; then
			echo
			shown=$((shown + 1))
		fi
		tail -n +"$((shown + 1))" "$out/ktap.txt"
	fi
fi

if [ "$outcome" != ok ]; then
	{
		echo "$prog: $label: $why (exit 3); last lines of $out/boot.log:"
		if [ "$outcome" = panic ]; then
			grep -m 1 'Kernel panic' "$out/boot.log" | sed 's/^/  | /'
			echo "  | ..."
		fi
		if [ "$outcome" = qemu-failed ]; then
			tail -n 5 "$out/qemu.log" | sed 's/^/  | /'
		elif [ -s "$out/boot.log" ]; then
			tail -n 25 "$out/boot.log" | sed 's/^/  | /'
		else
			echo "  | (empty: the kernel printed nothing on its console)"
		fi
	} >&2
	exit 3
fi
if [ -s "$out/runner-stderr.txt" ]; then
	sed "s/^/$prog: $label: runner: /" "$out/runner-stderr.txt" >&2
fi
exit "$guest_rc"
