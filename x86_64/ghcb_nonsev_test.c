// SPDX-License-Identifier: GPL-2.0
/*
 * ghcb_nonsev_test: the control. A plain (non-SEV) guest running the very
 * bytes of an SEV-ES termination request must never make KVM report
 * SYSTEM_EVENT / SEV_TERM. What it gets instead depends on the vendor
 * module KVM runs on, and is observed, not assumed:
 *
 * - kvm_intel (VMX): MSR 0xc0010130 does not exist, so the WRMSR raises
 *   #GP; VMMCALL is not Intel's hypercall instruction, so VMGEXIT (VMMCALL
 *   with a REP prefix) raises #UD once KVM's FIX_HYPERCALL_INSN quirk, which
 *   would rewrite the bytes into VMCALL, is disabled. kvm_pvm behaves the
 *   same (measured on the project's hosts, ../shared/reference/host-kvm.md).
 * - kvm_amd (SVM): KVM passes the GHCB MSR through to the CPU (svm.c's
 *   direct-access list), so the WRMSR completes; VMMCALL is AMD's own
 *   hypercall instruction and the REP prefix is ignored, so KVM runs it as
 *   a hypercall: an unknown number returns -KVM_ENOSYS in RAX and the guest
 *   runs on to its HLT.
 *
 * The guest's IDT turns each exception into an OUT of its vector, and the
 * faulting RIP is read back from the guest's exception frame.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "suite.h"
#include "term_guest.h"
#include "test_util.h"

static struct suite_opts opts = {
	.binary = "ghcb_nonsev_test",
	.summary = "non-SEV control: the termination bytes never give SEV_TERM",
};

#define VEC_UD 6
#define VEC_GP 13
#define KVM_ENOSYS_RET 0xfffffc18u	/* -KVM_ENOSYS (1000), as 32 bits */

/* What the guest did: the vector it reported, or no exception at all. */
struct observed {
	bool exception;
	int vector;
	u64 fault_rip;
	u32 exit_reason;
	u64 rax;
};

FIXTURE(nonsev) {
	struct plain p;
};

ALL_MODE_VARIANTS(nonsev);

FIXTURE_SETUP(nonsev)
{
	PLAIN_SETUP(self);
	if (!(kvm_check_cap(&self->p.kvm, KSE_CAP_DISABLE_QUIRKS2) &
	      KSE_X86_QUIRK_FIX_HYPERCALL_INSN))
		SUITE_SKIP(return, "FIX_HYPERCALL_INSN quirk cannot be disabled");
	vm_enable_cap(&self->p.vm, KSE_CAP_DISABLE_QUIRKS2, KSE_X86_QUIRK_FIX_HYPERCALL_INSN);
}

FIXTURE_TEARDOWN(nonsev)
{
	plain_destroy(&self->p);
}

/* Never SYSTEM_EVENT/SEV_TERM, whatever else happens (no IDT: it ends in SHUTDOWN). */
TEST_F(nonsev, never_sev_term)
{
	u64 value = 0x100 | (1 << 12) | (3 << 16);
	struct kvm_run *run = self->p.vcpu.run;
	struct run_outcome out;

	ASSERT_EQ(0, guest_setup(&self->p.vcpu, variant->mode, &term_guest, 0));
	guest_set_ghcb_request(&self->p.vcpu, value);
	/* Real mode never exits here (it vectors into zeroed memory): keep it short. */
	self->p.vcpu.timeout_ms = 500;
	vcpu_poison_system_event(&self->p.vcpu, SUITE_POISON);
	__vcpu_run(&self->p.vcpu, &out);
	pr_diag("outcome: rc=%d errno=%s stuck=%d exit_reason=0x%x(%s)", out.rc,
		out.rc < 0 ? errno_name(out.err) : "0", out.stuck, run->exit_reason,
		exit_reason_name(run->exit_reason));
	ASSERT_FALSE(out.rc == 0 && !out.stuck && run->exit_reason == KSE_EXIT_SYSTEM_EVENT)
		TH_LOG("a plain guest got KVM_EXIT_SYSTEM_EVENT type 0x%x data[0] 0x%llx",
		       run->system_event.type, (unsigned long long)run->system_event.data[0]);
}

/* Run from @entry with the vector-reporting IDT until the first exit. */
static void observe(struct __test_metadata *_metadata, struct vcpu *vcpu,
		    enum guest_mode mode, u64 entry, struct observed *o)
{
	struct kvm_run *run = vcpu->run;
	struct run_outcome out;
	struct kvm_regs regs;
	u64 frame, slot;
	void *p;

