// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle, the ABI profiles, and the catalogue of known kernel
 * behaviours it can name.
 *
 * Only system_event.data[0..ndata-1] is meaningful (api.rst; x86 producers
 * never clear the rest, so stale words beyond ndata are normal). The
 * verdict never looks past ndata. Words past ndata are read in one place
 * only, to name the V4.1 off-by-one once a data[0] deviation was found.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sysevent.h"

/*
 * The fields of the GHCB MSR word a SEV_TERM event carries (GHCB spec: the
 * reason-code set and code in bits 23:12, GHCBInfo in 11:0), to name two
 * ways of mangling it (tests/unit/oracle_test.c checks them against x86's
 * GHCB codec).
 */
#define SEV_TERM_REASON_BITS	0x00fff000ull
#define SEV_TERM_INFO_MASK	0xfffull

static const char *const profile_names[NR_ABI_PROFILES] = {
	[ABI_UPSTREAM] = "upstream",
	[ABI_PROPOSAL_2022] = "proposal-2022",
};

const char *abi_profile_name(enum abi_profile p)
{
	return p < NR_ABI_PROFILES ? profile_names[p] : "unknown";
}

int abi_profile_parse(const char *name, enum abi_profile *p)
{
	int i;

	for (i = 0; i < NR_ABI_PROFILES; i++) {
		if (!strcmp(name, profile_names[i])) {
			*p = i;
			return 0;
		}
	}
	return -1;
}

static const u32 event_types[NR_ABI_PROFILES][NR_EV_KINDS] = {
	[ABI_UPSTREAM] = {
		[EV_SHUTDOWN] = KSE_SYSTEM_EVENT_SHUTDOWN,
		[EV_RESET] = KSE_SYSTEM_EVENT_RESET,
		[EV_CRASH] = KSE_SYSTEM_EVENT_CRASH,
		[EV_SEV_TERM] = KSE_SYSTEM_EVENT_SEV_TERM,
		[EV_WAKEUP] = KSE_SYSTEM_EVENT_WAKEUP,
		[EV_SUSPEND] = KSE_SYSTEM_EVENT_SUSPEND,
		[EV_TDX_FATAL] = KSE_SYSTEM_EVENT_TDX_FATAL,
	},
	/*
	 * The 2022 proposal renumbered only SEV_TERM (to 4, which WAKEUP took
	 * in 5.19 when both were merged); the others keep their numbers.
	 */
	[ABI_PROPOSAL_2022] = {
		[EV_SHUTDOWN] = KSE_SYSTEM_EVENT_SHUTDOWN,
		[EV_RESET] = KSE_SYSTEM_EVENT_RESET,
		[EV_CRASH] = KSE_SYSTEM_EVENT_CRASH,
		[EV_SEV_TERM] = KSE_PROPOSAL_SEV_TERM,
		[EV_WAKEUP] = KSE_SYSTEM_EVENT_WAKEUP,
		[EV_SUSPEND] = KSE_SYSTEM_EVENT_SUSPEND,
		[EV_TDX_FATAL] = KSE_SYSTEM_EVENT_TDX_FATAL,
	},
};

u32 abi_event_type(enum abi_profile p, enum sysevent_kind kind)
{
	return event_types[p][kind];
}

const char *sysevent_kind_name(enum sysevent_kind kind)
{
	static const char *const names[NR_EV_KINDS] = {
		[EV_SHUTDOWN] = "SHUTDOWN", [EV_RESET] = "RESET",
		[EV_CRASH] = "CRASH", [EV_SEV_TERM] = "SEV_TERM",
		[EV_WAKEUP] = "WAKEUP", [EV_SUSPEND] = "SUSPEND",
		[EV_TDX_FATAL] = "TDX_FATAL",
	};

	return kind < NR_EV_KINDS ? names[kind] : "unknown";
}

