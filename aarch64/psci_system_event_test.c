// SPDX-License-Identifier: GPL-2.0
/*
 * psci_system_event_test: the system events arm64's KVM makes of a guest's
 * PSCI calls (arch/arm64/kvm/psci.c, arm.c), each exit judged by the oracle
 * (exit reason, type with bit 31 per ABI profile, ndata, data[0..ndata-1],
 * and flags as a pre-5.18 VMM reads it).
 *
 * - SYSTEM_OFF is SHUTDOWN and SYSTEM_RESET is RESET, ndata 1, data[0] 0,
 *   under PSCI 0.2 as under the newest version.
 * - SYSTEM_RESET2 (PSCI 1.1), warm or vendor-specific, is RESET with
 *   data[0] = KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2 and nothing else (the
 *   reset type and cookie are not reported). An invalid reset type, or
 *   RESET2 under PSCI 1.0, fails in x0 and makes no event.
 * - SYSTEM_SUSPEND is SUSPEND, ndata 0, with the call's arguments left in
 *   x0..x2, once KVM_CAP_ARM_SYSTEM_SUSPEND is enabled; before, it fails.
 * - A vCPU in KVM_MP_STATE_SUSPENDED with an interrupt pending exits with
 *   WAKEUP, ndata 0.
 * - After SYSTEM_OFF every vCPU is STOPPED and KVM_RUN blocks.
 * - SYSTEM_OFF2 (PSCI 1.3, 6.13+) is SHUTDOWN with
 *   KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2 in data[0].
 * - Control: a PSCI function number nobody assigned fails and makes no
 *   event.
 *
 * A call that must fail is judged by the guest: it stores x0 to a page
 * that is not memory, and the store exits as KVM_EXIT_MMIO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "plain_vm.h"
#include "suite.h"

static struct suite_opts opts = {
	.binary = "psci_system_event_test",
	.summary = "arm64 PSCI system events: SYSTEM_OFF, RESET, RESET2, SUSPEND, WAKEUP, OFF2",
};

/* The PSCI call in x0..x3 through HVC, then x0 and x1 stored for the host. */
GUEST_PROG(psci_call,
	   "hvc	#0\n"
	   "str	x0, [x9]\n"
	   "str	x1, [x9, #8]\n"
	   "1:	b	1b\n");

static void psci_args(struct vcpu *vcpu, u64 fn, u64 arg1, u64 arg2, u64 arg3)
{
	vcpu_set_reg(vcpu, ARM64_REG_X(0), fn);
	vcpu_set_reg(vcpu, ARM64_REG_X(1), arg1);
	vcpu_set_reg(vcpu, ARM64_REG_X(2), arg2);
	vcpu_set_reg(vcpu, ARM64_REG_X(3), arg3);
}

static int run_and_check(struct vcpu *vcpu, const struct sysevent_expect *exp)
{
	struct run_outcome out;

	return suite_run_check(vcpu, exp, &out);
}

static const char *psci_ret_name(s64 ret)
{
	switch (ret) {
	case KSE_PSCI_RET_SUCCESS: return "SUCCESS";
	case KSE_PSCI_RET_NOT_SUPPORTED: return "NOT_SUPPORTED";
	case KSE_PSCI_RET_INVALID_PARAMETERS: return "INVALID_PARAMETERS";
	case KSE_PSCI_RET_INTERNAL_FAILURE: return "INTERNAL_FAILURE";
	default: return "other";
	}
}

/*
 * A call that must fail: no system event of @kind (the one the call would
 * have made) or any other; the guest runs on and reports x0, which must be
 * @want.
 */
