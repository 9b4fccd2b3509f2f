// SPDX-License-Identifier: GPL-2.0
/*
 * kse_bench: what a tiny guest costs, side by side in one process.
 *
 * Rows, interleaved (each round runs every row once, in a fresh random
 * order, so that load on a noisy machine and the after-effects of one row
 * on the next fall on all of them alike):
 *   floor         the raw-ioctl lifecycle (floor.c)
 *   plain.<mode>  the suite's library, plain VM: the termination bytes up to
 *                 the exit the local KVM gives (#GP reported by the IDT stub)
 *   model.<mode>  one conformance case as sev_es_term_test runs it on the
 *                 model backend: create, request, launch, run, oracle, destroy
 *   sweep.loop    the 4096-value reason sweep, one VM per mode, re-entry
 *   sweep.per-vm  the same sweep, one VM per value
 *   upstream      the upstream selftest library's vm_create_with_one_vcpu()
 *                 lifecycle, when it was built (bench/upstream.mk)
 *
 * The model rows run the software model of KVM's SEV-ES side on the local
 * KVM: they are cost figures, never a result about any kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_upstream.h"
#include "ghcb.h"
#include "sev.h"
#include "suite.h"
#include "term_guest.h"

#define SWEEP_VALUES	4096
#define VEC_GP		13

/* Targets from the issue: reported against, never asserted. */
#define TARGET_SUITE_FLOOR	1.15
#define TARGET_LOOP_CASES	10000.0
#define TARGET_BUILD_S		10.0

struct bench;

/* Phases of the model case, for --phases. */
enum suite_phase {
	SP_CREATE, SP_REQUEST, SP_LAUNCH, SP_EXPECT, SP_RUN, SP_CHECK, SP_DESTROY,
	NR_SUITE_PHASES,
};


struct row {
	const char *name;
	const char *what;
	int (*round)(struct bench *b, struct row *r);	/* one round; -1: stop the row */
	enum guest_mode mode;
	u64 *ns;		/* one sample per case: wall-clock time */
	u64 *cpu;		/* the same case: this thread's CPU time (user + kernel) */
	size_t n, cap;
	u64 total_ns;		/* every case, VM setup and teardown included */
	unsigned long failed;
	unsigned long guest_bytes;
	const char *skip;
	char first_failure[160];
	/* sweep rows */
	unsigned int value;
	unsigned int sweeps;	/* full 4096-value sweeps completed */
	struct sev_guest s;
	bool live;
};

struct bench {
	struct kvm_dev kvm;
	struct sev_backend_sel model;	/* model:upstream */
	enum kvm_vendor_module vendor;
	unsigned int rounds, warmup, loop_chunk, pervm_chunk;
	bool recording;
	bool phases;
	u64 *floor_phase_ns;	/* [rounds][NR_FLOOR_PHASES] */
	u64 *suite_phase_ns;	/* [rounds][NR_SUITE_PHASES] */
	unsigned int phase_runs;
};

/* Wall clock and this thread's CPU time, which another process's load does not inflate. */
struct stamp {
	u64 wall, cpu;
};

static struct stamp stamp_now(void)
{
	struct timespec t;
	struct stamp st;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	st.cpu = (u64)t.tv_sec * 1000000000ull + t.tv_nsec;
	st.wall = bench_now_ns();
	return st;
}

static void sample_add(struct bench *b, struct row *r, const struct stamp *t0)
{
	struct stamp t1 = stamp_now();

	if (!b->recording)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->ns = realloc(r->ns, r->cap * sizeof(*r->ns));
		r->cpu = realloc(r->cpu, r->cap * sizeof(*r->cpu));
		if (!r->ns || !r->cpu) {
			fprintf(stderr, "kse_bench: out of memory\n");
			exit(1);
		}
	}
	r->ns[r->n] = t1.wall - t0->wall;
	r->cpu[r->n] = t1.cpu - t0->cpu;
	r->total_ns += r->ns[r->n];
	r->n++;
}

static __printf(2, 3) void row_fail(struct row *r, const char *fmt, ...)
{
	va_list ap;

	r->failed++;
	if (r->first_failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_failure, sizeof(r->first_failure), fmt, ap);
	va_end(ap);
}

