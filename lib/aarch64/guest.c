// SPDX-License-Identifier: GPL-2.0
/* Loading tiny arm64 guests, and reading what they report. */
#include <errno.h>
#include <string.h>

#include "guest.h"

int guest_setup(struct vcpu *vcpu, const struct guest_prog *prog)
{
	size_t len = prog->end - prog->start;
	void *code = vm_gpa_to_hva(vcpu->vm, GUEST_MEM_GPA, GUEST_CODE_MAX);
	int r;

	if (!code || !len || len > GUEST_CODE_MAX)
		return -EINVAL;
	memcpy(code, prog->start, len);
	r = __vcpu_set_reg(vcpu, ARM64_REG_PC, GUEST_MEM_GPA);
	if (!r)
		r = __vcpu_set_reg(vcpu, ARM64_REG_X(GUEST_REPORT_REG), GUEST_REPORT_GPA);
	return r;
}

bool guest_report(const struct kvm_run *run, unsigned int slot, u64 *value)
{
	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write || run->mmio.len != 8 ||
	    run->mmio.phys_addr != GUEST_REPORT_GPA + slot * 8)
		return false;
	memcpy(value, run->mmio.data, sizeof(*value));
	return true;
}
