// SPDX-License-Identifier: GPL-2.0
/* Options, KTAP header and oracle bridge shared by every test binary. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "suite.h"

static void usage(const struct suite_opts *o, FILE *f)
{
	fprintf(f, "usage: %s [options] [harness options]\n%s\n\noptions:\n", o->binary,
		o->summary);
	fprintf(f, "  --abi-profile=P     upstream (default) or proposal-2022  [$%s]\n",
		SUITE_ENV_PROFILE);
	if (o->accepts & SUITE_OPT_BACKEND)
		fprintf(f, "  --backend=B         %s (default), or another backend below  [$%s]\n",
			o->backend_ops->default_name, SUITE_ENV_BACKEND);
	if (o->accepts & SUITE_OPT_SWEEP)
		fprintf(f, "  --exhaustive        add the 16 x 256 reason sweep  [$%s=1]\n"
			   "  --sweep=M           loop (one launch per set, default) or per-vm  [$%s]\n"
			   "  --sweep-budget      print 'launches=N ms_per_launch=M' for the sweep\n"
			   "                      these options ask for (N=0 without --exhaustive)\n",
			SUITE_ENV_EXHAUSTIVE, SUITE_ENV_SWEEP);
	fprintf(f, "  --help              this text\n\n"
		   "harness options (kselftest_harness.h):\n"
		   "  -l                  list tests\n"
		   "  -t/-T NAME          include/exclude test    -v/-V NAME  variant\n"
		   "  -f/-F NAME          include/exclude fixture -r F.V.T    run one test\n\n"
		   "exit status: 0 pass or skipped cases, 1 failure, 2 bad usage, 4 all skipped\n");
	if (o->accepts & SUITE_OPT_BACKEND) {
		fputc('\n', f);
		o->backend_ops->usage(f);
	}
}

static void __attribute__((noreturn)) bad_usage(const struct suite_opts *o, const char *what,
						const char *arg)
{
	fprintf(stderr, "%s: %s: '%s' (see --help)\n", o->binary, what, arg);
	exit(2);
}

static void set_profile(struct suite_opts *o, const char *v)
{
	if (abi_profile_parse(v, &o->profile))
		bad_usage(o, "unknown ABI profile", v);
}

static void set_backend(struct suite_opts *o, const char *v)
{
	const struct suite_backend_ops *ops = o->backend_ops;

	if (ops->parse(v, ops->sel, &o->backend, &o->backend_note))
		bad_usage(o, "unknown backend", v);
}

static void set_sweep(struct suite_opts *o, const char *v)
{
	if (!strcmp(v, "loop"))
		o->sweep_per_vm = false;
	else if (!strcmp(v, "per-vm"))
		o->sweep_per_vm = true;
	else
		bad_usage(o, "unknown sweep mode", v);
}

/* "--name=value" or "--name value"; NULL if argv[*i] is not --name. */
static const char *opt_value(const struct suite_opts *o, int argc, char **argv, int *i,
			     const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc)
		bad_usage(o, "missing value for", name);
	return argv[++*i];
}

static void check_harness_args(const struct suite_opts *o, int argc, char **argv)
{
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt(argc, argv, "lF:f:V:v:t:T:r:")) != -1)
		if (opt == '?')
			bad_usage(o, "unknown or incomplete option", argv[optind - 1]);
	if (optind < argc)
		bad_usage(o, "unexpected argument", argv[optind]);
	optind = 1;
}

static void hints_init(void);

static const struct suite_opts *note_opts;
static pid_t note_pid;

/* The last line says it again, after hundreds of results. */
static void print_backend_note(void)
{
	/* Only the harness's parent: test children leave with _exit(). */
	if (getpid() == note_pid)
		printf("# backend: %s (%s)\n", note_opts->backend, note_opts->backend_note);
}

