/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slice of the KVM user ABI this suite checks, as documented upstream.
 *
 * The generic part; each architecture's slice is in include/<arch>/.
 *
 * The system's <linux/kvm.h> may be older than the kernel under test (Debian
 * 12 ships 6.1 headers, which lack the VM types and KVM_SEV_INIT2). Whatever
 * the header lacks is defined here with the documented value; whatever it
 * has is checked at build time against the documented value, so a header
 * that disagrees with the ABI breaks the build instead of the verdicts.
 *
 * Sources: Documentation/virt/kvm/api.rst, include/uapi/linux/kvm.h and
 * arch/x86/include/uapi/asm/kvm.h (v5.18 d495f942f40a for ndata/data[],
 * v5.19 for SEV_TERM, v6.10 for the VM types and KVM_SEV_INIT2).
 */
#ifndef KSE_ABI_H
#define KSE_ABI_H

#include <stddef.h>
#include <linux/kvm.h>

/* --- Exit reasons and system-event types (uapi/linux/kvm.h) ------------ */
#define KSE_EXIT_IO			2
#define KSE_EXIT_DEBUG			4
#define KSE_EXIT_HLT			5
#define KSE_EXIT_MMIO			6
#define KSE_EXIT_SHUTDOWN		8
#define KSE_EXIT_INTR			10
#define KSE_EXIT_INTERNAL_ERROR		17
#define KSE_EXIT_SYSTEM_EVENT		24
#define KSE_EXIT_X86_RDMSR		29
#define KSE_EXIT_X86_WRMSR		30
#define KSE_SYSTEM_EVENT_SHUTDOWN	1
#define KSE_SYSTEM_EVENT_RESET		2
#define KSE_SYSTEM_EVENT_CRASH		3
#define KSE_SYSTEM_EVENT_WAKEUP		4
#define KSE_SYSTEM_EVENT_SUSPEND	5
#define KSE_SYSTEM_EVENT_SEV_TERM	6
#define KSE_SYSTEM_EVENT_TDX_FATAL	7

/*
 * The 2022 proposal (review of "[PATCH V4] KVM, SEV: Add
 * KVM_EXIT_SYSTEM_EVENT metadata for SEV-ES"): SEV_TERM numbered 4 and bit 31
 * of type meaning "ndata is valid". Never merged; used by the
 * proposal-2022 ABI profile and by the oracle's diagnoses.
 */
#define KSE_PROPOSAL_SEV_TERM		4
#define KSE_PROPOSAL_NDATA_VALID	(1u << 31)

#ifndef KVM_SYSTEM_EVENT_TDX_FATAL
#define KVM_SYSTEM_EVENT_TDX_FATAL	KSE_SYSTEM_EVENT_TDX_FATAL
#endif

/* --- Capabilities (generic) -------------------------------------------- */
#define KSE_CAP_SYSTEM_EVENT_DATA	215
#define KSE_CAP_VM_TYPES		235

/* vCPU MP states (KVM_GET/SET_MP_STATE) that more than one architecture uses. */
#define KSE_MP_STATE_RUNNABLE		0
#define KSE_MP_STATE_STOPPED		5

#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES		KSE_CAP_VM_TYPES
#endif

/* guest_memfd and memory attributes (v6.8+): private memory (SEV-SNP on x86). */
struct kse_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};

struct kse_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};

struct kse_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};

#define KSE_MEM_GUEST_MEMFD		(1u << 2)
#define KSE_MEMORY_ATTRIBUTE_PRIVATE	(1ull << 3)
#define KSE_CREATE_GUEST_MEMFD		_IOWR(KVMIO, 0xd4, struct kse_create_guest_memfd)
#define KSE_SET_USER_MEMORY_REGION2	_IOW(KVMIO, 0x49, struct kse_userspace_memory_region2)
#define KSE_SET_MEMORY_ATTRIBUTES	_IOW(KVMIO, 0xd2, struct kse_memory_attributes)

