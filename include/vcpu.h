/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU: its fd, its mmapped kvm_run, and the watchdog that keeps a guest
 * that never exits from hanging the suite.
 */
#ifndef KSE_VCPU_H
#define KSE_VCPU_H

#include <time.h>
#include <linux/kvm.h>

#include "vm.h"

#define VCPU_DEFAULT_TIMEOUT_MS 2000

struct vcpu {
	struct vm *vm;		/* parent VM */
	int fd;			/* vCPU fd, for vCPU ioctls */
	u32 id;
	struct kvm_run *run;	/* mmapped, KVM_GET_VCPU_MMAP_SIZE bytes */
	size_t run_size;
	timer_t watchdog;	/* fires a signal that interrupts KVM_RUN */
	bool has_watchdog;
	unsigned int timeout_ms;
};

/*
 * What KVM_RUN did. rc and err are the raw ioctl result; stuck means the
 * watchdog had to interrupt a guest that never exited (rip is where it was,
 * when the state is readable).
 */
struct run_outcome {
	int rc;
	int err;
	bool stuck;
	bool rip_valid;
	u64 rip;
	unsigned int ms;
};

int __vcpu_create(struct vm *vm, u32 id, struct vcpu *vcpu);
void vcpu_create(struct vm *vm, u32 id, struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

/*
 * Run the vCPU once, through the VM's backend (the kernel, or the software
 * SEV-ES model standing in for KVM's SEV-ES side). Returns out->rc.
 */
int __vcpu_run(struct vcpu *vcpu, struct run_outcome *out);
/* As above; a failed or stuck run ends the test, naming what happened. */
void vcpu_run(struct vcpu *vcpu, struct run_outcome *out);

/* KVM_RUN itself under the watchdog, with no backend in between. */
int __vcpu_run_kernel(struct vcpu *vcpu, struct run_outcome *out);

/*
 * Fill system_event (type, ndata and data[]) with @pattern before a run, so
 * that a kernel that does not write a field it reports is caught rather
 * than trusted.
 */
void vcpu_poison_system_event(struct vcpu *vcpu, u64 pattern);

int __vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int __vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
int __vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
int __vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs);
void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs);

/* Asserting ioctl on the vCPU fd; the failure names the ioctl. */
#define vcpu_ioctl(vcpu, cmd, arg) __vcpu_ioctl_named((vcpu), (cmd), (arg), #cmd)
int __vcpu_ioctl_named(struct vcpu *vcpu, unsigned long cmd, void *arg, const char *name);

#endif /* KSE_VCPU_H */