/* ---- floor ---------------------------------------------------------------- */

static int floor_round(struct bench *b, struct row *r)
{
	struct stamp t0 = stamp_now();
	int err = floor_lifecycle(b->kvm.fd, b->kvm.vcpu_mmap_size, NULL);

	sample_add(b, r, &t0);
	if (err)
		row_fail(r, "raw lifecycle: %s", errno_name(-err));
	r->guest_bytes = floor_guest_bytes();
	return 0;
}

/* ---- the suite's library: plain VM ----------------------------------------- */

/* The termination request every single-case row makes: set 1 (Linux), code 3. */
static u64 case_value(void)
{
	return ghcb_term_encode(GHCB_TERM_SET_LINUX, 3);
}

/*
 * As ghcb_nonsev_test observes it: on VMX and PVM the WRMSR of the GHCB MSR
 * raises #GP, reported by the IDT stub as an OUT of the vector; on SVM it
 * passes through. Never SYSTEM_EVENT, never stuck.
 */
static void check_plain_exit(struct bench *b, struct row *r, const struct run_outcome *out,
			     const struct kvm_run *run)
{
	bool gp_expected = b->vendor == KVM_MODULE_VMX || b->vendor == KVM_MODULE_PVM;

	if (out->rc || out->stuck || run->exit_reason == KSE_EXIT_SYSTEM_EVENT)
		row_fail(r, "plain guest: rc=%d stuck=%d exit=0x%x", out->rc, out->stuck,
			 run->exit_reason);
	else if (gp_expected && (run->exit_reason != KVM_EXIT_IO ||
				 run->io.port != GUEST_VECTOR_PORT ||
				 *((u8 *)run + run->io.data_offset) != VEC_GP))
		row_fail(r, "plain guest: expected #GP from the IDT stub, got exit 0x%x",
			 run->exit_reason);
}

static int plain_round(struct bench *b, struct row *r)
{
	struct run_outcome out;
	struct vcpu vcpu;
	struct vm vm;
	struct stamp t0 = stamp_now();
	int err;

	err = __vm_create(&b->kvm, KSE_X86_DEFAULT_VM, &vm);
	if (err)
		goto fail_vm;
	vcpu.fd = -1;
	err = __vm_add_memory(&vm, 0, GUEST_MEM_SIZE);
	if (!err)
		err = __vm_enable_cap(&vm, KSE_CAP_DISABLE_QUIRKS2,
				      KSE_X86_QUIRK_FIX_HYPERCALL_INSN);
	if (!err)
		err = __vcpu_create(&vm, 0, &vcpu);
	if (!err)
		err = guest_setup(&vcpu, r->mode, &term_guest, GUEST_IDT_REPORT);
	if (!err) {
		guest_set_ghcb_request(&vcpu, case_value());
		vcpu_poison_system_event(&vcpu, SUITE_POISON);
		__vcpu_run(&vcpu, &out);
		check_plain_exit(b, r, &out, vcpu.run);
	}
	if (vcpu.fd >= 0)
		vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	sample_add(b, r, &t0);
	r->guest_bytes = GUEST_MEM_SIZE;
	if (err)
		row_fail(r, "plain VM setup: %s", errno_name(-err));
	return 0;

fail_vm:
	row_fail(r, "KVM_CREATE_VM: %s", errno_name(-err));
	return 0;
}

/* ---- the suite's library: one conformance case on the model backend -------- */

