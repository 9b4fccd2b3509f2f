// SPDX-License-Identifier: GPL-2.0
/*
 * sbi_system_event_test: the system events riscv's KVM makes of a guest's
 * SBI System Reset calls (arch/riscv/kvm/vcpu_sbi_replace.c, vcpu_sbi.c),
 * each exit judged by the oracle (exit reason, type with bit 31 per ABI
 * profile, ndata, data[0..ndata-1]; flags, what a pre-5.18 VMM reads, is
 * data[0] itself, a build-time fact of include/abi.h).
 *
 * - SRST shutdown is SHUTDOWN, cold and warm reboot are RESET, ndata 1,
 *   data[0] the reset reason the guest gave (none, system failure, or a
 *   vendor-specific one), as api.rst says.
 * - A reserved reset type makes no event: the guest gets an SBI error and
 *   runs on.
 * - After a shutdown every vCPU is STOPPED and KVM_RUN blocks.
 * - The legacy SBI v0.1 shutdown is SHUTDOWN too where KVM offers v0.1
 *   (CONFIG_RISCV_SBI_V01); the guest's probe of the extension decides.
 * - Control: an SRST function number the specification does not define
 *   fails and makes no event.
 *
 * A call that must fail is judged by the guest: it stores a0 to a page that
 * is not memory, and the store exits as KVM_EXIT_MMIO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "plain_vm.h"
#include "suite.h"

static struct suite_opts opts = {
	.binary = "sbi_system_event_test",
	.summary = "riscv SBI system events: SRST shutdown and reboots, legacy v0.1 shutdown",
};

static int run_and_check(struct vcpu *vcpu, const struct sysevent_expect *exp)
{
	struct run_outcome out;

	return suite_run_check(vcpu, exp, &out);
}

static const char *sbi_err_name(s64 err)
{
	switch (err) {
	case KSE_SBI_SUCCESS: return "SUCCESS";
	case KSE_SBI_ERR_FAILED: return "FAILED";
	case KSE_SBI_ERR_NOT_SUPPORTED: return "NOT_SUPPORTED";
	case KSE_SBI_ERR_INVALID_PARAM: return "INVALID_PARAM";
	default: return "other";
	}
}

/*
 * A call that must fail: no system event of @kind (the one the call would
 * have made) or any other; the guest runs on and reports a0, which must be
 * @want (or @alt, when not 0).
 */
static int check_refused(struct plain *p, enum sysevent_kind kind, s64 want, s64 alt)
{
	struct sysevent_expect exp = {
		.profile = opts.profile,
		.exit_reason = KSE_EXIT_SYSTEM_EVENT,
		.kind = kind,
		.forbidden = true,
	};
	struct vcpu *vcpu = &p->vcpu[0];
	struct run_outcome out;
	char e[64];
	u64 a0;
	int n;

	n = suite_run_check(vcpu, &exp, &out);
	if (n)
		return n;
	if (out.stuck || out.rc < 0 || !guest_report(vcpu->run, 0, &a0))
		return suite_deviation("guest.report", "a0-stored",
				       out.stuck ? "no-exit(watchdog)" : "rc=%d,exit_reason=0x%x(%s)",
				       out.rc, vcpu->run->exit_reason,
				       exit_reason_name(vcpu->run->exit_reason));
	if ((s64)a0 == want || (alt && (s64)a0 == alt)) {
		/* Which of the two errors this KVM chose is its own business. */
		if (alt)
			pr_diag("observed: %s for a reserved reset type; a0 %lld",
				sbi_err_name(a0), (long long)a0);
		return 0;
	}
	if (alt)
		snprintf(e, sizeof(e), "%lld(%s)|%lld(%s)", (long long)want, sbi_err_name(want),
			 (long long)alt, sbi_err_name(alt));
	else
		snprintf(e, sizeof(e), "%lld(%s)", (long long)want, sbi_err_name(want));
	return suite_deviation("guest.a0", e, "%lld(%s)", (long long)a0, sbi_err_name(a0));
}

/* ---- SBI System Reset ----------------------------------------------------- */

FIXTURE(srst) {
	struct plain p;
};

FIXTURE_SETUP(srst)
{
	PLAIN_SETUP(self, 1);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], &guest_sbi_call));
}

FIXTURE_TEARDOWN(srst)
{
	plain_destroy(&self->p);
}

static void srst(struct plain *p, u64 type, u64 reason)
{
	guest_set_sbi_call(&p->vcpu[0], KSE_SBI_EXT_SRST, KSE_SBI_SRST_RESET, type, reason, 0);
}

