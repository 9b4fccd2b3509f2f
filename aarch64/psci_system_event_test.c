// SPDX-License-Identifier: GPL-2.0
/*
 * psci_system_event_test: the system events arm64's KVM makes of a guest's
 * PSCI calls (arch/arm64/kvm/psci.c, arm.c), each exit judged by the oracle
 * (exit reason, type with bit 31 per ABI profile, ndata, data[0..ndata-1]).
 *
 * - SYSTEM_OFF is SHUTDOWN and SYSTEM_RESET is RESET, ndata 1, data[0] 0,
 *   under PSCI 0.2 as under the newest version.
 * - SYSTEM_RESET2 (PSCI 1.1), warm or vendor-specific, is RESET with
 *   data[0] = KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2 and nothing else (the
 *   reset type and cookie are not reported). An invalid reset type, or
 *   RESET2 under PSCI 1.0, fails in x0 and makes no event.
 * - SYSTEM_SUSPEND is SUSPEND, ndata 0, with the call's arguments left in
 *   x0..x2, once KVM_CAP_ARM_SYSTEM_SUSPEND is enabled (and PSCI_FEATURES
 *   then says it is implemented, both calling conventions); before, it fails.
 * - A vCPU in KVM_MP_STATE_SUSPENDED with an interrupt pending exits with
 *   WAKEUP, ndata 0.
 * - After SYSTEM_OFF every vCPU is STOPPED and KVM_RUN blocks.
 * - SYSTEM_OFF2 (PSCI 1.3, 6.13+) is SHUTDOWN with
 *   KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2 in data[0], for HIBERNATE_OFF
 *   and for type 0, its alias (PSCI 1.3 F.b); PSCI_FEATURES advertises
 *   HIBERNATE_OFF for both calling conventions; a non-zero cookie fails with
 *   INVALID_PARAMETERS and makes no event; a vCPU made runnable again after
 *   the event runs on, and its next SYSTEM_OFF2 is the second event (the
 *   shutdowns are counted, as upstream's psci_test counts them). The cases
 *   skip where KVM offers no PSCI 1.3 on a kernel before 6.13 and fail on a
 *   later one (KVM offers it from 6.13 on).
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

/*
 * Four PSCI calls in a row, the arguments of call i in x(12 + 4i)..x(15 + 4i)
 * (an HVC leaves x4 and up alone): x0 after call i is stored in report slot
 * i, then slot 4 is written to say the guest got to its end.
 */
#define PSCI_CALL_ASM(r0, r1, r2, r3, slot)                                            \
	"mov	x0, x" #r0 "\n"                                                        \
	"mov	x1, x" #r1 "\n"                                                        \
	"mov	x2, x" #r2 "\n"                                                        \
	"mov	x3, x" #r3 "\n"                                                        \
	"hvc	#0\n"                                                                  \
	"str	x0, [x9, #" #slot "]\n"

GUEST_PROG(psci_four_calls,
	   PSCI_CALL_ASM(12, 13, 14, 15, 0)
	   PSCI_CALL_ASM(16, 17, 18, 19, 8)
	   PSCI_CALL_ASM(20, 21, 22, 23, 16)
	   PSCI_CALL_ASM(24, 25, 26, 27, 24)
	   "str	xzr, [x9, #32]\n"
	   "1:	b	1b\n");

#define FOUR_CALLS_DONE	4	/* the report slot of the program's end */

/* Load psci_four_calls with calls[4][4] (function, arg1..arg3). */
static int psci_four_calls_setup(struct vcpu *vcpu, const u64 calls[4][4])
{
	int i, j, r = guest_setup(vcpu, &psci_four_calls);

	for (i = 0; !r && i < 4; i++)
		for (j = 0; !r && j < 4; j++)
			r = __vcpu_set_reg(vcpu, ARM64_REG_X(12 + 4 * i + j), calls[i][j]);
	return r;
}

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

/*
 * Run until the guest stores report @slot: its value in @x0. Any other exit
 * (a system event included) is a deviation of field guest.report.
 */
static int run_to_report(struct vcpu *vcpu, unsigned int slot, u64 *x0)
{
	struct run_outcome out;
	char want[32];

	vcpu_poison_system_event(vcpu, SUITE_POISON);
	__vcpu_run(vcpu, &out);
	if (!out.stuck && out.rc >= 0 && guest_report(vcpu->run, slot, x0))
		return 0;
	snprintf(want, sizeof(want), "report%u-stored", slot);
	if (out.stuck)
		return suite_deviation("guest.report", want, "no-exit(watchdog)");
	return suite_deviation("guest.report", want, "rc=%d,exit_reason=0x%x(%s)", out.rc,
			       vcpu->run->exit_reason, exit_reason_name(vcpu->run->exit_reason));
}