static const struct {
	const char *id;
	const char *text;
} known[NR_KNOWN_BEHAVIOURS] = {
	[KB_NONE] = { "none", "" },
	[KB_STUCK] = { "stuck",
		"no exit at all: the guest ran until the watchdog stopped it" },
	[KB_PRE_5_19_EINVAL] = { "pre-5.19-einval",
		"pre-5.19 kernel: SEV-ES termination fails KVM_RUN with EINVAL (before c24a950ec7d6)" },
	[KB_PRE_6_7_SHUTDOWN_EINVAL] = { "pre-6.7-shutdown-einval",
		"pre-6.7 kernel: SEV-ES shutdown fails KVM_RUN with EINVAL (before bc3d7c5570a0)" },
	[KB_VM_DEAD] = { "vm-dead",
		"KVM_RUN fails after the event: the VM was marked dead instead of resumable" },
	[KB_V4_EXIT_SHUTDOWN] = { "v4-exit-shutdown",
		"2022 V4 patch: termination reported as KVM_EXIT_SHUTDOWN (value only in flags)" },
	[KB_SHUTDOWN_BEFORE_REQUEST] = { "shutdown-not-term",
		"KVM_EXIT_SHUTDOWN carrying no value: the guest faulted (#VC, #UD) before its VMGEXIT, or a kernel reports termination as SHUTDOWN (2022 V4 patch)" },
	[KB_REQUEST_DROPPED] = { "request-dropped",
		"request not reported: KVM resumed the guest, which ran on to its next exit" },
	[KB_EVENT_NOT_REPORTED] = { "event-not-reported",
		"event not reported: the guest's request completed without an exit and the guest ran on to its next exit" },
	[KB_EVENT_FOR_PLAIN_GUEST] = { "sev-term-plain-guest",
		"a plain (non-SEV) guest's GHCB MSR write and VMGEXIT were reported as a system event" },
	[KB_TRIPLE_FAULT_AS_EVENT] = { "triple-fault-as-event",
		"triple fault reported as KVM_EXIT_SYSTEM_EVENT instead of KVM_EXIT_SHUTDOWN" },
	[KB_SHUTDOWN_NOT_REPORTED] = { "shutdown-not-reported",
		"triple fault not reported: the vCPU was reset or resumed" },
	[KB_SEV_TERM_4] = { "sev-term-4",
		"SEV_TERM numbered 4 as posted in 2022 (merged as 6 in v5.19; 4 is WAKEUP)" },
	[KB_TYPE_SWAPPED] = { "reset-crash-swapped",
		"RESET and CRASH type numbers swapped" },
	[KB_BIT31_UPSTREAM] = { "bit31-upstream",
		"bit 31 of type set: the unmerged 2022 NDATA_VALID proposal in an upstream-ABI kernel" },
	[KB_BIT31_NO_DATA] = { "bit31-no-data",
		"bit 31 (NDATA_VALID) set on an event that carries no data: the 2022 proposal sets it only with data" },
	[KB_BIT31_MISSING] = { "bit31-missing",
		"bit 31 of type clear: the 2022 proposal requires it when ndata is valid" },
	[KB_CAP_MISSING] = { "cap-missing",
		"KVM_CAP_SYSTEM_EVENT_DATA not advertised: ndata and data[] are not valid (pre-5.18)" },
	[KB_NDATA_ZERO] = { "ndata-zero",
		"ndata 0: the data the event carries (SEV_TERM: the GHCB MSR value) is not reported" },
	[KB_NDATA_EXTRA] = { "ndata-extra",
		"ndata counts words the event does not carry" },
	[KB_V41_DATA1] = { "v4.1-data1",
		"2022 V4.1 patch: the GHCB MSR value stored in data[1] instead of data[0]" },
	[KB_VALUE_MASKED] = { "value-masked",
		"data[0] holds only the reason fields (bits 23:12), not the whole GHCB MSR value" },
	[KB_VALUE_GPA] = { "value-gpa",
		"data[0] has GHCBInfo cleared: a GPA as api.rst describes, not the MSR value" },
	[KB_STALE_DATA0] = { "stale-data0",
		"data[0] not written: it still holds what the host put there before KVM_RUN" },
	[KB_STALE_TYPE] = { "stale-type",
		"type not written: it still holds what the host put there before KVM_RUN" },
	[KB_STALE_NDATA] = { "stale-ndata",
		"ndata not written (as x86 before 5.18): it still holds the host's pattern" },
	[KB_PRE_5_18_FLAGS] = { "pre-5.18-flags",
		"the value is in flags (data[0]) without ndata: the form before 5.18 (d495f942f40a)" },
	[KB_SHUTDOWN_RESET_SWAPPED] = { "shutdown-reset-swapped",
		"SHUTDOWN and RESET type numbers swapped" },
	[KB_UNEXPECTED_EVENT] = { "unexpected-event",
		"a system event for a request that must fail and let the guest run on" },
	[KB_TDX_FATAL_UNEXPECTED] = { "tdx-fatal-unexpected",
		"type 7 is TDX_FATAL (6.16+, a TDX guest's fatal error, ndata 16); ChromeOS's unmerged S2IDLE was also 7, so a VMM built with it misreads this exit" },
};