static void expect_term(struct bench *b, struct sysevent_expect *exp, u64 value)
{
	sysevent_expect_sev_term(exp, ABI_UPSTREAM, value,
				 kvm_check_cap(&b->kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
	exp->has_poison = true;
	exp->poison = SUITE_POISON;
}

/* The oracle, as the tests call it; notes the first deviation of the row. */
static int check_case(struct row *r, const struct run_outcome *out, const struct kvm_run *run,
		      const struct sysevent_expect *exp)
{
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	char buf[128];
	int n = sysevent_check(out, run, exp, dev, SYSEVENT_MAX_DEVIATIONS);

	if (n <= 0)
		return 0;
	deviation_format(&dev[0], buf, sizeof(buf));
	row_fail(r, "value 0x%llx: %s", (unsigned long long)exp->data[0], buf);
	return n;
}

/* sev_es_term.terminate, as the test does it; 0 when the oracle is satisfied. */
static int model_case(struct bench *b, struct row *r, enum guest_mode mode, u64 value)
{
	struct sysevent_expect exp;
	struct run_outcome out;
	struct sev_guest s;
	int err, dev = -1;

	err = __sev_guest_create(&s, &b->model, &b->kvm, SEV_FLAVOUR_ES, mode, &term_guest, true);
	if (!err) {
		guest_set_ghcb_request(&s.vcpu, value);
		err = __sev_guest_launch(&s);
	}
	if (!err) {
		expect_term(b, &exp, value);
		vcpu_poison_system_event(&s.vcpu, SUITE_POISON);
		sev_guest_run(&s, &out);
		dev = check_case(r, &out, s.vcpu.run, &exp);
	} else {
		row_fail(r, "model VM create/launch: %s", errno_name(-err));
	}
	sev_guest_destroy(&s);
	return dev ? -1 : 0;
}

static int model_round(struct bench *b, struct row *r)
{
	struct stamp t0 = stamp_now();

	model_case(b, r, r->mode, case_value());
	sample_add(b, r, &t0);
	r->guest_bytes = GUEST_MEM_SIZE;
	return 0;
}

/* ---- the exhaustive sweep --------------------------------------------------- */

static u64 sweep_value(unsigned int i)
{
	return ghcb_term_encode(i / 256, i % 256);
}

/*
 * One guest walks every (set, code) pair itself, so a sample is one value's
 * report and re-entry. The suite's sweep (lib/x86_64/sev/sweep.c) launches
 * once per set instead: 16 launches per mode where this makes one.
 */
GUEST_PROG(bench_sweep_guest,
	   "mov $0x100, %eax\n"
	   "1:\twrmsr\n\t"
	   "rep; vmmcall\n\t"
	   "add $0x10000, %eax\n\t"
	   "test $0x01000000, %eax\n\t"
	   "jz 1b\n\t"
	   "and $0x0000ffff, %eax\n\t"
	   "add $0x1000, %eax\n\t"
	   "test $0x00010000, %eax\n\t"
	   "jz 1b\n"
	   "2:\thlt\n\t"
	   "jmp 2b\n");

static void sweep_next_mode(struct row *r)
{
	r->value = 0;
	r->mode = (r->mode + 1) % NR_GUEST_MODES;
}

/*
 * One guest walks all 4096 values; the host re-enters after every report.
 * Each sample is one value; VM creation is charged to the first value of a
 * sweep and destruction to the last, so the samples add up to the sweeps.
 */
static int sweep_loop_round(struct bench *b, struct row *r)
{
	struct sysevent_expect exp;
	struct run_outcome out;
	unsigned int k;
	int err;

	for (k = 0; k < b->loop_chunk; k++) {
		struct stamp t0 = stamp_now();
		bool ok;

		if (!r->live) {
			err = __sev_guest_create(&r->s, &b->model, &b->kvm, SEV_FLAVOUR_ES,
						 r->mode, &bench_sweep_guest, true);
			if (!err) {
				guest_set_gprs(&r->s.vcpu, 0, KSE_MSR_SEV_ES_GHCB, 0);
				err = __sev_guest_launch(&r->s);
			}
			if (err) {
				row_fail(r, "sweep VM create/launch: %s", errno_name(-err));
				sev_guest_destroy(&r->s);
				return -1;
			}
			r->live = true;
			r->value = 0;
		}
		expect_term(b, &exp, sweep_value(r->value));
		vcpu_poison_system_event(&r->s.vcpu, SUITE_POISON);
		sev_guest_run(&r->s, &out);
		ok = !check_case(r, &out, r->s.vcpu.run, &exp);
		/* A value that did not report leaves the guest's walk unknown: restart. */
		if (!ok || ++r->value == SWEEP_VALUES) {
			sev_guest_destroy(&r->s);
			r->live = false;
			r->sweeps += ok;
			sweep_next_mode(r);
		}
		sample_add(b, r, &t0);
	}
	r->guest_bytes = GUEST_MEM_SIZE;
	return 0;
}

/* One VM per value: the per-VM conformance case, across all values and modes. */
static int sweep_pervm_round(struct bench *b, struct row *r)
{
	unsigned int k;

	for (k = 0; k < b->pervm_chunk; k++) {
		struct stamp t0 = stamp_now();

		model_case(b, r, r->mode, sweep_value(r->value));
		sample_add(b, r, &t0);
		if (++r->value == SWEEP_VALUES) {
			r->sweeps++;
			sweep_next_mode(r);
		}
	}
	r->guest_bytes = GUEST_MEM_SIZE;
	return 0;
}

/* ---- upstream ----------------------------------------------------------- */

static int upstream_round(struct bench *b, struct row *r)
{
	struct stamp t0 = stamp_now();

	if (kse_upstream_lifecycle(&r->guest_bytes))
		row_fail(r, "upstream guest did not reach GUEST_DONE");
	sample_add(b, r, &t0);
	return 0;
}

/* ---- phases: where a lifecycle's time goes ------------------------------- */


static const char *const suite_phase_names[NR_SUITE_PHASES] = {
	[SP_CREATE] = "__sev_guest_create (VM, 20 KiB, vCPU, guest_setup)",
	[SP_REQUEST] = "guest_set_ghcb_request (GET/SET_REGS)",
	[SP_LAUNCH] = "__sev_guest_launch (the model's MSR filter, quirk)",
	[SP_EXPECT] = "expectation (KVM_CHECK_EXTENSION)",
	[SP_RUN] = "sev_guest_run (model: KVM_RUNs, stepping)",
	[SP_CHECK] = "sysevent_check (oracle)",
	[SP_DESTROY] = "sev_guest_destroy (vCPU, close VM, munmap)",
};

/* Collects the phased runs' failures (none expected) apart from the rows. */
static struct row phases_row = { .name = "phases" };

static void phase_mark(u64 *acc, int phase, u64 *t)
{
	u64 now = bench_now_ns();

	acc[phase] += now - *t;
	*t = now;
}

/*
 * The model case once more, split at the library calls the test makes,
 * each timed (the floor's phases split VM, memory and vCPU creation).
 */
static int suite_phased(struct bench *b, u64 *acc)
{
	struct sysevent_expect exp;
	struct run_outcome out;
	struct sev_guest s;
	u64 t = bench_now_ns();
	int r;

	r = __sev_guest_create(&s, &b->model, &b->kvm, SEV_FLAVOUR_ES, GUEST_LONG, &term_guest,
			       true);
	phase_mark(acc, SP_CREATE, &t);
	if (!r) {
		guest_set_ghcb_request(&s.vcpu, case_value());
		phase_mark(acc, SP_REQUEST, &t);
		r = __sev_guest_launch(&s);
		phase_mark(acc, SP_LAUNCH, &t);
	}
	if (!r) {
		expect_term(b, &exp, case_value());
		phase_mark(acc, SP_EXPECT, &t);
		vcpu_poison_system_event(&s.vcpu, SUITE_POISON);
		sev_guest_run(&s, &out);
		phase_mark(acc, SP_RUN, &t);
		check_case(&phases_row, &out, s.vcpu.run, &exp);
		phase_mark(acc, SP_CHECK, &t);
	}
	sev_guest_destroy(&s);
	phase_mark(acc, SP_DESTROY, &t);
	return r ? -1 : 0;
}

static void phases_round(struct bench *b)
{
	u64 *fl = b->floor_phase_ns + (size_t)b->phase_runs * NR_FLOOR_PHASES;
	u64 *su = b->suite_phase_ns + (size_t)b->phase_runs * NR_SUITE_PHASES;

	if (!b->recording)
		return;
	if (floor_lifecycle(b->kvm.fd, b->kvm.vcpu_mmap_size, fl) || suite_phased(b, su)) {
		memset(fl, 0, NR_FLOOR_PHASES * sizeof(*fl));
		memset(su, 0, NR_SUITE_PHASES * sizeof(*su));
		return;
	}
	b->phase_runs++;
}

/* ---- statistics and output ---------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples. */
static double pct(const u64 *sorted, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * n);

	return sorted[k ? k - 1 : 0];
}

/* After the last round: both sample arrays sorted (each on its own). */
static void sort_rows(void);

static double row_median(const struct row *r)
{
	return r->n && !r->skip ? pct(r->ns, r->n, 50) : 0;
}

static double row_cpu_median(const struct row *r)
{
	return r->n && !r->skip ? pct(r->cpu, r->n, 50) : 0;
}

/* Median of column @col of an [n][stride] table. */
static double column_median(const u64 *tab, unsigned int n, int stride, int col)
{
	u64 *v = calloc(n ? n : 1, sizeof(*v));
	double m;
	unsigned int i;

	if (!v || !n) {
		free(v);
		return 0;
	}
	for (i = 0; i < n; i++)
		v[i] = tab[(size_t)i * stride + col];
	qsort(v, n, sizeof(*v), cmp_u64);
	m = pct(v, n, 50);
	free(v);
	return m;
}

static void print_phase_table(const char *title, const u64 *tab, unsigned int n, int nr,
			      const char *const *names)
{
	double sum = 0, m;
	int i;

	printf("  %s\n", title);
	for (i = 0; i < nr; i++) {
		m = column_median(tab, n, nr, i);
		sum += m;
		printf("    %-46s %9.1f\n", names[i], m / 1e3);
	}
	printf("    %-46s %9.1f\n", "sum of medians", sum / 1e3);
}

static void print_phases(struct bench *b)
{
	printf("\nwhere the time goes (median per phase over %u lifecycles of each, us)\n",
	       b->phase_runs);
	print_phase_table("floor:", b->floor_phase_ns, b->phase_runs, NR_FLOOR_PHASES,
			  floor_phase_names);
	print_phase_table("suite, model case (long mode):", b->suite_phase_ns, b->phase_runs,
			  NR_SUITE_PHASES, suite_phase_names);
}

static double cases_per_s(const struct row *r)
{
	return r->total_ns ? r->n / (r->total_ns / 1e9) : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kse_bench [options]\n"
		"What a tiny guest costs: the raw-ioctl floor, the suite's library (plain VM and\n"
		"one model-backend conformance case per mode), the 4096-value reason sweep\n"
		"(looping and per-VM) and the upstream KVM selftest library, interleaved in one\n"
		"process: each round runs every row once, in random order. Prints median, p10,\n"
		"p90, p99 and CPU time per row, guest memory per case, and last the ratios\n"
		"suite/floor and upstream/suite. The model rows are cost figures: the software\n"
		"model says nothing about any kernel.\n\n"
		"options:\n"
		"  --rounds=N         rounds (every row once per round; default 1000)\n"
		"  --warmup=N         unrecorded rounds first (default 20)\n"
		"  --loop-chunk=N     sweep.loop values per round (default 64)\n"
		"  --per-vm-chunk=N   sweep.per-vm values per round (default 1, like every\n"
		"                     other lifecycle row)\n"
		"  --rows=A,B,...     run only these rows (names as printed)\n"
		"  --phases           also time each phase of the floor and of the model case\n"
		"  --build-seconds=S  print S as the suite's clean build time (make bench does)\n"
		"  --check            end with 'bench: N passed, N failed[, N skipped]'\n"
		"  --help             this text\n\n"
		"exit status: 0 ran, 1 a row's case failed, 2 bad usage, 4 nothing could run\n");
}

