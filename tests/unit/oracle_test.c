// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the oracle (lib/sysevent.c) against hand-built kvm_run
 * contents: every known behaviour in the catalogue has a case that makes
 * the oracle name it, and conformant exits produce no deviation.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "ghcb.h"
#include "suite.h"
#include "sysevent.h"

#define VAL 0x00021100ull	/* set 1, code 2 */
#define POISON SUITE_POISON

enum shape {
	SEV_TERM_UP,		/* expectation: SEV_TERM, upstream */
	SEV_TERM_PROP,		/* expectation: SEV_TERM, proposal-2022 */
	SHUTDOWN_ES,		/* expectation: SEV-ES shutdown */
	SHUTDOWN_PLAIN,		/* expectation: plain triple fault */
	CRASH_UP,		/* expectation: Hyper-V CRASH, upstream */
	RESET_UP,
	CRASH_PROP,		/* expectation: Hyper-V CRASH, proposal-2022 */
	FORBID_SEV,		/* the control: no SYSTEM_EVENT for a plain guest */
	RESET2_UP,		/* expectation: PSCI RESET2, ndata 1, data[0] 1, upstream */
	OFF_UP,			/* expectation: PSCI SYSTEM_OFF, ndata 1, data[0] 0 */
	OFF_PROP,		/* the same, proposal-2022 */
	WAKEUP_UP,		/* expectation: WAKEUP, ndata 0 */
	FORBID_RESET,		/* a PSCI/SBI call that must fail: no RESET, no event */
	TDX_UP,			/* expectation: TDX_FATAL, ndata 16, the GPRs */
	SUSPEND_UP,		/* expectation: PSCI SYSTEM_SUSPEND, ndata 0 */
};

/* The guest's registers a TDX_FATAL reports, by encoding index (RSP, RBP: 0). */
#define TDX_GPR(i) ((i) == 4 || (i) == 5 ? 0 : 0x7d000000ull + (i))

struct exit_image {
	int rc, err;
	bool stuck;
	u32 exit_reason, type, ndata;
	u64 data0, data1;
	bool no_cap;
	bool resumed;		/* the run re-enters after an event */
	bool tdx_gprs;		/* data[0..15] hold TDX_GPR(i) */
};

FIXTURE(oracle) {
	struct kvm_run run;
	struct run_outcome out;
	struct sysevent_expect exp;
};

FIXTURE_VARIANT(oracle) {
	enum shape shape;
	struct exit_image img;
	const char *field;	/* first deviation expected, NULL for none */
	enum known_behaviour kb;	/* named among them; KB_NONE: no diagnosis at all */
	int ndev;		/* -1: do not check the count */
};

#define SE KSE_EXIT_SYSTEM_EVENT
#define NV KSE_PROPOSAL_NDATA_VALID

/* Conformant exits: nothing to report. */
FIXTURE_VARIANT_ADD(oracle, upstream_conformant) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 1, .data0 = VAL,
				       .data1 = POISON },
};
FIXTURE_VARIANT_ADD(oracle, upstream_stale_words_ignored) {
	/* data[1..15] past ndata are never judged. */
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 1, .data0 = VAL,
				       .data1 = 0xdead },
};
FIXTURE_VARIANT_ADD(oracle, proposal_conformant) {
	.shape = SEV_TERM_PROP, .img = { .exit_reason = SE, .type = 4 | NV, .ndata = 1,
					 .data0 = VAL, .data1 = POISON },
};
FIXTURE_VARIANT_ADD(oracle, crash_conformant_stale_data0) {
	/* ndata 0: data[0] may hold anything. */
	.shape = CRASH_UP, .img = { .exit_reason = SE, .type = 3, .ndata = 0, .data0 = 0xaa },
};
FIXTURE_VARIANT_ADD(oracle, shutdown_conformant) {
	.shape = SHUTDOWN_PLAIN, .img = { .exit_reason = KSE_EXIT_SHUTDOWN },
};

