/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the SEV-ES test harness's own checks share (harness_safety_test,
 * harness_host_fault_test): the guests, their GHCB requests, one plain VM
 * with the harness required, the run to the guest's report. Include it after
 * kselftest_harness.h, with the binary's `static struct suite_opts opts`
 * defined first.
 */
#ifndef KSE_HARNESS_GUEST_H
#define KSE_HARNESS_GUEST_H

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ghcb.h"
#include "plain_vm.h"
#include "suite.h"

#define HARNESS_MODULE	"kvm_amd"
#define HARNESS_PARAM	"sev_es_test_harness"

/* GHCB save-area fields beyond ghcb.h's (GHCB spec 56421, "GHCB layout"). */
#define GHCB_OFF_CPL	0x0cb
#define GHCB_OFF_RAX	0x1f8
#define GHCB_OFF_XCR0	0x3e8
/* The valid-bitmap byte and bit of the field at byte offset @off. */
#define VALID_BYTE(off)	(GHCB_OFF_VALID_BITMAP + (off) / 8 / 8)
#define VALID_BIT(off)	(1u << ((off) / 8 % 8))
_Static_assert(VALID_BYTE(GHCB_OFF_CPL) == 0x3f3 && VALID_BIT(GHCB_OFF_CPL) == 0x02, "cpl");
_Static_assert(VALID_BYTE(GHCB_OFF_RAX) == 0x3f7 && VALID_BIT(GHCB_OFF_RAX) == 0x80, "rax");
_Static_assert(VALID_BYTE(GHCB_OFF_XCR0) == 0x3ff && VALID_BIT(GHCB_OFF_XCR0) == 0x20, "xcr0");

#define SVM_EXIT_VMMCALL	0x81
#define NAE_HV_FEATURES		0x8000fffd
#define PORT_DONE		0xf0	/* the guest's own path: EAX is its report */
#define PORT_AT_CS_BASE		0xf1	/* code at CS.base + 4: resumed on scratch state */
#define KEEP			0x5eed5eedu

#define STR(x) #x
#define XSTR(x) STR(x)
#define AT(off) XSTR(off) "(%ebx)"

/*
 * The common tail of a GHCB request: sw_exit_code's three fields marked
 * valid, protocol version 2, usage 0, the GHCB's GPA (EBX) in the GHCB MSR,
 * VMGEXIT.
 */
#define GHCB_SEND							\
	"orb $" XSTR(GHCB_VALID_SW_BITS) ", " AT(GHCB_VALID_SW_BYTE) "\n\t"	\
	"movw $2, " AT(GHCB_OFF_PROTOCOL_VERSION) "\n\t"			\
	"movl $0, " AT(GHCB_OFF_USAGE) "\n\t"					\
	"mov %ebx, %eax\n\t"							\
	"xor %edx, %edx\n\t"							\
	"mov $0xc0010130, %ecx\n\t"						\
	"wrmsr\n\t"								\
	"rep; vmmcall\n\t"

#define GHCB_EXIT(code)								\
	"movl $" XSTR(code) ", " AT(GHCB_OFF_SW_EXIT_CODE) "\n\t"		\
	"movl $0, " XSTR(GHCB_OFF_SW_EXIT_CODE) "+4(%ebx)\n\t"			\
	"movl $0, " AT(GHCB_OFF_SW_EXIT_INFO_1) "\n\t"				\
	"movl $0, " XSTR(GHCB_OFF_SW_EXIT_INFO_1) "+4(%ebx)\n\t"		\
	"movl $0, " AT(GHCB_OFF_SW_EXIT_INFO_2) "\n\t"				\
	"movl $0, " XSTR(GHCB_OFF_SW_EXIT_INFO_2) "+4(%ebx)\n\t"

/*
 * EBX: the GHCB; ESI: the XCR0 its GHCB carries (the guest's own XCR0 is
 * set by the host, KVM_SET_XCRS: under QEMU's TCG a nested guest's XSETBV
 * is not intercepted and never reaches KVM). A HV_FEATURES request (no
 * registers needed), then XCR0 read back and reported in EAX.
 */
GUEST_PROG(xcr0_guest,
	   GHCB_EXIT(NAE_HV_FEATURES)
	   "mov %esi, " AT(GHCB_OFF_XCR0) "\n\t"
	   "movl $0, " XSTR(GHCB_OFF_XCR0) "+4(%ebx)\n\t"
	   "orb $" XSTR(VALID_BIT(GHCB_OFF_XCR0)) ", " XSTR(VALID_BYTE(GHCB_OFF_XCR0)) "(%ebx)\n\t"
	   GHCB_SEND
	   "xor %ecx, %ecx\n\t"
	   "xgetbv\n\t"
	   "out %eax, $" XSTR(PORT_DONE) "\n"
	   "1:\thlt\n\t"
	   "jmp 1b\n");

/*
 * EBX: the GHCB; EDI: a value the guest keeps. A VMMCALL request (RAX an
 * unknown hypercall number, CPL 0), a second VMGEXIT right behind the first,
 * then EDI reported in EAX.
 */