/*
 * PSCI_FEATURES of a function in both calling conventions (@fn32 and
 * @fn64), answered in the guest: each x0 must be a non-negative value with
 * the bits of @want set (PSCI: the feature flags of an implemented function;
 * NOT_SUPPORTED, a negative value, means it is not implemented). @field
 * names the deviation: guest.features.<function>.
 */
static int check_features(struct plain *p, u32 fn32, u32 fn64, u64 want, u64 must_be_zero,
			  const char *field)
{
	static const char *conv[2] = { "smc32", "smc64" };
	const u64 calls[4][4] = {
		{ KSE_PSCI_FEATURES, fn32 }, { KSE_PSCI_FEATURES, fn64 },
		{ KSE_PSCI_FEATURES, fn32 }, { KSE_PSCI_FEATURES, fn64 },
	};
	struct vcpu *vcpu = &p->vcpu[0];
	int i, r, n = 0;

	r = psci_four_calls_setup(vcpu, calls);
	if (r)
		lib_fail("loading the guest: %s", errno_name(-r));
	for (i = 0; i < 2; i++) {
		char e[64];
		u64 x0;

		n += run_to_report(vcpu, i, &x0);
		if (n)
			return n;
		snprintf(e, sizeof(e), "%s:implemented,flags:0x%llx", conv[i],
			 (unsigned long long)want);
		if ((s64)x0 < 0)
			n += suite_deviation(field, e, "%s:%lld(%s)", conv[i], (long long)x0,
					     psci_ret_name(x0));
		else if ((x0 & want) != want || (x0 & must_be_zero))
			n += suite_deviation(field, e, "%s:flags:0x%llx", conv[i],
					     (unsigned long long)x0);
	}
	return n;
}

/*
 * SYSTEM_OFF2 is PSCI 1.3, which KVM offers from Linux 6.13 on. Where this
 * KVM offers PSCI 1.3 the case runs (a backport included); where it does
 * not, it skips on a kernel before 6.13 and fails on a later one. The
 * result line says what decided: "PSCI 1.3, 6.13+ (kernel 7.3.4)".
 */
static const struct suite_gate off2_gate = {
	6, 13, "PSCI 1.3 SYSTEM_OFF2 not offered by KVM"
};

#define OFF2_REQUIRE(p)                                                                \
	do {                                                                           \
		u32 __v = psci_version(p);                                             \
		char __note[64];                                                       \
		int __due = suite_gate_check(&off2_gate, __note, sizeof(__note));      \
		if (__v < KSE_PSCI_VER(1, 3) && !__due)                                \
			SUITE_SKIP(return, off2_gate.skip);                            \
		snprintf(_metadata->results->reason, sizeof(_metadata->results->reason), \
			 "PSCI %u.%u, %s", KSE_PSCI_VER_MAJOR(__v),                     \
			 KSE_PSCI_VER_MINOR(__v), __note);                              \
		if (__v < KSE_PSCI_VER(1, 3))                                          \
			ASSERT_EQ(0, suite_deviation("psci.version", ">=1.3", "%u.%u",   \
						     KSE_PSCI_VER_MAJOR(__v),          \
						     KSE_PSCI_VER_MINOR(__v)));        \
	} while (0)

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

/*
 * With the capability enabled SYSTEM_SUSPEND is implemented, so PSCI_FEATURES
 * must say so in both calling conventions; its flags are reserved (zero).
 */
TEST_F(psci, system_suspend_features)
{
	if (kvm_check_cap(&self->p.kvm, KSE_CAP_ARM_SYSTEM_SUSPEND) <= 0)
		SUITE_SKIP(return, "no KVM_CAP_ARM_SYSTEM_SUSPEND");
	vm_enable_cap(&self->p.vm, KSE_CAP_ARM_SYSTEM_SUSPEND, 0);
	ASSERT_EQ(0, check_features(&self->p, KSE_PSCI_SYSTEM_SUSPEND32,
				    KSE_PSCI_SYSTEM_SUSPEND64, 0, ~0ull,
				    "guest.features.SYSTEM_SUSPEND"));
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

	OFF2_REQUIRE(&self->p);
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF2_64, KSE_PSCI_OFF2_HIBERNATE_OFF, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1,
			   KSE_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* PSCI 1.3 F.b: off type 0 is an alias of HIBERNATE_OFF. */
TEST_F(psci, system_off2_type0)
{
	struct sysevent_expect exp;

	OFF2_REQUIRE(&self->p);
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF2_64, 0, 0, 0);
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1,
			   KSE_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* PSCI_FEATURES: a bit mask of the off types; KVM offers HIBERNATE_OFF. */
TEST_F(psci, system_off2_features)
{
	OFF2_REQUIRE(&self->p);
	ASSERT_EQ(0, check_features(&self->p, KSE_PSCI_SYSTEM_OFF2_32, KSE_PSCI_SYSTEM_OFF2_64,
				    KSE_PSCI_OFF2_HIBERNATE_OFF, 0,
				    "guest.features.SYSTEM_OFF2"));
}

/* The cookie must be zero for HIBERNATE_OFF: any other fails, no event. */
TEST_F(psci, system_off2_cookie)
{
	OFF2_REQUIRE(&self->p);
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF2_64, KSE_PSCI_OFF2_HIBERNATE_OFF, 1, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_SHUTDOWN, KSE_PSCI_RET_INVALID_PARAMETERS));
}

