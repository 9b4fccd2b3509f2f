// SPDX-License-Identifier: GPL-2.0
/* /dev/kvm: open, API version, capabilities. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "abi.h"
#include "kvm_dev.h"

int __kvm_open(struct kvm_dev *kvm)
{
	int r;

	memset(kvm, 0, sizeof(*kvm));
	kvm->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0)
		return -errno;

	kvm->api_version = ioctl(kvm->fd, KVM_GET_API_VERSION, 0);
	if (kvm->api_version != KVM_API_VERSION) {
		r = kvm->api_version < 0 ? -errno : -EPROTO;
		goto err_close;
	}
	kvm->vcpu_mmap_size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size < 0) {
		r = -errno;
		goto err_close;
	}
	return 0;

err_close:
	close(kvm->fd);
	kvm->fd = -1;
	return r;
}

void kvm_open(struct kvm_dev *kvm)
{
	int r = __kvm_open(kvm);

	if (r)
		lib_fail("open /dev/kvm / KVM_GET_API_VERSION / KVM_GET_VCPU_MMAP_SIZE failed: %s",
			 errno_name(-r));
}

void kvm_close(struct kvm_dev *kvm)
{
	if (kvm->fd >= 0)
		close(kvm->fd);
	kvm->fd = -1;
	free(kvm->cpuid);
	kvm->cpuid = NULL;
}

const char *kvm_open_skip_reason(int err)
{
	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "no /dev/kvm (is KVM loaded?)";
	case EACCES:
	case EPERM:
		return "no access to /dev/kvm (join the kvm group)";
	case EPROTO:
		return "unsupported KVM API version";
	default:
		return NULL;
	}
}

int kvm_check_cap(struct kvm_dev *kvm, long cap)
{
	int r = ioctl(kvm->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

u32 kvm_vm_types(struct kvm_dev *kvm)
{
	int types = kvm_check_cap(kvm, KSE_CAP_VM_TYPES);

	/* Kernels before 6.8 have no KVM_CAP_VM_TYPES and only the default type. */
	return types > 0 ? (u32)types : BIT(KSE_X86_DEFAULT_VM);
}

#define CPUID_MAX_ENTRIES 256

static size_t cpuid_size(u32 nent)
{
	return sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
}

struct kvm_cpuid2 *kvm_supported_cpuid(struct kvm_dev *kvm)
{
	struct kvm_cpuid2 *cpuid;

	if (!kvm->cpuid) {
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
		kvm->cpuid = cpuid;
	}
	/* Room for CPUID_MAX_ENTRIES, as before: callers may add entries. */
	cpuid = calloc(1, cpuid_size(CPUID_MAX_ENTRIES));
	if (!cpuid)
		return NULL;
	memcpy(cpuid, kvm->cpuid, cpuid_size(kvm->cpuid->nent));
	return cpuid;
}

enum kvm_vendor_module kvm_vendor_module(void)
{
	if (!access("/sys/module/kvm_amd", F_OK))
		return KVM_MODULE_SVM;
	if (!access("/sys/module/kvm_intel", F_OK))
		return KVM_MODULE_VMX;
	if (!access("/sys/module/kvm_pvm", F_OK))
		return KVM_MODULE_PVM;
	return KVM_MODULE_UNKNOWN;
}