static unsigned int parse_uint(const char *opt, const char *v, unsigned int min)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n < min || n > 10000000) {
		fprintf(stderr, "kse_bench: bad value for %s: '%s' (see --help)\n", opt, v);
		exit(2);
	}
	return n;
}

static double parse_seconds(const char *v)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !(s >= 0)) {
		fprintf(stderr, "kse_bench: bad value for --build-seconds: '%s' (see --help)\n", v);
		exit(2);
	}
	return s;
}

enum { OPT_ROWS = 255, OPT_ROUNDS = 256, OPT_WARMUP, OPT_LOOP_CHUNK, OPT_PERVM_CHUNK, OPT_PHASES,
       OPT_BUILD, OPT_CHECK, OPT_HELP };

static const struct option long_opts[] = {
	{ "rows", required_argument, NULL, OPT_ROWS },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "loop-chunk", required_argument, NULL, OPT_LOOP_CHUNK },
	{ "per-vm-chunk", required_argument, NULL, OPT_PERVM_CHUNK },
	{ "phases", no_argument, NULL, OPT_PHASES },
	{ "build-seconds", required_argument, NULL, OPT_BUILD },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define ROW(n, w, fn, m) { .name = n, .what = w, .round = fn, .mode = m }

static struct row rows[] = {
	ROW("floor", "raw ioctls: VM, 1 page, vCPU, regs, run to HLT, close", floor_round, 0),
	ROW("plain.real", "suite lib, plain VM: request bytes to first exit", plain_round,
	    GUEST_REAL),
	ROW("plain.prot", "suite lib, plain VM: request bytes to first exit", plain_round,
	    GUEST_PROT),
	ROW("plain.long", "suite lib, plain VM: request bytes to first exit", plain_round,
	    GUEST_LONG),
	ROW("model.real", "suite case, model:upstream, create..oracle..destroy", model_round,
	    GUEST_REAL),
	ROW("model.prot", "suite case, model:upstream, create..oracle..destroy", model_round,
	    GUEST_PROT),
	ROW("model.long", "suite case, model:upstream, create..oracle..destroy", model_round,
	    GUEST_LONG),
	ROW("sweep.loop", "4096-value sweep, one VM per mode, re-entry (per value)",
	    sweep_loop_round, GUEST_REAL),
	ROW("sweep.per-vm", "4096-value sweep, one VM per value (per value)",
	    sweep_pervm_round, GUEST_REAL),
	ROW("upstream", "selftest lib: vm_create_with_one_vcpu..GUEST_DONE..free",
	    upstream_round, 0),
};

