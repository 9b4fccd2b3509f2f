/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slice of the KVM user ABI this suite checks, as documented upstream.
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
#define KSE_EXIT_SHUTDOWN		8
#define KSE_EXIT_SYSTEM_EVENT		24
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

/* --- Capabilities ------------------------------------------------------ */
#define KSE_CAP_HYPERV			44
#define KSE_CAP_X86_USER_SPACE_MSR	188
#define KSE_CAP_X86_MSR_FILTER		189
#define KSE_CAP_DISABLE_QUIRKS2		213
#define KSE_CAP_SYSTEM_EVENT_DATA	215
#define KSE_CAP_X86_TRIPLE_FAULT_EVENT	218
#define KSE_CAP_VM_TYPES		235
#define KSE_CAP_EXIT_HYPERCALL		201
#define KSE_HC_MAP_GPA_RANGE		12

#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES		KSE_CAP_VM_TYPES
#endif

/* --- VM types (arch/x86/include/uapi/asm/kvm.h, v6.10+) ---------------- */
#define KSE_X86_DEFAULT_VM		0
#define KSE_X86_SW_PROTECTED_VM		1
#define KSE_X86_SEV_VM			2
#define KSE_X86_SEV_ES_VM		3
#define KSE_X86_SNP_VM			4

/* --- SEV commands (enum sev_cmd_id) ------------------------------------ */
#define KSE_SEV_INIT			0
#define KSE_SEV_ES_INIT			1
#define KSE_SEV_LAUNCH_START		2
#define KSE_SEV_LAUNCH_UPDATE_DATA	3
#define KSE_SEV_LAUNCH_UPDATE_VMSA	4
#define KSE_SEV_LAUNCH_MEASURE		6
#define KSE_SEV_LAUNCH_FINISH		7
#define KSE_SEV_GUEST_STATUS		16
#define KSE_SEV_INIT2			22
#define KSE_SEV_SNP_LAUNCH_START	100
#define KSE_SEV_SNP_LAUNCH_UPDATE	101
#define KSE_SEV_SNP_LAUNCH_FINISH	102

/* Guest policy bits (SEV API spec; selftests' SEV_POLICY_*). */
#define KSE_SEV_POLICY_NODBG		(1u << 0)
#define KSE_SEV_POLICY_ES		(1u << 2)
/* SNP policy: SMT allowed (bit 16), reserved-must-be-one (bit 17). */
#define KSE_SNP_POLICY_SMT		(1ull << 16)
#define KSE_SNP_POLICY_RSVD_MBO		(1ull << 17)

/* GUEST_STATUS states. */
#define KSE_SEV_STATE_LAUNCH_UPDATE	1
#define KSE_SEV_STATE_LAUNCH_SECRET	2
#define KSE_SEV_STATE_RUNNING		3

/* struct kvm_sev_init (KVM_SEV_INIT2), 48 bytes. */
struct kse_sev_init {
	__u64 vmsa_features;
	__u32 flags;
	__u16 ghcb_version;
	__u16 pad1;
	__u32 pad2[8];
};

/* struct kvm_sev_snp_launch_start / _update / _finish (v6.11+). */
struct kse_sev_snp_launch_start {
	__u64 policy;
	__u8 gosvw[16];
	__u16 flags;
	__u8 pad0[6];
	__u64 pad1[4];
};

struct kse_sev_snp_launch_update {
	__u64 gfn_start;
	__u64 uaddr;
	__u64 len;
	__u8 type;
	__u8 pad0;
	__u16 flags;
	__u32 pad1;
	__u64 pad2[4];
};

struct kse_sev_snp_launch_finish {
	__u64 id_block_uaddr;
	__u64 id_auth_uaddr;
	__u8 id_block_en;
	__u8 auth_key_en;
	__u8 vcek_disabled;
	__u8 host_data[32];
	__u8 pad0[3];
	__u16 flags;
	__u64 pad1[4];
};

#define KSE_SNP_PAGE_TYPE_NORMAL	1

/* guest_memfd and memory attributes (v6.8+), needed by SNP only. */
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

/* --- Quirks and MSR exits (arch/x86/include/uapi/asm/kvm.h) ------------ */
#define KSE_X86_QUIRK_FIX_HYPERCALL_INSN	(1u << 5)
#define KSE_MSR_EXIT_REASON_INVAL		(1u << 0)
#define KSE_MSR_EXIT_REASON_UNKNOWN		(1u << 1)
#define KSE_MSR_EXIT_REASON_FILTER		(1u << 2)

/* --- MSRs and CPUID ----------------------------------------------------- */
#define KSE_MSR_SEV_ES_GHCB		0xc0010130u
#define KSE_MSR_SEV_STATUS		0xc0010131u
#define KSE_HV_MSR_RESET		0x40000003u
#define KSE_HV_MSR_CRASH_CTL		0x40000105u
#define KSE_HV_CRASH_CTL_NOTIFY		(1ull << 63)
#define KSE_HV_CPUID_SIGNATURE_EAX	0x31237648u	/* "Hv#1" */

