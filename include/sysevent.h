/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The oracle: one function that turns what KVM_RUN did into the list of
 * ways it differs from the documented ABI, each naming the kvm_run field,
 * the expected and the actual value and, where the difference matches a
 * kernel behaviour we know of, that behaviour.
 *
 * The oracle sees only the KVM_RUN outcome, the kvm_run contents and the
 * expectation. It never knows which backend (kernel or software model)
 * produced the exit.
 */
#ifndef KSE_SYSEVENT_H
#define KSE_SYSEVENT_H

#include <linux/kvm.h>

#include "abi.h"
#include "util.h"
#include "vcpu.h"

/*
 * ABI profiles. upstream: the merged ABI (d495f942f40a, v5.18; SEV_TERM 6
 * in v5.19): bit 31 of type is never set, ndata/data[] are valid when
 * KVM_CAP_SYSTEM_EVENT_DATA is advertised. proposal-2022: the reviewed but
 * unmerged form: SEV_TERM is 4 and bit 31 of type says "ndata is valid" for
 * an event that carries data.
 */
enum abi_profile {
	ABI_UPSTREAM,
	ABI_PROPOSAL_2022,
	NR_ABI_PROFILES,
};

const char *abi_profile_name(enum abi_profile p);
/* 0 and *p set, or -1 for an unknown name. */
int abi_profile_parse(const char *name, enum abi_profile *p);

/* Logical system events; the profile gives each its number. */
enum sysevent_kind {
	EV_SHUTDOWN,
	EV_RESET,
	EV_CRASH,
	EV_SEV_TERM,
	EV_WAKEUP,
	EV_SUSPEND,
	EV_TDX_FATAL,	/* x86 TDX (6.16+): ndata 16, the guest's GPRs in encoding order */
	NR_EV_KINDS,
};

u32 abi_event_type(enum abi_profile p, enum sysevent_kind kind);
const char *sysevent_kind_name(enum sysevent_kind kind);

struct sysevent_expect {
	enum abi_profile profile;
	u32 exit_reason;		/* KSE_EXIT_SYSTEM_EVENT, KSE_EXIT_SHUTDOWN, ... */
	enum sysevent_kind kind;	/* with KSE_EXIT_SYSTEM_EVENT */
	u32 ndata;			/* words the event carries */
	u64 data[KSE_RUN_SE_NDATA_MAX];
	bool cap_system_event_data;	/* as the kernel under test advertised it */
	bool has_poison;		/* system_event was filled with @poison before the run */
	u64 poison;
	bool protected_guest;		/* SEV-ES/SNP: only used to name behaviours */
	bool resumed;			/* the run re-enters a guest that reported an event */
	/*
	 * The control: the run must NOT end in @exit_reason (a plain guest
	 * running the termination bytes). Any other real exit conforms; a run
	 * the watchdog had to stop, or a failed KVM_RUN, does not.
	 */
	bool forbidden;
};

/* Known kernel behaviours the oracle can name. */
enum known_behaviour {
	KB_NONE,
	KB_STUCK,
	KB_PRE_5_19_EINVAL,
	KB_PRE_6_7_SHUTDOWN_EINVAL,
	KB_VM_DEAD,
	KB_V4_EXIT_SHUTDOWN,
	KB_SHUTDOWN_BEFORE_REQUEST,
	KB_REQUEST_DROPPED,
	KB_EVENT_NOT_REPORTED,
	KB_EVENT_FOR_PLAIN_GUEST,
	KB_TRIPLE_FAULT_AS_EVENT,
	KB_SHUTDOWN_NOT_REPORTED,
	KB_SEV_TERM_4,
	KB_TYPE_SWAPPED,
	KB_BIT31_UPSTREAM,
	KB_BIT31_NO_DATA,
	KB_BIT31_MISSING,
	KB_CAP_MISSING,
	KB_NDATA_ZERO,
	KB_NDATA_EXTRA,
	KB_V41_DATA1,
	KB_VALUE_MASKED,
	KB_VALUE_GPA,
	KB_STALE_DATA0,
	KB_STALE_TYPE,
	KB_STALE_NDATA,
	KB_PRE_5_18_FLAGS,
	KB_SHUTDOWN_RESET_SWAPPED,
	KB_UNEXPECTED_EVENT,
	KB_TDX_FATAL_UNEXPECTED,
	NR_KNOWN_BEHAVIOURS,
};

const char *known_behaviour_text(enum known_behaviour kb);
const char *known_behaviour_id(enum known_behaviour kb);

struct deviation {
	char field[40];		/* kvm_run path, or KVM_RUN / a capability */
	char expected[48];
	char actual[64];
	enum known_behaviour known;
};

#define SYSEVENT_MAX_DEVIATIONS 8

/*
 * Compare one KVM_RUN against @exp. Returns the number of deviations
 * written to @dev (at most @max), 0 when the exit conforms.
 */
int sysevent_check(const struct run_outcome *out, const struct kvm_run *run,
		   const struct sysevent_expect *exp, struct deviation *dev, int max);

/* "deviation: field=F expected=E actual=A[ diagnosis="D"]" (no "# "). */
int deviation_format(const struct deviation *d, char *buf, size_t len);
/* Print every deviation as a KTAP diagnostic line. */
void deviations_print(const struct deviation *dev, int n);

/*
 * One deviation for a value a test observed itself (the control's guest
 * vector, a capability as the kernel answered it): @field, @expected and
 * @actual in hex, the oracle's line format. 1 if they differ (*@d filled),
 * else 0.
 */
int deviation_value(struct deviation *d, const char *field, u64 expected, u64 actual,
		    enum known_behaviour kb);

/*
 * Expectation for TDX_FATAL (6.16+): ndata 16, data[i] the guest register
 * of encoding index i (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15), as
 * @gpr gives them (KVM reports 0 for RSP and RBP, which it cannot read).
 */
void sysevent_expect_tdx_fatal(struct sysevent_expect *exp, enum abi_profile p,
			       const u64 gpr[KSE_RUN_SE_NDATA_MAX], bool cap_system_event_data);

/* Expectation for the upstream SEV_TERM report of one GHCB MSR value. */
void sysevent_expect_sev_term(struct sysevent_expect *exp, enum abi_profile p,
			      u64 ghcb_msr, bool cap_system_event_data);

#endif /* KSE_SYSEVENT_H */
