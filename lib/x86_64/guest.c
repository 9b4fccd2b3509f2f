// SPDX-License-Identifier: GPL-2.0
/* The three guest modes: memory image, descriptor tables, register state. */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "guest.h"

#define CR0_PE		(1ull << 0)
#define CR0_MP		(1ull << 1)
#define CR0_ET		(1ull << 4)
#define CR0_NE		(1ull << 5)
#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_PS		(1ull << 7)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

/* GDT descriptors: base 0, limit 4 GiB, accessed. */
#define GDT_CODE64	0x00af9b000000ffffull	/* L=1, D=0, execute/read */
#define GDT_CODE32	0x00cf9b000000ffffull	/* D=1, execute/read */
#define GDT_DATA	0x00cf93000000ffffull	/* read/write */

static const char *const mode_names[NR_GUEST_MODES] = {
	[GUEST_REAL] = "real",
	[GUEST_PROT] = "prot",
	[GUEST_LONG] = "long",
};

const char *guest_mode_name(enum guest_mode mode)
{
	return mode < NR_GUEST_MODES ? mode_names[mode] : "unknown";
}

u64 guest_host_c_bit(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) || eax < 0x8000001f)
		return 0;
	__cpuid_count(0x8000001f, 0, eax, ebx, ecx, edx);
	return (eax & BIT(1)) ? BIT_ULL(ebx & 0x3f) : 0;
}

static void write_u64(void *mem, u64 off, u64 v)
{
	memcpy((u8 *)mem + off, &v, sizeof(v));
}

/* One stub per vector, the same bytes in every mode: report, then halt. */
static void write_vector_stubs(u8 *mem)
{
	int v;

	for (v = 0; v < GUEST_NR_VECTORS; v++) {
		u8 *s = mem + GUEST_STUBS_GPA + v * GUEST_STUB_SIZE;

		s[0] = 0xb0;			/* mov $v, %al */
		s[1] = v;
		s[2] = 0xe6;			/* out %al, $GUEST_VECTOR_PORT */
		s[3] = GUEST_VECTOR_PORT;
		s[4] = 0xf4;			/* hlt */
		s[5] = 0xeb;			/* jmp .-3 (back to hlt) */
		s[6] = 0xfd;
		s[7] = 0x90;
	}
}

static void write_idt(u8 *mem, enum guest_mode mode)
{
	int v;

	for (v = 0; v < GUEST_NR_VECTORS; v++) {
		u64 handler = GUEST_STUBS_GPA + v * GUEST_STUB_SIZE;
		u8 *g;

		switch (mode) {
		case GUEST_REAL:	/* IVT: offset:segment */
			g = mem + GUEST_IDT_GPA + v * 4;
			g[0] = handler & 0xff;
			g[1] = handler >> 8;
			g[2] = 0;
			g[3] = 0;
			break;
		case GUEST_PROT:	/* 32-bit interrupt gate */
			g = mem + GUEST_IDT_GPA + v * 8;
			write_u64(g, 0, (handler & 0xffff) | ((u64)GUEST_SEL_CODE32 << 16) |
				  (0x8eull << 40) | ((handler >> 16) << 48));
			break;
		default:		/* 64-bit interrupt gate, 16 bytes */
			g = mem + GUEST_IDT_GPA + v * 16;
			write_u64(g, 0, (handler & 0xffff) | ((u64)GUEST_SEL_CODE64 << 16) |
				  (0x8eull << 40) | (((handler >> 16) & 0xffff) << 48));
			write_u64(g, 8, handler >> 32);
			break;
		}
	}
}

static void set_seg(struct kvm_segment *s, u16 sel, u8 type, bool code64, bool db)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = db, .s = 1, .l = code64, .g = 1,
	};
}

static void set_real_seg(struct kvm_segment *s, u8 type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffff, .selector = 0, .type = type, .present = 1, .s = 1,
	};
}

