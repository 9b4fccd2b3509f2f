// SPDX-License-Identifier: GPL-2.0
/*
 * x86's side of the core: the hooks (every vCPU gets KVM's supported CPUID;
 * the pc is RIP), register access, and what the host's KVM is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "processor.h"

#define CPUID_MAX_ENTRIES 256

static size_t cpuid_size(u32 nent)
{
	return sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
}

struct kvm_cpuid2 *kvm_supported_cpuid(struct kvm_dev *kvm)
{
	struct kvm_cpuid2 *cpuid;

	if (!kvm->arch.cpuid) {
		cpuid = calloc(1, cpuid_size(CPUID_MAX_ENTRIES));
		if (!cpuid)
			return NULL;
		cpuid->nent = CPUID_MAX_ENTRIES;
		if (ioctl(kvm->fd, KVM_GET_SUPPORTED_CPUID, cpuid)) {
			int err = errno;

			free(cpuid);
			errno = err;
			return NULL;
		}
		kvm->arch.cpuid = cpuid;
	}
	/* Room for CPUID_MAX_ENTRIES, as before: callers may add entries. */
	cpuid = calloc(1, cpuid_size(CPUID_MAX_ENTRIES));
	if (!cpuid)
		return NULL;
	memcpy(cpuid, kvm->arch.cpuid, cpuid_size(kvm->arch.cpuid->nent));
	return cpuid;
}

void kvm_arch_close(struct kvm_dev *kvm)
{
	free(kvm->arch.cpuid);
	kvm->arch.cpuid = NULL;
}

int vcpu_arch_init(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(vcpu->vm->kvm);
	int r;

	if (!cpuid)
		return -errno;
	r = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	return r;
}

int vcpu_arch_get_pc(struct vcpu *vcpu, u64 *pc)
{
	struct kvm_regs regs;
	int r = __vcpu_get_regs(vcpu, &regs);

	if (!r)
		*pc = regs.rip;
	return r;
}

/*
 * A protected vCPU's registers are never read or written: KVM either
 * refuses (VM types with protected state, 6.10+) or, on the legacy
 * KVM_SEV_ES_INIT path, answers with the stale pre-launch copy and drops
 * writes. -EPERM without asking KVM, so no diagnosis can print made-up state.
 */
#define DEFINE_REG_ACCESSORS(name, type, get_ioctl, set_ioctl)                         \
	int __vcpu_get_##name(struct vcpu *vcpu, type *v)                              \
	{                                                                              \
		if (vcpu->state_protected)                                             \
			return -EPERM;                                                 \
		return ioctl(vcpu->fd, get_ioctl, v) ? -errno : 0;                     \
	}                                                                              \
	int __vcpu_set_##name(struct vcpu *vcpu, const type *v)                        \
	{                                                                              \
		if (vcpu->state_protected)                                             \
			return -EPERM;                                                 \
		return ioctl(vcpu->fd, set_ioctl, v) ? -errno : 0;                     \
	}                                                                              \
	void vcpu_get_##name(struct vcpu *vcpu, type *v)                               \
	{                                                                              \
		int r = __vcpu_get_##name(vcpu, v);                                    \
		if (r)                                                                 \
			lib_fail(#get_ioctl " failed: errno=%s%s", errno_name(-r),     \
				 vcpu->state_protected ? " (protected guest state)" : ""); \
	}                                                                              \
	void vcpu_set_##name(struct vcpu *vcpu, const type *v)                         \
	{                                                                              \
		int r = __vcpu_set_##name(vcpu, v);                                    \
		if (r)                                                                 \
			lib_fail(#set_ioctl " failed: errno=%s%s", errno_name(-r),     \
				 vcpu->state_protected ? " (protected guest state)" : ""); \
	}

DEFINE_REG_ACCESSORS(regs, struct kvm_regs, KVM_GET_REGS, KVM_SET_REGS)
DEFINE_REG_ACCESSORS(sregs, struct kvm_sregs, KVM_GET_SREGS, KVM_SET_SREGS)

u32 kvm_vm_types(struct kvm_dev *kvm)
{
	int types = kvm_check_cap(kvm, KSE_CAP_VM_TYPES);

	/* Kernels before 6.8 have no KVM_CAP_VM_TYPES and only the default type. */
	return types > 0 ? (u32)types : BIT(KSE_X86_DEFAULT_VM);
}

enum kvm_vendor_module kvm_vendor_module(void)
{
	if (kvm_module_present("kvm_amd"))
		return KVM_MODULE_SVM;
	if (kvm_module_present("kvm_intel"))
		return KVM_MODULE_VMX;
	if (kvm_module_present("kvm_pvm"))
		return KVM_MODULE_PVM;
	return KVM_MODULE_UNKNOWN;
}
