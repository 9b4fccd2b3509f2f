/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64's parts of the generic objects (struct kvm_dev, vm, vcpu) and the
 * hooks the generic core calls. Included by the core's headers only.
 */
#ifndef KSE_AARCH64_KVM_ARCH_H
#define KSE_AARCH64_KVM_ARCH_H

#include <linux/kvm.h>

#include "util.h"

struct kvm_dev_arch {
	char unused;
};

struct vm_arch {
	/* KVM_ARM_PREFERRED_TARGET, asked once per VM; PSCI 0.2 added. */
	struct kvm_vcpu_init init;
	bool have_init;
};

struct vcpu_arch {
	char unused;
};

#endif /* KSE_AARCH64_KVM_ARCH_H */
