/* SPDX-License-Identifier: GPL-2.0 */
/* The benchmark's shared pieces: clock, and the raw-ioctl floor. */
#ifndef KSE_BENCH_H
#define KSE_BENCH_H

#include "util.h"

/* CLOCK_MONOTONIC in nanoseconds. */
u64 bench_now_ns(void);

enum floor_phase {
	FLOOR_CREATE_VM,
	FLOOR_MEMORY,
	FLOOR_CREATE_VCPU,
	FLOOR_SET_STATE,
	FLOOR_RUN,
	FLOOR_CLOSE_VCPU,
	FLOOR_CLOSE_VM,
	FLOOR_UNMAP,
	NR_FLOOR_PHASES,
};

extern const char *const floor_phase_names[NR_FLOOR_PHASES];

/*
 * One raw lifecycle on /dev/kvm fd @kvm_fd: 0 when the guest reached HLT,
 * else -errno. With @phase_ns, adds each phase's time to phase_ns[phase].
 */
int floor_lifecycle(int kvm_fd, int run_size, u64 *phase_ns);

/* Guest memory of one floor lifecycle. */
unsigned long floor_guest_bytes(void);

#endif /* KSE_BENCH_H */