int guest_setup(struct vcpu *vcpu, enum guest_mode mode, const struct guest_prog *prog,
		unsigned int flags)
{
	struct vm *vm = vcpu->vm;
	u8 *mem = vm_gpa_to_hva(vm, 0, GUEST_MEM_SIZE);
	u64 tbl = PTE_P | PTE_RW | vm->arch.c_bit;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	size_t len;
	int r;

	if (!mem || mode >= NR_GUEST_MODES)
		return -EINVAL;
	len = prog->end[mode] - prog->start[mode];
	if (len > GUEST_CODE_MAX)
		return -EINVAL;

	memcpy(mem + GUEST_CODE_GPA, prog->start[mode], len);
	write_u64(mem, GUEST_GDT_GPA + 0x08, GDT_CODE64);
	write_u64(mem, GUEST_GDT_GPA + 0x10, GDT_CODE32);
	write_u64(mem, GUEST_GDT_GPA + 0x18, GDT_DATA);
	if (mode == GUEST_LONG) {
		write_u64(mem, GUEST_PML4_GPA, GUEST_PDPT_GPA | tbl);
		write_u64(mem, GUEST_PDPT_GPA, GUEST_PD_GPA | tbl);
		write_u64(mem, GUEST_PD_GPA, 0 | tbl | PTE_PS);
	}
	if (flags & GUEST_IDT_REPORT) {
		write_vector_stubs(mem);
		write_idt(mem, mode);
	}

	r = __vcpu_get_sregs(vcpu, &sregs);
	if (r)
		return r;
	sregs.gdt.base = GUEST_GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = (flags & GUEST_IDT_REPORT) ? GUEST_IDT_GPA : 0;
	sregs.idt.limit = 0;
	switch (mode) {
	case GUEST_REAL:
		if (flags & GUEST_IDT_REPORT)
			sregs.idt.limit = GUEST_NR_VECTORS * 4 - 1;
		set_real_seg(&sregs.cs, 0xb);
		set_real_seg(&sregs.ds, 0x3);
		sregs.cr0 = CR0_ET | CR0_NE;
		sregs.cr4 = 0;
		sregs.efer = 0;
		break;
	case GUEST_PROT:
		if (flags & GUEST_IDT_REPORT)
			sregs.idt.limit = GUEST_NR_VECTORS * 8 - 1;
		set_seg(&sregs.cs, GUEST_SEL_CODE32, 0xb, false, true);
		set_seg(&sregs.ds, GUEST_SEL_DATA, 0x3, false, true);
		sregs.cr0 = CR0_PE | CR0_ET | CR0_NE;
		sregs.cr4 = 0;
		sregs.efer = 0;
		break;
	default:
		if (flags & GUEST_IDT_REPORT)
			sregs.idt.limit = GUEST_NR_VECTORS * 16 - 1;
		set_seg(&sregs.cs, GUEST_SEL_CODE64, 0xb, true, false);
		set_seg(&sregs.ds, GUEST_SEL_DATA, 0x3, false, true);
		sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		sregs.cr4 = CR4_PAE;
		sregs.cr3 = GUEST_PML4_GPA;
		sregs.efer = EFER_LME | EFER_LMA;
		break;
	}
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	r = __vcpu_set_sregs(vcpu, &sregs);
	if (r)
		return r;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = GUEST_CODE_GPA;
	regs.rsp = GUEST_STACK_TOP;
	return __vcpu_set_regs(vcpu, &regs);
}

void guest_set_gprs(struct vcpu *vcpu, u64 rax, u64 rcx, u64 rdx)
{
	struct kvm_regs regs;

	vcpu_get_regs(vcpu, &regs);
	regs.rax = rax;
	regs.rcx = rcx;
	regs.rdx = rdx;
	vcpu_set_regs(vcpu, &regs);
}

void guest_set_ghcb_request(struct vcpu *vcpu, u64 msr_value)
{
	guest_set_gprs(vcpu, msr_value & 0xffffffffull, 0xc0010130ull, msr_value >> 32);
}

/* Where the first byte lives, with @len bytes after it in the same slot. */
static u8 *linear_to_hva(struct vm *vm, const struct kvm_sregs *sregs, u64 linear, u64 len)
{
	u64 table, *e;
	int level, shift;

	if (!(sregs->cr0 & CR0_PG))
		return vm_gpa_to_hva(vm, linear & 0xffffffffull, len);
	if (!(sregs->efer & EFER_LMA))
		return NULL;	/* 32-bit paging: no guest of ours uses it */

	table = sregs->cr3 & PTE_ADDR_MASK;
	for (level = 4, shift = 39; level >= 1; level--, shift -= 9) {
		e = vm_gpa_to_hva(vm, (table & ~vm->arch.c_bit) + ((linear >> shift) & 0x1ff) * 8, 8);
		if (!e || !(*e & PTE_P))
			return NULL;
		if (level == 1 || (level <= 3 && (*e & PTE_PS))) {
			u64 page = (*e & ~vm->arch.c_bit) & PTE_ADDR_MASK & ~((1ull << shift) - 1);

			return vm_gpa_to_hva(vm, page | (linear & ((1ull << shift) - 1)), len);
		}
		table = *e & PTE_ADDR_MASK;
	}
	return NULL;
}

int guest_map_shared_2m(struct vm *vm, u64 gpa)
{
	u8 *pd = vm_gpa_to_hva(vm, GUEST_PD_GPA, 0x1000);

	if (!pd || (gpa & (BIT_ULL(21) - 1)) || gpa >= BIT_ULL(30))
		return -EINVAL;
	write_u64(pd, (gpa >> 21) * 8, gpa | PTE_P | PTE_RW | PTE_PS);
	return 0;
}

void *guest_linear_to_hva(struct vcpu *vcpu, const struct kvm_sregs *sregs, u64 linear,
			  u64 len)
{
	u8 *p = linear_to_hva(vcpu->vm, sregs, linear, len);
	u64 next;

	/* A range that crosses into a page mapped elsewhere is not at p: check each page. */
	for (next = (linear | 0xfffull) + 1; p && next - linear < len; next += 0x1000)
		if (linear_to_hva(vcpu->vm, sregs, next, 1) != p + (next - linear))
			return NULL;
	return p;
}