void suite_init(struct suite_opts *o, int *argc, char **argv)
{
	bool budget = false;
	const char *v;
	int i, out = 1;

	o->backend = "kernel";
	if (o->accepts & SUITE_OPT_BACKEND)
		set_backend(o, o->backend_ops->default_name);
	if ((v = getenv(SUITE_ENV_PROFILE)) && *v)
		set_profile(o, v);
	if ((o->accepts & SUITE_OPT_BACKEND) && (v = getenv(SUITE_ENV_BACKEND)) && *v)
		set_backend(o, v);
	if (o->accepts & SUITE_OPT_SWEEP) {
		if ((v = getenv(SUITE_ENV_EXHAUSTIVE)) && *v && strcmp(v, "0"))
			o->exhaustive = true;
		if ((v = getenv(SUITE_ENV_SWEEP)) && *v)
			set_sweep(o, v);
	}

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(o, stdout);
			exit(0);
		} else if ((v = opt_value(o, *argc, argv, &i, "--abi-profile"))) {
			set_profile(o, v);
		} else if ((o->accepts & SUITE_OPT_BACKEND) &&
			   (v = opt_value(o, *argc, argv, &i, "--backend"))) {
			set_backend(o, v);
		} else if ((o->accepts & SUITE_OPT_SWEEP) && !strcmp(a, "--exhaustive")) {
			o->exhaustive = true;
		} else if ((o->accepts & SUITE_OPT_SWEEP) && !strcmp(a, "--sweep-budget")) {
			budget = true;
		} else if ((o->accepts & SUITE_OPT_SWEEP) &&
			   (v = opt_value(o, *argc, argv, &i, "--sweep"))) {
			set_sweep(o, v);
		} else if (!strncmp(a, "--", 2)) {
			bad_usage(o, "unknown option", a);
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	check_harness_args(o, *argc, argv);
	if (budget) {
		printf("launches=%u ms_per_launch=%u\n",
		       o->exhaustive && o->sweep_launches ? o->sweep_launches(o->sweep_per_vm) : 0,
		       o->sweep_launch_ms);
		exit(0);
	}

	hints_init();
	/* Our version line replaces the harness's "TAP version 13". */
	setenv("KSFT_TAP_LEVEL", "1", 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n# kvm-sysevent: %s\n# abi-profile: %s\n", o->binary,
	       abi_profile_name(o->profile));
	if (o->backend_note) {
		printf("# backend: %s (%s)\n", o->backend, o->backend_note);
		note_opts = o;
		note_pid = getpid();
		atexit(print_backend_note);
	} else {
		printf("# backend: %s\n", o->backend);
	}
}

int suite_deviation(const char *field, const char *expected, const char *actual_fmt, ...)
{
	char actual[64];
	va_list ap;

	va_start(ap, actual_fmt);
	vsnprintf(actual, sizeof(actual), actual_fmt, ap);
	va_end(ap);
	pr_diag("deviation: field=%s expected=%s actual=%s", field, expected, actual);
	return 1;
}

int suite_check_event(const struct run_outcome *out, const struct kvm_run *run,
		      const struct sysevent_expect *exp)
{
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	int n = sysevent_check(out, run, exp, dev, SYSEVENT_MAX_DEVIATIONS);

	deviations_print(dev, n);
	return n;
}

int suite_check_value(const char *field, u64 expected, u64 actual)
{
	struct deviation d;

	if (!deviation_value(&d, field, expected, actual, KB_NONE))
		return 0;
	deviations_print(&d, 1);
	return 1;
}

