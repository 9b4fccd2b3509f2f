// SPDX-License-Identifier: GPL-2.0
/*
 * ghcb_nonsev_test: the control. A plain (non-SEV) guest running the very
 * bytes of an SEV-ES termination request must never make KVM report
 * SYSTEM_EVENT / SEV_TERM. What it must get instead is architectural and is
 * observed, not assumed: the GHCB MSR does not exist outside SEV-ES, so the
 * WRMSR raises #GP; VMGEXIT is VMMCALL with a REP prefix, which raises #UD
 * once KVM's FIX_HYPERCALL_INSN quirk (which would rewrite the bytes) is
 * disabled. The guest's IDT turns each exception into an OUT of its vector,
 * and the faulting RIP is read back from the guest's exception frame.
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

/*
 * Run from @entry with the vector-reporting IDT; return the vector the guest
 * reported and the RIP its exception frame holds.
 */
static void run_to_exception(struct __test_metadata *_metadata, struct vcpu *vcpu,
			     enum guest_mode mode, u64 entry, int *vector, u64 *fault_rip)
{
	struct kvm_run *run = vcpu->run;
	struct run_outcome out;
	struct kvm_regs regs;
	u64 frame, slot;
	void *p;

	ASSERT_EQ(0, guest_setup(vcpu, mode, &term_guest, GUEST_IDT_REPORT));
	guest_set_ghcb_request(vcpu, 0x100);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = entry;
	vcpu_set_regs(vcpu, &regs);

	__vcpu_run(vcpu, &out);
	ASSERT_FALSE(out.stuck) TH_LOG("guest never exited");
	ASSERT_EQ(0, out.rc) TH_LOG("KVM_RUN: errno=%s", errno_name(out.err));
	ASSERT_EQ((u32)KVM_EXIT_IO, run->exit_reason)
		TH_LOG("expected the exception stub's OUT, got exit 0x%x(%s)", run->exit_reason,
		       exit_reason_name(run->exit_reason));
	ASSERT_EQ((u16)GUEST_VECTOR_PORT, run->io.port);
	*vector = *((u8 *)run + run->io.data_offset);

	/* The frame: [error code,] RIP. Its slots are 2, 4 or 8 bytes wide by mode. */
	vcpu_get_regs(vcpu, &regs);
	slot = mode == GUEST_REAL ? 2 : mode == GUEST_PROT ? 4 : 8;
	frame = regs.rsp + (*vector == VEC_GP && mode != GUEST_REAL ? slot : 0);
	p = vm_gpa_to_hva(vcpu->vm, frame, slot);
	ASSERT_NE(NULL, p);
	*fault_rip = 0;
	memcpy(fault_rip, p, slot);
}

TEST_F(nonsev, gp_on_ghcb_wrmsr)
{
	u64 rip;
	int vec;

	run_to_exception(_metadata, &self->p.vcpu, variant->mode, GUEST_CODE_GPA, &vec, &rip);
	ASSERT_EQ(VEC_GP, vec) TH_LOG("WRMSR of the GHCB MSR raised vector %d", vec);
	ASSERT_EQ(GUEST_CODE_GPA, rip);
}

TEST_F(nonsev, ud_on_vmgexit)
{
	u64 entry = GUEST_CODE_GPA + TERM_GUEST_VMGEXIT_OFFSET, rip;
	int vec;

	run_to_exception(_metadata, &self->p.vcpu, variant->mode, entry, &vec, &rip);
	ASSERT_EQ(VEC_UD, vec) TH_LOG("VMGEXIT raised vector %d", vec);
	ASSERT_EQ(entry, rip);
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return test_harness_run(argc, argv);
}
