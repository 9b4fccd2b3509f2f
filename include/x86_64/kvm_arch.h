/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86's parts of the generic objects (struct kvm_dev, vm, vcpu) and the
 * hooks the generic core calls. Included by the core's headers only.
 */
#ifndef KSE_X86_KVM_ARCH_H
#define KSE_X86_KVM_ARCH_H

#include "util.h"

struct kvm_cpuid2;

struct kvm_dev_arch {
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, on first use */
};

struct vm_arch {
	u64 c_bit;		/* tag for private pages in guest PTEs, 0 if none */
};

struct vcpu_arch {
	char unused;
};

#endif /* KSE_X86_KVM_ARCH_H */
