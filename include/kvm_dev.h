/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvm: the system-scope object. Capabilities are asked of the kernel
 * under test, never assumed.
 */
#ifndef KSE_KVM_DEV_H
#define KSE_KVM_DEV_H

#include "util.h"

struct kvm_cpuid2;

struct kvm_dev {
	int fd;			/* /dev/kvm, for system ioctls */
	int api_version;
	int vcpu_mmap_size;	/* KVM_GET_VCPU_MMAP_SIZE */
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, on first use */
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

/*
 * KVM_GET_SUPPORTED_CPUID into a new buffer (free() it), or NULL with errno
 * set. Every vCPU gets this CPUID, as in the upstream selftests: KVM on SVM
 * rejects long-mode EFER for a vCPU whose CPUID lacks LM. The kernel is
 * asked once per open /dev/kvm (the answer is a property of the module, and
 * costs about 0.4 ms where CPUID traps); each call returns a fresh copy.
 */
struct kvm_cpuid2 *kvm_supported_cpuid(struct kvm_dev *kvm);

/* The vendor module KVM runs on, which decides how it treats VMMCALL. */
enum kvm_vendor_module {
	KVM_MODULE_UNKNOWN,
	KVM_MODULE_SVM,		/* kvm_amd */
	KVM_MODULE_VMX,		/* kvm_intel */
	KVM_MODULE_PVM,		/* kvm_pvm */
};

/* From /sys/module (built-in vendor modules have parameters, so they are there). */
enum kvm_vendor_module kvm_vendor_module(void);

/* Bitmask of creatable VM types (KVM_CAP_VM_TYPES), or BIT(0) if absent. */
u32 kvm_vm_types(struct kvm_dev *kvm);

#endif /* KSE_KVM_DEV_H */