static int check_refused(struct plain *p, enum sysevent_kind kind, s64 want)
{
	struct sysevent_expect exp = {
		.profile = opts.profile,
		.exit_reason = KSE_EXIT_SYSTEM_EVENT,
		.kind = kind,
		.forbidden = true,
	};
	struct vcpu *vcpu = &p->vcpu[0];
	struct run_outcome out;
	char e[48];
	u64 x0;
	int n;

	n = suite_run_check(vcpu, &exp, &out);
	if (n)
		return n;
	if (out.stuck || out.rc < 0 || !guest_report(vcpu->run, 0, &x0))
		return suite_deviation("guest.report", "x0-stored",
				       out.stuck ? "no-exit(watchdog)" : "rc=%d,exit_reason=0x%x(%s)",
				       out.rc, vcpu->run->exit_reason,
				       exit_reason_name(vcpu->run->exit_reason));
	if ((s64)x0 == want)
		return 0;
	snprintf(e, sizeof(e), "%lld(%s)", (long long)want, psci_ret_name(want));
	return suite_deviation("guest.x0", e, "%lld(%s)", (long long)x0, psci_ret_name(x0));
}

static u32 psci_version(struct plain *p)
{
	u32 v = 0;
	int r = __vcpu_get_psci_version(&p->vcpu[0], &v);

	if (r)
		lib_fail("KVM_GET_ONE_REG(KVM_REG_ARM_PSCI_VERSION) failed: errno=%s",
			 errno_name(-r));
	return v;
}

/* ---- The newest PSCI version KVM offers (the default) ------------------ */

FIXTURE(psci) {
	struct plain p;
};

FIXTURE_SETUP(psci)
{
	PLAIN_SETUP(self, 1);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], &psci_call));
}

FIXTURE_TEARDOWN(psci)
{
	plain_destroy(&self->p);
}

TEST_F(psci, system_off)
{
	struct sysevent_expect exp;

	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF, 0, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, 0);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(psci, system_reset)
{
	struct sysevent_expect exp;

	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_RESET, 0, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_RESET, 1, 0);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(psci, system_reset2_warm)
{
	struct sysevent_expect exp;

	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_RESET2_64, KSE_PSCI_RESET2_WARM, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_RESET, 1,
			   KSE_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* A vendor reset type and a cookie: neither reaches data[]. */
TEST_F(psci, system_reset2_vendor)
{
	struct sysevent_expect exp;

	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_RESET2_64,
		  KSE_PSCI_RESET2_VENDOR_START | 7, 0x5a5a1234, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_RESET, 1,
			   KSE_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* Reset type 1 is neither architectural (0) nor vendor (bit 31). */
TEST_F(psci, system_reset2_invalid_type)
{
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_RESET2_64, 1, 0, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_RESET, KSE_PSCI_RET_INVALID_PARAMETERS));
}

TEST_F(psci, system_suspend_disabled)
{
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_SUSPEND64, GUEST_MEM_GPA, 0xc0ffee, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_SUSPEND, KSE_PSCI_RET_NOT_SUPPORTED));
}

TEST_F(psci, system_suspend)
{
	static const u64 want[3] = { KSE_PSCI_SYSTEM_SUSPEND64, GUEST_MEM_GPA + 0x800, 0xc0ffee };
	struct vcpu *vcpu = &self->p.vcpu[0];
	struct sysevent_expect exp;
	int i, n;

	if (kvm_check_cap(&self->p.kvm, KSE_CAP_ARM_SYSTEM_SUSPEND) <= 0)
		SUITE_SKIP(return, "no KVM_CAP_ARM_SYSTEM_SUSPEND");
	vm_enable_cap(&self->p.vm, KSE_CAP_ARM_SYSTEM_SUSPEND, 0);
	psci_args(vcpu, want[0], want[1], want[2], 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SUSPEND, 0, 0);
	n = run_and_check(vcpu, &exp);
	/* api.rst: KVM leaves the call's parameters in the vCPU's registers. */
	for (i = 0; !n && i < 3; i++) {
		char f[16];

		snprintf(f, sizeof(f), "guest.x%d", i);
		n += suite_check_value(f, want[i], vcpu_get_reg(vcpu, ARM64_REG_X(i)));
	}
	ASSERT_EQ(0, n);
}

