/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 vCPU state and host facts: registers, the supported CPUID, the VM
 * types and the vendor module KVM runs on.
 */
#ifndef KSE_X86_PROCESSOR_H
#define KSE_X86_PROCESSOR_H

#include <linux/kvm.h>

#include "vcpu.h"
#include "x86_abi.h"

int __vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int __vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
int __vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
int __vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs);
void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs);

/*
 * KVM_GET_SUPPORTED_CPUID into a new buffer (free() it), or NULL with errno
 * set. Every vCPU gets this CPUID, as in the upstream selftests: KVM on SVM
 * rejects long-mode EFER for a vCPU whose CPUID lacks LM. The kernel is
 * asked once per open /dev/kvm (the answer is a property of the module, and
 * costs about 0.4 ms where CPUID traps); each call returns a fresh copy.
 */
struct kvm_cpuid2 *kvm_supported_cpuid(struct kvm_dev *kvm);

/* The vendor module KVM runs on, which decides how it treats VMMCALL. */
enum kvm_vendor_module {
	KVM_MODULE_UNKNOWN,
	KVM_MODULE_SVM,		/* kvm_amd */
	KVM_MODULE_VMX,		/* kvm_intel */
	KVM_MODULE_PVM,		/* kvm_pvm */
};

/* From /sys/module (built-in vendor modules have parameters, so they are there). */
enum kvm_vendor_module kvm_vendor_module(void);

/* Bitmask of creatable VM types (KVM_CAP_VM_TYPES), or BIT(0) if absent. */
u32 kvm_vm_types(struct kvm_dev *kvm);

#endif /* KSE_X86_PROCESSOR_H */
