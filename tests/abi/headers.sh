#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The build-time ABI checks (include/abi.h, include/<arch>/*_abi.h) guard
# what the system header lacks with #ifdef: on Debian 12's headers (the
# oldest line's) the SNP, guest_memfd, memory-region2 and memory-attributes
# checks never compile. This compiles them against two more kernel lines' uapi:
#
#  - the lts line of kernel/lines.toml (the kvm headers of Debian's
#    linux-source-X.Y over the system's), the line the kselftest harness
#    comes from;
#  - the newest line Debian offers today (linux-libc-dev of the newest
#    released kernel the package index has, kernel/fetch-kernel.sh --list
#    debian-latest: no version is written here), for x86_64, arm64 and
#    riscv64: TDX_FATAL, the PSCI OFF2 flag, the exit numbers, the SEV API.
#
# and proves each family of checks live on both: a copy of the header with
# one value or one field moved must break the build, naming what disagrees.
#
# usage: tests/abi/headers.sh [-h]   (environment: CC, default gcc;
#        KVM_SYSEVENT_KERNEL_CACHE, the kernel tools' package cache;
#        KSFT_SOURCE, the lts line's source package, as make check-abi
#        passes it, default read from kernel/lines.toml as the Makefile does)
# Last line: `abi-headers: N passed, N failed, N skipped`.
set -u

case "${1:-}" in
-h|--help) sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) echo "abi-headers: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CC:-gcc}
# The lts line's source package: the Makefile's KSFT_SOURCE, or the same
# reading of kernel/lines.toml.
source=${KSFT_SOURCE:-}
if [ -z "$source" ]; then
	source=linux-source-$(sed -n '/^\[line\./h; /^role *= *"lts"/{x;s/^\[line\."\{0,1\}\([^]"]*\)"\{0,1\}\]$/\1/p;}' \
		"$top/kernel/lines.toml")
fi
series=${source#linux-source-}
case $series in
[0-9]*.[0-9]*) ;;
*) echo "abi-headers: error: no lts line's source package (KSFT_SOURCE='$source')" >&2; exit 2 ;;
esac
tarball=$(ls "/usr/src/$source.tar.xz" "/usr/src/$source.tar.bz2" 2>/dev/null | head -n 1)
cache=$top/.cache/uapi-$series
. "$top/tests/lib/tap.sh"

