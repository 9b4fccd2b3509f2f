/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv's parts of the generic objects (struct kvm_dev, vm, vcpu) and the
 * hooks the generic core calls. Included by the core's headers only.
 */
#ifndef KSE_RISCV_KVM_ARCH_H
#define KSE_RISCV_KVM_ARCH_H

#include "util.h"

struct kvm_dev_arch {
	char unused;
};

struct vm_arch {
	char unused;
};

struct vcpu_arch {
	char unused;
};

#endif /* KSE_RISCV_KVM_ARCH_H */
