// SPDX-License-Identifier: GPL-2.0
/*
 * riscv's side of the core: the hooks. A riscv vCPU needs nothing after
 * KVM_CREATE_VCPU (it resets into VS-mode, and KVM handles the SBI); the
 * pc is a core register.
 */
#include "processor.h"

void kvm_arch_close(struct kvm_dev *kvm)
{
	(void)kvm;
}

int vcpu_arch_init(struct vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

int vcpu_arch_get_pc(struct vcpu *vcpu, u64 *pc)
{
	return __vcpu_get_reg(vcpu, RISCV_REG_PC, pc);
}
