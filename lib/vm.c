// SPDX-License-Identifier: GPL-2.0
/* VM creation, guest memory and VM-scope ioctls. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"
#include "vm.h"

int __vm_create(struct kvm_dev *kvm, u32 type, struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	vm->type = type;
	vm->fd = ioctl(kvm->fd, KVM_CREATE_VM, (unsigned long)type);
	return vm->fd < 0 ? -errno : 0;
}

void vm_create(struct kvm_dev *kvm, u32 type, struct vm *vm)
{
	int r = __vm_create(kvm, type, vm);

	if (r)
		lib_fail("KVM_CREATE_VM(type %u) failed: rc=-1 errno=%s", type, errno_name(-r));
}

void vm_destroy(struct vm *vm)
{
	int i;

	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	for (i = 0; i < vm->nr_slots; i++)
		munmap(vm->slots[i].hva, vm->slots[i].size);
	vm->nr_slots = 0;
}

/*
 * One slot of anonymous memory at @gpa; with @gmem_fd >= 0 the slot also has
 * that guest_memfd behind it for private memory (KVM_SET_USER_MEMORY_REGION2).
 */
static int add_slot(struct vm *vm, u64 gpa, u64 size, int gmem_fd)
{
	struct kse_userspace_memory_region2 region;
	struct vm_slot *s;
	void *hva;
	int r;

	if (vm->nr_slots >= VM_MAX_SLOTS)
		return -ENOSPC;
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hva == MAP_FAILED)
		return -errno;

	region = (struct kse_userspace_memory_region2){
		.slot = vm->nr_slots,
		.flags = gmem_fd >= 0 ? KSE_MEM_GUEST_MEMFD : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(unsigned long)hva,
		.guest_memfd = gmem_fd >= 0 ? gmem_fd : 0,
	};
	/* The first fields of region2 are the classic struct, for older kernels. */
	r = gmem_fd >= 0 ? ioctl(vm->fd, KSE_SET_USER_MEMORY_REGION2, &region) :
			   ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (r) {
		r = -errno;
		munmap(hva, size);
		return r;
	}
	s = &vm->slots[vm->nr_slots++];
	*s = (struct vm_slot){ .slot = region.slot, .gpa = gpa, .size = size, .hva = hva };
	return 0;
}

int __vm_add_memory(struct vm *vm, u64 gpa, u64 size)
{
	return add_slot(vm, gpa, size, -1);
}

int __vm_add_private_memory(struct vm *vm, u64 gpa, u64 size, int *gmem_fd)
{
	struct kse_create_guest_memfd gmem = { .size = size };
	struct kse_memory_attributes attr = {
		.address = gpa, .size = size, .attributes = KSE_MEMORY_ATTRIBUTE_PRIVATE,
	};
	int r;

	*gmem_fd = ioctl(vm->fd, KSE_CREATE_GUEST_MEMFD, &gmem);
	if (*gmem_fd < 0)
		return -errno;
	r = add_slot(vm, gpa, size, *gmem_fd);
	if (r)
		return r;
	return ioctl(vm->fd, KSE_SET_MEMORY_ATTRIBUTES, &attr) ? -errno : 0;
}

void vm_add_memory(struct vm *vm, u64 gpa, u64 size)
{
	int r = __vm_add_memory(vm, gpa, size);

	if (r)
		lib_fail("KVM_SET_USER_MEMORY_REGION(gpa 0x%llx, size 0x%llx) failed: errno=%s",
			 (unsigned long long)gpa, (unsigned long long)size, errno_name(-r));
}

void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len)
{
	int i;

	for (i = 0; i < vm->nr_slots; i++) {
		struct vm_slot *s = &vm->slots[i];

		if (gpa >= s->gpa && len <= s->size && gpa - s->gpa <= s->size - len)
			return (u8 *)s->hva + (gpa - s->gpa);
	}
	return NULL;
}

int __vm_enable_cap(struct vm *vm, u32 cap, u64 arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &ec) ? -errno : 0;
}

void vm_enable_cap(struct vm *vm, u32 cap, u64 arg0)
{
	int r = __vm_enable_cap(vm, cap, arg0);

	if (r)
		lib_fail("KVM_ENABLE_CAP(cap %u, arg 0x%llx) failed: errno=%s", cap,
			 (unsigned long long)arg0, errno_name(-r));
}

int vm_check_cap(struct vm *vm, long cap)
{
	int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}
