// SPDX-License-Identifier: GPL-2.0
/*
 * harness_safety_test: the SEV-ES test harness (kernel/harness/) must keep
 * the plain guest's own state intact and give the host's memory back,
 * whatever a guest writes into its GHCB. Not a conformance test: it checks the suite's own
 * test-only kvm_amd patch, so it runs only where that patch is loaded with
 * sev_es_test_harness=1 (kernel/harness/README.md), under QEMU.
 *
 * - xcr0_valid: KVM's SEV-ES code sets XCR0 from the GHCB
 *   (sev_es_sync_from_ghcb()). On SEV-ES hardware that is only what the
 *   guest says; its real XCR0 is in the VMSA. A harness guest has neither,
 *   so the harness must set XCR0 aside with the registers and put it back.
 *   The guest sets its own XCR0, hands the GHCB another valid one, and
 *   reads XCR0 back after the VMGEXIT. (An invalid one takes the host down
 *   where this is broken: harness_host_fault_test, run last.)
 * - reentry: a GHCB-page VMMCALL request reaches vmmcall_interception(),
 *   where the harness looks for a VMGEXIT at CS.base + RIP, RIP being KVM's
 *   scratch copy (0 on 6.12, where the SEV-ES code zeroes it; the RIP past
 *   the VMGEXIT on 7.x). Taken there, the harness sets the scratch
 *   registers aside over the guest's and maps the GHCB over a live mapping
 *   (6.12 leaks the page; 7.x warns). The guest puts VMGEXIT bytes at both
 *   places and must resume where it was, with its registers.
 * - reentry_leak: the same with the GHCB in a huge page; the host must get
 *   the page back when the VM and its memory are gone.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"

#include "suite.h"

static struct suite_opts opts = {
	.binary = "harness_safety_test",
	.summary = "the SEV-ES test harness keeps the plain guest's state and host memory",
};

#include "harness_guest.h"

/* A valid XCR0 other than the guest's own: it must not become the guest's. */
TEST_F(harness, xcr0_valid)
{
	xcr0_case(_metadata, &self->p, XCR0_X87);
}

TEST_F(harness, reentry)
{
	u32 edi = 0;
	int n;

	setup_guest(_metadata, &self->p, &reentry_guest, 1);
	set_regs(&self->p, GUEST_GHCB_GPA, 0, 0, KEEP);
	n = run_to_report(&self->p, &edi);
	if (!n)
		n = suite_check_value("guest.edi", KEEP, edi);
	ASSERT_EQ(0, n);
}

/* HugePages_Free from /proc/meminfo; -1 if unreadable. */
static long huge_pages_free(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* At least one free huge page in the pool (as root the pool may grow); 0 or -1. */
static int have_free_huge_page(void)
{
	long total = -1;
	FILE *f;

	if (huge_pages_free() > 0)
		return 0;
	f = fopen("/proc/sys/vm/nr_hugepages", "r+");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &total) == 1) {
		rewind(f);
		fprintf(f, "%ld\n", total + 1);
	}
	fclose(f);
	return huge_pages_free() > 0 ? 0 : -1;
}

#define HUGE_SIZE	(2ull << 20)
#define LEAK_REQUESTS	8

/*
 * The GHCB pages live in one 2 MiB huge page: a reference to any of them
 * that is never put back keeps the whole huge page out of the pool when the
 * VM and the mapping are gone. The pool's free count is exact (no per-CPU
 * caches), so one leaked reference shows as one huge page missing.
 */
TEST_F(harness, reentry_leak)
{
	struct kvm_userspace_memory_region r = {
		.slot = VM_MAX_SLOTS - 1,
		.guest_phys_addr = GUEST_GHCB_GPA,
		.memory_size = HUGE_SIZE,
	};
	struct kvm_run *run = self->p.vcpu[0].run;
	struct run_outcome out;
	long before, after;
	int i, wrong = 0, n = 0;
	void *mem;

	ASSERT_EQ(1, self->p.vm.nr_slots);
	if (have_free_huge_page())
		SUITE_SKIP(return, "no huge pages here");
	before = huge_pages_free();
	mem = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED)
		SUITE_SKIP(return, "no huge pages here");
	memset(mem, 0, HUGE_SIZE);
	r.userspace_addr = (unsigned long)mem;
	ASSERT_EQ(0, ioctl(self->p.vm.fd, KVM_SET_USER_MEMORY_REGION, &r));
	setup_guest(_metadata, &self->p, &reentry_guest, 0);
	for (i = 0; i < LEAK_REQUESTS; i++) {
		set_regs(&self->p, GUEST_GHCB_GPA + (u64)i * GHCB_PAGE_SIZE, 0, 0, KEEP);
		__vcpu_run(&self->p.vcpu[0], &out);
		if (out.stuck || out.rc < 0) {
			n += suite_deviation("KVM_RUN", "an exit", "%s at request %d",
					     out.stuck ? "stuck" : errno_name(out.err), i);
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT_DONE)
			wrong++;
	}
	plain_destroy(&self->p);
	munmap(mem, HUGE_SIZE);
	after = huge_pages_free();
	pr_diag("observed: %d requests (%d resumed elsewhere); free huge pages %ld before, "
		"%ld after the VM and its memory are gone", i, wrong, before, after);
	n += suite_check_value("host.huge_pages_free", before, after);
	ASSERT_EQ(0, n);
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
