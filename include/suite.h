/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test binary shares: its options (ABI profile, backend, sweep),
 * the KTAP header, and the bridge from the oracle to a harness verdict.
 */
#ifndef KSE_SUITE_H
#define KSE_SUITE_H

#include "sysevent.h"

#define SUITE_ENV_PROFILE	"KVM_SYSEVENT_ABI_PROFILE"
#define SUITE_ENV_BACKEND	"KVM_SYSEVENT_BACKEND"
#define SUITE_ENV_EXHAUSTIVE	"KVM_SYSEVENT_EXHAUSTIVE"
#define SUITE_ENV_SWEEP		"KVM_SYSEVENT_SWEEP"

/* Options a binary accepts beyond the profile. */
#define SUITE_OPT_BACKEND	BIT(0)	/* --backend=NAME, see backend_parse */
#define SUITE_OPT_SWEEP		BIT(1)	/* --exhaustive, --sweep=loop|per-vm */

/*
 * A binary that takes --backend says what the names are: the suite glue
 * knows none of them. @parse fills the binary's own selection from a name
 * (0, or -1 for an unknown one) and returns through @label and @note what
 * every output says about the results: the name as given, and NULL or
 * what kind of result it is not.
 */
struct suite_backend_ops {
	const char *default_name;
	int (*parse)(const char *name, void *sel, const char **label, const char **note);
	void (*usage)(FILE *f);
	void *sel;
};

struct suite_opts {
	const char *binary;
	const char *summary;		/* one line for --help */
	unsigned int accepts;		/* SUITE_OPT_* */
	const struct suite_backend_ops *backend_ops;	/* with SUITE_OPT_BACKEND */
	enum abi_profile profile;
	const char *backend;		/* label: "kernel", or as the binary named it */
	const char *backend_note;	/* NULL, or what the results are not */
	bool exhaustive;
	bool sweep_per_vm;
	/*
	 * With SUITE_OPT_SWEEP: the guest launches the exhaustive sweep makes
	 * in a mode, and the time each may take. --sweep-budget prints them so
	 * that a runner can give the run the time it needs.
	 */
	unsigned int (*sweep_launches)(bool per_vm);
	unsigned int sweep_launch_ms;
};

/*
 * Parse and remove this suite's long options from argv (what is left goes
 * to the kselftest harness), with environment defaults. --help prints
 * usage and exits 0; bad input prints one line and exits 2. Then print the
 * KTAP version line and the header diagnostics (nothing is printed before
 * them), and replace the harness's own "TAP version 13" line.
 */
void suite_init(struct suite_opts *o, int *argc, char **argv);

/*
 * Run the oracle and print every deviation; returns their number. Tests
 * assert it is 0, so the harness verdict and the deviation lines agree.
 * (flags, what a VMM built before 5.18 reads, is the very word data[0] is:
 * a build-time fact of include/abi.h, nothing a run could show.)
 */
int suite_check_event(const struct run_outcome *out, const struct kvm_run *run,
		      const struct sysevent_expect *exp);

/*
 * A value the test observed itself (the control's guest vector, a
 * capability): a deviation line in the oracle's format when it differs.
 * Returns 1 if it did, else 0.
 */
int suite_check_value(const char *field, u64 expected, u64 actual);

/*
 * suite_check_value() for what is better said in words than in hex (a
 * guest's PSCI error, a vCPU that should block): always prints the line
 * "deviation: field=F expected=E actual=A" and returns 1.
 */
int suite_deviation(const char *field, const char *expected, const char *actual_fmt, ...)
	__printf(3, 4);

/*
 * After a SHUTDOWN (PSCI SYSTEM_OFF, SBI SRST): each of @nr vCPUs is in
 * KVM_MP_STATE_STOPPED and KVM_RUN on it blocks until the watchdog.
 * Prints a deviation for each that is not; returns their number.
 */
int suite_check_stopped(struct vcpu *vcpus, int nr);

/*
 * The expectation for a system event of @kind carrying @ndata words, the
 * first being @data0: the binary's ABI profile, KVM_CAP_SYSTEM_EVENT_DATA
 * as @kvm advertises it, and system_event poisoned with SUITE_POISON.
 */
void suite_expect_event(struct sysevent_expect *exp, const struct suite_opts *o,
			struct kvm_dev *kvm, enum sysevent_kind kind, u32 ndata, u64 data0);

/*
 * Poison system_event, KVM_RUN once (the outcome in @out), and judge it
 * with suite_check_event(): the number of deviations, each printed.
 */
int suite_run_check(struct vcpu *vcpu, const struct sysevent_expect *exp,
		    struct run_outcome *out);

/*
 * What to do about a skip: one "# hint:" diagnostic for a known skip reason
 * (the reason on the result line stays a short fixed phrase), printed once
 * per binary (after suite_init()): before the first case that skips for it.
 * 1 if it printed the hint now, else 0.
 */
int suite_skip_hint(const char *reason);

/*
 * A behaviour KVM has from one release on (docs/assumptions.md): below it
 * the case skips with @skip (a fixed phrase), from it on the behaviour is
 * required and the result line says which release decided.
 */
struct suite_gate {
	unsigned int major, minor;	/* the release that brought it */
	const char *skip;
};

/*
 * The running kernel's release as major * 1000 + minor, from uname(2)
 * ("7.3.4+deb13-amd64": 7003); 0 when it cannot be read.
 */
unsigned int suite_kernel_release(void);

/*
 * 1 when the running kernel is at or past @g's release (or its release
 * cannot be read: then nothing excuses it), 0 when it predates it. @note
 * gets what the result line says: "6.11+ (kernel 7.3.4)".
 */
int suite_gate_check(const struct suite_gate *g, char *note, size_t len);
/* The same for the release string @release (NULL: unknown). */
int suite_gate_check_release(const struct suite_gate *g, const char *release, char *note,
			     size_t len);

/* A skip phrase and what to do about it; tables end with { NULL, NULL }. */
struct suite_hint {
	const char *reason;
	const char *hint;
};

/* The architecture's skip phrases (lib/<arch>/skip_hints.c). */
extern const struct suite_hint suite_arch_skip_hints[];

/* SKIP() with the hint printed first. */
#define SUITE_SKIP(statement, reason)                                                  \
	do {                                                                           \
		const char *__reason = (reason);                                       \
		suite_skip_hint(__reason);                                             \
		SKIP(statement, "%s", __reason);                                       \
	} while (0)

/*
 * The pattern written into system_event.data[] before every run: never a
 * valid GHCB MSR value of ours, so an unwritten word cannot pass for one.
 */
#define SUITE_POISON 0xa5a5a5a5a5a5a5a5ull

#endif /* KSE_SUITE_H */
