#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel under QEMU with its kvm modules, run the kvm-sysevent suite
# inside it and leave a complete result set on the host. See kernel/README.md.

set -euo pipefail

prog=qemu-suite.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
	cat <<EOF
usage: $prog --bzimage PATH [--modules DIR] --out RESULTDIR [options] [-- RUNNER_ARGS...]

Boot PATH under qemu-system-x86_64 with an initramfs made of busybox-static,
the suite's static binaries and the kvm modules found in DIR, run the suite's
run_tests.sh inside it and leave a result set in RESULTDIR: ktap.txt, logs/,
status.txt, inventory.txt, summary.txt (from the guest), boot.log (serial
console), kernel.txt (what ran, how, timings), modules.txt, dmesg.txt.

  --bzimage PATH    kernel image (bzImage / vmlinuz)
  --modules DIR     kvm modules: a flat directory (irqbypass.ko, ccp.ko,
                    kvm.ko, kvm-amd.ko, kvm-intel.ko; .ko.xz/.ko.zst/.ko.gz
                    too) or a tree laid out like /lib/modules/<release>/.
                    Omit it for a kernel with KVM built in.
  --out RESULTDIR   result set directory (created; our files in it replaced)
  --timeout S       kill QEMU after S seconds (default 600)
  --label L         name of the kernel in the inventory and messages
                    (default: the release string read from the image)
  --accel A         auto (default), kvm or tcg. auto uses kvm only when the
                    host CPU offers nested SVM/VMX, else TCG with -cpu max
  --memory MB       guest memory (default 1024)
  --boot MODE       auto (default), pvh or bzimage. pvh decompresses the
                    image on the host and boots the ELF through its PVH
                    entry (saves seconds of decompression under TCG); auto
                    does so when the image has a PVH entry, else boots the
                    bzImage itself
  --build DIR       static suite binaries (default <repo>/build-static,
                    made by 'make STATIC=1')
  --suite-dir DIR   directory holding run_tests.sh and settings (default
                    the repo)
  --config FILE     the kernel's .config, put at /boot/config-<release> in the
                    guest for the inventory (default: boot/config-<release>
                    beside a packaged image, or the .config of the tree an
                    arch/x86/boot/bzImage was built in)
  --append ARGS     extra kernel command line arguments
  --no-stream       do not copy the KTAP stream to stdout while it runs
                    (ktap.txt is printed when the run ends instead)
  -h, --help        this help

Everything after -- goes to the guest's run_tests.sh (its -o is ours).

Exit status: the guest runner's status (0 nothing failed, 1 failures, 4
every case skipped), 2 bad usage or input, 3 the kernel panicked, never reached the suite, died
in it or timed out (the tail of boot.log says which).
EOF
}

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

need_arg() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi
}

bzimage='' modules='' out='' timeout_s=600 label='' accel=auto memory=1024
build='' suite_dir='' stream=1 append='' config='' boot=auto
runner_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bzimage) need_arg "$@"; bzimage=$2; shift 2 ;;
	--modules) need_arg "$@"; modules=$2; shift 2 ;;
	--out) need_arg "$@"; out=$2; shift 2 ;;
	--timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
	--label) need_arg "$@"; label=$2; shift 2 ;;
	--accel) need_arg "$@"; accel=$2; shift 2 ;;
	--memory) need_arg "$@"; memory=$2; shift 2 ;;
	--build) need_arg "$@"; build=$2; shift 2 ;;
	--suite-dir) need_arg "$@"; suite_dir=$2; shift 2 ;;
	--append) need_arg "$@"; append=$2; shift 2 ;;
	--config) need_arg "$@"; config=$2; shift 2 ;;
	--boot) need_arg "$@"; boot=$2; shift 2 ;;
	--no-stream) stream=0; shift ;;
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
[ -n "$bzimage" ] || die "--bzimage is required (try --help)"
[ -n "$out" ] || die "--out is required (try --help)"
case "$timeout_s" in ''|*[!0-9]*|0) die "--timeout needs a positive number of seconds" ;; esac
case "$memory" in ''|*[!0-9]*|0) die "--memory needs a positive number of MiB" ;; esac
case "$accel" in auto|kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg" ;; esac
case "$boot" in auto|pvh|bzimage) ;; *) die "--boot must be auto, pvh or bzimage" ;; esac
suite_dir=${suite_dir:-$repo}
build=${build:-$suite_dir/build-static}