void suite_expect_event(struct sysevent_expect *exp, const struct suite_opts *o,
			struct kvm_dev *kvm, enum sysevent_kind kind, u32 ndata, u64 data0)
{
	*exp = (struct sysevent_expect){
		.profile = o->profile,
		.exit_reason = KSE_EXIT_SYSTEM_EVENT,
		.kind = kind,
		.ndata = ndata,
		.data = { data0 },
		.cap_system_event_data = kvm_check_cap(kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0,
		.has_poison = true,
		.poison = SUITE_POISON,
	};
}

int suite_check_stopped(struct vcpu *vcpus, int nr)
{
	struct run_outcome out;
	int i, r, n = 0;

	for (i = 0; i < nr; i++) {
		struct vcpu *vcpu = &vcpus[i];
		char f[32];
		u32 state;

		snprintf(f, sizeof(f), "vcpu%d.mp_state", i);
		r = __vcpu_get_mp_state(vcpu, &state);
		if (r) {
			n += suite_deviation(f, "stopped", "KVM_GET_MP_STATE,errno=%s",
					     errno_name(-r));
			continue;
		}
		n += suite_check_value(f, KSE_MP_STATE_STOPPED, state);
		/* A stopped vCPU does not run: KVM_RUN waits until the watchdog. */
		vcpu->timeout_ms = 300;
		__vcpu_run(vcpu, &out);
		snprintf(f, sizeof(f), "vcpu%d.KVM_RUN", i);
		if (!out.stuck)
			n += suite_deviation(f, "blocked", "rc=%d,exit_reason=0x%x(%s)", out.rc,
					     vcpu->run->exit_reason,
					     exit_reason_name(vcpu->run->exit_reason));
	}
	return n;
}

int suite_run_check(struct vcpu *vcpu, const struct sysevent_expect *exp,
		    struct run_outcome *out)
{
	vcpu_poison_system_event(vcpu, SUITE_POISON);
	__vcpu_run(vcpu, out);
	return suite_check_event(out, vcpu->run, exp);
}

static const struct suite_hint skip_hints[] = {
	{ "no /dev/kvm (is KVM loaded?)",
	  "load KVM (modprobe kvm_amd, kvm_intel; or CONFIG_KVM=y); check dmesg" },
	{ "no access to /dev/kvm (join the kvm group)",
	  "add the user to the group owning /dev/kvm (usermod -aG kvm USER), log in again" },
	{ NULL, NULL },
};

/*
 * Which hints this binary has printed: shared with the harness's test
 * children (each case runs in a fork), so a reason's hint is printed once
 * per binary, before the first case that skips for it, not before each.
 */
#define HINT_SLOTS 128
static unsigned char *hints_printed;

static void hints_init(void)
{
	void *p = mmap(NULL, HINT_SLOTS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	hints_printed = p == MAP_FAILED ? NULL : p;
}

/* 0: @reason is not in @h; 1: it is, its hint printed before; 2: printed now. */
static int hint_from(const struct suite_hint *h, unsigned int base, const char *reason)
{
	unsigned int i;

	for (i = 0; h[i].reason; i++) {
		if (strcmp(reason, h[i].reason))
			continue;
		if (hints_printed && base + i < HINT_SLOTS) {
			if (hints_printed[base + i])
				return 1;
			hints_printed[base + i] = 1;
		}
		pr_diag("hint: %s", h[i].hint);
		return 2;
	}
	return 0;
}

int suite_skip_hint(const char *reason)
{
	int r;

	if (!reason)
		return 0;
	r = hint_from(skip_hints, 0, reason);
	if (!r)
		r = hint_from(suite_arch_skip_hints, ARRAY_SIZE(skip_hints), reason);
	return r == 2;
}

/* "7.3.4+deb13-amd64" -> 7003, and @rel gets "7.3.4". */
static unsigned int parse_release(const char *r, char *rel, size_t len)
{
	unsigned int major, minor, n = 0;

	if (sscanf(r, "%u.%u%n", &major, &minor, &n) != 2 || minor >= 1000)
		return 0;
	if (rel) {
		size_t k = strspn(r, "0123456789.");

		snprintf(rel, len, "%.*s", (int)k, r);
	}
	return major * 1000 + minor;
}

unsigned int suite_kernel_release(void)
{
	struct utsname u;

	return uname(&u) ? 0 : parse_release(u.release, NULL, 0);
}

int suite_gate_check_release(const struct suite_gate *g, const char *release, char *note,
			     size_t len)
{
	char rel[32] = "unknown";
	unsigned int have = release ? parse_release(release, rel, sizeof(rel)) : 0;

	snprintf(note, len, "%u.%u+ (kernel %s)", g->major, g->minor, have ? rel : "unknown");
	return !have || have >= g->major * 1000 + g->minor;
}

int suite_gate_check(const struct suite_gate *g, char *note, size_t len)
{
	struct utsname u;

	return suite_gate_check_release(g, uname(&u) ? NULL : u.release, note, len);
}
