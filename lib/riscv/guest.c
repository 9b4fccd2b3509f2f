// SPDX-License-Identifier: GPL-2.0
/* Loading tiny riscv guests, reading what they report, one-off SBI calls. */
#include <errno.h>
#include <string.h>

#include "guest.h"

asm(".pushsection .rodata.kse_guest, \"a\"\n"
    ".balign 4\n"
    "sbi_call_prog_start:\n"
    "ecall\n"
    "sd	a0, 0(t6)\n"
    "sd	a1, 8(t6)\n"
    "1:	j	1b\n"
    "sbi_call_prog_end:\n"
    ".popsection\n");
extern const u8 sbi_call_prog_start[], sbi_call_prog_end[];

const struct guest_prog guest_sbi_call = { sbi_call_prog_start, sbi_call_prog_end };

int guest_setup(struct vcpu *vcpu, const struct guest_prog *prog)
{
	size_t len = prog->end - prog->start;
	void *code = vm_gpa_to_hva(vcpu->vm, GUEST_MEM_GPA, GUEST_CODE_MAX);
	int r;

	if (!code || !len || len > GUEST_CODE_MAX)
		return -EINVAL;
	memcpy(code, prog->start, len);
	r = __vcpu_set_reg(vcpu, RISCV_REG_PC, GUEST_MEM_GPA);
	if (!r)
		r = __vcpu_set_reg(vcpu, GUEST_REPORT_REG, GUEST_REPORT_GPA);
	return r;
}

void guest_set_sbi_call(struct vcpu *vcpu, u64 ext, u64 fn, u64 a0, u64 a1, u64 a2)
{
	vcpu_set_reg(vcpu, RISCV_REG_A(7), ext);
	vcpu_set_reg(vcpu, RISCV_REG_A(6), fn);
	vcpu_set_reg(vcpu, RISCV_REG_A(0), a0);
	vcpu_set_reg(vcpu, RISCV_REG_A(1), a1);
	vcpu_set_reg(vcpu, RISCV_REG_A(2), a2);
}

bool guest_report(const struct kvm_run *run, unsigned int slot, u64 *value)
{
	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write || run->mmio.len != 8 ||
	    run->mmio.phys_addr != GUEST_REPORT_GPA + slot * 8)
		return false;
	memcpy(value, run->mmio.data, sizeof(*value));
	return true;
}

static int set_call(struct vcpu *vcpu, u64 ext, u64 fn, u64 arg0)
{
	static const u64 ids[] = { RISCV_REG_A(7), RISCV_REG_A(6), RISCV_REG_A(0) };
	u64 vals[] = { ext, fn, arg0 };
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < 3; i++)
		r = __vcpu_set_reg(vcpu, ids[i], vals[i]);
	return r;
}

int kvm_sbi_call(struct kvm_dev *kvm, u64 ext, u64 fn, u64 arg0, s64 *error, u64 *value)
{
	struct run_outcome out;
	struct vcpu vcpu;
	struct vm vm;
	u64 a0 = 0;
	int r;

	r = __vm_create(kvm, 0, &vm);
	if (r)
		return r;
	r = __vm_add_memory(&vm, GUEST_MEM_GPA, GUEST_MEM_SIZE);
	if (r)
		goto out_vm;
	r = __vcpu_create(&vm, 0, &vcpu);
	if (r)
		goto out_vm;
	r = guest_setup(&vcpu, &guest_sbi_call);
	if (!r)
		r = set_call(&vcpu, ext, fn, arg0);
	/* Two stores: a0, then (after KVM_RUN completes the first) a1. */
	if (!r && (__vcpu_run(&vcpu, &out) || !guest_report(vcpu.run, 0, &a0)))
		r = out.rc < 0 ? -out.err : -EIO;
	if (!r && (__vcpu_run(&vcpu, &out) || !guest_report(vcpu.run, 1, value)))
		r = out.rc < 0 ? -out.err : -EIO;
	if (!r)
		*error = (s64)a0;
	vcpu_destroy(&vcpu);
out_vm:
	vm_destroy(&vm);
	return r;
}