FIXTURE_VARIANT_ADD(oracle, reset2_conformant) {
	.shape = RESET2_UP, .img = { .exit_reason = SE, .type = 2, .ndata = 1, .data0 = 1,
				     .data1 = 0 },
};
FIXTURE_VARIANT_ADD(oracle, off_proposal_conformant) {
	.shape = OFF_PROP, .img = { .exit_reason = SE, .type = 1 | NV, .ndata = 1, .data0 = 0 },
};
FIXTURE_VARIANT_ADD(oracle, wakeup_conformant) {
	/* arm64 clears the whole struct: data[0] is 0, not the host's pattern. */
	.shape = WAKEUP_UP, .img = { .exit_reason = SE, .type = 4, .ndata = 0 },
};
FIXTURE_VARIANT_ADD(oracle, refused_call_conformant) {
	/* The guest got its error and ran on to its report. */
	.shape = FORBID_RESET, .img = { .exit_reason = KVM_EXIT_MMIO },
};

FIXTURE_VARIANT_ADD(oracle, tdx_fatal_conformant) {
	.shape = TDX_UP, .img = { .exit_reason = SE, .type = 7, .ndata = 16, .tdx_gprs = true },
};

/* Every catalogued behaviour, made to fire. */
FIXTURE_VARIANT_ADD(oracle, stuck) {
	.shape = SEV_TERM_UP, .img = { .rc = -1, .err = EINTR, .stuck = true },
	.field = "KVM_RUN", .kb = KB_STUCK, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, pre_5_19_einval) {
	.shape = SEV_TERM_UP, .img = { .rc = -1, .err = EINVAL },
	.field = "KVM_RUN", .kb = KB_PRE_5_19_EINVAL, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, pre_6_7_shutdown_einval) {
	.shape = SHUTDOWN_ES, .img = { .rc = -1, .err = EINVAL },
	.field = "KVM_RUN", .kb = KB_PRE_6_7_SHUTDOWN_EINVAL, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, vm_dead) {
	.shape = SEV_TERM_UP, .img = { .rc = -1, .err = EIO, .resumed = true },
	.field = "KVM_RUN", .kb = KB_VM_DEAD, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, eio_on_first_run_is_not_vm_dead) {
	/* "instead of resumable" does not fit a run that resumed nothing. */
	.shape = SEV_TERM_UP, .img = { .rc = -1, .err = EIO },
	.field = "KVM_RUN", .kb = KB_NONE, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, v4_exit_shutdown) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = KSE_EXIT_SHUTDOWN, .type = 4, .data0 = VAL },
	.field = "exit_reason", .kb = KB_V4_EXIT_SHUTDOWN, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, shutdown_without_value_says_both) {
	/* system_event untouched: a guest fault before VMGEXIT, or V4: both are named. */
	.shape = SEV_TERM_UP, .img = { .exit_reason = KSE_EXIT_SHUTDOWN, .type = (u32)POISON,
				       .data0 = POISON },
	.field = "exit_reason", .kb = KB_SHUTDOWN_BEFORE_REQUEST, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, request_dropped) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = KVM_EXIT_HLT },
	.field = "exit_reason", .kb = KB_REQUEST_DROPPED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, hyperv_hlt_is_event_not_reported) {
	/* No VMGEXIT to resume from: the crash MSR write completed and the guest halted. */
	.shape = CRASH_UP, .img = { .exit_reason = KVM_EXIT_HLT },
	.field = "exit_reason", .kb = KB_EVENT_NOT_REPORTED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, shutdown_expected_internal_error_no_diagnosis) {
	.shape = SHUTDOWN_ES, .img = { .exit_reason = KVM_EXIT_INTERNAL_ERROR },
	.field = "exit_reason", .kb = KB_NONE, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, triple_fault_as_event) {
	.shape = SHUTDOWN_PLAIN, .img = { .exit_reason = SE, .type = 1 },
	.field = "exit_reason", .kb = KB_TRIPLE_FAULT_AS_EVENT, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, shutdown_not_reported) {
	.shape = SHUTDOWN_PLAIN, .img = { .exit_reason = KVM_EXIT_MMIO },
	.field = "exit_reason", .kb = KB_SHUTDOWN_NOT_REPORTED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, sev_term_4) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 4, .ndata = 1, .data0 = VAL },
	.field = "system_event.type", .kb = KB_SEV_TERM_4, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, reset_crash_swapped) {
	.shape = RESET_UP, .img = { .exit_reason = SE, .type = 3 },
	.field = "system_event.type", .kb = KB_TYPE_SWAPPED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, bit31_upstream) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6 | NV, .ndata = 1,
				       .data0 = VAL },
	.field = "system_event.type.bit31", .kb = KB_BIT31_UPSTREAM, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, bit31_on_dataless_event_under_proposal) {
	/* Not "in an upstream-ABI kernel": the profile is the proposal. */
	.shape = CRASH_PROP, .img = { .exit_reason = SE, .type = 3 | NV, .ndata = 0 },
	.field = "system_event.type.bit31", .kb = KB_BIT31_NO_DATA, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, bit31_missing) {
	.shape = SEV_TERM_PROP, .img = { .exit_reason = SE, .type = 4, .ndata = 1, .data0 = VAL },
	.field = "system_event.type.bit31", .kb = KB_BIT31_MISSING, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, cap_missing) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 1, .data0 = VAL,
				       .no_cap = true },
	.field = "KVM_CAP_SYSTEM_EVENT_DATA", .kb = KB_CAP_MISSING, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, ndata_zero) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 0, .data0 = VAL },
	.field = "system_event.ndata", .kb = KB_NDATA_ZERO, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, ndata_extra) {
	.shape = CRASH_UP, .img = { .exit_reason = SE, .type = 3, .ndata = 1 },
	.field = "system_event.ndata", .kb = KB_NDATA_EXTRA, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, v41_data1) {
	.shape = SEV_TERM_PROP, .img = { .exit_reason = SE, .type = 4 | NV, .ndata = 1,
					 .data0 = POISON, .data1 = VAL },
	.field = "system_event.data[0]", .kb = KB_V41_DATA1, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, value_masked) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 1,
				       .data0 = VAL & GHCB_TERM_REASON_BITS, .data1 = POISON },
	.field = "system_event.data[0]", .kb = KB_VALUE_MASKED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, value_gpa) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 1,
				       .data0 = 0xabc00021000ull, .data1 = POISON },
	.field = "system_event.data[0]", .kb = KB_VALUE_GPA, .ndev = -1,
};
FIXTURE_VARIANT_ADD(oracle, stale_data0) {
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 6, .ndata = 1,
				       .data0 = POISON, .data1 = POISON },
	.field = "system_event.data[0]", .kb = KB_STALE_DATA0, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, stale_type) {
	.shape = CRASH_UP, .img = { .exit_reason = SE, .type = (u32)POISON & ~NV, .ndata = 0 },
	.field = "system_event.type", .kb = KB_STALE_TYPE, .ndev = -1,
};
FIXTURE_VARIANT_ADD(oracle, stale_ndata) {
	/* Hyper-V CRASH with ndata left as it was: what x86 did before 5.18. */
	.shape = CRASH_UP, .img = { .exit_reason = SE, .type = 3, .ndata = (u32)POISON },
	.field = "system_event.ndata", .kb = KB_STALE_NDATA, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, control_no_event_conforms) {
	.shape = FORBID_SEV, .img = { .exit_reason = KSE_EXIT_SHUTDOWN },
};
FIXTURE_VARIANT_ADD(oracle, control_stuck_is_no_verdict) {
	/* A run that never ended shows nothing: the control needs a real exit. */
	.shape = FORBID_SEV, .img = { .rc = -1, .err = EINTR, .stuck = true },
	.field = "KVM_RUN", .kb = KB_STUCK, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, control_failed_run_is_no_verdict) {
	.shape = FORBID_RESET, .img = { .rc = -1, .err = EINVAL },
	.field = "KVM_RUN", .kb = KB_NONE, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, control_sev_term_for_plain_guest) {
	.shape = FORBID_SEV, .img = { .exit_reason = SE, .type = 6, .ndata = 1, .data0 = VAL },
	.field = "exit_reason", .kb = KB_EVENT_FOR_PLAIN_GUEST, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, pre_5_18_flags) {
	/* RESET2's flag in flags (data[0]), ndata left 0. */
	.shape = RESET2_UP, .img = { .exit_reason = SE, .type = 2, .ndata = 0, .data0 = 1 },
	.field = "system_event.ndata", .kb = KB_PRE_5_18_FLAGS, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, pre_5_18_flags_without_cap) {
	/* The same on a kernel that does not advertise the data capability. */
	.shape = RESET2_UP, .img = { .exit_reason = SE, .type = 2, .ndata = 0, .data0 = 1,
				     .no_cap = true },
	.field = "KVM_CAP_SYSTEM_EVENT_DATA", .kb = KB_PRE_5_18_FLAGS, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, ndata_zero_value_lost) {
	/* ndata 0 and the RESET2 flag gone too: not the pre-5.18 form. */
	.shape = RESET2_UP, .img = { .exit_reason = SE, .type = 2, .ndata = 0, .data0 = 0 },
	.field = "system_event.ndata", .kb = KB_NDATA_ZERO, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, shutdown_reset_swapped) {
	.shape = OFF_UP, .img = { .exit_reason = SE, .type = 2, .ndata = 1, .data0 = 0 },
	.field = "system_event.type", .kb = KB_SHUTDOWN_RESET_SWAPPED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, bit31_upstream_shutdown) {
	.shape = OFF_UP, .img = { .exit_reason = SE, .type = 1 | NV, .ndata = 1, .data0 = 0 },
	.field = "system_event.type.bit31", .kb = KB_BIT31_UPSTREAM, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, unexpected_event) {
	.shape = FORBID_RESET, .img = { .exit_reason = SE, .type = 2, .ndata = 1, .data0 = 1 },
	.field = "exit_reason", .kb = KB_UNEXPECTED_EVENT, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, wakeup_not_reported) {
	.shape = WAKEUP_UP, .img = { .exit_reason = KVM_EXIT_MMIO },
	.field = "exit_reason", .kb = KB_EVENT_NOT_REPORTED, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, tdx_fatal_where_suspend_expected) {
	/* What a VMM that numbered ChromeOS's S2IDLE 7 would take for a suspend. */
	.shape = SUSPEND_UP, .img = { .exit_reason = SE, .type = 7, .ndata = 16, .tdx_gprs = true },
	.field = "system_event.type", .kb = KB_TDX_FATAL_UNEXPECTED, .ndev = -1,
};
FIXTURE_VARIANT_ADD(oracle, tdx_fatal_ndata_short) {
	/* The pre-merge TDX exit carried 3 words: the rule is 16. */
	.shape = TDX_UP, .img = { .exit_reason = SE, .type = 7, .ndata = 3, .tdx_gprs = true },
	.field = "system_event.ndata", .kb = KB_NONE, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, tdx_fatal_register_moved) {
	/* R12 (the error code) in R13's slot: data[12] is judged. */
	.shape = TDX_UP, .img = { .exit_reason = SE, .type = 7, .ndata = 16, .tdx_gprs = true,
				  .data0 = 12 },
	.field = "system_event.data[12]", .kb = KB_NONE, .ndev = 1,
};
FIXTURE_VARIANT_ADD(oracle, v41_under_upstream_names_all) {
	/* One exit, three deviations: type, bit 31, data[0]. */
	.shape = SEV_TERM_UP, .img = { .exit_reason = SE, .type = 4 | NV, .ndata = 1,
				       .data0 = POISON, .data1 = VAL },
	.field = "system_event.type", .kb = KB_SEV_TERM_4, .ndev = 3,
};

