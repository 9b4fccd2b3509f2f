// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the suite glue (lib/suite.c) that every test binary shares:
 * a skip reason's hint is printed once per binary, though every case runs
 * in a child process of its own; a version gate excuses exactly the
 * releases before it.
 */
#include "kselftest_harness.h"

#include "suite.h"
#include "suite_harness.h"

static struct suite_opts opts = {
	.binary = "suite_test",
	.summary = "unit tests of the suite glue",
};

#define REASON_A "no /dev/kvm (is KVM loaded?)"
#define REASON_B "no access to /dev/kvm (join the kvm group)"

/* The harness runs the tests in this order, each in a fork of its own. */
TEST(hint_first_case_prints_it)
{
	ASSERT_EQ(1, suite_skip_hint(REASON_A));
	ASSERT_EQ(0, suite_skip_hint(REASON_A)) TH_LOG("printed twice in one case");
}

TEST(hint_later_case_does_not)
{
	ASSERT_EQ(0, suite_skip_hint(REASON_A)) TH_LOG("printed again in the next case");
}

TEST(hint_other_reason_printed_once)
{
	ASSERT_EQ(1, suite_skip_hint(REASON_B));
	ASSERT_EQ(0, suite_skip_hint(REASON_A));
}

TEST(hint_unknown_reason_prints_nothing)
{
	ASSERT_EQ(0, suite_skip_hint("a reason with no hint"));
	ASSERT_EQ(0, suite_skip_hint(NULL));
}

/* A behaviour from 6.11 on: required from it, excused before it. */
static const struct suite_gate gate = { 6, 11, "kernel predates it" };

TEST(gate_older_release_is_excused)
{
	char note[64];

	ASSERT_EQ(0, suite_gate_check_release(&gate, "6.10.14-amd64", note, sizeof(note)));
	ASSERT_EQ(0, suite_gate_check_release(&gate, "6.1.0-57-amd64", note, sizeof(note)));
	ASSERT_EQ(0, suite_gate_check_release(&gate, "5.19.0", note, sizeof(note)));
}

TEST(gate_newer_release_is_judged)
{
	char note[64];

	ASSERT_EQ(1, suite_gate_check_release(&gate, "6.11.0", note, sizeof(note)));
	ASSERT_STREQ("6.11+ (kernel 6.11.0)", note);
	ASSERT_EQ(1, suite_gate_check_release(&gate, "6.12.118+deb12-amd64", note, sizeof(note)));
	ASSERT_EQ(1, suite_gate_check_release(&gate, "7.3.4+deb13-amd64", note, sizeof(note)));
	ASSERT_STREQ("6.11+ (kernel 7.3.4)", note);
	ASSERT_EQ(1, suite_gate_check_release(&gate, "7.0-rc7", note, sizeof(note)));
}

/* A release nobody can read excuses nothing: the behaviour is required. */
TEST(gate_unknown_release_is_judged)
{
	char note[64];

	ASSERT_EQ(1, suite_gate_check_release(&gate, "custom", note, sizeof(note)));
	ASSERT_STREQ("6.11+ (kernel unknown)", note);
	ASSERT_EQ(1, suite_gate_check_release(&gate, NULL, note, sizeof(note)));
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