GUEST_PROG(reentry_guest,
	   GHCB_EXIT(SVM_EXIT_VMMCALL)
	   "movl $0xffff, " AT(GHCB_OFF_RAX) "\n\t"
	   "movl $0, " XSTR(GHCB_OFF_RAX) "+4(%ebx)\n\t"
	   "movb $0, " AT(GHCB_OFF_CPL) "\n\t"
	   "orb $" XSTR(VALID_BIT(GHCB_OFF_RAX)) ", " XSTR(VALID_BYTE(GHCB_OFF_RAX)) "(%ebx)\n\t"
	   "orb $" XSTR(VALID_BIT(GHCB_OFF_CPL)) ", " XSTR(VALID_BYTE(GHCB_OFF_CPL)) "(%ebx)\n\t"
	   GHCB_SEND
	   "rep; vmmcall\n\t"
	   "mov %edi, %eax\n\t"
	   "out %eax, $" XSTR(PORT_DONE) "\n"
	   "1:\thlt\n\t"
	   "jmp 1b\n");

/* At CS.base + 0: a VMGEXIT, and behind it a report that says "here". */
static const u8 at_cs_base[] = {
	0xf3, 0x0f, 0x01, 0xd9,		/* rep; vmmcall */
	0xe6, PORT_AT_CS_BASE,		/* out %al, $PORT_AT_CS_BASE */
	0xf4,				/* hlt */
	0xeb, 0xfd,			/* jmp .-3 */
};

#define CR4_OSXSAVE	(1ull << 18)
#define XCR0_X87	0x1ull
#define XCR0_SSE	0x2ull


FIXTURE(harness) {
	struct plain p;
};

FIXTURE_SETUP(harness)
{
	PLAIN_SETUP(self, 1);
	if (kvm_module_param(HARNESS_MODULE, HARNESS_PARAM) != 1)
		SUITE_SKIP(return, "no SEV-ES test harness in kvm_amd");
}

FIXTURE_TEARDOWN(harness)
{
	plain_destroy(&self->p);
}

/*
 * A 32-bit guest (paging off: every GPA is its linear address) with @pages
 * GHCB pages at GUEST_GHCB_GPA (none: the caller puts memory there).
 */
static void setup_guest(struct __test_metadata *_metadata, struct plain *p,
			const struct guest_prog *prog, unsigned int pages)
{
	void *low;

	if (pages)
		ASSERT_EQ(0, __vm_add_memory(&p->vm, GUEST_GHCB_GPA,
					     (u64)pages * GHCB_PAGE_SIZE));
	ASSERT_EQ(0, guest_setup(&p->vcpu[0], GUEST_PROT, prog, 0));
	/* Paging is off: what guest_setup put at GPA 0 is never used. */
	low = vm_gpa_to_hva(&p->vm, 0, sizeof(at_cs_base));
	ASSERT_NE(NULL, low);
	memcpy(low, at_cs_base, sizeof(at_cs_base));
}

static void set_regs(struct plain *p, u64 rbx, u64 rbp, u64 rsi, u64 rdi)
{
	struct kvm_regs regs;

	vcpu_get_regs(&p->vcpu[0], &regs);
	regs.rip = GUEST_CODE_GPA;
	regs.rbx = rbx;
	regs.rbp = rbp;
	regs.rsi = rsi;
	regs.rdi = rdi;
	vcpu_set_regs(&p->vcpu[0], &regs);
}

/*
 * Run until the guest reports. The report must come from its own path
 * (PORT_DONE, four bytes); returns the number of deviations and the value
 * reported in @eax.
 */
static int run_to_report(struct plain *p, u32 *eax)
{
	struct sysevent_expect exp = { .profile = opts.profile, .exit_reason = KVM_EXIT_IO };
	struct kvm_run *run = p->vcpu[0].run;
	struct run_outcome out;
	int n;

	vcpu_poison_system_event(&p->vcpu[0], SUITE_POISON);
	__vcpu_run(&p->vcpu[0], &out);
	n = suite_check_event(&out, run, &exp);
	if (n || out.stuck || out.rc < 0)
		return n;
	if (run->io.port == PORT_AT_CS_BASE)
		pr_diag("observed: the guest resumed at CS.base + 4, on KVM's scratch registers");
	n += suite_check_value("io.port", PORT_DONE, run->io.port);
	n += suite_check_value("io.size", 4, run->io.size);
	if (!n)
		memcpy(eax, (u8 *)run + run->io.data_offset, sizeof(*eax));
	return n;
}

/*
 * The guest's XCR0 is x87|SSE, its GHCB carries @ghcb_xcr0; after the
 * VMGEXIT the guest must still have its own.
 */
static void xcr0_case(struct __test_metadata *_metadata, struct plain *p, u64 ghcb_xcr0)
{
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };
	struct kvm_sregs sregs;
	u32 xcr0 = 0;
	int n;

	setup_guest(_metadata, p, &xcr0_guest, 1);
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = XCR0_X87 | XCR0_SSE;
	if (ioctl(p->vcpu[0].fd, KVM_SET_XCRS, &xcrs))
		SUITE_SKIP(return, "XSAVE not in the guest's CPUID");
	vcpu_get_sregs(&p->vcpu[0], &sregs);
	sregs.cr4 |= CR4_OSXSAVE;
	vcpu_set_sregs(&p->vcpu[0], &sregs);
	set_regs(p, GUEST_GHCB_GPA, 0, ghcb_xcr0, 0);
	pr_diag("guest XCR0 0x%llx, GHCB XCR0 0x%llx",
		(unsigned long long)(XCR0_X87 | XCR0_SSE), (unsigned long long)ghcb_xcr0);
	n = run_to_report(p, &xcr0);
	if (!n)
		n = suite_check_value("guest.xcr0", XCR0_X87 | XCR0_SSE, xcr0);
	ASSERT_EQ(0, n);
}

#endif /* KSE_HARNESS_GUEST_H */