FIXTURE_SETUP(oracle)
{
	const struct exit_image *img = &variant->img;
	u64 val = variant->kb == KB_VALUE_GPA ? 0xabc00021100ull : VAL;
	int i;

	memset(&self->run, 0, sizeof(self->run));
	for (i = 0; i < KSE_RUN_SE_NDATA_MAX; i++)
		self->run.system_event.data[i] = POISON;
	self->run.exit_reason = img->exit_reason;
	self->run.system_event.type = img->type;
	self->run.system_event.ndata = img->ndata;
	self->run.system_event.data[0] = img->data0;
	self->run.system_event.data[1] = img->data1;
	self->out = (struct run_outcome){ .rc = img->rc, .err = img->err, .stuck = img->stuck };
	if (img->tdx_gprs) {
		for (i = 0; i < KSE_RUN_SE_NDATA_MAX; i++)
			self->run.system_event.data[i] = TDX_GPR(i);
		/* .data0 here names a register whose slot gets its neighbour's value. */
		if (img->data0)
			self->run.system_event.data[img->data0] = TDX_GPR(img->data0 + 1);
	}

	switch (variant->shape) {
	case SEV_TERM_UP:
	case SEV_TERM_PROP:
		sysevent_expect_sev_term(&self->exp,
					 variant->shape == SEV_TERM_UP ? ABI_UPSTREAM :
									 ABI_PROPOSAL_2022,
					 val, !img->no_cap);
		break;
	case SHUTDOWN_ES:
	case SHUTDOWN_PLAIN:
		self->exp = (struct sysevent_expect){
			.exit_reason = KSE_EXIT_SHUTDOWN,
			.protected_guest = variant->shape == SHUTDOWN_ES,
		};
		break;
	case CRASH_UP:
	case RESET_UP:
	case CRASH_PROP:
		self->exp = (struct sysevent_expect){
			.profile = variant->shape == CRASH_PROP ? ABI_PROPOSAL_2022 : ABI_UPSTREAM,
			.exit_reason = SE,
			.kind = variant->shape == RESET_UP ? EV_RESET : EV_CRASH,
			.cap_system_event_data = true,
		};
		break;
	case FORBID_SEV:
		sysevent_expect_sev_term(&self->exp, ABI_UPSTREAM, val, true);
		self->exp.protected_guest = false;
		self->exp.forbidden = true;
		break;
	case RESET2_UP:
	case OFF_UP:
	case OFF_PROP:
		self->exp = (struct sysevent_expect){
			.profile = variant->shape == OFF_PROP ? ABI_PROPOSAL_2022 : ABI_UPSTREAM,
			.exit_reason = SE,
			.kind = variant->shape == RESET2_UP ? EV_RESET : EV_SHUTDOWN,
			.ndata = 1,
			.data = { variant->shape == RESET2_UP ? 1 : 0 },
			.cap_system_event_data = !img->no_cap,
		};
		break;
	case WAKEUP_UP:
		self->exp = (struct sysevent_expect){
			.exit_reason = SE, .kind = EV_WAKEUP, .cap_system_event_data = true,
		};
		break;
	case FORBID_RESET:
		self->exp = (struct sysevent_expect){
			.exit_reason = SE, .kind = EV_RESET, .forbidden = true,
			.cap_system_event_data = true,
		};
		break;
	case TDX_UP: {
		u64 gpr[KSE_RUN_SE_NDATA_MAX];

		for (i = 0; i < KSE_RUN_SE_NDATA_MAX; i++)
			gpr[i] = TDX_GPR(i);
		sysevent_expect_tdx_fatal(&self->exp, ABI_UPSTREAM, gpr, true);
		break;
	}
	case SUSPEND_UP:
		self->exp = (struct sysevent_expect){
			.exit_reason = SE, .kind = EV_SUSPEND, .cap_system_event_data = true,
		};
		break;
	}
	self->exp.resumed = img->resumed;
	self->exp.has_poison = true;
	self->exp.poison = POISON;
}