# --- checks on the inputs ---------------------------------------------------
if [ ! -f "$bzimage" ] || [ ! -r "$bzimage" ]; then die "kernel image not found: $bzimage"; fi
[ "$(dd if="$bzimage" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
	die "not an x86 bzImage: $bzimage"
if [ -n "$modules" ]; then
	[ -d "$modules" ] || die "modules directory not found: $modules"
fi
if [ -n "$config" ] && [ ! -f "$config" ]; then
	die "config file not found: $config"
fi
[ -f "$suite_dir/run_tests.sh" ] || die "no run_tests.sh in $suite_dir"
[ -d "$build/x86_64" ] || die "no static suite build in $build (run: make STATIC=1)"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
busybox=/bin/busybox
[ -x "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
# True when the ELF file $1 has no program interpreter (PT_INTERP), i.e. it
# runs in an initramfs that has no dynamic loader.
is_static() {
	local phoff phentsize phnum i type
	[ "$(dd if="$1" bs=1 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || return 1
	phoff=$(od -An -tu8 -j 32 -N8 "$1" | tr -d ' ')
	phentsize=$(od -An -tu2 -j 54 -N2 "$1" | tr -d ' ')
	phnum=$(od -An -tu2 -j 56 -N2 "$1" | tr -d ' ')
	for ((i = 0; i < phnum; i++)); do
		type=$(od -An -tu4 -j $((phoff + i * phentsize)) -N4 "$1" | tr -d ' ')
		[ "$type" != 3 ] || return 1
	done
	return 0
}
is_static "$busybox" || die "$busybox is not a static executable (apt-get install busybox-static)"

# The release string from the bzImage header (kernel_version field).
image_release() {
	local ptr
	ptr=$(od -An -tu2 -j 526 -N2 "$1" | tr -d ' ')
	[ -n "$ptr" ] && [ "$ptr" -gt 0 ] || return 0
	dd if="$1" bs=1 skip=$((ptr + 512)) count=256 2>/dev/null |
		tr '\0' '\n' | head -n 1 | cut -d' ' -f1
}
release=$(image_release "$bzimage")
label=${label:-${release:-$(basename "$bzimage")}}
if [ -z "$config" ]; then
	imgdir=$(cd "$(dirname "$bzimage")" && pwd)
	for c in "$imgdir/config-$release" "$imgdir/../../../.config"; do
		if [ -n "$release" ] && [ -f "$c" ]; then
			config=$c
			break
		fi
	done
fi

# --- work area ----------------------------------------------------------------
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
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

root=$work/root
mkdir -p "$root/bin" "$root/suite/build/x86_64" "$root/suite/build/tools" "$root/suite/modules" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/results"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"

# The suite: runner, settings, config and the static executables.
cp "$suite_dir/run_tests.sh" "$root/suite/"
for f in settings config tests.list; do
	if [ -f "$suite_dir/$f" ]; then cp "$suite_dir/$f" "$root/suite/"; fi
done
nbins=0
for sub in x86_64 tools; do
	[ -d "$build/$sub" ] || continue
	for f in "$build/$sub"/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		is_static "$f" || die "$f is not a static executable (build with: make STATIC=1)"
		cp "$f" "$root/suite/build/$sub/"
		nbins=$((nbins + 1))
	done
done
[ "$nbins" -gt 0 ] || die "no executables in $build/x86_64 (run: make STATIC=1)"

if [ -n "$config" ] && [ -n "$release" ]; then
	mkdir -p "$root/boot"
	cp "$config" "$root/boot/config-$release"
fi

# --- the kvm modules ----------------------------------------------------------
# Pick irqbypass, ccp, kvm, kvm-amd and kvm-intel out of $modules, decompress
# them, and rank them so that each comes after the modules it depends on
# (the depends= field of its .modinfo; a dependency we do not have is taken
# to be built in).
want_mods="irqbypass ccp kvm kvm-amd kvm-intel"
declare -A mod_file=() mod_deps=()
find_module() {
	local name=$1 hits alt
	alt=${name//-/_}
	hits=$(find -L "$modules" -type f \( -name "$name.ko" -o -name "$name.ko.*" \
		-o -name "$alt.ko" -o -name "$alt.ko.*" \) 2>/dev/null | sort)
	if [ -n "$release" ] && [ "$(printf '%s\n' "$hits" | grep -c .)" -gt 1 ]; then
		local mine
		mine=$(printf '%s\n' "$hits" | grep -F "/$release/" || true)
		[ -z "$mine" ] || hits=$mine
	fi
	[ "$(printf '%s\n' "$hits" | grep -c .)" -le 1 ] ||
		die "several $name modules under $modules; give the directory of one kernel"
	printf '%s' "$hits"
}
if [ -n "$modules" ]; then
	for m in $want_mods; do
		src=$(find_module "$m")
		[ -n "$src" ] || continue
		dst=$work/mods/${m//-/_}.ko
		mkdir -p "$work/mods"
		case "$src" in
		*.ko) cp "$src" "$dst" ;;
		*.ko.xz) xz -dc "$src" >"$dst" || die "cannot decompress $src" ;;
		*.ko.zst) zstd -qdc "$src" >"$dst" || die "cannot decompress $src" ;;
		*.ko.gz) gzip -dc "$src" >"$dst" || die "cannot decompress $src" ;;
		*) die "unknown module format: $src" ;;
		esac
		key=${m//-/_}
		mod_file[$key]=$dst
		mod_deps[$key]=$(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
	done
	[ -n "${mod_file[kvm]:-}" ] || die "no kvm.ko under $modules"
	[ -n "${mod_file[kvm_amd]:-}${mod_file[kvm_intel]:-}" ] ||
		die "no kvm-amd.ko or kvm-intel.ko under $modules"
fi
rank=10
declare -A placed=()
remaining=${!mod_file[*]}
order=()
while [ -n "${remaining// /}" ]; do
	progress=0
	next=
	for m in $want_mods; do
		m=${m//-/_}
		case " $remaining " in *" $m "*) ;; *) continue ;; esac
		ready=1
		for d in ${mod_deps[$m]}; do
			d=${d//-/_}
			if [ -n "${mod_file[$d]:-}" ] && [ -z "${placed[$d]:-}" ]; then ready=0; fi
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

# --- guest settings -------------------------------------------------------------
revision=${KVM_SYSEVENT_REVISION:-$(git -C "$suite_dir" describe --always --dirty 2>/dev/null || echo unknown)}
squote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
{
	printf 'LABEL=%s\n' "$(squote "$label")"
	printf 'REVISION=%s\n' "$(squote "$revision")"
	printf 'set --'
	for a in ${runner_args[@]+"${runner_args[@]}"}; do
		printf ' %s' "$(squote "$a")"
	done
	printf '\n'
} >"$root/suite/guest.env"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$work/initrd.cpio" || die "cannot build the initramfs"

# --- accelerator ------------------------------------------------------------------
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
if [ "$accel" = auto ]; then
	if host_nested; then accel=kvm; else accel=tcg; fi
fi
if [ "$accel" = kvm ]; then
	cpu=host
	host_nested || echo "$prog: warning: host KVM offers no nested SVM/VMX; the guest may have no /dev/kvm" >&2
else
	cpu=max
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
	[ "$(od -An -tx1 -N4 "$dst" | tr -d ' ')" = 7f454c46 ] || return 1
	command -v readelf >/dev/null || return 1
	# XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry QEMU boots through.
	readelf -n "$dst" 2>/dev/null | grep -Eq 'Xen.*(\(0x00000012\)|PHYS32_ENTRY)'
}
boot_image=$bzimage
if [ "$boot" != bzimage ]; then
	if extract_vmlinux "$bzimage" "$work/vmlinux"; then
		boot_image=$work/vmlinux
		boot=pvh
	elif [ "$boot" = pvh ]; then
		die "cannot boot $bzimage through PVH (no PVH entry, or its payload is not readable)"
	else
		boot=bzimage
	fi
fi

# --- boot ---------------------------------------------------------------------------
for f in ktap.txt logs status.txt inventory.txt summary.txt boot.log kernel.txt modules.txt \
	dmesg.txt runner-stderr.txt qemu.log; do
	rm -rf "${out:?}/$f"
done
: >"$work/ttyS1"
: >"$work/ttyS2"
qemu_cmd=(qemu-system-x86_64 -nodefaults -no-user-config -no-reboot -display none -vga none
	-machine pc -accel "$accel" -cpu "$cpu" -smp 1 -m "$memory"
	-kernel "$boot_image" -initrd "$work/initrd.cpio"
	-append "console=ttyS0,115200 quiet panic=-1 mitigations=off${append:+ $append}"
	-serial "file:$out/boot.log" -serial "file:$work/ttyS1" -serial "file:$work/ttyS2"
	-monitor none)

start=$(date +%s.%N)
timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
if [ "$stream" = 1 ]; then
	tail -n +1 -s 0.2 -F --pid="$qpid" "$work/ttyS1" 2>/dev/null || true
fi
qrc=0
wait "$qpid" || qrc=$?
qpid=
end=$(date +%s.%N)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

# --- collect --------------------------------------------------------------------------
tr -d '\r' <"$work/ttyS2" >"$work/ttyS2.txt"
guest_rc=$(sed -n 's/^KVM-SYSEVENT-EXIT rc=\([0-9]*\)$/\1/p' "$work/ttyS2.txt" | tail -n 1)
have_tar=0
if grep -qx 'KVM-SYSEVENT-TAR-END' "$work/ttyS2.txt"; then
	sed -n '/^KVM-SYSEVENT-TAR-BEGIN$/,/^KVM-SYSEVENT-TAR-END$/p' "$work/ttyS2.txt" |
		sed '1d;$d' | base64 -d >"$work/results.tar" 2>/dev/null &&
		tar -xf "$work/results.tar" -C "$out" 2>/dev/null && have_tar=1
fi

# What happened to the kernel: one of ok, timeout, panic, no-suite, died.
outcome=ok
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	outcome=timeout
elif grep -q 'Kernel panic' "$out/boot.log" 2>/dev/null; then
	outcome=panic
elif ! grep -q 'kvm-sysevent-guest: suite starting' "$out/boot.log" 2>/dev/null; then
	outcome=no-suite
elif [ -z "$guest_rc" ] || [ "$have_tar" = 0 ]; then
	outcome=died
fi
# A timeout or panic after the results were sent does not lose them.
if [ "$outcome" != ok ] && [ -n "$guest_rc" ] && [ "$have_tar" = 1 ] &&
	grep -q 'kvm-sysevent-guest: results sent' "$out/boot.log" 2>/dev/null; then
	outcome=ok
fi

dev_kvm=unknown
if grep -q 'kvm-sysevent-guest: /dev/kvm present' "$out/boot.log" 2>/dev/null; then
	dev_kvm=yes
elif grep -q 'kvm-sysevent-guest: no /dev/kvm' "$out/boot.log" 2>/dev/null; then
	dev_kvm=no
	echo "$prog: $label: warning: no /dev/kvm in the guest (see modules.txt and boot.log)" >&2
fi

count_ktap() {
	# Leaf results of a combined stream: the binaries' own subtests.
	awk '
		/^[ ]+ok [0-9]+ .*# [Ss][Kk][Ii][Pp]/ { s++; next }
		/^[ ]+ok [0-9]+/ { p++; next }
		/^[ ]+not ok [0-9]+/ { f++; next }
		END { printf "%d %d %d\n", p, f, s }' "$1"
}

case "$outcome" in
timeout) why="timed out after ${timeout_s}s" ;;
panic) why="kernel panicked" ;;
no-suite) why="kernel never reached the suite" ;;
died) why="kernel stopped before the suite finished" ;;
*) why= ;;
esac

