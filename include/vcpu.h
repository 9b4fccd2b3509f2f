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
	/*
	 * The guest's register state is protected (SEV-ES after launch): what
	 * KVM returns for it is not the guest's, so it is never read.
	 */
	bool state_protected;
	struct vcpu_arch arch;
};

/*
 * What KVM_RUN did. rc and err are the raw ioctl result; stuck means the
 * watchdog had to interrupt a guest that never exited (pc is where it was,
 * when the state is readable).
 */
struct run_outcome {
	int rc;
	int err;
	bool stuck;
	bool pc_valid;
	u64 pc;
	unsigned int ms;
};

int __vcpu_create(struct vm *vm, u32 id, struct vcpu *vcpu);
void vcpu_create(struct vm *vm, u32 id, struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

/*
 * KVM_RUN once, under the watchdog. Returns out->rc. Nothing stands in
 * between: a test that runs its guest through a backend asks the backend.
 */
int __vcpu_run(struct vcpu *vcpu, struct run_outcome *out);

/*
 * Fill system_event (type, ndata and data[]) with @pattern before a run, so
 * that a kernel that does not write a field it reports is caught rather
 * than trusted.
 */
void vcpu_poison_system_event(struct vcpu *vcpu, u64 pattern);

/*
 * KVM_GET_ONE_REG / KVM_SET_ONE_REG of one 64-bit register (arm64, riscv);
 * 0 or -errno. The asserting forms end the test naming the register id.
 */
int __vcpu_get_reg(struct vcpu *vcpu, u64 id, u64 *value);
int __vcpu_set_reg(struct vcpu *vcpu, u64 id, u64 value);
u64 vcpu_get_reg(struct vcpu *vcpu, u64 id);
void vcpu_set_reg(struct vcpu *vcpu, u64 id, u64 value);

/* KVM_GET_MP_STATE / KVM_SET_MP_STATE (KVM_MP_STATE_*); 0 or -errno. */
int __vcpu_get_mp_state(struct vcpu *vcpu, u32 *state);
int __vcpu_set_mp_state(struct vcpu *vcpu, u32 state);

/* Hooks: the architecture's vCPU set-up after KVM_CREATE_VCPU, and its pc. */
int vcpu_arch_init(struct vcpu *vcpu);
int vcpu_arch_get_pc(struct vcpu *vcpu, u64 *pc);

/* Asserting ioctl on the vCPU fd; the failure names the ioctl. */
#define vcpu_ioctl(vcpu, cmd, arg) __vcpu_ioctl_named((vcpu), (cmd), (arg), #cmd)
int __vcpu_ioctl_named(struct vcpu *vcpu, unsigned long cmd, void *arg, const char *name);

#endif /* KSE_VCPU_H */