FIXTURE_TEARDOWN(oracle)
{
}

TEST_F(oracle, verdict)
{
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	char line[512];
	int n, i;

	n = sysevent_check(&self->out, &self->run, &self->exp, dev, SYSEVENT_MAX_DEVIATIONS);
	for (i = 0; i < n; i++) {
		deviation_format(&dev[i], line, sizeof(line));
		TH_LOG("%s", line);
	}
	if (!variant->field) {
		ASSERT_EQ(0, n);
		return;
	}
	ASSERT_LT(0, n);
	if (variant->ndev >= 0)
		ASSERT_EQ(variant->ndev, n);
	ASSERT_STREQ(variant->field, dev[0].field);
	if (variant->kb == KB_NONE) {
		/* Nothing we know fits: no diagnosis is given. */
		for (i = 0; i < n; i++)
			EXPECT_EQ((int)KB_NONE, (int)dev[i].known)
				TH_LOG("%s given, fits nothing", known_behaviour_id(dev[i].known));
		return;
	}
	/* The named behaviour appears among the deviations. */
	for (i = 0; i < n && dev[i].known != variant->kb; i++)
		;
	ASSERT_LT(i, n) TH_LOG("behaviour %s not named", known_behaviour_id(variant->kb));
}

/*
 * Every behaviour in the catalogue has a case above that names it: read
 * from the oracle fixture's own variants (each one's expected diagnosis),
 * so deleting a behaviour's only variant turns this red. The verdict test
 * proves each variant's behaviour is really named.
 */
