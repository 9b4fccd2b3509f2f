#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The build-time ABI checks (include/abi.h, include/x86_64/x86_abi.h) guard
# what the system header lacks with #ifdef: on Debian 12's 6.1 headers the
# SNP, guest_memfd, memory-region2 and memory-attributes checks never
# compile. This compiles them against Linux 6.12's uapi headers (the
# kvm headers of Debian's linux-source-6.12 over the system's), then
# proves each family of checks live: a copy of the 6.12 header with one
# value or one field moved must break the build, naming what disagrees.
#
# usage: tests/abi/headers.sh [-h]   (environment: CC, default gcc)
# Last line: `abi-headers: N passed, N failed, N skipped`.
set -u

case "${1:-}" in
-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) echo "abi-headers: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CC:-gcc}
tarball=$(ls /usr/src/linux-source-6.12.tar.xz /usr/src/linux-source-6.12.tar.bz2 2>/dev/null | head -n 1)
cache=$top/.cache/uapi-6.12
. "$top/tests/lib/tap.sh"

finish() {
	echo "abi-headers: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}

work=$(mktemp -d "${TMPDIR:-/tmp}/kse-abi.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
printf '#include "abi.h"\n#include "x86_abi.h"\nint main(void) { return 0; }\n' >"$work/t.c"

# compile LABEL [INCLUDE-DIR]: the ABI headers, over the overlay when given.
compile() {
	set -- "$1" ${2:+-isystem "$2"}
	label=$1
	shift
	"$cc" -std=gnu11 -D_GNU_SOURCE -Wall -Werror "$@" -I"$top/include" \
		-I"$top/include/x86_64" -c "$work/t.c" -o "$work/t.o" >"$work/$label.log" 2>&1
}

if compile system; then
	ok "the ABI headers build against the system's <linux/kvm.h>"
else
	bad "the ABI headers build against the system's <linux/kvm.h>"
	sed 's/^/#   /' "$work/system.log"
fi

if [ -z "$tarball" ]; then
	skip=$((skip + 1))
	echo "ok - Linux 6.12 uapi headers # SKIP no linux-source-6.12 (apt-get install linux-source-6.12)"
	finish
fi

# The overlay: 6.12's kvm headers and the two small ones they need that 6.1
# lacks; what headers_install would strip (__user, compiler.h) goes too.
if [ ! -f "$cache/stamp" ]; then
	rm -rf "$cache.tmp" && mkdir -p "$cache.tmp/src" "$cache.tmp/linux" "$cache.tmp/asm" || exit 2
	tar -xf "$tarball" -C "$cache.tmp/src" --strip-components=1 \
		linux-source-6.12/include/uapi/linux/kvm.h \
		linux-source-6.12/include/uapi/linux/kvm_para.h \
		linux-source-6.12/include/uapi/linux/bits.h \
		linux-source-6.12/include/uapi/linux/const.h \
		linux-source-6.12/arch/x86/include/uapi/asm/kvm.h || exit 2
	for f in kvm kvm_para bits const; do
		sed -e '/#include <linux\/compiler.h>/d' -e 's/__user//g' -e 's/_UAPI_/_/g' \
			"$cache.tmp/src/include/uapi/linux/$f.h" >"$cache.tmp/linux/$f.h"
	done
	sed -e 's/__user//g' -e 's/_UAPI_/_/g' "$cache.tmp/src/arch/x86/include/uapi/asm/kvm.h" \
		>"$cache.tmp/asm/kvm.h"
	rm -rf "$cache.tmp/src" "$cache" && touch "$cache.tmp/stamp" && mv "$cache.tmp" "$cache"
fi

if compile v6.12 "$cache"; then
	ok "the ABI headers build against Linux 6.12's <linux/kvm.h>"
else
	bad "the ABI headers build against Linux 6.12's <linux/kvm.h>"
	sed 's/^/#   /' "$work/v6.12.log"
fi

# The guarded checks are there to be compiled: each is present in 6.12.
for m in KVM_X86_SNP_VM KVM_SET_USER_MEMORY_REGION2 KVM_CREATE_GUEST_MEMFD \
	KVM_SET_MEMORY_ATTRIBUTES KVM_X86_SEV_ES_VM KVM_HC_MAP_GPA_RANGE; do
	if printf '#include <linux/kvm.h>\n#include <linux/kvm_para.h>\n#ifndef %s\n#error\n#endif\n' \
		"$m" | "$cc" -E -isystem "$cache" -x c - >/dev/null 2>&1; then
		ok "6.12 defines $m: its checks are compiled"
	else
		bad "6.12 defines $m: its checks are compiled"
	fi
done

# mutant NAME FILE SED-EXPR MESSAGE: 6.12 with one thing moved must not build.
mutant() {
	name=$1 file=$2 expr=$3 want=$4
	rm -rf "$work/m" && cp -r "$cache" "$work/m"
	sed -e "$expr" "$cache/$file" >"$work/m/$file"
	if cmp -s "$cache/$file" "$work/m/$file"; then
		bad "$name: the edit did not apply to $file"
	elif compile "m-$name" "$work/m"; then
		bad "$name: a header with it still builds"
	elif grep -qF "$want disagrees with the ABI" "$work/m-$name.log"; then
		ok "$name: the build fails, naming $want"
	else
		bad "$name: the build fails, but does not name $want"
		grep 'error' "$work/m-$name.log" | head -n 3 | sed 's/^/#   /'
	fi
}

mutant snp-page-type asm/kvm.h \
	's/KVM_SEV_SNP_PAGE_TYPE_NORMAL\([[:space:]]*\)0x1/KVM_SEV_SNP_PAGE_TYPE_NORMAL\10x2/' \
	KVM_SEV_SNP_PAGE_TYPE_NORMAL
mutant snp-update-number asm/kvm.h 's/^\tKVM_SEV_SNP_LAUNCH_UPDATE,/\tKVM_SEV_SNP_LAUNCH_UPDATE = 110,/' \
	KVM_SEV_SNP_LAUNCH_UPDATE
mutant snp-update-field asm/kvm.h '/struct kvm_sev_snp_launch_update {/,/};/{s/__u8 type;/__u8 type_;/;s/__u8 pad0;/__u8 type;/}' \
	kvm_sev_snp_launch_update.type
mutant snp-finish-field asm/kvm.h '/struct kvm_sev_snp_launch_finish {/,/};/s/__u8 pad0\[3\];/__u8 pad0[5];/' \
	kvm_sev_snp_launch_finish.flags
mutant region2-field linux/kvm.h '/struct kvm_userspace_memory_region2 {/,/};/{s/__u32 guest_memfd;/__u32 pad1_;/;s/__u32 pad1;/__u32 guest_memfd;/}' \
	kvm_userspace_memory_region2.guest_memfd
mutant gmem-field linux/kvm.h '/struct kvm_create_guest_memfd {/,/};/{s/__u64 size;/__u64 flags_;/;s/__u64 flags;/__u64 size;/}' \
	kvm_create_guest_memfd.size
mutant attributes-ioctl linux/kvm.h 's/_IOW(KVMIO,  0xd2, struct kvm_memory_attributes)/_IOW(KVMIO, 0xd3, struct kvm_memory_attributes)/' \
	KVM_SET_MEMORY_ATTRIBUTES
mutant attribute-private linux/kvm.h 's/KVM_MEMORY_ATTRIBUTE_PRIVATE           (1ULL << 3)/KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 4)/' \
	KVM_MEMORY_ATTRIBUTE_PRIVATE
mutant gmem-flag linux/kvm.h 's/KVM_MEM_GUEST_MEMFD\t(1UL << 2)/KVM_MEM_GUEST_MEMFD\t(1UL << 3)/' \
	KVM_MEM_GUEST_MEMFD
# kvm_run.system_event's layout is a build-time fact, not a run-time case:
# a header that moves ndata, or takes flags out of data[0]'s word, breaks
# the build.
mutant system-event-ndata linux/kvm.h \
	'/KVM_SYSTEM_EVENT_SHUTDOWN /,/} system_event;/{s/__u32 type;/__u32 type_;/;s/__u32 ndata;/__u32 type;/;s/__u32 type_;/__u32 ndata;/}' \
	'offsetof(struct kvm_run, system_event.ndata)'
mutant system-event-flags linux/kvm.h \
	'/KVM_SYSTEM_EVENT_SHUTDOWN /,/} system_event;/s/__u64 flags;/struct { __u32 flags_lo_; __u32 flags; };/' \
	'offsetof(struct kvm_run, system_event.flags)'
mutant map-gpa-range linux/kvm_para.h 's/KVM_HC_MAP_GPA_RANGE\t\t12/KVM_HC_MAP_GPA_RANGE\t\t13/' \
	KVM_HC_MAP_GPA_RANGE
finish
