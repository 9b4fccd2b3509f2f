// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: guest_linear_to_hva(), the guest page walk the software
 * model uses to read the instruction at RIP, over a fake VM whose memory
 * slots are heap buffers (no KVM): any CR0/EFER/CR3, C-bit mask, linear
 * address and length, any page-table contents. Checks, besides memory
 * safety:
 *
 * - a result lies inside one slot, with all @len bytes;
 * - it is the guest's view: every byte of the range, translated on its own,
 *   is at the same offset from the result (a range that crosses into a
 *   page mapped elsewhere must not be read as if contiguous);
 * - and the converse: a range whose bytes are all mapped, contiguously in
 *   host memory, is found;
 * - with paging off, it is the GPA (linear, 32 bits) itself.
 */
#include <stdlib.h>

#include "fuzz_common.h"
#include "fuzz_input.h"
#include "guest.h"

#define PAGE 4096ull
#define CR0_PG (1ull << 31)

static void *walk(struct vcpu *vcpu, const struct kvm_sregs *sregs, u64 linear, u64 len)
{
	return guest_linear_to_hva(vcpu, sregs, linear, len);
}

static bool in_slot(struct vm *vm, const u8 *p, u64 len)
{
	int i;

	for (i = 0; i < vm->nr_slots; i++) {
		const u8 *b = vm->slots[i].hva;

		if (p >= b && len <= vm->slots[i].size &&
		    (u64)(p - b) <= vm->slots[i].size - len)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_page_walk_hdr h;
	struct kvm_sregs sregs;
	struct vcpu vcpu;
	struct vm vm;
	u8 *mem[2] = { NULL, NULL }, *p, *q, *first;
	u64 total = 0, len, off, end, cur;
	bool contiguous;
	size_t at;
	int s;

	at = fuzz_take(&h, sizeof(h), data, size);
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&sregs, 0, sizeof(sregs));
	vcpu.vm = &vm;
	vm.arch.c_bit = h.c_bit;
	vm.nr_slots = h.nr_slots % 3;
	for (s = 0; s < vm.nr_slots; s++) {
		u64 bytes = (u64)(h.slot_pages[s] % FPW_MAX_PAGES + 1) * PAGE;

		mem[s] = aligned_alloc(PAGE, bytes);
		if (!mem[s])
			goto out;
		memset(mem[s], 0, bytes);
		vm.slots[s] = (struct vm_slot){
			.slot = s, .gpa = (u64)h.slot_page[s] * PAGE, .size = bytes, .hva = mem[s],
		};
		total += bytes;
	}
	/* KVM refuses overlapping memory slots: so does this fake VM. */
	if (vm.nr_slots == 2 && vm.slots[0].gpa < vm.slots[1].gpa + vm.slots[1].size &&
	    vm.slots[1].gpa < vm.slots[0].gpa + vm.slots[0].size) {
		vm.nr_slots = 1;
		total = vm.slots[0].size;
	}
	for (; at + sizeof(struct fuzz_page_walk_rec) <= size; at += sizeof(struct fuzz_page_walk_rec)) {
		struct fuzz_page_walk_rec r;

		memcpy(&r, data + at, sizeof(r));
		off = (u64)r.qword * 8;
		if (!total)
			break;
		off %= total;
		off &= ~7ull;
		if (vm.nr_slots > 0 && off < vm.slots[0].size)
			memcpy(mem[0] + off, &r.value, 8);
		else if (vm.nr_slots > 1)
			memcpy(mem[1] + off - vm.slots[0].size, &r.value, 8);
	}
	sregs.cr0 = h.cr0;
	sregs.efer = h.efer;
	sregs.cr3 = h.cr3;
	len = h.len % 8192;

	p = walk(&vcpu, &sregs, h.linear, len);
	if (p && !in_slot(&vm, p, len))
		fuzz_fail("0x%llx+%llu -> %p: outside every slot", (unsigned long long)h.linear,
			  (unsigned long long)len, (void *)p);
	if (!(sregs.cr0 & CR0_PG) && p != vm_gpa_to_hva(&vm, h.linear & 0xffffffffull, len))
		fuzz_fail("paging off: 0x%llx is not its own GPA", (unsigned long long)h.linear);
	if (!len)
		goto out;

	/* Byte by byte: the first and last byte of every 4 KiB page the range touches. */
	end = h.linear + len - 1;
	if (end < h.linear)
		goto out;	/* wraps around: no guest reads that */
	first = walk(&vcpu, &sregs, h.linear, 1);
	contiguous = first != NULL;
	for (cur = h.linear; contiguous; cur = (cur | (PAGE - 1)) + 1) {
		u64 last = (cur | (PAGE - 1)) < end ? (cur | (PAGE - 1)) : end;

		q = walk(&vcpu, &sregs, cur, 1);
		if (q != first + (cur - h.linear))
			contiguous = false;
		q = walk(&vcpu, &sregs, last, 1);
		if (q != first + (last - h.linear))
			contiguous = false;
		if (last == end)
			break;
	}
	if (p && !contiguous)
		fuzz_fail("0x%llx+%llu -> %p, but its bytes, translated one by one, are not there",
			  (unsigned long long)h.linear, (unsigned long long)len, (void *)p);
	if (p && p != first)
		fuzz_fail("0x%llx: %p for the range, %p for its first byte",
			  (unsigned long long)h.linear, (void *)p, (void *)first);
	if (!p && contiguous && in_slot(&vm, first, len))
		fuzz_fail("0x%llx+%llu: every byte mapped, contiguously, yet not found",
			  (unsigned long long)h.linear, (unsigned long long)len);
out:
	free(mem[0]);
	free(mem[1]);
	return 0;
}