TEST(catalogue_is_covered)
{
	bool seen[NR_KNOWN_BEHAVIOURS] = { [KB_NONE] = true };
	const struct __fixture_variant_metadata *v;
	unsigned int i, n = 0;

	for (v = _oracle_fixture_object.variant; v; v = v->next) {
		const FIXTURE_VARIANT(oracle) *d = v->data;

		n++;
		if (d->field && d->kb < NR_KNOWN_BEHAVIOURS)
			seen[d->kb] = true;
	}
	ASSERT_LT(0u, n) TH_LOG("no oracle variants registered");
	for (i = 0; i < NR_KNOWN_BEHAVIOURS; i++) {
		EXPECT_TRUE(seen[i]) TH_LOG("no unit case for %s", known_behaviour_id(i));
	}
}

TEST(deviation_line_format)
{
	struct deviation d = { .known = KB_NDATA_ZERO };
	char line[512];

	snprintf(d.field, sizeof(d.field), "system_event.ndata");
	snprintf(d.expected, sizeof(d.expected), "0x1");
	snprintf(d.actual, sizeof(d.actual), "0x0");
	deviation_format(&d, line, sizeof(line));
	ASSERT_EQ(0, strncmp(line, "deviation: field=system_event.ndata expected=0x1 actual=0x0 "
			     "diagnosis=\"ndata-zero: ", 81));
	ASSERT_EQ(NULL, strchr(known_behaviour_text(KB_NDATA_ZERO), '"'));
}

