// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle_soak: create, run and destroy tiny VMs in every guest mode, over
 * and over, in one process, and show that nothing accumulates: open file
 * descriptors, resident memory, heap in use.
 *
 * Each cycle, for real, protected and long mode, opens /dev/kvm and builds,
 * runs and tears down:
 *   - a plain VM whose guest halts (KVM_EXIT_HLT), and in protected and long
 *     mode one that triple-faults (KVM_EXIT_SHUTDOWN);
 *   - the SEV-ES termination guest on the software model (model:upstream):
 *     MSR filter, single-step, two SEV_TERM reports with re-entry between;
 *   - every 10th cycle, a guest that never exits, stopped by the library's
 *     watchdog (its POSIX timer and signal), with a short deadline.
 * Every run is judged by the oracle; a deviation is a failure. Figures are
 * taken after the warm-up cycles (the first cycles allocate what the C
 * library keeps: stdio buffers, the timer thread) and at the end.
 *
 * usage: lifecycle_soak [-n CYCLES] [-w WARMUP] [-s RSS_SLACK_KIB] [-R]
 *   -R   no RSS or heap check: under valgrind, which keeps freed blocks
 *        (--freelist-vol) and its own shadow memory, and replaces malloc
 * Last lines: `soak: N passed, N failed` (runs and the flatness checks),
 * then `soak: N cycles, fds A -> B, rss A -> B KiB`.
 * Exit status: 0 all flat and every run as expected, 1 otherwise, 2 bad
 * usage, 4 when /dev/kvm or what the model needs is missing (skipped).
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "ghcb.h"
#include "sev.h"
#include "suite.h"
#include "../../x86_64/term_guest.h"

GUEST_PROG(hlt_guest, "1:\thlt\n\tjmp 1b\n");
GUEST_PROG(ud_guest, "ud2\n");
GUEST_PROG(spin_guest, "1:\tjmp 1b\n");

static unsigned long nr_runs, nr_bad;

static void judge(const char *what, enum guest_mode mode, const struct run_outcome *out,
		  const struct kvm_run *run, const struct sysevent_expect *exp)
{
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	char line[512];
	int n;

	nr_runs++;
	n = sysevent_check(out, run, exp, dev, SYSEVENT_MAX_DEVIATIONS);
	if (!n)
		return;
	if (nr_bad++ < 10) {
		deviation_format(&dev[0], line, sizeof(line));
		printf("# %s, %s mode: %s\n", what, guest_mode_name(mode), line);
	}
}

static void plain_cycle(struct kvm_dev *kvm, enum guest_mode mode, const struct guest_prog *prog,
			u32 want_exit, unsigned int timeout_ms, const char *what)
{
	struct sysevent_expect exp = { .exit_reason = want_exit };
	struct run_outcome out;
	struct vcpu vcpu;
	struct vm vm;
	int r;

	r = __vm_create(kvm, KSE_X86_DEFAULT_VM, &vm);
	if (!r)
		r = __vm_add_memory(&vm, 0, GUEST_MEM_SIZE);
	if (!r)
		r = __vcpu_create(&vm, 0, &vcpu);
	if (!r) {
		r = guest_setup(&vcpu, mode, prog, 0);
		if (!r) {
			if (timeout_ms)
				vcpu.timeout_ms = timeout_ms;
			__vcpu_run(&vcpu, &out);
			if (timeout_ms) {
				/* The watchdog must stop it: that is the expected outcome. */
				nr_runs++;
				if (!out.stuck && nr_bad++ < 10)
					printf("# %s, %s mode: not stopped by the watchdog\n", what,
					       guest_mode_name(mode));
			} else {
				judge(what, mode, &out, vcpu.run, &exp);
			}
		}
		vcpu_destroy(&vcpu);
	}
	if (r) {
		nr_runs++;
		if (nr_bad++ < 10)
			printf("# %s, %s mode: setup failed: %s\n", what, guest_mode_name(mode),
			       errno_name(-r));
	}
	vm_destroy(&vm);
}

static void model_cycle(struct kvm_dev *kvm, const struct sev_backend_sel *b,
			enum guest_mode mode)
{
	u64 first = ghcb_term_encode(GHCB_TERM_SET_LINUX, 5);
	struct sysevent_expect exp;
	struct run_outcome out;
	struct sev_guest s;
	int r, i;

