/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: its fd and its memory slots (plus what its architecture keeps in
 * vm->arch). Tiny by design: a few pages.
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

struct vm {
	struct kvm_dev *kvm;	/* parent /dev/kvm */
	int fd;			/* VM fd, for VM ioctls */
	u32 type;		/* KVM_CREATE_VM type (0: the default) */
	struct vm_slot slots[VM_MAX_SLOTS];
	int nr_slots;
	struct vm_arch arch;
};

/* KVM_CREATE_VM; 0 or -errno. */
int __vm_create(struct kvm_dev *kvm, u32 type, struct vm *vm);
void vm_create(struct kvm_dev *kvm, u32 type, struct vm *vm);
void vm_destroy(struct vm *vm);

/* Anonymous memory mapped at @gpa with KVM_SET_USER_MEMORY_REGION. */
int __vm_add_memory(struct vm *vm, u64 gpa, u64 size);
void vm_add_memory(struct vm *vm, u64 gpa, u64 size);

/*
 * Private memory (SEV-SNP on x86): a guest_memfd (returned in @gmem_fd, the caller
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

#endif /* KSE_VM_H */
