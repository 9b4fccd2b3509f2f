/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: its fd, its memory slots, and what the guest page tables need to
 * know about private memory (the C-bit). Tiny by design: a few pages.
 */
#ifndef KSE_VM_H
#define KSE_VM_H

#include "kvm_dev.h"

#define VM_MAX_SLOTS 2

struct vm_slot {
	u32 slot;
	u64 gpa;
	u64 size;
	void *hva;
};

struct model;

struct vm {
	struct kvm_dev *kvm;	/* parent /dev/kvm */
	int fd;			/* VM fd, for VM ioctls */
	u32 type;		/* KVM_CREATE_VM type (KSE_X86_*_VM) */
	struct vm_slot slots[VM_MAX_SLOTS];
	int nr_slots;
	u64 c_bit;		/* tag for private pages in guest PTEs, 0 if none */
	int sev_fd;		/* /dev/sev for SEV commands, -1 if not opened */
	struct model *model;	/* software SEV-ES side, NULL on the kernel backend */
};

/* KVM_CREATE_VM; 0 or -errno. */
int __vm_create(struct kvm_dev *kvm, u32 type, struct vm *vm);
void vm_create(struct kvm_dev *kvm, u32 type, struct vm *vm);
void vm_destroy(struct vm *vm);

/* Anonymous memory mapped at @gpa with KVM_SET_USER_MEMORY_REGION. */
int __vm_add_memory(struct vm *vm, u64 gpa, u64 size);
void vm_add_memory(struct vm *vm, u64 gpa, u64 size);

/*
 * Private memory (SNP): a guest_memfd (returned in @gmem_fd, the caller
 * closes it) behind a slot whose shared side is anonymous memory, with the
 * whole range marked private. 0 or -errno.
 */
int __vm_add_private_memory(struct vm *vm, u64 gpa, u64 size, int *gmem_fd);

/* Host pointer for [gpa, gpa + len) inside one slot, or NULL. */
void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len);

/* KVM_ENABLE_CAP on the VM with one argument; 0 or -errno. */
int __vm_enable_cap(struct vm *vm, u32 cap, u64 arg0);
void vm_enable_cap(struct vm *vm, u32 cap, u64 arg0);

/* KVM_CHECK_EXTENSION on the VM fd (what this VM type supports). */
int vm_check_cap(struct vm *vm, long cap);

/*
 * Asserting ioctl wrapper: a failure names the ioctl, the return code and
 * errno. The name is stringified at the call site.
 */
#define vm_ioctl(vm, cmd, arg) __vm_ioctl_named((vm), (cmd), (arg), #cmd)
int __vm_ioctl_named(struct vm *vm, unsigned long cmd, void *arg, const char *name);

#endif /* KSE_VM_H */
