/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the kselftest harness and the suite, for test binaries of
 * every architecture (include it after kselftest_harness.h).
 */
#ifndef KSE_SUITE_HARNESS_H
#define KSE_SUITE_HARNESS_H

#include <string.h>
#include <unistd.h>

/*
 * A binary whose every case skipped exits 4 (KSFT_SKIP), as upstream's KVM
 * selftests do without /dev/kvm or SEV, so that kselftest's runner prints
 * `# SKIP` rather than a pass. test_harness_run() leaves through exit(0)
 * then; this handler, registered before main() and so run after every other
 * exit handler, turns that into 4 from the harness's own counts.
 */
static pid_t suite_harness_pid;

static void suite_exit_all_skipped(void)
{
	if (getpid() != suite_harness_pid || !ksft_cnt.ksft_xskip ||
	    ksft_cnt.ksft_pass || ksft_cnt.ksft_fail || ksft_cnt.ksft_xfail ||
	    ksft_cnt.ksft_xpass || ksft_cnt.ksft_error)
		return;
	fflush(stdout);
	fflush(stderr);
	_exit(KSFT_SKIP);
}

static void __attribute__((constructor)) suite_exit_register(void)
{
	atexit(suite_exit_all_skipped);
}

/*
 * test_harness_run(), but a filter (-t/-v/-f/-r...) that matches no test is
 * bad usage, never an empty pass; and every case skipped is exit 4.
 */
static inline int suite_harness_run(int argc, char **argv)
{
	struct __fixture_variant_metadata no_variant = { .name = "" };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int i, n = 0;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l"))
			return test_harness_run(argc, argv);
	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &no_variant; v; v = v->next)
			for (t = f->tests; t; t = t->next)
				n += test_enabled(argc, argv, f, v, t);
	optind = 1;
	if (!n) {
		const char *name = strrchr(argv[0], '/');

		printf("Bail out! no test matches the filters\n");
		fflush(stdout);
		fprintf(stderr, "%s: no test matches the filters (see -l)\n",
			name ? name + 1 : argv[0]);
		return 2;
	}
	suite_harness_pid = getpid();
	return test_harness_run(argc, argv);
}

/*
 * In a test: what decided that the case is judged (a release, a
 * capability), on its result line: the harness prints a passing case's
 * reason after "#  ", as `ok N <case> #  KVM_CAP_HYPERV`.
 */
#define SUITE_DECIDED_BY(fmt, ...)                                                     \
	snprintf(_metadata->results->reason, sizeof(_metadata->results->reason),      \
		 fmt, ##__VA_ARGS__)

/*
 * In a test: skip below @g's release, else put "M.m+ (kernel R)" on the
 * case's result line, so that every verdict says which release decided it.
 */
#define SUITE_GATE(g)                                                                  \
	do {                                                                           \
		const struct suite_gate *__g = (g);                                    \
		char __note[64];                                                       \
		if (!suite_gate_check(__g, __note, sizeof(__note)))                    \
			SUITE_SKIP(return, __g->skip);                                 \
		SUITE_DECIDED_BY("%s", __note);                                        \
	} while (0)

#endif /* KSE_SUITE_HARNESS_H */