/* One format for a capability, wherever it is checked: hex, like every value. */
TEST(capability_deviation_format)
{
	struct run_outcome out = { 0 };
	struct sysevent_expect exp;
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS], d;
	struct kvm_run run;
	char a[256], b[256];

	memset(&run, 0, sizeof(run));
	run.exit_reason = SE;
	run.system_event.type = 6;
	sysevent_expect_sev_term(&exp, ABI_UPSTREAM, VAL, false);
	ASSERT_EQ(1, sysevent_check(&out, &run, &exp, dev, SYSEVENT_MAX_DEVIATIONS));
	deviation_format(&dev[0], a, sizeof(a));
	ASSERT_EQ(1, deviation_value(&d, "KVM_CAP_SYSTEM_EVENT_DATA", 1, 0, KB_CAP_MISSING));
	deviation_format(&d, b, sizeof(b));
	ASSERT_STREQ(a, b);
	ASSERT_EQ(0, strncmp(a, "deviation: field=KVM_CAP_SYSTEM_EVENT_DATA expected=0x1 actual=0x0 ",
			     67));
	ASSERT_EQ(0, deviation_value(&d, "guest.vector", 13, 13, KB_NONE));
}

TEST(profiles)
{
	enum abi_profile p;

	ASSERT_EQ(0, abi_profile_parse("upstream", &p));
	ASSERT_EQ((int)ABI_UPSTREAM, (int)p);
	ASSERT_EQ(0, abi_profile_parse("proposal-2022", &p));
	ASSERT_EQ((int)ABI_PROPOSAL_2022, (int)p);
	ASSERT_EQ(-1, abi_profile_parse("v4", &p));
	ASSERT_EQ(6u, abi_event_type(ABI_UPSTREAM, EV_SEV_TERM));
	ASSERT_EQ(4u, abi_event_type(ABI_PROPOSAL_2022, EV_SEV_TERM));
	ASSERT_EQ(3u, abi_event_type(ABI_PROPOSAL_2022, EV_CRASH));
	ASSERT_EQ(4u, abi_event_type(ABI_UPSTREAM, EV_WAKEUP));
	ASSERT_EQ(5u, abi_event_type(ABI_UPSTREAM, EV_SUSPEND));
	ASSERT_EQ(5u, abi_event_type(ABI_PROPOSAL_2022, EV_SUSPEND));
	ASSERT_EQ(7u, abi_event_type(ABI_UPSTREAM, EV_TDX_FATAL));
}

TEST_HARNESS_MAIN