const char *known_behaviour_text(enum known_behaviour kb)
{
	return kb < NR_KNOWN_BEHAVIOURS ? known[kb].text : "";
}

const char *known_behaviour_id(enum known_behaviour kb)
{
	return kb < NR_KNOWN_BEHAVIOURS ? known[kb].id : "unknown";
}

struct dev_list {
	struct deviation *dev;
	int max;
	int n;
};

static void __printf(5, 6) add(struct dev_list *l, const char *field, enum known_behaviour kb,
			       const char *expected, const char *actual_fmt, ...)
{
	struct deviation *d;
	va_list ap;

	if (l->n >= l->max) {
		l->n++;
		return;
	}
	d = &l->dev[l->n++];
	snprintf(d->field, sizeof(d->field), "%s", field);
	snprintf(d->expected, sizeof(d->expected), "%s", expected);
	va_start(ap, actual_fmt);
	vsnprintf(d->actual, sizeof(d->actual), actual_fmt, ap);
	va_end(ap);
	d->known = kb;
}

static const char *hex(char *buf, size_t len, u64 v)
{
	snprintf(buf, len, "0x%llx", (unsigned long long)v);
	return buf;
}

static bool exit_is_resumed_guest(u32 reason)
{
	switch (reason) {
	case KVM_EXIT_HLT:
	case KVM_EXIT_IO:
	case KVM_EXIT_MMIO:
	case KVM_EXIT_DEBUG:
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		return true;
	default:
		return false;
	}
}

/*
 * Each diagnosis must fit what it is given: the profile and the event come
 * from the expectation, everything else from the run. Where the facts fit
 * two explanations, the text names both; where they fit none we know, no
 * diagnosis is given.
 */
static enum known_behaviour diagnose_failed_run(const struct run_outcome *out,
						const struct sysevent_expect *exp)
{
	if (out->err == EINVAL && exp->exit_reason == KSE_EXIT_SYSTEM_EVENT &&
	    exp->kind == EV_SEV_TERM)
		return KB_PRE_5_19_EINVAL;
	if (out->err == EINVAL && exp->exit_reason == KSE_EXIT_SHUTDOWN && exp->protected_guest)
		return KB_PRE_6_7_SHUTDOWN_EINVAL;
	/* EIO on a first run is no "instead of resumable". */
	if (out->err == EIO && exp->resumed)
		return KB_VM_DEAD;
	return KB_NONE;
}

static enum known_behaviour diagnose_exit_reason(u32 actual, const struct kvm_run *run,
						 const struct sysevent_expect *exp)
{
	if (exp->exit_reason == KSE_EXIT_SYSTEM_EVENT) {
		if (actual == KSE_EXIT_SHUTDOWN && exp->kind == EV_SEV_TERM) {
			/*
			 * V4 put the MSR value in flags (data[0]). A SHUTDOWN that
			 * left the host's pattern there carries no value: a guest
			 * that faulted before its VMGEXIT looks just the same.
			 */
			if (exp->has_poison && run->system_event.data[0] == exp->data[0] &&
			    exp->data[0] != exp->poison)
				return KB_V4_EXIT_SHUTDOWN;
			return KB_SHUTDOWN_BEFORE_REQUEST;
		}
		if (exit_is_resumed_guest(actual))
			return exp->kind == EV_SEV_TERM ? KB_REQUEST_DROPPED : KB_EVENT_NOT_REPORTED;
	}
	if (exp->exit_reason == KSE_EXIT_SHUTDOWN) {
		if (actual == KSE_EXIT_SYSTEM_EVENT)
			return KB_TRIPLE_FAULT_AS_EVENT;
		if (exit_is_resumed_guest(actual))
			return KB_SHUTDOWN_NOT_REPORTED;
	}
	return KB_NONE;
}