	memset(o, 0, sizeof(*o));
	ASSERT_EQ(0, guest_setup(vcpu, mode, &term_guest, GUEST_IDT_REPORT));
	guest_set_ghcb_request(vcpu, 0x100);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = entry;
	vcpu_set_regs(vcpu, &regs);

	__vcpu_run(vcpu, &out);
	ASSERT_FALSE(out.stuck) TH_LOG("guest never exited");
	ASSERT_EQ(0, out.rc) TH_LOG("KVM_RUN: errno=%s", errno_name(out.err));
	ASSERT_NE((u32)KSE_EXIT_SYSTEM_EVENT, run->exit_reason);
	o->exit_reason = run->exit_reason;
	vcpu_get_regs(vcpu, &regs);
	o->rax = regs.rax;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_VECTOR_PORT)
		return;

	o->exception = true;
	o->vector = *((u8 *)run + run->io.data_offset);
	/* The frame: [error code,] RIP. Its slots are 2, 4 or 8 bytes wide by mode. */
	slot = mode == GUEST_REAL ? 2 : mode == GUEST_PROT ? 4 : 8;
	frame = regs.rsp + (o->vector == VEC_GP && mode != GUEST_REAL ? slot : 0);
	p = vm_gpa_to_hva(vcpu->vm, frame, slot);
	ASSERT_NE(NULL, p);
	memcpy(&o->fault_rip, p, slot);
	pr_diag("observed: vector %d at rip 0x%llx", o->vector,
		(unsigned long long)o->fault_rip);
}

static void expect_no_exception(struct __test_metadata *_metadata, const struct observed *o)
{
	ASSERT_FALSE(o->exception) TH_LOG("vector %d at rip 0x%llx", o->vector,
					  (unsigned long long)o->fault_rip);
	pr_diag("observed: no exception, exit 0x%x(%s), rax 0x%llx", o->exit_reason,
		exit_reason_name(o->exit_reason), (unsigned long long)o->rax);
}

TEST_F(nonsev, ghcb_wrmsr)
{
	struct observed o;

	switch (kvm_vendor_module()) {
	case KVM_MODULE_VMX:
	case KVM_MODULE_PVM:
		observe(_metadata, &self->p.vcpu, variant->mode, GUEST_CODE_GPA, &o);
		ASSERT_TRUE(o.exception) TH_LOG("WRMSR of the GHCB MSR did not fault (exit %s)",
						exit_reason_name(o.exit_reason));
		ASSERT_EQ(VEC_GP, o.vector) TH_LOG("WRMSR of the GHCB MSR raised vector %d",
						    o.vector);
		ASSERT_EQ(GUEST_CODE_GPA, o.fault_rip);
		break;
	case KVM_MODULE_SVM:
		/* Passed through: no fault at the WRMSR; the VMMCALLs then run as hypercalls. */
		observe(_metadata, &self->p.vcpu, variant->mode, GUEST_CODE_GPA, &o);
		expect_no_exception(_metadata, &o);
		break;
	default:
		SUITE_SKIP(return, "KVM vendor module not identified");
	}
}

TEST_F(nonsev, vmgexit)
{
	u64 entry = GUEST_CODE_GPA + TERM_GUEST_VMGEXIT_OFFSET;
	struct observed o;

	switch (kvm_vendor_module()) {
	case KVM_MODULE_VMX:
	case KVM_MODULE_PVM:
		observe(_metadata, &self->p.vcpu, variant->mode, entry, &o);
		ASSERT_TRUE(o.exception) TH_LOG("VMGEXIT did not fault (exit %s)",
						exit_reason_name(o.exit_reason));
		ASSERT_EQ(VEC_UD, o.vector) TH_LOG("VMGEXIT raised vector %d", o.vector);
		ASSERT_EQ(entry, o.fault_rip);
		break;
	case KVM_MODULE_SVM:
		observe(_metadata, &self->p.vcpu, variant->mode, entry, &o);
		expect_no_exception(_metadata, &o);
		ASSERT_EQ((u32)KVM_EXIT_HLT, o.exit_reason);
		/* The last VMMCALL before the HLT returned -KVM_ENOSYS. */
		ASSERT_EQ(KVM_ENOSYS_RET, (u32)o.rax);
		break;
	default:
		SUITE_SKIP(return, "KVM vendor module not identified");
	}
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