static struct row *row_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/*
 * A fresh order every round (xorshift64, fixed seed: runs are repeatable).
 * A fixed rotation would put the same row after the looping sweep nearly
 * every round, and the first lifecycle after that sweep's 64 runs on its
 * live VM measured about 13% slower here.
 */
static void shuffle(size_t *order, size_t n, u64 *rng)
{
	size_t i, j, t;

	for (i = n - 1; i > 0; i--) {
		*rng ^= *rng << 13;
		*rng ^= *rng >> 7;
		*rng ^= *rng << 17;
		j = *rng % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* The figures depend on what else the machine runs: say how busy it was. */
static void print_load(const char *when)
{
	double load[3];

	if (getloadavg(load, 3) == 3)
		printf("# load average at %s: %.2f %.2f %.2f (%ld CPUs online)\n", when, load[0],
		       load[1], load[2], sysconf(_SC_NPROCESSORS_ONLN));
}

/* --rows: every row not named is skipped; an unknown name is bad usage. */
static void select_rows(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	bool named[ARRAY_SIZE(rows)] = { false };
	size_t i;

	if (!copy) {
		fprintf(stderr, "kse_bench: out of memory\n");
		exit(1);
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct row *r = row_by_name(tok);

		if (!r) {
			fprintf(stderr, "kse_bench: unknown row '%s' (see --help)\n", tok);
			exit(2);
		}
		named[r - rows] = true;
	}
	free(copy);
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (!named[i])
			rows[i].skip = "not selected (--rows)";
}

static void sort_rows(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		qsort(rows[i].ns, rows[i].n, sizeof(u64), cmp_u64);
		qsort(rows[i].cpu, rows[i].n, sizeof(u64), cmp_u64);
	}
}

static void print_table(struct bench *b)
{
	double floor_med = row_median(row_by_name("floor"));
	size_t i;

	printf("\n%-13s %6s %8s %8s %8s %8s %8s %7s %5s  %s\n", "row", "n", "median", "p10",
	       "p90", "p99", "cpu-med", "x floor", "guest", "what");
	printf("%-13s %6s %8s %8s %8s %8s %8s %7s %5s\n", "", "", "us", "us", "us", "us", "us", "",
	       "KiB");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct row *r = &rows[i];
		double med;

		if (r->skip || !r->n) {
			printf("%-13s %6s  skipped: %s\n", r->name, "-",
			       r->skip ? r->skip : "no samples");
			continue;
		}
		med = row_median(r);
		printf("%-13s %6zu %8.1f %8.1f %8.1f %8.1f %8.1f %7.2f %5lu  %s\n", r->name, r->n,
		       med / 1e3, pct(r->ns, r->n, 10) / 1e3, pct(r->ns, r->n, 90) / 1e3,
		       pct(r->ns, r->n, 99) / 1e3, row_cpu_median(r) / 1e3,
		       floor_med ? med / floor_med : 0, r->guest_bytes / 1024, r->what);
	}
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].failed)
			printf("# %s: %lu failed case(s); first: %s\n", rows[i].name, rows[i].failed,
			       rows[i].first_failure);
}

