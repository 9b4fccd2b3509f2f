// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU lifecycle and KVM_RUN under a watchdog.
 *
 * The watchdog is a POSIX timer whose signal has an empty handler installed
 * without SA_RESTART, so it makes KVM_RUN return EINTR. It first fires at
 * the deadline and then every few milliseconds, which closes the race of a
 * signal that lands just before the thread enters KVM_RUN.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"
#include "vcpu.h"

#define WATCHDOG_SIGNAL (SIGRTMIN + 3)
#define WATCHDOG_REPEAT_MS 20

static void watchdog_handler(int sig)
{
	(void)sig;
}

static int watchdog_init(struct vcpu *vcpu)
{
	struct sigaction sa = { .sa_handler = watchdog_handler };
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = WATCHDOG_SIGNAL,
	};

	/* Installing the same handler again is harmless. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(WATCHDOG_SIGNAL, &sa, NULL))
		return -errno;
	if (timer_create(CLOCK_MONOTONIC, &sev, &vcpu->watchdog))
		return -errno;
	vcpu->has_watchdog = true;
	return 0;
}

static void watchdog_arm(struct vcpu *vcpu, unsigned int ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
		.it_interval = { .tv_nsec = WATCHDOG_REPEAT_MS * 1000000L },
	};

	timer_settime(vcpu->watchdog, 0, &its, NULL);
}

static void watchdog_disarm(struct vcpu *vcpu)
{
	struct itimerspec its = { 0 };

	timer_settime(vcpu->watchdog, 0, &its, NULL);
}

int __vcpu_create(struct vm *vm, u32 id, struct vcpu *vcpu)
{
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->timeout_ms = VCPU_DEFAULT_TIMEOUT_MS;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return -errno;

	r = vcpu_arch_init(vcpu);
	if (r)
		goto err_close;
	vcpu->run_size = vm->kvm->vcpu_mmap_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		r = -errno;
		goto err_close;
	}
	r = watchdog_init(vcpu);
	if (r)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(vcpu->run, vcpu->run_size);
err_close:
	close(vcpu->fd);
	vcpu->fd = -1;
	vcpu->run = NULL;
	return r;
}

void vcpu_create(struct vm *vm, u32 id, struct vcpu *vcpu)
{
	int r = __vcpu_create(vm, id, vcpu);

	if (r)
		lib_fail("KVM_CREATE_VCPU(%u) / mmap / watchdog failed: errno=%s", id,
			 errno_name(-r));
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->has_watchdog)
		timer_delete(vcpu->watchdog);
	vcpu->has_watchdog = false;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	vcpu->run = NULL;
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->fd = -1;
}

static unsigned int ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int __vcpu_run(struct vcpu *vcpu, struct run_outcome *out)
{
	struct timespec t0;

	memset(out, 0, sizeof(*out));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	watchdog_arm(vcpu, vcpu->timeout_ms);
	for (;;) {
		out->rc = ioctl(vcpu->fd, KVM_RUN, 0);
		out->err = out->rc < 0 ? errno : 0;
		out->ms = ms_since(&t0);
		/* EINTR before the deadline is a stray signal: run on. */
		if (out->rc < 0 && out->err == EINTR && out->ms < vcpu->timeout_ms)
			continue;
		break;
	}
	watchdog_disarm(vcpu);

	if (out->rc < 0 && out->err == EINTR) {
		out->stuck = true;
		/*
		 * Protected (SEV-ES) state is not the guest's: on the legacy
		 * KVM_SEV_ES_INIT path (a default-type VM) KVM_GET_REGS still
		 * succeeds with the pre-launch copy. Say "unknown" rather than
		 * print a made-up pc.
		 */
		if (!vcpu->state_protected && !vcpu_arch_get_pc(vcpu, &out->pc))
			out->pc_valid = true;
	}
	return out->rc;
}

void vcpu_poison_system_event(struct vcpu *vcpu, u64 pattern)
{
	int i;

	/* type and ndata too: a kernel that leaves either unwritten is caught. */
	vcpu->run->system_event.type = (u32)pattern;
	vcpu->run->system_event.ndata = (u32)pattern;
	for (i = 0; i < KSE_RUN_SE_NDATA_MAX; i++)
		vcpu->run->system_event.data[i] = pattern;
}

int __vcpu_ioctl_named(struct vcpu *vcpu, unsigned long cmd, void *arg, const char *name)
{
	int r = ioctl(vcpu->fd, cmd, arg);

	if (r < 0)
		lib_fail("%s failed: rc=%d errno=%s", name, r, errno_name(errno));
	return r;
}

int __vcpu_get_reg(struct vcpu *vcpu, u64 id, u64 *value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (u64)(unsigned long)value };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) ? -errno : 0;
}

int __vcpu_set_reg(struct vcpu *vcpu, u64 id, u64 value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (u64)(unsigned long)&value };

	return ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) ? -errno : 0;
}

u64 vcpu_get_reg(struct vcpu *vcpu, u64 id)
{
	u64 value = 0;
	int r = __vcpu_get_reg(vcpu, id, &value);

	if (r)
		lib_fail("KVM_GET_ONE_REG(0x%llx) failed: errno=%s", (unsigned long long)id,
			 errno_name(-r));
	return value;
}

void vcpu_set_reg(struct vcpu *vcpu, u64 id, u64 value)
{
	int r = __vcpu_set_reg(vcpu, id, value);

	if (r)
		lib_fail("KVM_SET_ONE_REG(0x%llx, 0x%llx) failed: errno=%s", (unsigned long long)id,
			 (unsigned long long)value, errno_name(-r));
}

int __vcpu_get_mp_state(struct vcpu *vcpu, u32 *state)
{
	struct kvm_mp_state mp;

	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp))
		return -errno;
	*state = mp.mp_state;
	return 0;
}

int __vcpu_set_mp_state(struct vcpu *vcpu, u32 state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) ? -errno : 0;
}
