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
	PLAIN_SETUP(self, 1);
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
	struct kvm_run *run = self->p.vcpu[0].run;
	struct sysevent_expect exp;
	struct run_outcome out;

	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], variant->mode, &term_guest, 0));
	guest_set_ghcb_request(&self->p.vcpu[0], value);
	/* Real mode never exits here (it vectors into zeroed memory): keep it short. */
	self->p.vcpu[0].timeout_ms = 500;
	vcpu_poison_system_event(&self->p.vcpu[0], SUITE_POISON);
	__vcpu_run(&self->p.vcpu[0], &out);
	pr_diag("outcome: rc=%d errno=%s stuck=%d exit_reason=0x%x(%s)", out.rc,
		out.rc < 0 ? errno_name(out.err) : "0", out.stuck, run->exit_reason,
		exit_reason_name(run->exit_reason));
	/* The oracle, told what must not happen: any system event at all. */
	sysevent_expect_sev_term(&exp, opts.profile, value,
				 kvm_check_cap(&self->p.kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
	exp.protected_guest = false;
	exp.forbidden = true;
	ASSERT_EQ(0, suite_check_event(&out, run, &exp));
}

/*
 * Run from @entry with the vector-reporting IDT until the first exit, which
 * must be @want_exit (the oracle judges it); then what the guest reported.
 * Returns the number of deviations.
 */
static int observe(struct vcpu *vcpu, enum guest_mode mode,
		   u64 entry, u32 want_exit, struct observed *o)
{
	struct sysevent_expect exp = { .profile = opts.profile, .exit_reason = want_exit };
	struct kvm_run *run = vcpu->run;
	struct run_outcome out;
	struct kvm_regs regs;
	u64 frame, slot;
	void *p;
	int n;

	memset(o, 0, sizeof(*o));
	if (guest_setup(vcpu, mode, &term_guest, GUEST_IDT_REPORT))
		lib_fail("guest setup failed");
	guest_set_ghcb_request(vcpu, 0x100);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = entry;
	vcpu_set_regs(vcpu, &regs);

	vcpu_poison_system_event(vcpu, SUITE_POISON);
	__vcpu_run(vcpu, &out);
	n = suite_check_event(&out, run, &exp);
	if (out.stuck || out.rc < 0)
		return n;
	o->exit_reason = run->exit_reason;
	vcpu_get_regs(vcpu, &regs);
	o->rax = regs.rax;
	if (run->exit_reason != KVM_EXIT_IO)
		return n;
	n += suite_check_value("io.port", GUEST_VECTOR_PORT, run->io.port);
	if (run->io.port != GUEST_VECTOR_PORT)
		return n;

	o->exception = true;
	o->vector = *((u8 *)run + run->io.data_offset);
	/* The frame: [error code,] RIP. Its slots are 2, 4 or 8 bytes wide by mode. */
	slot = mode == GUEST_REAL ? 2 : mode == GUEST_PROT ? 4 : 8;
	frame = regs.rsp + (o->vector == VEC_GP && mode != GUEST_REAL ? slot : 0);
	p = vm_gpa_to_hva(vcpu->vm, frame, slot);
	if (!p)
		lib_fail("the exception frame at 0x%llx is outside guest memory",
			 (unsigned long long)frame);
	memcpy(&o->fault_rip, p, slot);
	pr_diag("observed: vector %d at rip 0x%llx", o->vector,
		(unsigned long long)o->fault_rip);
	return n;
}

/* The exception the guest must have taken, and where. */
static int expect_exception(const struct observed *o, int vector, u64 rip)
{
	if (!o->exception)
		return 0;	/* the oracle already named the exit */
	return suite_check_value("guest.vector", vector, o->vector) +
	       suite_check_value("guest.fault_rip", rip, o->fault_rip);
}

TEST_F(nonsev, ghcb_wrmsr)
{
	struct observed o;
	int n;

	switch (kvm_vendor_module()) {
	case KVM_MODULE_VMX:
	case KVM_MODULE_PVM:
		/* #GP at the WRMSR: an OUT of its vector. */
		n = observe(&self->p.vcpu[0], variant->mode, GUEST_CODE_GPA, KVM_EXIT_IO,
			    &o);
		n += expect_exception(&o, VEC_GP, GUEST_CODE_GPA);
		ASSERT_EQ(0, n);
		break;
	case KVM_MODULE_SVM:
		/* Passed through: no fault at the WRMSR; the VMMCALLs run as hypercalls. */
		n = observe(&self->p.vcpu[0], variant->mode, GUEST_CODE_GPA, KVM_EXIT_HLT,
			    &o);
		ASSERT_EQ(0, n);
		pr_diag("observed: no exception, exit 0x%x(%s), rax 0x%llx", o.exit_reason,
			exit_reason_name(o.exit_reason), (unsigned long long)o.rax);
		break;
	default:
		SUITE_SKIP(return, "KVM vendor module not identified");
	}
}

TEST_F(nonsev, vmgexit)
{
	u64 entry = GUEST_CODE_GPA + TERM_GUEST_VMGEXIT_OFFSET;
	struct observed o;
	int n;

	switch (kvm_vendor_module()) {
	case KVM_MODULE_VMX:
	case KVM_MODULE_PVM:
		/* #UD at VMGEXIT. */
		n = observe(&self->p.vcpu[0], variant->mode, entry, KVM_EXIT_IO, &o);
		n += expect_exception(&o, VEC_UD, entry);
		ASSERT_EQ(0, n);
		break;
	case KVM_MODULE_SVM:
		/* The last VMMCALL before the HLT returned -KVM_ENOSYS. */
		n = observe(&self->p.vcpu[0], variant->mode, entry, KVM_EXIT_HLT, &o);
		if (!n)
			n = suite_check_value("guest.rax[31:0]", KVM_ENOSYS_RET, (u32)o.rax);
		ASSERT_EQ(0, n);
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