if [ "$outcome" != ok ]; then
	# Keep what the stream carried, and make the result set complete: the
	# run counts as one failure on top of the results it printed.
	if [ ! -f "$out/ktap.txt" ]; then
		cp "$work/ttyS1" "$out/ktap.txt"
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
			echo "nested_qemu=yes"
			echo "kernel_under_test=$label"
		} >"$out/inventory.txt"
	fi
fi

# --- kernel.txt: what ran and how ----------------------------------------------------
sha() { sha256sum "$1" | cut -d' ' -f1; }
{
	echo "label=$label"
	echo "kernel_release=${release:-unknown}"
	echo "bzimage=$(cd "$(dirname "$bzimage")" && pwd)/$(basename "$bzimage")"
	echo "bzimage_sha256=$(sha "$bzimage")"
	echo "modules_dir=${modules:-none}"
	echo "config=${config:-none}"
	echo "modules=$(
		IFS=,
		echo "${order[*]:-}"
	)"
	for m in ${order[@]+"${order[@]}"}; do
		echo "module_${m}_sha256=$(sha "${mod_file[$m]}")"
	done
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
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

if [ "$stream" = 0 ] || [ "$outcome" != ok ]; then
	if [ "$stream" = 0 ]; then
		cat "$out/ktap.txt"
	else
		# The live stream stopped early: finish it with what we added.
		shown=$(wc -l <"$work/ttyS1")
		if [ -s "$work/ttyS1" ] && [ -n "$(tail -c 1 "$work/ttyS1")" ]; then
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
		if [ -s "$out/boot.log" ]; then
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
