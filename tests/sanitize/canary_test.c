// SPDX-License-Identifier: GPL-2.0
/*
 * The sanitizer canary: deliberate bugs, built only into the sanitizer build
 * (make SANITIZE=1), one per test, so that tests/sanitize/run.sh can show
 * that a report from a kselftest harness grandchild (where every fixture's
 * setup, test and teardown run) fails the case and the binary, and that the
 * report is in the output. `clean` is the control: it must pass.
 *
 * Never run outside tests/sanitize/run.sh: without the sanitizers these are
 * plain undefined behaviour.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

static volatile int eight = 8;

TEST(clean)
{
	char *p = malloc(8);

	ASSERT_NE(NULL, p);
	memset(p, 0, 8);
	free(p);
}

TEST(heap_overflow)
{
	char *p = malloc(8);

	ASSERT_NE(NULL, p);
	p[eight] = 1;		/* one past the end */
	free(p);
}

/* Through a volatile global, so that the compiler cannot see the bug. */
static char *volatile freed;

TEST(use_after_free)
{
	freed = malloc(8);
	ASSERT_NE(NULL, freed);
	free(freed);
	freed[eight - 8] = 1;
}

TEST(signed_overflow)
{
	volatile int x = INT_MAX;

	x = x + eight;
	ASSERT_NE(0, x);
}

FIXTURE(teardown_bug) {
	char *p;
};

FIXTURE_SETUP(teardown_bug)
{
	self->p = malloc(8);
	ASSERT_NE(NULL, self->p);
}

/* The test itself passes; the bug is in the teardown, after the verdict. */
FIXTURE_TEARDOWN(teardown_bug)
{
	self->p[eight] = 1;
	free(self->p);
}

TEST_F(teardown_bug, passes_then_overflows)
{
	ASSERT_NE(NULL, self->p);
}

/* With KSE_CANARY_LEAK=1 the harness's own process leaks: LeakSanitizer at exit. */
static void *volatile leaked;

int main(int argc, char **argv)
{
	const char *leak = getenv("KSE_CANARY_LEAK");

	if (leak && !strcmp(leak, "1")) {
		leaked = malloc(64);
		memset((void *)leaked, 0x5a, 64);
		leaked = NULL;
	}
	return test_harness_run(argc, argv);
}
