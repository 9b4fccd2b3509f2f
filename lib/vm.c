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
	vm->sev_fd = -1;
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
	if (vm->sev_fd >= 0)
		close(vm->sev_fd);
	vm->sev_fd = -1;
}

int __vm_add_memory(struct vm *vm, u64 gpa, u64 size)
{
	struct kvm_userspace_memory_region region;
	struct vm_slot *s;
	void *hva;

	if (vm->nr_slots >= VM_MAX_SLOTS)
		return -ENOSPC;
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hva == MAP_FAILED)
		return -errno;

	region = (struct kvm_userspace_memory_region){
		.slot = vm->nr_slots,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(unsigned long)hva,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region)) {
		int r = -errno;

		munmap(hva, size);
		return r;
	}
	s = &vm->slots[vm->nr_slots++];
	*s = (struct vm_slot){ .slot = region.slot, .gpa = gpa, .size = size, .hva = hva };
	return 0;
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

int __vm_ioctl_named(struct vm *vm, unsigned long cmd, void *arg, const char *name)
{
	int r = ioctl(vm->fd, cmd, arg);

	if (r < 0)
		lib_fail("%s failed: rc=%d errno=%s", name, r, errno_name(errno));
	return r;
}