/*
 * The control: any exit but @exp->exit_reason conforms. It must be a real
 * exit: a run that never ends, or a KVM_RUN that fails, shows nothing about
 * what the guest's request became.
 */
static int check_forbidden(const struct run_outcome *out, const struct kvm_run *run,
			   const struct sysevent_expect *exp, struct dev_list *l)
{
	char e[48];

	snprintf(e, sizeof(e), "!0x%x(%s)", exp->exit_reason, exit_reason_name(exp->exit_reason));
	if (out->stuck) {
		if (out->pc_valid)
			add(l, "KVM_RUN", KB_STUCK, e, "no-exit(watchdog,%ums,pc=0x%llx)", out->ms,
			    (unsigned long long)out->pc);
		else
			add(l, "KVM_RUN", KB_STUCK, e, "no-exit(watchdog,%ums)", out->ms);
		return l->n;
	}
	if (out->rc < 0) {
		add(l, "KVM_RUN", KB_NONE, "rc=0", "rc=%d,errno=%s", out->rc, errno_name(out->err));
		return l->n;
	}
	if (run->exit_reason != exp->exit_reason)
		return 0;
	add(l, "exit_reason",
	    exp->exit_reason != KSE_EXIT_SYSTEM_EVENT ? KB_NONE :
	    exp->kind == EV_SEV_TERM ? KB_EVENT_FOR_PLAIN_GUEST : KB_UNEXPECTED_EVENT,
	    e, "0x%x(%s)", run->exit_reason, exit_reason_name(run->exit_reason));
	return l->n;
}

static enum known_behaviour diagnose_type(u32 actual, const struct sysevent_expect *exp)
{
	if (actual == KSE_SYSTEM_EVENT_TDX_FATAL && exp->kind != EV_TDX_FATAL)
		return KB_TDX_FATAL_UNEXPECTED;
	if (exp->has_poison && actual == ((u32)exp->poison & ~KSE_PROPOSAL_NDATA_VALID))
		return KB_STALE_TYPE;
	if (exp->kind == EV_SEV_TERM && exp->profile == ABI_UPSTREAM &&
	    actual == KSE_PROPOSAL_SEV_TERM)
		return KB_SEV_TERM_4;
	if ((exp->kind == EV_RESET && actual == KSE_SYSTEM_EVENT_CRASH) ||
	    (exp->kind == EV_CRASH && actual == KSE_SYSTEM_EVENT_RESET))
		return KB_TYPE_SWAPPED;
	if ((exp->kind == EV_RESET && actual == KSE_SYSTEM_EVENT_SHUTDOWN) ||
	    (exp->kind == EV_SHUTDOWN && actual == KSE_SYSTEM_EVENT_RESET))
		return KB_SHUTDOWN_RESET_SWAPPED;
	return KB_NONE;
}

/*
 * Before 5.18 (d495f942f40a) an event's value lived in flags, the word that
 * is now data[0], and ndata did not exist: a SHUTDOWN or RESET that carries
 * its value in data[0] but says ndata 0 has that form. data[0] lies past
 * ndata then, so it is read here only to name the behaviour.
 */
static bool pre_5_18_flags(const struct kvm_run *run, const struct sysevent_expect *exp)
{
	return exp->ndata > 0 && (exp->kind == EV_SHUTDOWN || exp->kind == EV_RESET) &&
	       run->system_event.data[0] == exp->data[0];
}

