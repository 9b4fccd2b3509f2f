// SPDX-License-Identifier: GPL-2.0
/*
 * ghcb_nonsev_test: the control. A plain (non-SEV) guest running the very
 * bytes of an SEV-ES termination request (write the GHCB MSR, VMGEXIT) is
 * never reported as a system event: SEV_TERM is an SEV guest's request
 * (api.rst), and the GHCB protocol exists only for SEV-ES guests (GHCB
 * specification). That is the promise, and the only thing a case fails on,
 * together with a run that shows nothing: the run must end in a real exit.
 *
 * What the plain guest gets instead is KVM's own business, different
 * between vendor modules and kernels, and is printed as `# observed:` (one
 * fixed phrase, then the detail), never required:
 *
 * - "#GP at the GHCB MSR write": the MSR is intercepted and refused.
 *   kvm_intel and kvm_pvm (the MSR does not exist there), and kvm_amd from
 *   7.x on, which intercepts the GHCB MSR for every vCPU and lifts the
 *   intercept for SEV-ES vCPUs only (svm/sev.c).
 * - "no exception: the guest ran on to its HLT": kvm_amd up to 6.x lists
 *   the MSR among the MSRs a guest accesses directly (svm.c's direct-access
 *   list), so the write completes; VMMCALL is AMD's own hypercall
 *   instruction and the REP prefix is ignored, so VMGEXIT runs as a
 *   hypercall (an unknown number: -KVM_ENOSYS in RAX).
 * - "#UD at VMGEXIT": VMMCALL is not Intel's hypercall instruction; with
 *   KVM's FIX_HYPERCALL_INSN quirk off (it would rewrite the bytes) it
 *   raises #UD.
 * - After VMGEXIT ran as a hypercall, "#GP at the GHCB MSR write" again, at
 *   the second request (kvm_amd 7.x entered at VMGEXIT).
 *
 * ghcb_wrmsr and vmgexit run with an IDT whose every vector exits as an OUT
 * of the vector (the faulting RIP is read back from the exception frame),
 * entered at the MSR write and at VMGEXIT. never_sev_term runs the bytes
 * with no IDT: a fault there is a triple fault, so the guest must end in
 * KVM_EXIT_SHUTDOWN when its reporting twin saw an exception, and in HLT
 * when it saw none. A real-mode guest with no IDT runs into zeroed memory
 * on a KVM whose emulator runs real mode without the IVT limit check
 * (kvm_pvm); that run cannot end, and the result line says so.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "ghcb.h"
#include "suite.h"
#include "term_guest.h"
#include "test_util.h"

static struct suite_opts opts = {
	.binary = "ghcb_nonsev_test",
	.summary = "non-SEV control: the termination bytes never give SEV_TERM",
};

#define VEC_UD 6
#define VEC_GP 13

static const u8 insn_wrmsr[] = { 0x0f, 0x30 };
static const u8 insn_vmgexit[] = { 0xf3, 0x0f, 0x01, 0xd9 };

/* How the run with the reporting IDT ended. */
struct observed {
	bool exception;		/* an OUT of a vector */
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

/* The oracle, told what must not happen: any system event at all, or no exit. */
static int check_no_event(struct kvm_dev *kvm, const struct run_outcome *out,
			  const struct kvm_run *run, u64 value)
{
	struct sysevent_expect exp;

	sysevent_expect_sev_term(&exp, opts.profile, value,
				 kvm_check_cap(kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
	exp.protected_guest = false;
	exp.forbidden = true;
	return suite_check_event(out, run, &exp);
}

/* Does the guest's code at @rip (CS base 0 in every mode) start with @insn? */
static bool code_at(struct vm *vm, u64 rip, const u8 *insn, size_t len)
{
	const void *p = vm_gpa_to_hva(vm, rip, len);

	return p && !memcmp(p, insn, len);
}

/* "# observed: <phrase>; <detail>": the phrase is fixed, the detail is the facts. */
static void print_observed(struct vm *vm, const struct observed *o, u64 entry)
{
	const char *insn = code_at(vm, o->fault_rip, insn_wrmsr, sizeof(insn_wrmsr)) ?
				   "the GHCB MSR write" :
			   code_at(vm, o->fault_rip, insn_vmgexit, sizeof(insn_vmgexit)) ?
				   "VMGEXIT" : NULL;
	const char *name = o->vector == VEC_GP ? "#GP" : o->vector == VEC_UD ? "#UD" : NULL;

	if (!o->exception) {
		pr_diag("observed: no exception: the guest ran on to its HLT; rax 0x%llx",
			(unsigned long long)o->rax);
		return;
	}
	if (name && insn)
		pr_diag("observed: %s%s at %s; vector %d at rip 0x%llx",
			o->fault_rip != entry ? "VMGEXIT returned, then " : "", name, insn,
			o->vector, (unsigned long long)o->fault_rip);
	else
		pr_diag("observed: an exception this control does not name; vector %d at rip 0x%llx",
			o->vector, (unsigned long long)o->fault_rip);
}

/*
 * Set up @mode's guest with the vector-reporting IDT, enter it at @entry
 * and run it to its first exit: no system event, and an exit that shows
 * how the guest fared (an OUT of a vector, or HLT). Fills @o; returns the
 * number of deviations.
 */
static int observe(struct plain *p, enum guest_mode mode, u64 entry, struct observed *o)
{
	struct vcpu *vcpu = &p->vcpu[0];
	struct kvm_run *run = vcpu->run;
	struct run_outcome out;
	struct kvm_regs regs;
	u64 frame, slot;
	void *ptr;
	int n;

	memset(o, 0, sizeof(*o));
	if (guest_setup(vcpu, mode, &term_guest, GUEST_IDT_REPORT))
		lib_fail("guest setup failed");
	guest_set_ghcb_request(vcpu, GHCB_MSR_TERM_REQ);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = entry;
	vcpu_set_regs(vcpu, &regs);

	vcpu_poison_system_event(vcpu, SUITE_POISON);
	__vcpu_run(vcpu, &out);
	n = check_no_event(&p->kvm, &out, run, GHCB_MSR_TERM_REQ);
	if (n)
		return n;
	o->exit_reason = run->exit_reason;
	vcpu_get_regs(vcpu, &regs);
	o->rax = regs.rax;
	if (run->exit_reason == KVM_EXIT_HLT)
		return 0;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_VECTOR_PORT)
		return suite_deviation("exit_reason", "IO(vector)|HLT", "0x%x(%s)%s",
				       run->exit_reason, exit_reason_name(run->exit_reason),
				       run->exit_reason == KVM_EXIT_IO ? ",io.port!=0x80" : "");

	o->exception = true;
	o->vector = *((u8 *)run + run->io.data_offset);
	/* The frame: [error code,] RIP. Its slots are 2, 4 or 8 bytes wide by mode. */
	slot = mode == GUEST_REAL ? 2 : mode == GUEST_PROT ? 4 : 8;
	frame = regs.rsp + (o->vector == VEC_GP && mode != GUEST_REAL ? slot : 0);
	ptr = vm_gpa_to_hva(vcpu->vm, frame, slot);
	if (!ptr)
		lib_fail("the exception frame at 0x%llx is outside guest memory",
			 (unsigned long long)frame);
	memcpy(&o->fault_rip, ptr, slot);
	return 0;
}

/* The request the guest writes: TERM_REQ, set 1, code 3. */
#define NONSEV_REQUEST (GHCB_MSR_TERM_REQ | (1 << 12) | (3 << 16))

/*
 * No IDT: the run must end, and as its reporting twin says. An exception
 * there is a triple fault here (SHUTDOWN); no exception there is HLT here.
 */
TEST_F(nonsev, never_sev_term)
{
	struct vcpu *vcpu = &self->p.vcpu[0];
	struct kvm_run *run = vcpu->run;
	struct run_outcome out;
	struct observed twin;
	u32 want;
	int n;

	n = observe(&self->p, variant->mode, GUEST_CODE_GPA, &twin);
	ASSERT_EQ(0, n) TH_LOG("the run with the reporting IDT");
	want = twin.exception ? KVM_EXIT_SHUTDOWN : KVM_EXIT_HLT;

	ASSERT_EQ(0, guest_setup(vcpu, variant->mode, &term_guest, 0));
	guest_set_ghcb_request(vcpu, NONSEV_REQUEST);
	/* Real mode may never exit here (see the top): keep it short. */
	vcpu->timeout_ms = 500;
	vcpu_poison_system_event(vcpu, SUITE_POISON);
	__vcpu_run(vcpu, &out);
	if (out.stuck && variant->mode == GUEST_REAL && twin.exception) {
		pr_diag("observed: real mode ran on past its fault; no IDT limit check here");
		SUITE_SKIP(return, "real-mode guest cannot end on this KVM");
	}
	n = check_no_event(&self->p.kvm, &out, run, NONSEV_REQUEST);
	if (!n && run->exit_reason != want)
		n = suite_deviation("exit_reason", want == KVM_EXIT_SHUTDOWN ?
				    "0x8(KVM_EXIT_SHUTDOWN)" : "0x5(KVM_EXIT_HLT)",
				    "0x%x(%s)", run->exit_reason,
				    exit_reason_name(run->exit_reason));
	if (!n)
		pr_diag("observed: %s", want == KVM_EXIT_SHUTDOWN ?
			"ended in SHUTDOWN; a fault with no IDT" :
			"ended in HLT; no fault");
	ASSERT_EQ(0, n);
}

TEST_F(nonsev, ghcb_wrmsr)
{
	struct observed o;

	ASSERT_EQ(0, observe(&self->p, variant->mode, GUEST_CODE_GPA, &o));
	print_observed(&self->p.vm, &o, GUEST_CODE_GPA);
}

TEST_F(nonsev, vmgexit)
{
	u64 entry = GUEST_CODE_GPA + TERM_GUEST_VMGEXIT_OFFSET;
	struct observed o;

	ASSERT_EQ(0, observe(&self->p, variant->mode, entry, &o));
	print_observed(&self->p.vm, &o, entry);
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
