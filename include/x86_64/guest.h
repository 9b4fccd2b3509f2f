/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny guests: a few pages at GPA 0, code that lives next to the test that
 * runs it, and one setup helper per CPU mode.
 *
 * Guest memory layout (GUEST_MEM_SIZE bytes from GPA 0):
 *   0x0000  PML4    long mode: entry 0 -> PDPT
 *   0x1000  PDPT    entry 0 -> PD
 *   0x2000  PD      entry 0: one 2 MiB page at 0 (identity map)
 *   0x3000  code    the test's guest program (entry point)
 *   0x4000  IDT     only with GUEST_IDT_REPORT; otherwise IDTR limit is 0
 *   0x4400  stubs   one per vector: out vector to port GUEST_VECTOR_PORT, hlt
 *   0x4800  GDT     null, 64-bit code, 32-bit code, flat data
 *   0x5000  top of the stack
 * Private (encrypted) guests get the C-bit in every page-table entry.
 *
 * Tests of the GHCB page protocol add a 4 KiB page at GUEST_GHCB_GPA, in a
 * memory slot of its own, mapped in long mode by the second 2 MiB page of
 * the page tables without the C-bit: shared with the hypervisor, as the
 * GHCB must be.
 */
#ifndef KSE_GUEST_H
#define KSE_GUEST_H

#include "processor.h"

enum guest_mode {
	GUEST_REAL,	/* 16-bit real mode */
	GUEST_PROT,	/* 32-bit protected mode, paging off */
	GUEST_LONG,	/* 64-bit long mode, identity paging */
	NR_GUEST_MODES,
};

#define GUEST_MEM_GPA		0x0000ull
#define GUEST_MEM_SIZE		0x5000ull
#define GUEST_PML4_GPA		0x0000ull
#define GUEST_PDPT_GPA		0x1000ull
#define GUEST_PD_GPA		0x2000ull
#define GUEST_CODE_GPA		0x3000ull
#define GUEST_CODE_MAX		0x1000ull
#define GUEST_IDT_GPA		0x4000ull
#define GUEST_STUBS_GPA		0x4400ull
#define GUEST_STUB_SIZE		8
#define GUEST_GDT_GPA		0x4800ull
#define GUEST_STACK_TOP		0x5000ull
#define GUEST_NR_VECTORS	32
#define GUEST_VECTOR_PORT	0x80

#define GUEST_GHCB_GPA		0x200000ull

#define GUEST_SEL_CODE64	0x08
#define GUEST_SEL_CODE32	0x10
#define GUEST_SEL_DATA		0x18

/* Setup flags. */
#define GUEST_IDT_REPORT	BIT(0)	/* exceptions exit as an OUT of the vector */

const char *guest_mode_name(enum guest_mode mode);

/*
 * One guest program assembled for each mode from a single body of GNU as
 * source, so that every mode runs the very same instructions.
 */
struct guest_prog {
	const u8 *start[NR_GUEST_MODES];
	const u8 *end[NR_GUEST_MODES];
};

#define GUEST_PROG(name, body)                                                         \
	asm(".pushsection .rodata.kse_guest, \"a\"\n"                                  \
	    ".code16\n" #name "_real_start:\n" body "\n" #name "_real_end:\n"          \
	    ".code32\n" #name "_prot_start:\n" body "\n" #name "_prot_end:\n"          \
	    ".code64\n" #name "_long_start:\n" body "\n" #name "_long_end:\n"          \
	    ".popsection\n");                                                          \
	extern const u8 name##_real_start[], name##_real_end[];                        \
	extern const u8 name##_prot_start[], name##_prot_end[];                        \
	extern const u8 name##_long_start[], name##_long_end[];                        \
	static const struct guest_prog name = {                                        \
		.start = { name##_real_start, name##_prot_start, name##_long_start },  \
		.end = { name##_real_end, name##_prot_end, name##_long_end },          \
	}

/*
 * Write the program, page tables and descriptor tables into guest memory
 * (the VM must have GUEST_MEM_SIZE at GPA 0) and set the vCPU's registers
 * and segment state for @mode, entry at GUEST_CODE_GPA. 0 or -errno.
 */
int guest_setup(struct vcpu *vcpu, enum guest_mode mode, const struct guest_prog *prog,
		unsigned int flags);

/* Initial RAX/RCX/RDX, before launch (the termination request lives here). */
void guest_set_gprs(struct vcpu *vcpu, u64 rax, u64 rcx, u64 rdx);

/* Load EDX:EAX = @msr_value and ECX = the GHCB MSR, for `wrmsr`. */
void guest_set_ghcb_request(struct vcpu *vcpu, u64 msr_value);

/*
 * Linear -> host address for the guest's current mode (real-mode segment
 * base, flat protected mode, or a walk of the guest's 4-level page tables).
 * NULL when unmapped. Used to read what the guest really executes.
 */
void *guest_linear_to_hva(struct vcpu *vcpu, const struct kvm_sregs *sregs, u64 linear,
			  u64 len);

/* C-bit position from CPUID 0x8000001F EBX[5:0], as a mask; 0 if none. */
u64 guest_host_c_bit(void);

/*
 * Map the 2 MiB at @gpa (2 MiB aligned, below 1 GiB) in the long-mode page
 * tables as shared memory: no C-bit. Before launch. 0 or -errno.
 */
int guest_map_shared_2m(struct vm *vm, u64 gpa);

#endif /* KSE_GUEST_H */