static void print_sweeps(void)
{
	struct row *loop = row_by_name("sweep.loop"), *pervm = row_by_name("sweep.per-vm");

	printf("\nsweeps, end to end (VM setup and teardown included):\n");
	if (!loop->skip && loop->n)
		printf("  sweep.loop    %8.0f cases/s  (%zu values, %u full sweeps; %.0f at the median;\n"
		       "                                 target >= %.0f: %s)\n",
		       cases_per_s(loop), loop->n, loop->sweeps, 1e9 / row_median(loop),
		       TARGET_LOOP_CASES, cases_per_s(loop) >= TARGET_LOOP_CASES ? "met" : "MISSED");
	if (!pervm->skip && pervm->n)
		printf("  sweep.per-vm  %8.0f cases/s  (%zu values; %.0f at the median)\n",
		       cases_per_s(pervm), pervm->n, 1e9 / row_median(pervm));
}

int main(int argc, char **argv)
{
	struct bench b = {
		.rounds = 1000, .warmup = 20, .loop_chunk = 64, .pervm_chunk = 1,
	};
	double build_s = -1, floor_med, suite_med, up_med;
	struct row *pervm, *up, *floor_row;
	unsigned int round, total;
	const char *why;
	size_t order[ARRAY_SIZE(rows)];
	u64 rng = 0x9e3779b97f4a7c15ull;
	const char *only = NULL;
	bool check = false;
	int opt, err, pass = 0, fail = 0, skip = 0;
	size_t i, nrows;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_ROWS:
			only = optarg;
			break;
		case OPT_ROUNDS:
			b.rounds = parse_uint("--rounds", optarg, 1);
			break;
		case OPT_WARMUP:
			b.warmup = parse_uint("--warmup", optarg, 0);
			break;
		case OPT_LOOP_CHUNK:
			b.loop_chunk = parse_uint("--loop-chunk", optarg, 1);
			break;
		case OPT_PERVM_CHUNK:
			b.pervm_chunk = parse_uint("--per-vm-chunk", optarg, 1);
			break;
		case OPT_PHASES:
			b.phases = true;
			break;
		case OPT_BUILD:
			build_s = parse_seconds(optarg);
			break;
		case OPT_CHECK:
			check = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "kse_bench: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kse_bench: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (only)
		select_rows(only);
	if (b.phases) {
		b.floor_phase_ns = calloc((size_t)b.rounds * NR_FLOOR_PHASES, sizeof(u64));
		b.suite_phase_ns = calloc((size_t)b.rounds * NR_SUITE_PHASES, sizeof(u64));
		if (!b.floor_phase_ns || !b.suite_phase_ns) {
			fprintf(stderr, "kse_bench: out of memory\n");
			return 1;
		}
	}

	err = __kvm_open(&b.kvm);
	if (err) {
		why = kvm_open_skip_reason(err);
		printf("kse_bench: %s\n", why ? why : errno_name(-err));
		if (check)
			printf("bench: 0 passed, 0 failed, %zu skipped\n", ARRAY_SIZE(rows));
		return why ? 4 : 1;
	}
	b.vendor = kvm_vendor_module();
	sev_backend_parse("model:upstream", &b.model);
	why = sev_guest_unavailable(&b.model, &b.kvm, SEV_FLAVOUR_ES, 0);
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (why && (!strncmp(rows[i].name, "model.", 6) ||
			    !strncmp(rows[i].name, "sweep.", 6)))
			rows[i].skip = why;
	up = row_by_name("upstream");
	if (!up->skip)
		up->skip = kse_upstream_init();
	/* The upstream library unbuffers stdout at start-up; put it back. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("# kse_bench: %u rounds (+%u warm-up); each runs every row once, in random order\n",
	       b.rounds, b.warmup);
	print_load("start");
	printf("# model rows run the software model of KVM's SEV-ES side (model:upstream):\n"
	       "# cost figures only, not a result about any kernel\n");

	nrows = ARRAY_SIZE(rows);
	for (i = 0; i < nrows; i++)
		order[i] = i;
	total = b.warmup + b.rounds;
	for (round = 0; round < total; round++) {
		b.recording = round >= b.warmup;
		shuffle(order, nrows, &rng);
		for (i = 0; i < nrows; i++) {
			struct row *r = &rows[order[i]];

			if (!r->skip && r->round(&b, r))
				r->skip = "stopped after a failure";
		}
		if (b.phases)
			phases_round(&b);
	}
	for (i = 0; i < nrows; i++)
		if (rows[i].live)
			sev_guest_destroy(&rows[i].s);

	print_load("end");
	sort_rows();
	print_table(&b);
	print_sweeps();
	if (b.phases)
		print_phases(&b);

	printf("\nguest memory per case: floor %lu KiB, suite %llu KiB", floor_guest_bytes() / 1024,
	       GUEST_MEM_SIZE / 1024);
	if (!up->skip)
		printf(", upstream %lu KiB", up->guest_bytes / 1024);
	printf(" (memslots; plus a %d KiB kvm_run mapping per vCPU)\n", b.kvm.vcpu_mmap_size / 1024);
	if (build_s >= 0)
		printf("clean build of the suite (make clean && make, harness cached): %.1f s "
		       "(target < %.0f s: %s)\n", build_s, TARGET_BUILD_S,
		       build_s < TARGET_BUILD_S ? "met" : "MISSED");

	floor_row = row_by_name("floor");
	pervm = row_by_name("sweep.per-vm");
	floor_med = row_median(floor_row);
	suite_med = row_median(pervm);
	up_med = row_median(up);
	printf("\n");
	if (up->skip)
		printf("# upstream skipped: %s\n", up->skip);
	printf("# suite = sweep.per-vm, the per-VM conformance case; ratios of medians, wall clock\n"
	       "# (CPU time in brackets)\n");
	if (floor_med && suite_med)
		printf("suite/floor    = %.2f  [%.2f]  (target <= %.2f: %s)\n", suite_med / floor_med,
		       row_cpu_median(pervm) / row_cpu_median(floor_row), TARGET_SUITE_FLOOR,
		       suite_med / floor_med <= TARGET_SUITE_FLOOR ? "met" : "MISSED");
	else
		printf("suite/floor    = n/a\n");
	if (up_med && suite_med)
		printf("upstream/suite = %.2f  [%.2f]\n", up_med / suite_med,
		       row_cpu_median(up) / row_cpu_median(pervm));
	else
		printf("upstream/suite = n/a\n");

	for (i = 0; i < nrows; i++) {
		if (rows[i].skip && !rows[i].n)
			skip++;
		else if (rows[i].failed || !rows[i].n)
			fail++;
		else
			pass++;
	}
	if (check) {
		if (skip)
			printf("bench: %d passed, %d failed, %d skipped\n", pass, fail, skip);
		else
			printf("bench: %d passed, %d failed\n", pass, fail);
	}
	kvm_close(&b.kvm);
	return fail ? 1 : pass ? 0 : 4;
}