/* --- Documented layout of kvm_run->system_event on x86-64 --------------- */
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

KSE_HDR_CHECK(KVM_EXIT_SHUTDOWN, KSE_EXIT_SHUTDOWN);
KSE_HDR_CHECK(KVM_EXIT_SYSTEM_EVENT, KSE_EXIT_SYSTEM_EVENT);
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
#ifdef KVM_CAP_X86_TRIPLE_FAULT_EVENT
KSE_HDR_CHECK(KVM_CAP_X86_TRIPLE_FAULT_EVENT, KSE_CAP_X86_TRIPLE_FAULT_EVENT);
#endif
#ifdef KVM_CAP_DISABLE_QUIRKS2
KSE_HDR_CHECK(KVM_CAP_DISABLE_QUIRKS2, KSE_CAP_DISABLE_QUIRKS2);
#endif
KSE_HDR_CHECK(KVM_CAP_VM_TYPES, KSE_CAP_VM_TYPES);
KSE_HDR_CHECK(KVM_CAP_HYPERV, KSE_CAP_HYPERV);
#ifdef KVM_CAP_EXIT_HYPERCALL
KSE_HDR_CHECK(KVM_CAP_EXIT_HYPERCALL, KSE_CAP_EXIT_HYPERCALL);
#endif
KSE_HDR_CHECK(KVM_CAP_X86_USER_SPACE_MSR, KSE_CAP_X86_USER_SPACE_MSR);
KSE_HDR_CHECK(KVM_CAP_X86_MSR_FILTER, KSE_CAP_X86_MSR_FILTER);
#ifdef KVM_X86_QUIRK_FIX_HYPERCALL_INSN
KSE_HDR_CHECK(KVM_X86_QUIRK_FIX_HYPERCALL_INSN, KSE_X86_QUIRK_FIX_HYPERCALL_INSN);
#endif
#ifdef KVM_X86_SEV_ES_VM
/* 6.10+ headers: VM types, KVM_SEV_INIT2 and its argument. */
KSE_HDR_CHECK(KVM_X86_DEFAULT_VM, KSE_X86_DEFAULT_VM);
KSE_HDR_CHECK(KVM_X86_SEV_VM, KSE_X86_SEV_VM);
KSE_HDR_CHECK(KVM_X86_SEV_ES_VM, KSE_X86_SEV_ES_VM);
KSE_HDR_CHECK(KVM_SEV_INIT2, KSE_SEV_INIT2);
KSE_HDR_CHECK(sizeof(struct kvm_sev_init), sizeof(struct kse_sev_init));
#endif
#ifdef KVM_X86_SNP_VM
KSE_HDR_CHECK(KVM_X86_SNP_VM, KSE_X86_SNP_VM);
KSE_HDR_CHECK(KVM_SEV_SNP_LAUNCH_START, KSE_SEV_SNP_LAUNCH_START);
KSE_HDR_CHECK(sizeof(struct kvm_sev_snp_launch_start),
	      sizeof(struct kse_sev_snp_launch_start));
KSE_HDR_CHECK(sizeof(struct kvm_sev_snp_launch_update),
	      sizeof(struct kse_sev_snp_launch_update));
KSE_HDR_CHECK(sizeof(struct kvm_sev_snp_launch_finish),
	      sizeof(struct kse_sev_snp_launch_finish));
#endif
KSE_HDR_CHECK(KVM_SEV_ES_INIT, KSE_SEV_ES_INIT);
KSE_HDR_CHECK(KVM_SEV_LAUNCH_START, KSE_SEV_LAUNCH_START);
KSE_HDR_CHECK(KVM_SEV_LAUNCH_UPDATE_DATA, KSE_SEV_LAUNCH_UPDATE_DATA);
KSE_HDR_CHECK(KVM_SEV_LAUNCH_UPDATE_VMSA, KSE_SEV_LAUNCH_UPDATE_VMSA);
KSE_HDR_CHECK(KVM_SEV_LAUNCH_MEASURE, KSE_SEV_LAUNCH_MEASURE);
KSE_HDR_CHECK(KVM_SEV_LAUNCH_FINISH, KSE_SEV_LAUNCH_FINISH);
KSE_HDR_CHECK(KVM_SEV_GUEST_STATUS, KSE_SEV_GUEST_STATUS);

/* Our own structs have the documented sizes. */
_Static_assert(sizeof(struct kse_sev_init) == 48, "kvm_sev_init is 48 bytes");
_Static_assert(sizeof(struct kse_sev_snp_launch_start) == 64, "snp_launch_start size");
_Static_assert(sizeof(struct kse_sev_snp_launch_update) == 64, "snp_launch_update size");
_Static_assert(sizeof(struct kse_sev_snp_launch_finish) == 88, "snp_launch_finish size");

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