static enum known_behaviour diagnose_ndata(u32 actual, const struct kvm_run *run,
					   const struct sysevent_expect *exp)
{
	if (exp->has_poison && actual == (u32)exp->poison)
		return KB_STALE_NDATA;
	if (actual == 0)
		return pre_5_18_flags(run, exp) ? KB_PRE_5_18_FLAGS : KB_NDATA_ZERO;
	return actual > exp->ndata ? KB_NDATA_EXTRA : KB_NONE;
}

static enum known_behaviour diagnose_data0(const struct kvm_run *run,
					   const struct sysevent_expect *exp)
{
	u64 got = run->system_event.data[0], want = exp->data[0];

	/* data[1] lies past ndata: consulted only to name V4.1's off-by-one. */
	if (exp->kind == EV_SEV_TERM && run->system_event.data[1] == want)
		return KB_V41_DATA1;
	if (exp->has_poison && got == exp->poison)
		return KB_STALE_DATA0;
	if (exp->kind == EV_SEV_TERM && got == (want & SEV_TERM_REASON_BITS))
		return KB_VALUE_MASKED;
	if (exp->kind == EV_SEV_TERM && got == (want & ~SEV_TERM_INFO_MASK))
		return KB_VALUE_GPA;
	return KB_NONE;
}

int sysevent_check(const struct run_outcome *out, const struct kvm_run *run,
		   const struct sysevent_expect *exp, struct deviation *dev, int max)
{
	struct dev_list l = { .dev = dev, .max = max };
	u32 type, want_type, ndata, n, i;
	bool bit31, want_bit31;
	char e[48];

	if (exp->forbidden)
		return check_forbidden(out, run, exp, &l);
	if (out->stuck) {
		snprintf(e, sizeof(e), "exit:0x%x", exp->exit_reason);
		if (out->pc_valid)
			add(&l, "KVM_RUN", KB_STUCK, e, "no-exit(watchdog,%ums,pc=0x%llx)", out->ms,
			    (unsigned long long)out->pc);
		else
			add(&l, "KVM_RUN", KB_STUCK, e, "no-exit(watchdog,%ums)", out->ms);
		return l.n;
	}
	if (out->rc < 0) {
		add(&l, "KVM_RUN", diagnose_failed_run(out, exp), "rc=0", "rc=%d,errno=%s",
		    out->rc, errno_name(out->err));
		return l.n;
	}
	if (run->exit_reason != exp->exit_reason) {
		snprintf(e, sizeof(e), "0x%x(%s)", exp->exit_reason,
			 exit_reason_name(exp->exit_reason));
		add(&l, "exit_reason", diagnose_exit_reason(run->exit_reason, run, exp), e,
		    "0x%x(%s)", run->exit_reason, exit_reason_name(run->exit_reason));
		return l.n;
	}
	if (exp->exit_reason != KSE_EXIT_SYSTEM_EVENT)
		return l.n;

	type = run->system_event.type;
	bit31 = type & KSE_PROPOSAL_NDATA_VALID;
	type &= ~KSE_PROPOSAL_NDATA_VALID;
	want_type = abi_event_type(exp->profile, exp->kind);
	if (type != want_type) {
		snprintf(e, sizeof(e), "0x%x(%s)", want_type, sysevent_kind_name(exp->kind));
		add(&l, "system_event.type", diagnose_type(type, exp), e, "0x%x(%s)", type,
		    system_event_type_name(type));
	}

	want_bit31 = exp->profile == ABI_PROPOSAL_2022 && exp->ndata > 0;
	if (bit31 != want_bit31)
		add(&l, "system_event.type.bit31",
		    !bit31 ? KB_BIT31_MISSING :
		    exp->profile == ABI_UPSTREAM ? KB_BIT31_UPSTREAM : KB_BIT31_NO_DATA,
		    want_bit31 ? "1" : "0", "%d", bit31);

	/* Is ndata valid at all? The profile says how the kernel tells us. */
	ndata = run->system_event.ndata;
	if (exp->profile == ABI_UPSTREAM && !exp->cap_system_event_data) {
		/*
		 * One deviation whatever the words: only its diagnosis may read
		 * data[0] (a pre-5.18 kernel: its value in flags, and no ndata).
		 */
		if (l.n < l.max)
			deviation_value(&l.dev[l.n], "KVM_CAP_SYSTEM_EVENT_DATA", 1, 0,
					ndata != exp->ndata && pre_5_18_flags(run, exp) ?
					KB_PRE_5_18_FLAGS : KB_CAP_MISSING);
		l.n++;
		return l.n;
	}
	if (exp->profile == ABI_PROPOSAL_2022 && !bit31)
		return l.n;

	if (ndata != exp->ndata)
		add(&l, "system_event.ndata", diagnose_ndata(ndata, run, exp),
		    hex(e, sizeof(e), exp->ndata), "0x%x", ndata);

	n = ndata < exp->ndata ? ndata : exp->ndata;
	if (n > KSE_RUN_SE_NDATA_MAX)
		n = KSE_RUN_SE_NDATA_MAX;
	for (i = 0; i < n; i++) {
		char field[32];

		if (run->system_event.data[i] == exp->data[i])
			continue;
		snprintf(field, sizeof(field), "system_event.data[%u]", i);
		add(&l, field, i == 0 ? diagnose_data0(run, exp) : KB_NONE,
		    hex(e, sizeof(e), exp->data[i]), "0x%llx",
		    (unsigned long long)run->system_event.data[i]);
	}
	return l.n;
}