finish() {
	echo "abi-headers: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}

work=$(mktemp -d "${TMPDIR:-/tmp}/kse-abi.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
for a in x86_64:x86_abi.h aarch64:aarch64_abi.h riscv:riscv_abi.h; do
	printf '#include "abi.h"\n#include "%s"\nint main(void) { return 0; }\n' "${a#*:}" \
		>"$work/t-${a%%:*}.c"
done

# compile LABEL [INCLUDE-DIR [ARCHDIR]]: the generic ABI header and the
# architecture's (x86_64 by default), over the overlay when given. The
# overlay's asm/ is that architecture's; the host compiler only checks.
compile() {
	label=$1 arch=${3:-x86_64}
	set -- ${2:+-isystem "$2"}
	"$cc" -std=gnu11 -D_GNU_SOURCE -Wall -Werror "$@" -I"$top/include" \
		-I"$top/include/$arch" -c "$work/t-$arch.c" -o "$work/t.o" >"$work/$label.log" 2>&1
}

if compile system; then
	ok "the ABI headers build against the system's <linux/kvm.h>"
else
	bad "the ABI headers build against the system's <linux/kvm.h>"
	sed 's/^/#   /' "$work/system.log"
fi

# mutant NAME BASE FILE SED-EXPR MESSAGE [ARCHDIR]: BASE's headers with one
# thing moved must not build, and the error names what moved.
mutant() {
	name=$1 base=$2 file=$3 expr=$4 want=$5
	rm -rf "$work/m" && cp -r "$base" "$work/m"
	sed -e "$expr" "$base/$file" >"$work/m/$file"
	if cmp -s "$base/$file" "$work/m/$file"; then
		bad "$name: the edit did not apply to $file"
	elif compile "m-$name" "$work/m" "${6:-x86_64}"; then
		bad "$name: a header with it still builds"
	elif grep -qF "$want disagrees with the ABI" "$work/m-$name.log"; then
		ok "$name: the build fails, naming $want"
	else
		bad "$name: the build fails, but does not name $want"
		grep 'error' "$work/m-$name.log" | head -n 3 | sed 's/^/#   /'
	fi
}

# defined BASE MACRO...: each is in BASE's headers, so its checks compile.
defined() {
	base=$1 what=$2
	shift 2
	for m in "$@"; do
		if printf '#include <linux/kvm.h>\n#include <linux/kvm_para.h>\n#ifndef %s\n#error\n#endif\n' \
			"$m" | "$cc" -E -isystem "$base" -x c - >/dev/null 2>&1; then
			ok "$what defines $m: its checks are compiled"
		else
			bad "$what defines $m: its checks are compiled"
		fi
	done
}

line_lts() {
if [ -z "$tarball" ]; then
	skip=$((skip + 1))
	echo "ok - Linux $series uapi headers # SKIP no kselftest kernel source"
	echo "# hint: apt-get install $source"
	return
fi

# The overlay: the lts line's kvm headers and the two small ones they need
# that the oldest line's lack; what headers_install would strip (__user,
# compiler.h) goes too.
if [ ! -f "$cache/stamp" ]; then
	rm -rf "$cache.tmp" && mkdir -p "$cache.tmp/src" "$cache.tmp/linux" "$cache.tmp/asm" || exit 2
	tar -xf "$tarball" -C "$cache.tmp/src" --strip-components=1 \
		"$source/include/uapi/linux/kvm.h" \
		"$source/include/uapi/linux/kvm_para.h" \
		"$source/include/uapi/linux/bits.h" \
		"$source/include/uapi/linux/const.h" \
		"$source/arch/x86/include/uapi/asm/kvm.h" || exit 2
	for f in kvm kvm_para bits const; do
		sed -e '/#include <linux\/compiler.h>/d' -e 's/__user//g' -e 's/_UAPI_/_/g' \
			"$cache.tmp/src/include/uapi/linux/$f.h" >"$cache.tmp/linux/$f.h"
	done
	sed -e 's/__user//g' -e 's/_UAPI_/_/g' "$cache.tmp/src/arch/x86/include/uapi/asm/kvm.h" \
		>"$cache.tmp/asm/kvm.h"
	rm -rf "$cache.tmp/src" "$cache" && touch "$cache.tmp/stamp" && mv "$cache.tmp" "$cache"
fi

if compile "v$series" "$cache"; then
	ok "the ABI headers build against Linux $series's <linux/kvm.h>"
else
	bad "the ABI headers build against Linux $series's <linux/kvm.h>"
	sed 's/^/#   /' "$work/v$series.log"
fi

# The guarded checks are there to be compiled: each is present in the lts
# line.
defined "$cache" "$series" KVM_X86_SNP_VM KVM_SET_USER_MEMORY_REGION2 KVM_CREATE_GUEST_MEMFD \
	KVM_SET_MEMORY_ATTRIBUTES KVM_X86_SEV_ES_VM KVM_HC_MAP_GPA_RANGE

mutant snp-page-type "$cache" asm/kvm.h \
	's/KVM_SEV_SNP_PAGE_TYPE_NORMAL\([[:space:]]*\)0x1/KVM_SEV_SNP_PAGE_TYPE_NORMAL\10x2/' \
	KVM_SEV_SNP_PAGE_TYPE_NORMAL
mutant snp-update-number "$cache" asm/kvm.h 's/^\tKVM_SEV_SNP_LAUNCH_UPDATE,/\tKVM_SEV_SNP_LAUNCH_UPDATE = 110,/' \
	KVM_SEV_SNP_LAUNCH_UPDATE
mutant snp-update-field "$cache" asm/kvm.h '/struct kvm_sev_snp_launch_update {/,/};/{s/__u8 type;/__u8 type_;/;s/__u8 pad0;/__u8 type;/}' \
	kvm_sev_snp_launch_update.type
mutant snp-finish-field "$cache" asm/kvm.h '/struct kvm_sev_snp_launch_finish {/,/};/s/__u8 pad0\[3\];/__u8 pad0[5];/' \
	kvm_sev_snp_launch_finish.flags
mutant region2-field "$cache" linux/kvm.h '/struct kvm_userspace_memory_region2 {/,/};/{s/__u32 guest_memfd;/__u32 pad1_;/;s/__u32 pad1;/__u32 guest_memfd;/}' \
	kvm_userspace_memory_region2.guest_memfd
mutant gmem-field "$cache" linux/kvm.h '/struct kvm_create_guest_memfd {/,/};/{s/__u64 size;/__u64 flags_;/;s/__u64 flags;/__u64 size;/}' \
	kvm_create_guest_memfd.size
mutant attributes-ioctl "$cache" linux/kvm.h 's/_IOW(KVMIO,  0xd2, struct kvm_memory_attributes)/_IOW(KVMIO, 0xd3, struct kvm_memory_attributes)/' \
	KVM_SET_MEMORY_ATTRIBUTES
mutant attribute-private "$cache" linux/kvm.h 's/KVM_MEMORY_ATTRIBUTE_PRIVATE           (1ULL << 3)/KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 4)/' \
	KVM_MEMORY_ATTRIBUTE_PRIVATE
mutant gmem-flag "$cache" linux/kvm.h 's/KVM_MEM_GUEST_MEMFD\t(1UL << 2)/KVM_MEM_GUEST_MEMFD\t(1UL << 3)/' \
	KVM_MEM_GUEST_MEMFD
# kvm_run.system_event's layout is a build-time fact, not a run-time case:
# a header that moves ndata, or takes flags out of data[0]'s word, breaks
# the build.
mutant system-event-ndata "$cache" linux/kvm.h \
	'/KVM_SYSTEM_EVENT_SHUTDOWN /,/} system_event;/{s/__u32 type;/__u32 type_;/;s/__u32 ndata;/__u32 type;/;s/__u32 type_;/__u32 ndata;/}' \
	'offsetof(struct kvm_run, system_event.ndata)'
mutant system-event-flags "$cache" linux/kvm.h \
	'/KVM_SYSTEM_EVENT_SHUTDOWN /,/} system_event;/s/__u64 flags;/struct { __u32 flags_lo_; __u32 flags; };/' \
	'offsetof(struct kvm_run, system_event.flags)'
mutant map-gpa-range "$cache" linux/kvm_para.h 's/KVM_HC_MAP_GPA_RANGE\t\t12/KVM_HC_MAP_GPA_RANGE\t\t13/' \
	KVM_HC_MAP_GPA_RANGE
}

# The newest line: linux-libc-dev of the newest released kernel the package
# index offers today, one overlay per architecture (its uapi holds them all),
# in .cache/uapi-latest/<version>/<archdir>/.
line_latest() {
	fetch=$top/kernel/fetch-kernel.sh
	ver=$("$fetch" --list debian-latest 2>"$work/list.err" | head -n 1 | cut -d' ' -f1)
	if [ -z "$ver" ]; then
		bad "the newest line's uapi: no debian-latest in the package index"
		sed 's/^/#   /' "$work/list.err" | tail -n 3
		return
	fi
	dir=$top/.cache/uapi-latest/$ver
	if [ ! -f "$dir/stamp" ]; then
		deb=$("$fetch" --fetch "linux-libc-dev=$ver" 2>"$work/fetch.err" | sed -n 's/^deb=//p')
		if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$work/libc-dev" 2>>"$work/fetch.err"; then
			bad "the newest line's uapi: linux-libc-dev $ver could not be had"
			sed 's/^/#   /' "$work/fetch.err" | tail -n 3
			return
		fi
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" || exit 2
		for a in x86_64:x86 aarch64:arm64 riscv:riscv; do
			o=$dir.tmp/${a%%:*}
			mkdir -p "$o" || exit 2
			cp -r "$work/libc-dev/usr/include/linux" "$work/libc-dev/usr/include/asm-generic" \
				"$o/" && cp -r "$work/libc-dev/usr/lib/linux/uapi/${a#*:}/asm" "$o/asm" ||
				exit 2
		done
		echo "$ver" >"$dir.tmp/stamp" && rm -rf "$dir" && mv "$dir.tmp" "$dir"
	fi
	echo "# the newest line: linux-libc-dev $ver"
	for a in x86_64 aarch64 riscv; do
		if compile "latest-$a" "$dir/$a" "$a"; then
			ok "the ABI headers build against the newest line's uapi ($a)"
		else
			bad "the ABI headers build against the newest line's uapi ($a)"
			sed 's/^/#   /' "$work/latest-$a.log" | head -n 5
		fi
	done
	defined "$dir/x86_64" "the newest line" KVM_SYSTEM_EVENT_TDX_FATAL KVM_X86_SNP_VM \
		KVM_X86_SEV_ES_VM KVM_CREATE_GUEST_MEMFD KVM_SET_MEMORY_ATTRIBUTES KVM_EXIT_X86_WRMSR
	defined "$dir/aarch64" "the newest line (arm64)" KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2

	x=$dir/x86_64
	mutant latest-tdx-fatal "$x" linux/kvm.h \
		's/^#define KVM_SYSTEM_EVENT_TDX_FATAL\([[:space:]]*\)7/#define KVM_SYSTEM_EVENT_TDX_FATAL\18/' \
		KVM_SYSTEM_EVENT_TDX_FATAL
	mutant latest-exit-hlt "$x" linux/kvm.h \
		's/^#define KVM_EXIT_HLT\([[:space:]]*\)5$/#define KVM_EXIT_HLT\145/' KVM_EXIT_HLT
	mutant latest-exit-wrmsr "$x" linux/kvm.h \
		's/^#define KVM_EXIT_X86_WRMSR\([[:space:]]*\)30$/#define KVM_EXIT_X86_WRMSR\131/' \
		KVM_EXIT_X86_WRMSR
	mutant latest-system-event-ndata "$x" linux/kvm.h \
		'/KVM_SYSTEM_EVENT_SHUTDOWN /,/} system_event;/{s/__u32 type;/__u32 type_;/;s/__u32 ndata;/__u32 type;/;s/__u32 type_;/__u32 ndata;/}' \
		'offsetof(struct kvm_run, system_event.ndata)'
	mutant latest-sev-init2 "$x" asm/kvm.h \
		's/^\([[:space:]]*\)KVM_SEV_INIT2,/\1KVM_SEV_INIT2 = 23,/' KVM_SEV_INIT2
	mutant latest-sev-init-field "$x" asm/kvm.h \
		'/struct kvm_sev_init {/,/};/{s/__u16 ghcb_version;/__u16 pad_;/;s/__u16 pad1;/__u16 ghcb_version;/}' \
		kvm_sev_init.ghcb_version
	mutant latest-snp-update-field "$x" asm/kvm.h \
		'/struct kvm_sev_snp_launch_update {/,/};/{s/__u8 type;/__u8 type_;/;s/__u8 pad0;/__u8 type;/}' \
		kvm_sev_snp_launch_update.type
	mutant latest-snp-start-field "$x" asm/kvm.h \
		'/struct kvm_sev_snp_launch_start {/,/};/{s/__u64 policy;/__u64 policy_;/;s/__u8 gosvw\[16\];/__u64 policy; __u8 gosvw[8];/}' \
		kvm_sev_snp_launch_start.policy
	mutant latest-gmem-field "$x" linux/kvm.h \
		'/struct kvm_create_guest_memfd {/,/};/{s/__u64 size;/__u64 flags_;/;s/__u64 flags;/__u64 size;/}' \
		kvm_create_guest_memfd.size
	mutant latest-attribute-private "$x" linux/kvm.h \
		's/^#define KVM_MEMORY_ATTRIBUTE_PRIVATE\([[:space:]]*\)(1ULL << 3)/#define KVM_MEMORY_ATTRIBUTE_PRIVATE\1(1ULL << 4)/' \
		KVM_MEMORY_ATTRIBUTE_PRIVATE
	mutant latest-psci-off2 "$dir/aarch64" asm/kvm.h \
		's/^#define KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2\([[:space:]]*\)(1ULL << 0)/#define KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2\1(1ULL << 1)/' \
		KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2 aarch64
}

line_lts
line_latest
finish