TEST_F(srst, shutdown_no_reason)
{
	struct sysevent_expect exp;

	srst(&self->p, KSE_SBI_SRST_SHUTDOWN, KSE_SBI_SRST_REASON_NONE);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, KSE_SBI_SRST_REASON_NONE);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(srst, shutdown_system_failure)
{
	struct sysevent_expect exp;

	srst(&self->p, KSE_SBI_SRST_SHUTDOWN, KSE_SBI_SRST_REASON_SYSFAIL);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, KSE_SBI_SRST_REASON_SYSFAIL);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(srst, shutdown_vendor_reason)
{
	struct sysevent_expect exp;

	srst(&self->p, KSE_SBI_SRST_SHUTDOWN, KSE_SBI_SRST_REASON_VENDOR | 1);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1,
			   KSE_SBI_SRST_REASON_VENDOR | 1);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(srst, cold_reboot)
{
	struct sysevent_expect exp;

	srst(&self->p, KSE_SBI_SRST_COLD_REBOOT, KSE_SBI_SRST_REASON_NONE);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_RESET, 1, KSE_SBI_SRST_REASON_NONE);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* With a reason: a reboot carries it in data[0] as a shutdown does. */
TEST_F(srst, warm_reboot)
{
	struct sysevent_expect exp;

	srst(&self->p, KSE_SBI_SRST_WARM_REBOOT, KSE_SBI_SRST_REASON_SYSFAIL);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_RESET, 1, KSE_SBI_SRST_REASON_SYSFAIL);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/*
 * A reserved reset type: the specification asks for INVALID_PARAM, KVM
 * (6.12, 7.2) answers NOT_SUPPORTED; either error is no system event, which
 * is what this suite judges, and the one seen is printed as observed
 * (docs/assumptions.md).
 */
TEST_F(srst, invalid_type)
{
	srst(&self->p, KSE_SBI_SRST_TYPE_RESERVED, KSE_SBI_SRST_REASON_NONE);
	ASSERT_EQ(0, check_refused(&self->p, EV_SHUTDOWN, KSE_SBI_ERR_INVALID_PARAM,
				   KSE_SBI_ERR_NOT_SUPPORTED));
}

/* The control: the same extension with a function number it does not define. */
TEST_F(srst, unknown_function)
{
	guest_set_sbi_call(&self->p.vcpu[0], KSE_SBI_EXT_SRST, KSE_SBI_SRST_UNDEFINED_FN,
			   KSE_SBI_SRST_SHUTDOWN, KSE_SBI_SRST_REASON_NONE, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_SHUTDOWN, KSE_SBI_ERR_NOT_SUPPORTED, 0));
}

/* ---- The legacy SBI v0.1 shutdown --------------------------------------- */

FIXTURE(sbi_v01) {
	struct plain p;
};

FIXTURE_SETUP(sbi_v01)
{
	PLAIN_SETUP(self, 1);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], &guest_sbi_call));
}

FIXTURE_TEARDOWN(sbi_v01)
{
	plain_destroy(&self->p);
}

TEST_F(sbi_v01, shutdown)
{
	struct sysevent_expect exp;
	s64 err;
	u64 have;
	int r;

	/* The guest's own question: does the SBI offer extension 0x08? */
	r = kvm_sbi_call(&self->p.kvm, KSE_SBI_EXT_BASE, KSE_SBI_BASE_PROBE_EXT,
			 KSE_SBI_EXT_0_1_SHUTDOWN, &err, &have);
	ASSERT_EQ(0, r) TH_LOG("SBI probe_extension from a guest: %s", errno_name(-r));
	ASSERT_EQ(KSE_SBI_SUCCESS, err);
	if (!have)
		SUITE_SKIP(return, "no SBI v0.1 in KVM");
	SUITE_DECIDED_BY("SBI v0.1 offered");
	guest_set_sbi_call(&self->p.vcpu[0], KSE_SBI_EXT_0_1_SHUTDOWN, 0, 0, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, 0);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* ---- Two vCPUs: a shutdown stops them all ---------------------------------- */

FIXTURE(srst_smp) {
	struct plain p;
};

FIXTURE_SETUP(srst_smp)
{
	PLAIN_SETUP(self, 2);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], &guest_sbi_call));
	/* vCPU 1 runs the same program with the control's call: if it runs at
	 * all, it exits with its report instead of blocking. */
	vcpu_set_reg(&self->p.vcpu[1], RISCV_REG_PC, GUEST_MEM_GPA);
	vcpu_set_reg(&self->p.vcpu[1], GUEST_REPORT_REG, GUEST_REPORT_GPA);
	guest_set_sbi_call(&self->p.vcpu[1], KSE_SBI_EXT_SRST, KSE_SBI_SRST_UNDEFINED_FN, 0, 0, 0);
}

FIXTURE_TEARDOWN(srst_smp)
{
	plain_destroy(&self->p);
}

TEST_F(srst_smp, shutdown_stops_vcpus)
{
	struct sysevent_expect exp;

	srst(&self->p, KSE_SBI_SRST_SHUTDOWN, KSE_SBI_SRST_REASON_NONE);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, KSE_SBI_SRST_REASON_NONE);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
	ASSERT_EQ(0, suite_check_stopped(self->p.vcpu, 2));
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