int deviation_format(const struct deviation *d, char *buf, size_t len)
{
	if (d->known != KB_NONE)
		return snprintf(buf, len,
				"deviation: field=%s expected=%s actual=%s diagnosis=\"%s: %s\"",
				d->field, d->expected, d->actual, known_behaviour_id(d->known),
				known_behaviour_text(d->known));
	return snprintf(buf, len, "deviation: field=%s expected=%s actual=%s", d->field,
			d->expected, d->actual);
}

int deviation_value(struct deviation *d, const char *field, u64 expected, u64 actual,
		    enum known_behaviour kb)
{
	if (expected == actual)
		return 0;
	memset(d, 0, sizeof(*d));
	snprintf(d->field, sizeof(d->field), "%s", field);
	snprintf(d->expected, sizeof(d->expected), "0x%llx", (unsigned long long)expected);
	snprintf(d->actual, sizeof(d->actual), "0x%llx", (unsigned long long)actual);
	d->known = kb;
	return 1;
}

void deviations_print(const struct deviation *dev, int n)
{
	char buf[512];
	int i;

	for (i = 0; i < n && i < SYSEVENT_MAX_DEVIATIONS; i++) {
		deviation_format(&dev[i], buf, sizeof(buf));
		pr_diag("%s", buf);
	}
	if (n > SYSEVENT_MAX_DEVIATIONS)
		pr_diag("deviation: %d more not shown", n - SYSEVENT_MAX_DEVIATIONS);
}

void sysevent_expect_tdx_fatal(struct sysevent_expect *exp, enum abi_profile p,
			       const u64 gpr[KSE_RUN_SE_NDATA_MAX], bool cap_system_event_data)
{
	memset(exp, 0, sizeof(*exp));
	exp->profile = p;
	exp->exit_reason = KSE_EXIT_SYSTEM_EVENT;
	exp->kind = EV_TDX_FATAL;
	exp->ndata = KSE_RUN_SE_NDATA_MAX;
	memcpy(exp->data, gpr, sizeof(exp->data));
	exp->cap_system_event_data = cap_system_event_data;
	exp->protected_guest = true;
}

void sysevent_expect_sev_term(struct sysevent_expect *exp, enum abi_profile p, u64 ghcb_msr,
			      bool cap_system_event_data)
{
	memset(exp, 0, sizeof(*exp));
	exp->profile = p;
	exp->exit_reason = KSE_EXIT_SYSTEM_EVENT;
	exp->kind = EV_SEV_TERM;
	exp->ndata = 1;
	exp->data[0] = ghcb_msr;
	exp->cap_system_event_data = cap_system_event_data;
	exp->protected_guest = true;
}