	r = __sev_guest_create(&s, b, kvm, SEV_FLAVOUR_ES, mode, &term_guest, true);
	if (!r) {
		guest_set_ghcb_request(&s.vcpu, first);
		r = __sev_guest_launch(&s);
	}
	for (i = 0; !r && i < 2; i++) {
		u64 v = i ? first ^ (GHCB_TERM_CODE_MASK << GHCB_TERM_CODE_SHIFT) : first;

		sysevent_expect_sev_term(&exp, ABI_UPSTREAM, v,
					 kvm_check_cap(kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
		exp.has_poison = true;
		exp.poison = SUITE_POISON;
		vcpu_poison_system_event(&s.vcpu, SUITE_POISON);
		sev_guest_run(&s, &out);
		judge("model SEV-ES termination", mode, &out, s.vcpu.run, &exp);
	}
	if (r) {
		nr_runs++;
		if (nr_bad++ < 10)
			printf("# model SEV-ES, %s mode: setup failed: %s\n", guest_mode_name(mode),
			       errno_name(-r));
	}
	sev_guest_destroy(&s);
}

static void cycle(const struct sev_backend_sel *b, unsigned long i)
{
	struct kvm_dev kvm;
	int m;

	if (__kvm_open(&kvm)) {
		nr_runs++;
		nr_bad++;
		return;
	}
	for (m = GUEST_REAL; m < NR_GUEST_MODES; m++) {
		plain_cycle(&kvm, m, &hlt_guest, KVM_EXIT_HLT, 0, "halting guest");
		if (m != GUEST_REAL)
			plain_cycle(&kvm, m, &ud_guest, KSE_EXIT_SHUTDOWN, 0, "triple fault");
		model_cycle(&kvm, b, m);
		if (i % 10 == 0)
			plain_cycle(&kvm, m, &spin_guest, 0, 5, "guest that never exits");
	}
	kvm_close(&kvm);
}

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own fd */
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static unsigned long number(const char *opt, const char *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-') {
		fprintf(stderr, "lifecycle_soak: %s takes a whole number, not '%s'\n", opt, v);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	unsigned long cycles = 10000, warmup = 10, slack = 2048, i, pass = 0, fail = 0;
	bool check_mem = true;
	struct sev_backend_sel model;
	int fd0, fd1, opt, r;
	long rss0, rss1;
	size_t heap0, heap1;
	struct kvm_dev kvm;
	const char *why;

	opterr = 0;
	while ((opt = getopt(argc, argv, "n:w:s:Rh")) != -1) {
		switch (opt) {
		case 'n': cycles = number("-n", optarg); break;
		case 'w': warmup = number("-w", optarg); break;
		case 's': slack = number("-s", optarg); break;
		case 'R': check_mem = false; break;
		case 'h':
			printf("usage: %s [-n CYCLES] [-w WARMUP] [-s RSS_SLACK_KIB] [-R]\n"
			       "Create, run and destroy tiny VMs in every guest mode; check that "
			       "fds, RSS and heap stay flat.\n"
			       "exit status: 0 flat and correct, 1 not, 2 bad usage, 4 skipped\n",
			       argv[0]);
			return 0;
		default:
			fprintf(stderr, "lifecycle_soak: unknown option or missing value: '%s' (see -h)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lifecycle_soak: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	r = __kvm_open(&kvm);
	if (r) {
		why = kvm_open_skip_reason(r);
		printf("soak: 0 passed, %d failed, 1 skipped\n# %s\n", why ? 0 : 1,
		       why ? why : errno_name(-r));
		return why ? 4 : 1;
	}
	sev_backend_parse("model:upstream", &model);
	why = sev_guest_unavailable(&model, &kvm, SEV_FLAVOUR_ES, 0);
	kvm_close(&kvm);
	if (why) {
		printf("# %s\nsoak: 0 passed, 0 failed, 1 skipped\n", why);
		return 4;
	}

	/* Before the baseline: stdout's buffer is allocated on first use. */
	printf("# lifecycle_soak: %lu cycles (%lu warm-up) of plain, model and stuck guests in "
	       "every mode\n", cycles, warmup);
	for (i = 0; i < warmup && i < cycles; i++)
		cycle(&model, i);
	fd0 = count_fds();
	rss0 = rss_kib();
	heap0 = heap_in_use();
	for (; i < cycles; i++) {
		cycle(&model, i);
		if ((i + 1) % 1000 == 0)
			printf("# %lu cycles: fds %d, rss %ld KiB, heap %zu bytes, %lu runs, %lu bad\n",
			       i + 1, count_fds(), rss_kib(), heap_in_use(), nr_runs, nr_bad);
	}
	fd1 = count_fds();
	rss1 = rss_kib();
	heap1 = heap_in_use();

	printf("# %lu runs in %lu cycles (%lu warm-up), %lu not as expected\n", nr_runs, cycles,
	       warmup, nr_bad);
	printf("# heap in use after warm-up %zu -> %zu bytes at the end\n", heap0, heap1);
#define CHECK(cond, ...) do {					\
		if (cond) { pass++; printf("ok - " __VA_ARGS__); }	\
		else { fail++; printf("not ok - " __VA_ARGS__); }	\
		printf("\n");					\
	} while (0)
	CHECK(nr_bad == 0, "every run as expected (%lu runs)", nr_runs);
	CHECK(fd1 == fd0, "open fds flat: %d -> %d", fd0, fd1);
	if (check_mem) {
		CHECK(heap1 == heap0, "heap in use flat: %zu -> %zu bytes", heap0, heap1);
		CHECK(rss1 <= rss0 + (long)slack, "rss flat within %lu KiB: %ld -> %ld KiB", slack,
		      rss0, rss1);
	} else {
		printf("# -R: no RSS or heap check in this run\n");
	}
	printf("soak: %lu passed, %lu failed\n", pass, fail);
	printf("soak: %lu cycles, fds %d -> %d, rss %ld -> %ld KiB\n", cycles, fd0, fd1, rss0, rss1);
	return fail ? 1 : 0;
}
