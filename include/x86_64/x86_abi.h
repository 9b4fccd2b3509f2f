/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 slice of the KVM user ABI this suite uses: VM types, SEV commands
 * and structs, quirks, MSR exits and MSRs (arch/x86/include/uapi/asm/kvm.h,
 * include/uapi/linux/kvm.h, Documentation/virt/kvm/x86/). Defined here with
 * the documented value where the system header lacks it, checked against
 * the header at build time where it has it (see abi.h).
 */
#ifndef KSE_X86_ABI_H
#define KSE_X86_ABI_H

#include <linux/kvm_para.h>

#include "abi.h"

/* --- Capabilities ------------------------------------------------------ */
#define KSE_CAP_HYPERV			44
#define KSE_CAP_X86_USER_SPACE_MSR	188
#define KSE_CAP_X86_MSR_FILTER		189
#define KSE_CAP_EXIT_HYPERCALL		201
#define KSE_CAP_DISABLE_QUIRKS2		213
#define KSE_CAP_X86_TRIPLE_FAULT_EVENT	218
#define KSE_HC_MAP_GPA_RANGE		12

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
#define KSE_SNP_POLICY_DEBUG		(1ull << 19)
#define KSE_SNP_PAGE_TYPE_NORMAL	1

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

#ifdef KVM_CAP_X86_TRIPLE_FAULT_EVENT
KSE_HDR_CHECK(KVM_CAP_X86_TRIPLE_FAULT_EVENT, KSE_CAP_X86_TRIPLE_FAULT_EVENT);
#endif
#ifdef KVM_CAP_DISABLE_QUIRKS2
KSE_HDR_CHECK(KVM_CAP_DISABLE_QUIRKS2, KSE_CAP_DISABLE_QUIRKS2);
#endif
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
KSE_HDR_CHECK_FIELD(kvm_sev_init, kse_sev_init, vmsa_features);
KSE_HDR_CHECK_FIELD(kvm_sev_init, kse_sev_init, flags);
KSE_HDR_CHECK_FIELD(kvm_sev_init, kse_sev_init, ghcb_version);
#endif
#ifdef KVM_X86_SNP_VM
/* 6.11+ headers: the SNP VM type, its launch commands and their arguments. */
KSE_HDR_CHECK(KVM_X86_SNP_VM, KSE_X86_SNP_VM);
KSE_HDR_CHECK(KVM_SEV_SNP_LAUNCH_START, KSE_SEV_SNP_LAUNCH_START);
KSE_HDR_CHECK(KVM_SEV_SNP_LAUNCH_UPDATE, KSE_SEV_SNP_LAUNCH_UPDATE);
KSE_HDR_CHECK(KVM_SEV_SNP_LAUNCH_FINISH, KSE_SEV_SNP_LAUNCH_FINISH);
KSE_HDR_CHECK(KVM_SEV_SNP_PAGE_TYPE_NORMAL, KSE_SNP_PAGE_TYPE_NORMAL);
KSE_HDR_CHECK(sizeof(struct kvm_sev_snp_launch_start),
	      sizeof(struct kse_sev_snp_launch_start));
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_start, kse_sev_snp_launch_start, policy);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_start, kse_sev_snp_launch_start, gosvw);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_start, kse_sev_snp_launch_start, flags);
KSE_HDR_CHECK(sizeof(struct kvm_sev_snp_launch_update),
	      sizeof(struct kse_sev_snp_launch_update));
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_update, kse_sev_snp_launch_update, gfn_start);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_update, kse_sev_snp_launch_update, uaddr);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_update, kse_sev_snp_launch_update, len);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_update, kse_sev_snp_launch_update, type);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_update, kse_sev_snp_launch_update, flags);
KSE_HDR_CHECK(sizeof(struct kvm_sev_snp_launch_finish),
	      sizeof(struct kse_sev_snp_launch_finish));
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, id_block_uaddr);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, id_auth_uaddr);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, id_block_en);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, auth_key_en);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, vcek_disabled);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, host_data);
KSE_HDR_CHECK_FIELD(kvm_sev_snp_launch_finish, kse_sev_snp_launch_finish, flags);
#endif
#ifdef KVM_HC_MAP_GPA_RANGE
KSE_HDR_CHECK(KVM_HC_MAP_GPA_RANGE, KSE_HC_MAP_GPA_RANGE);
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

#endif /* KSE_X86_ABI_H */
