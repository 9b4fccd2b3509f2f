/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64's slice of the ABI: the PSCI calls a guest makes (Arm DEN0022, the
 * PSCI specification, through the SMC Calling Convention's HVC conduit) and
 * what KVM's uapi says about them (arch/arm64/include/uapi/asm/kvm.h,
 * Documentation/virt/kvm/api.rst). Values the system header lacks (Debian
 * 12's 6.1 headers predate PSCI 1.3) are defined here; those it has are
 * checked against ours at build time.
 */
#ifndef KSE_AARCH64_ABI_H
#define KSE_AARCH64_ABI_H

#include <linux/kvm.h>

#include "abi.h"

/* --- PSCI function IDs (DEN0022; SMC32 0x84..., SMC64 0xC4...) ---------- */
#define KSE_PSCI_VERSION		0x84000000u
#define KSE_PSCI_SYSTEM_OFF		0x84000008u
#define KSE_PSCI_SYSTEM_RESET		0x84000009u
#define KSE_PSCI_FEATURES		0x8400000au
#define KSE_PSCI_SYSTEM_SUSPEND32	0x8400000eu
#define KSE_PSCI_SYSTEM_SUSPEND64	0xc400000eu
#define KSE_PSCI_SYSTEM_RESET2_64	0xc4000012u	/* PSCI 1.1 */
#define KSE_PSCI_SYSTEM_OFF2_32		0x84000015u	/* PSCI 1.3 */
#define KSE_PSCI_SYSTEM_OFF2_64		0xc4000015u	/* PSCI 1.3 */
/* No PSCI function has this number: the control's call. */
#define KSE_PSCI_UNASSIGNED		0x8400001fu

/* SYSTEM_RESET2 reset types; SYSTEM_OFF2 off types. */
#define KSE_PSCI_RESET2_WARM		0x0u
#define KSE_PSCI_RESET2_VENDOR_START	0x80000000u
#define KSE_PSCI_OFF2_HIBERNATE_OFF	0x1u

/* PSCI return values, as the guest sees them in x0 (64-bit). */
#define KSE_PSCI_RET_SUCCESS		0ll
#define KSE_PSCI_RET_NOT_SUPPORTED	-1ll
#define KSE_PSCI_RET_INVALID_PARAMETERS	-2ll
#define KSE_PSCI_RET_INTERNAL_FAILURE	-6ll

/* PSCI versions: major in bits 31:16, minor in 15:0. */
#define KSE_PSCI_VER(maj, min)		(((maj) << 16) | (min))
#define KSE_PSCI_VER_MAJOR(v)		((unsigned int)((v) >> 16) & 0x7fff)
#define KSE_PSCI_VER_MINOR(v)		((unsigned int)(v) & 0xffff)

/* --- KVM: vCPU features, registers, capabilities, event flags ------------ */
#define KSE_ARM_VCPU_PSCI_0_2		2
#define KSE_REG_ARM_PSCI_VERSION	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | (0x0014ull << 16) | 0)
#define KSE_CAP_ARM_SYSTEM_SUSPEND	216
#define KSE_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2		(1ull << 0)
#define KSE_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2	(1ull << 0)	/* 6.13 */
#define KSE_MP_STATE_SUSPENDED		10

/* KVM_IRQ_LINE's irq field without an in-kernel GIC: a CPU's IRQ line. */
#define KSE_ARM_IRQ_CPU_LINE(vcpu_idx, line)	((0u << 24) | ((vcpu_idx) << 16) | (line))
#define KSE_ARM_IRQ_CPU_IRQ		0

KSE_HDR_CHECK(KVM_ARM_VCPU_PSCI_0_2, KSE_ARM_VCPU_PSCI_0_2);
KSE_HDR_CHECK(KVM_REG_ARM_PSCI_VERSION, KSE_REG_ARM_PSCI_VERSION);
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2, KSE_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2);
KSE_HDR_CHECK(KVM_ARM_IRQ_TYPE_CPU, 0);
KSE_HDR_CHECK(KVM_ARM_IRQ_CPU_IRQ, KSE_ARM_IRQ_CPU_IRQ);
#ifdef KVM_MP_STATE_SUSPENDED
KSE_HDR_CHECK(KVM_MP_STATE_SUSPENDED, KSE_MP_STATE_SUSPENDED);
#endif
#ifdef KVM_CAP_ARM_SYSTEM_SUSPEND
KSE_HDR_CHECK(KVM_CAP_ARM_SYSTEM_SUSPEND, KSE_CAP_ARM_SYSTEM_SUSPEND);
#endif
#ifdef KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2
KSE_HDR_CHECK(KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2, KSE_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2);
#endif

#endif /* KSE_AARCH64_ABI_H */
