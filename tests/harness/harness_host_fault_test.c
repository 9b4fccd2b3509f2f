// SPDX-License-Identifier: GPL-2.0
/*
 * harness_host_fault_test: the SEV-ES test harness (kernel/harness/) must
 * not let a guest's GHCB make the host kernel fault. Not a conformance test:
 * it checks the suite's own test-only kvm_amd patch, so it runs only where
 * that patch is loaded with sev_es_test_harness=1, under QEMU, and after
 * every other binary (where it is broken the host kernel oopses and the run
 * ends there).
 *
 * - xcr0_invalid: KVM's SEV-ES code sets XCR0 from the GHCB (6.12 without
 *   any check). Without protected state KVM loads the vCPU's XCR0 into the
 *   CPU with XSETBV at the next entry: one without x87 (bit 0 clear) is #GP
 *   in the host kernel. The guest's own XCR0 must stay.
 */
#include "kselftest_harness.h"

#include "suite.h"

static struct suite_opts opts = {
	.binary = "harness_host_fault_test",
	.summary = "the SEV-ES test harness never lets a GHCB fault the host",
};

#include "harness_guest.h"

TEST_F(harness, xcr0_invalid)
{
	xcr0_case(_metadata, &self->p, 0);
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
