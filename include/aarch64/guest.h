/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny arm64 guests: one 64 KiB memory slot, code that lives next to the
 * test that runs it, entered at EL1 with the MMU off (the vCPU's reset
 * state after KVM_ARM_VCPU_INIT).
 *
 * Guest physical layout:
 *   GUEST_MEM_GPA     code (the test's guest program, entry point)
 *   GUEST_REPORT_GPA  no memory: a store there exits to the host as
 *                     KVM_EXIT_MMIO, which is how a guest reports a value
 */
#ifndef KSE_AARCH64_GUEST_H
#define KSE_AARCH64_GUEST_H

#include "guest_prog.h"
#include "processor.h"

#define GUEST_MEM_GPA		0x40000000ull
#define GUEST_MEM_SIZE		0x10000ull
#define GUEST_CODE_MAX		0x1000ull
#define GUEST_REPORT_GPA	0x10000000ull

/* The register that holds GUEST_REPORT_GPA for the programs below. */
#define GUEST_REPORT_REG	9

/*
 * Copy @prog to GUEST_MEM_GPA (the VM must have GUEST_MEM_SIZE there), point
 * the vCPU's pc at it and x9 at GUEST_REPORT_GPA. 0 or -errno.
 */
int guest_setup(struct vcpu *vcpu, const struct guest_prog *prog);

/* A KVM_EXIT_MMIO write of 8 bytes to GUEST_REPORT_GPA + @slot * 8: its value. */
bool guest_report(const struct kvm_run *run, unsigned int slot, u64 *value);

#endif /* KSE_AARCH64_GUEST_H */
