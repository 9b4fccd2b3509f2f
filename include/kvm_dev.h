/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvm: the system-scope object. Capabilities are asked of the kernel
 * under test, never assumed.
 */
#ifndef KSE_KVM_DEV_H
#define KSE_KVM_DEV_H

#include "util.h"
#include "kvm_arch.h"	/* this architecture's parts of the objects, and its hooks */

struct kvm_dev {
	int fd;			/* /dev/kvm, for system ioctls */
	int api_version;
	int vcpu_mmap_size;	/* KVM_GET_VCPU_MMAP_SIZE */
	struct kvm_dev_arch arch;
};

/* Open /dev/kvm; 0 or -errno. Prints nothing: the caller decides to skip. */
int __kvm_open(struct kvm_dev *kvm);
/* As above, but any failure ends the test with the ioctl and errno named. */
void kvm_open(struct kvm_dev *kvm);
void kvm_close(struct kvm_dev *kvm);

/*
 * A fixed skip phrase for a failed __kvm_open() (stable across hosts: no
 * paths or errno text), or NULL when the error is a real failure.
 */
const char *kvm_open_skip_reason(int err);

/* KVM_CHECK_EXTENSION on /dev/kvm; a failing ioctl counts as 0. */
int kvm_check_cap(struct kvm_dev *kvm, long cap);

/* Hook: free what the architecture keeps in kvm->arch. */
void kvm_arch_close(struct kvm_dev *kvm);

/* Is @module loaded (or built in with parameters), per /sys/module? */
bool kvm_module_present(const char *module);
/*
 * A boolean module parameter: 1 when /sys/module/<module>/parameters/<param>
 * reads Y, y or 1, 0 when it reads anything else, -errno when unreadable.
 */
int kvm_module_param(const char *module, const char *param);

#endif /* KSE_KVM_DEV_H */