/* --- Documented layout of kvm_run->system_event (64-bit, not s390) ---- */
#define KSE_RUN_EXIT_REASON_OFF		8
#define KSE_RUN_SE_TYPE_OFF		32
#define KSE_RUN_SE_NDATA_OFF		36
#define KSE_RUN_SE_DATA_OFF		40
#define KSE_RUN_SE_NDATA_MAX		16
#define KSE_RUN_SE_SIZE			136

/*
 * Build-time agreement between this file and the system header. A header
 * that predates a constant is fine (we defined it above); a header that has
 * it with another value is a broken build environment.
 */
#define KSE_HDR_CHECK(hdr, ours) _Static_assert((hdr) == (ours), #hdr " disagrees with the ABI")
/* A field of the header's struct @hs sits where ours (@os) has it, with its size. */
#define KSE_HDR_CHECK_FIELD(hs, os, f)                                                 \
	_Static_assert(offsetof(struct hs, f) == offsetof(struct os, f) &&             \
		       sizeof(((struct hs *)0)->f) == sizeof(((struct os *)0)->f),     \
		       #hs "." #f " disagrees with the ABI")

/* The exits the oracle and the tests tell apart (numbers never move: uapi). */
KSE_HDR_CHECK(KVM_EXIT_IO, KSE_EXIT_IO);
KSE_HDR_CHECK(KVM_EXIT_DEBUG, KSE_EXIT_DEBUG);
KSE_HDR_CHECK(KVM_EXIT_HLT, KSE_EXIT_HLT);
KSE_HDR_CHECK(KVM_EXIT_MMIO, KSE_EXIT_MMIO);
KSE_HDR_CHECK(KVM_EXIT_SHUTDOWN, KSE_EXIT_SHUTDOWN);
KSE_HDR_CHECK(KVM_EXIT_INTR, KSE_EXIT_INTR);
KSE_HDR_CHECK(KVM_EXIT_INTERNAL_ERROR, KSE_EXIT_INTERNAL_ERROR);
KSE_HDR_CHECK(KVM_EXIT_SYSTEM_EVENT, KSE_EXIT_SYSTEM_EVENT);
#ifdef KVM_EXIT_X86_RDMSR
KSE_HDR_CHECK(KVM_EXIT_X86_RDMSR, KSE_EXIT_X86_RDMSR);
KSE_HDR_CHECK(KVM_EXIT_X86_WRMSR, KSE_EXIT_X86_WRMSR);
#endif
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_SHUTDOWN, KSE_SYSTEM_EVENT_SHUTDOWN);
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_RESET, KSE_SYSTEM_EVENT_RESET);
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_CRASH, KSE_SYSTEM_EVENT_CRASH);
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_TDX_FATAL, KSE_SYSTEM_EVENT_TDX_FATAL);
#ifdef KVM_SYSTEM_EVENT_WAKEUP
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_WAKEUP, KSE_SYSTEM_EVENT_WAKEUP);
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_SUSPEND, KSE_SYSTEM_EVENT_SUSPEND);
#endif
#ifdef KVM_SYSTEM_EVENT_SEV_TERM
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_SEV_TERM, KSE_SYSTEM_EVENT_SEV_TERM);
#endif
#ifdef KVM_CAP_SYSTEM_EVENT_DATA
KSE_HDR_CHECK(KVM_CAP_SYSTEM_EVENT_DATA, KSE_CAP_SYSTEM_EVENT_DATA);
#endif
KSE_HDR_CHECK(KVM_CAP_VM_TYPES, KSE_CAP_VM_TYPES);
KSE_HDR_CHECK(KVM_MP_STATE_RUNNABLE, KSE_MP_STATE_RUNNABLE);
KSE_HDR_CHECK(KVM_MP_STATE_STOPPED, KSE_MP_STATE_STOPPED);

/* Our own structs have the documented sizes (api.rst, include/uapi/linux/kvm.h). */
_Static_assert(sizeof(struct kse_create_guest_memfd) == 64, "kvm_create_guest_memfd size");
_Static_assert(sizeof(struct kse_userspace_memory_region2) == 160,
	       "kvm_userspace_memory_region2 size");
_Static_assert(sizeof(struct kse_memory_attributes) == 32, "kvm_memory_attributes size");

