/* SPDX-License-Identifier: GPL-2.0 */
/* riscv vCPU state: the core registers through KVM_{GET,SET}_ONE_REG. */
#ifndef KSE_RISCV_PROCESSOR_H
#define KSE_RISCV_PROCESSOR_H

#include <stddef.h>
#include <linux/kvm.h>

#include "riscv_abi.h"
#include "vcpu.h"

/* ONE_REG ids of the core registers (struct kvm_riscv_core, in longs). */
#define RISCV_CORE_REG(field)	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KSE_REG_RISCV_CORE | \
				 (offsetof(struct kvm_riscv_core, field) / sizeof(unsigned long)))
#define RISCV_REG_PC		RISCV_CORE_REG(regs.pc)
#define RISCV_REG_A(n)		(RISCV_CORE_REG(regs.a0) + (n))
#define RISCV_REG_T6		RISCV_CORE_REG(regs.t6)

#endif /* KSE_RISCV_PROCESSOR_H */