/* A suspended vCPU with its IRQ line raised (no in-kernel GIC). */
TEST_F(psci, wakeup)
{
	struct sysevent_expect exp;
	int r;

	psci_args(&self->p.vcpu[0], KSE_PSCI_UNASSIGNED, 0, 0, 0);
	r = __vcpu_set_mp_state(&self->p.vcpu[0], KSE_MP_STATE_SUSPENDED);
	if (r == -EINVAL)
		SUITE_SKIP(return, "no KVM_MP_STATE_SUSPENDED");
	ASSERT_EQ(0, r) TH_LOG("KVM_SET_MP_STATE(SUSPENDED): %s", errno_name(-r));
	r = __vm_irq_line_cpu(&self->p.vm, 0, 1);
	ASSERT_EQ(0, r) TH_LOG("KVM_IRQ_LINE: %s", errno_name(-r));
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_WAKEUP, 0, 0);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(psci, system_off2)
{
	struct sysevent_expect exp;

	if (psci_version(&self->p) < KSE_PSCI_VER(1, 3))
		SUITE_SKIP(return, "PSCI 1.3 SYSTEM_OFF2 not offered by KVM");
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF2_64, KSE_PSCI_OFF2_HIBERNATE_OFF, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1,
			   KSE_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* The control: the same call with a function number nobody assigned. */
TEST_F(psci, unknown_function)
{
	psci_args(&self->p.vcpu[0], KSE_PSCI_UNASSIGNED, 0, 0, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_SHUTDOWN, KSE_PSCI_RET_NOT_SUPPORTED));
}

/* ---- Older PSCI versions, set through KVM_REG_ARM_PSCI_VERSION ----------- */

FIXTURE(psci_old) {
	struct plain p;
};

FIXTURE_VARIANT(psci_old) {
	u32 version;
};

FIXTURE_VARIANT_ADD(psci_old, v1_0) { .version = KSE_PSCI_VER(1, 0) };
FIXTURE_VARIANT_ADD(psci_old, v0_2) { .version = KSE_PSCI_VER(0, 2) };

FIXTURE_SETUP(psci_old)
{
	int r;

	PLAIN_SETUP(self, 1);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], &psci_call));
	r = __vcpu_set_psci_version(&self->p.vcpu[0], variant->version);
	ASSERT_EQ(0, r) TH_LOG("KVM_SET_ONE_REG(KVM_REG_ARM_PSCI_VERSION, 0x%x): %s",
			       variant->version, errno_name(-r));
	ASSERT_EQ(variant->version, psci_version(&self->p));
}

FIXTURE_TEARDOWN(psci_old)
{
	plain_destroy(&self->p);
}

TEST_F(psci_old, system_off)
{
	struct sysevent_expect exp;

	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF, 0, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, 0);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* SYSTEM_RESET2 came with PSCI 1.1: before, it is no function at all. */
TEST_F(psci_old, system_reset2_not_supported)
{
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_RESET2_64, KSE_PSCI_RESET2_WARM, 0, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_RESET, KSE_PSCI_RET_NOT_SUPPORTED));
}

/* ---- Two vCPUs: SYSTEM_OFF stops them all ---------------------------------- */

FIXTURE(psci_smp) {
	struct plain p;
};

FIXTURE_SETUP(psci_smp)
{
	PLAIN_SETUP(self, 2);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], &psci_call));
	/* vCPU 1 runs the same program with an unassigned function: if it runs
	 * at all, it exits with its report instead of blocking. */
	vcpu_set_reg(&self->p.vcpu[1], ARM64_REG_PC, GUEST_MEM_GPA);
	vcpu_set_reg(&self->p.vcpu[1], ARM64_REG_X(GUEST_REPORT_REG), GUEST_REPORT_GPA);
	psci_args(&self->p.vcpu[1], KSE_PSCI_UNASSIGNED, 0, 0, 0);
}

FIXTURE_TEARDOWN(psci_smp)
{
	plain_destroy(&self->p);
}

TEST_F(psci_smp, system_off_stops_vcpus)
{
	struct sysevent_expect exp;

	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF, 0, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1, 0);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
	ASSERT_EQ(0, suite_check_stopped(self->p.vcpu, 2));
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
