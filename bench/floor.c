// SPDX-License-Identifier: GPL-2.0
/*
 * The raw floor: the smallest correct tiny-VM lifecycle, written directly
 * with ioctls and nothing else (no library, no watchdog, no checks beyond
 * the exit): create a VM, give it one 4 KiB page holding `hlt`, create one
 * vCPU, point its real-mode state at the page, run it to KVM_EXIT_HLT, and
 * tear everything down. Whatever the suite's library adds is measured
 * against this.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "bench.h"

#define FLOOR_PAGE 4096

u64 bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (u64)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void mark(u64 *phase_ns, int phase, u64 *t)
{
	u64 now;

	if (!phase_ns)
		return;
	now = bench_now_ns();
	phase_ns[phase] += now - *t;
	*t = now;
}

const char *const floor_phase_names[NR_FLOOR_PHASES] = {
	[FLOOR_CREATE_VM] = "KVM_CREATE_VM",
	[FLOOR_MEMORY] = "mmap + SET_USER_MEMORY_REGION",
	[FLOOR_CREATE_VCPU] = "KVM_CREATE_VCPU + mmap kvm_run",
	[FLOOR_SET_STATE] = "GET/SET_SREGS + SET_REGS",
	[FLOOR_RUN] = "KVM_RUN to HLT",
	[FLOOR_CLOSE_VCPU] = "munmap kvm_run + close vCPU",
	[FLOOR_CLOSE_VM] = "close VM",
	[FLOOR_UNMAP] = "munmap guest page",
};

int floor_lifecycle(int kvm_fd, int run_size, u64 *phase_ns)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = FLOOR_PAGE,
	};
	struct kvm_regs regs = { .rip = 0, .rflags = 0x2 };
	struct kvm_sregs sregs;
	struct kvm_run *run = MAP_FAILED;
	int vm_fd, vcpu_fd = -1, r = -1;
	u8 *mem = MAP_FAILED;
	u64 t = phase_ns ? bench_now_ns() : 0;

	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0ul);
	if (vm_fd < 0)
		return -errno;
	mark(phase_ns, FLOOR_CREATE_VM, &t);

	mem = mmap(NULL, FLOOR_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto out;
	mem[0] = 0xf4;	/* hlt */
	region.userspace_addr = (u64)(unsigned long)mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		goto out;
	mark(phase_ns, FLOOR_MEMORY, &t);

	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0ul);
	if (vcpu_fd < 0)
		goto out;
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		goto out;
	mark(phase_ns, FLOOR_CREATE_VCPU, &t);

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs))
		goto out;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) || ioctl(vcpu_fd, KVM_SET_REGS, &regs))
		goto out;
	mark(phase_ns, FLOOR_SET_STATE, &t);

	if (ioctl(vcpu_fd, KVM_RUN, 0ul))
		goto out;
	r = run->exit_reason == KVM_EXIT_HLT ? 0 : -EPROTO;
	mark(phase_ns, FLOOR_RUN, &t);
out:
	if (r == -1)
		r = -errno;
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	mark(phase_ns, FLOOR_CLOSE_VCPU, &t);
	close(vm_fd);
	mark(phase_ns, FLOOR_CLOSE_VM, &t);
	if (mem != MAP_FAILED)
		munmap(mem, FLOOR_PAGE);
	mark(phase_ns, FLOOR_UNMAP, &t);
	return r;
}

unsigned long floor_guest_bytes(void)
{
	return FLOOR_PAGE;
}