/*
 * lib/vm.c passes region2 to the classic KVM_SET_USER_MEMORY_REGION too:
 * its first fields are the classic struct, which every header has.
 */
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region, kse_userspace_memory_region2, slot);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region, kse_userspace_memory_region2, flags);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region, kse_userspace_memory_region2, guest_phys_addr);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region, kse_userspace_memory_region2, memory_size);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region, kse_userspace_memory_region2, userspace_addr);

/* guest_memfd, memory-region2 and memory attributes (v6.8+ headers). */
#ifdef KVM_SET_USER_MEMORY_REGION2
KSE_HDR_CHECK(KVM_SET_USER_MEMORY_REGION2, KSE_SET_USER_MEMORY_REGION2);
KSE_HDR_CHECK(KVM_MEM_GUEST_MEMFD, KSE_MEM_GUEST_MEMFD);
KSE_HDR_CHECK(sizeof(struct kvm_userspace_memory_region2),
	      sizeof(struct kse_userspace_memory_region2));
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2, slot);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2, flags);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2, guest_phys_addr);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2, memory_size);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2, userspace_addr);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2,
		    guest_memfd_offset);
KSE_HDR_CHECK_FIELD(kvm_userspace_memory_region2, kse_userspace_memory_region2, guest_memfd);
#endif
#ifdef KVM_CREATE_GUEST_MEMFD
KSE_HDR_CHECK(KVM_CREATE_GUEST_MEMFD, KSE_CREATE_GUEST_MEMFD);
KSE_HDR_CHECK(sizeof(struct kvm_create_guest_memfd), sizeof(struct kse_create_guest_memfd));
KSE_HDR_CHECK_FIELD(kvm_create_guest_memfd, kse_create_guest_memfd, size);
KSE_HDR_CHECK_FIELD(kvm_create_guest_memfd, kse_create_guest_memfd, flags);
#endif
#ifdef KVM_SET_MEMORY_ATTRIBUTES
KSE_HDR_CHECK(KVM_SET_MEMORY_ATTRIBUTES, KSE_SET_MEMORY_ATTRIBUTES);
KSE_HDR_CHECK(KVM_MEMORY_ATTRIBUTE_PRIVATE, KSE_MEMORY_ATTRIBUTE_PRIVATE);
KSE_HDR_CHECK(sizeof(struct kvm_memory_attributes), sizeof(struct kse_memory_attributes));
KSE_HDR_CHECK_FIELD(kvm_memory_attributes, kse_memory_attributes, address);
KSE_HDR_CHECK_FIELD(kvm_memory_attributes, kse_memory_attributes, size);
KSE_HDR_CHECK_FIELD(kvm_memory_attributes, kse_memory_attributes, attributes);
KSE_HDR_CHECK_FIELD(kvm_memory_attributes, kse_memory_attributes, flags);
#endif

/*
 * The header's kvm_run agrees with the documented layout (d495f942f40a):
 * ndata fills the old padding, data[0] sits where 64-bit userspace found
 * flags, and flags survives as a union alias of data[0].
 */
KSE_HDR_CHECK(offsetof(struct kvm_run, exit_reason), KSE_RUN_EXIT_REASON_OFF);
KSE_HDR_CHECK(offsetof(struct kvm_run, system_event.type), KSE_RUN_SE_TYPE_OFF);
KSE_HDR_CHECK(offsetof(struct kvm_run, system_event.ndata), KSE_RUN_SE_NDATA_OFF);
KSE_HDR_CHECK(offsetof(struct kvm_run, system_event.data), KSE_RUN_SE_DATA_OFF);
KSE_HDR_CHECK(offsetof(struct kvm_run, system_event.flags), KSE_RUN_SE_DATA_OFF);
KSE_HDR_CHECK(sizeof(((struct kvm_run *)0)->system_event), KSE_RUN_SE_SIZE);
KSE_HDR_CHECK(sizeof(((struct kvm_run *)0)->system_event.data) / sizeof(__u64),
	      KSE_RUN_SE_NDATA_MAX);

#endif /* KSE_ABI_H */
