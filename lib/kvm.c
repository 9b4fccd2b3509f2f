// SPDX-License-Identifier: GPL-2.0
/* /dev/kvm: open, API version, capabilities, module parameters. */
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
	kvm_arch_close(kvm);
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

int kvm_module_param(const char *module, const char *param)
{
	char path[256], c = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' || c == 'y' || c == '1';
}

bool kvm_module_present(const char *module)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	return !access(path, F_OK);
}

