// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's side of the core: the hooks (every vCPU is initialised for the
 * host's preferred target with PSCI 0.2, so that KVM handles the guest's
 * PSCI calls; the pc is a core register), ONE_REG access to the PSCI
 * version, the IRQ line, and how KVM runs on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>

#include "processor.h"

void kvm_arch_close(struct kvm_dev *kvm)
{
	(void)kvm;
}

int vcpu_arch_init(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	if (!vm->arch.have_init) {
		if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &vm->arch.init))
			return -errno;
		vm->arch.init.features[0] |= 1u << KSE_ARM_VCPU_PSCI_0_2;
		vm->arch.have_init = true;
	}
	return ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &vm->arch.init) ? -errno : 0;
}

int vcpu_arch_get_pc(struct vcpu *vcpu, u64 *pc)
{
	return __vcpu_get_reg(vcpu, ARM64_REG_PC, pc);
}

int __vcpu_get_psci_version(struct vcpu *vcpu, u32 *version)
{
	u64 v;
	int r = __vcpu_get_reg(vcpu, KSE_REG_ARM_PSCI_VERSION, &v);

	if (!r)
		*version = (u32)v;
	return r;
}

int __vcpu_set_psci_version(struct vcpu *vcpu, u32 version)
{
	return __vcpu_set_reg(vcpu, KSE_REG_ARM_PSCI_VERSION, version);
}

int kvm_psci_version_offered(struct kvm_dev *kvm, u32 *version)
{
	struct vcpu vcpu;
	struct vm vm;
	int r = __vm_create(kvm, 0, &vm);

	if (r)
		return r;
	r = __vcpu_create(&vm, 0, &vcpu);
	if (!r) {
		r = __vcpu_get_psci_version(&vcpu, version);
		vcpu_destroy(&vcpu);
	}
	vm_destroy(&vm);
	return r;
}

int __vm_irq_line_cpu(struct vm *vm, u32 vcpu_idx, int level)
{
	struct kvm_irq_level irq = {
		.irq = KSE_ARM_IRQ_CPU_LINE(vcpu_idx, KSE_ARM_IRQ_CPU_IRQ),
		.level = level,
	};

	return ioctl(vm->fd, KVM_IRQ_LINE, &irq) ? -errno : 0;
}

/*
 * KVM says at boot how it initialised: "VHE mode initialized", "Hyp mode
 * initialized" (nVHE) or "Protected nVHE mode initialized". Reading the log
 * needs CAP_SYSLOG where dmesg is restricted.
 */
const char *kvm_arm_mode(void)
{
	static char buf[1 << 17];
	const char *mode = NULL;
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if (strstr(buf, "Protected nVHE mode initialized"))
		mode = "protected";
	else if (strstr(buf, "VHE mode initialized"))
		mode = "vhe";
	else if (strstr(buf, "Hyp mode initialized"))
		mode = "nvhe";
	return mode;
}