/* The same for the alias: type 0 with a cookie fails. */
TEST_F(psci, system_off2_type0_cookie)
{
	OFF2_REQUIRE(&self->p);
	psci_args(&self->p.vcpu[0], KSE_PSCI_SYSTEM_OFF2_64, 0, 1, 0);
	ASSERT_EQ(0, check_refused(&self->p, EV_SHUTDOWN, KSE_PSCI_RET_INVALID_PARAMETERS));
}

/*
 * Upstream's sequence, counted: SYSTEM_OFF2 with a cookie (refused),
 * HIBERNATE_OFF, type 0 with a cookie (refused), type 0. Every system event
 * on the way must be SHUTDOWN with the OFF2 flag, and after each the vCPU is
 * made runnable again (api.rst: userspace need not honour a SHUTDOWN; KVM
 * stopped the vCPU) so that the guest goes on from its call. Once the guest
 * reaches its end, exactly two shutdowns must have been seen. What the
 * guest finds in x0 after a resumed SYSTEM_OFF2 is KVM's choice (PSCI
 * defines no return for it): observed, not required.
 */
TEST_F(psci, system_off2_count)
{
	const u64 calls[4][4] = {
		{ KSE_PSCI_SYSTEM_OFF2_64, KSE_PSCI_OFF2_HIBERNATE_OFF, 1 },
		{ KSE_PSCI_SYSTEM_OFF2_64, KSE_PSCI_OFF2_HIBERNATE_OFF, 0 },
		{ KSE_PSCI_SYSTEM_OFF2_64, 0, 1 },
		{ KSE_PSCI_SYSTEM_OFF2_64, 0, 0 },
	};
	struct vcpu *vcpu = &self->p.vcpu[0];
	struct sysevent_expect exp;
	int n = 0, shutdowns = 0, exits;
	bool done = false, resumed = false;
	u64 x0;

	OFF2_REQUIRE(&self->p);
	ASSERT_EQ(0, psci_four_calls_setup(vcpu, calls));
	suite_expect_event(&exp, &opts, &self->p.kvm, EV_SHUTDOWN, 1,
			   KSE_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2);
	/* At most four events and five reports: more is a guest out of control. */
	for (exits = 0; !n && !done && exits < 9; exits++) {
		struct run_outcome out;
		unsigned int slot;
		int r;

		vcpu_poison_system_event(vcpu, SUITE_POISON);
		__vcpu_run(vcpu, &out);
		if (out.stuck || out.rc < 0) {
			n += suite_deviation("guest.report", "report-or-event",
					     out.stuck ? "no-exit(watchdog)" : "rc=%d", out.rc);
			break;
		}
		if (vcpu->run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
			/* Judge the event that came, then let the guest go on. */
			n += suite_check_event(&out, vcpu->run, &exp);
			shutdowns++;
			resumed = true;
			r = __vcpu_set_mp_state(vcpu, KSE_MP_STATE_RUNNABLE);
			ASSERT_EQ(0, r) TH_LOG("KVM_SET_MP_STATE(RUNNABLE): %s", errno_name(-r));
			continue;
		}
		for (slot = 0; slot <= FOUR_CALLS_DONE; slot++)
			if (guest_report(vcpu->run, slot, &x0))
				break;
		if (slot > FOUR_CALLS_DONE) {
			n += suite_deviation("guest.report", "report-or-event",
					     "exit_reason=0x%x(%s)", vcpu->run->exit_reason,
					     exit_reason_name(vcpu->run->exit_reason));
			break;
		}
		if (slot == FOUR_CALLS_DONE)
			done = true;
		else if (resumed)
			pr_diag("observed: a resumed SYSTEM_OFF2 returns %s; call %u, x0 %lld",
				psci_ret_name(x0), slot + 1, (long long)x0);
		resumed = false;
	}
	if (!n && !done)
		n += suite_deviation("guest.report", "end-reached", "not-reached");
	if (!n)
		n += suite_check_value("off2.shutdowns", 2, shutdowns);
	ASSERT_EQ(0, n);
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
