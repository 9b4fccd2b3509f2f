/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny riscv guests: one 64 KiB memory slot, code that lives next to the
 * test that runs it, entered in VS-mode with address translation off (the
 * vCPU's reset state).
 *
 * Guest physical layout:
 *   GUEST_MEM_GPA     code (the test's guest program, entry point)
 *   GUEST_REPORT_GPA  no memory: a store there exits to the host as
 *                     KVM_EXIT_MMIO, which is how a guest reports a value
 */
#ifndef KSE_RISCV_GUEST_H
#define KSE_RISCV_GUEST_H

#include "kvm_dev.h"
#include "guest_prog.h"
#include "processor.h"

#define GUEST_MEM_GPA		0x80000000ull
#define GUEST_MEM_SIZE		0x10000ull
#define GUEST_CODE_MAX		0x1000ull
#define GUEST_REPORT_GPA	0x10000000ull

/* The register that holds GUEST_REPORT_GPA for the programs below (t6). */
#define GUEST_REPORT_REG	RISCV_REG_T6

/* The SBI call in a0..a7 through ECALL, then a0 and a1 stored for the host. */
extern const struct guest_prog guest_sbi_call;

/*
 * Copy @prog to GUEST_MEM_GPA (the VM must have GUEST_MEM_SIZE there), point
 * the vCPU's pc at it and t6 at GUEST_REPORT_GPA. 0 or -errno.
 */
int guest_setup(struct vcpu *vcpu, const struct guest_prog *prog);

/* Put an SBI call (extension, function, a0..a2) in the vCPU's registers. */
void guest_set_sbi_call(struct vcpu *vcpu, u64 ext, u64 fn, u64 a0, u64 a1, u64 a2);

/* A KVM_EXIT_MMIO write of 8 bytes to GUEST_REPORT_GPA + @slot * 8: its value. */
bool guest_report(const struct kvm_run *run, unsigned int slot, u64 *value);

/*
 * Make one SBI call from a throwaway VM and return the guest's a0 (error)
 * and a1 (value). 0, or -errno (-EIO: the call did not come back).
 */
int kvm_sbi_call(struct kvm_dev *kvm, u64 ext, u64 fn, u64 arg0, s64 *error, u64 *value);

#endif /* KSE_RISCV_GUEST_H */
