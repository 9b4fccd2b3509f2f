/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 vCPU state: core registers through KVM_{GET,SET}_ONE_REG, the PSCI
 * version KVM offers, the IRQ line of a VM without an in-kernel GIC, and
 * what the host's KVM is (VHE or not).
 */
#ifndef KSE_AARCH64_PROCESSOR_H
#define KSE_AARCH64_PROCESSOR_H

#include <stddef.h>
#include <linux/kvm.h>

#include "aarch64_abi.h"
#include "vcpu.h"

/* ONE_REG ids of the core registers (struct kvm_regs, in 32-bit words). */
#define ARM64_CORE_REG(off)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
				 ((off) / sizeof(__u32)))
#define ARM64_REG_X(n)		ARM64_CORE_REG(offsetof(struct kvm_regs, regs.regs[n]))
#define ARM64_REG_PC		ARM64_CORE_REG(offsetof(struct kvm_regs, regs.pc))

/*
 * The PSCI version KVM offers this vCPU (KVM_REG_ARM_PSCI_VERSION), and
 * setting an older one before the first run; 0 or -errno.
 */
int __vcpu_get_psci_version(struct vcpu *vcpu, u32 *version);
int __vcpu_set_psci_version(struct vcpu *vcpu, u32 version);

/* The PSCI version a new vCPU gets by default (a throwaway VM); 0 or -errno. */
int kvm_psci_version_offered(struct kvm_dev *kvm, u32 *version);

/* KVM_IRQ_LINE on a vCPU's IRQ line (no in-kernel GIC); 0 or -errno. */
int __vm_irq_line_cpu(struct vm *vm, u32 vcpu_idx, int level);

/*
 * How KVM runs on this host, from the kernel log: "vhe", "nvhe",
 * "protected", or NULL when the log does not say (or cannot be read).
 */
const char *kvm_arm_mode(void);

#endif /* KSE_AARCH64_PROCESSOR_H */
