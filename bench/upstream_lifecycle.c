// SPDX-License-Identifier: GPL-2.0
/*
 * The upstream KVM selftest library's smallest lifecycle, for comparison:
 * vm_create_with_one_vcpu(), run the guest to GUEST_DONE, kvm_vm_free().
 * Compiled with the library's own flags against its headers (from Debian's
 * linux-source-6.12, extracted into .cache/upstream-selftests/, never
 * committed) by bench/upstream.mk.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <linux/hashtable.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "bench_upstream.h"

static void guest_done(void)
{
	GUEST_DONE();
}

void kvm_selftest_init(void);

const char *kse_upstream_init(void)
{
	int fd = open("/dev/kvm", O_RDWR), out;

	/* The library asserts (and exits) when /dev/kvm cannot be opened. */
	if (fd < 0)
		return "no usable /dev/kvm";
	close(fd);
	/* Its start-up prints a random seed: keep that out of the table. */
	fflush(stdout);
	out = dup(STDOUT_FILENO);
	fd = open("/dev/null", O_WRONLY);
	if (out >= 0 && fd >= 0)
		dup2(fd, STDOUT_FILENO);
	kvm_selftest_init();
	fflush(stdout);
	if (out >= 0) {
		dup2(out, STDOUT_FILENO);
		close(out);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

int kse_upstream_lifecycle(unsigned long *guest_bytes)
{
	struct userspace_mem_region *region;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	unsigned long bytes = 0;
	int bkt, done;

	vm = vm_create_with_one_vcpu(&vcpu, guest_done);
	vcpu_run(vcpu);
	done = get_ucall(vcpu, &uc) == UCALL_DONE;
	hash_for_each(vm->regions.slot_hash, bkt, region, slot_node)
		bytes += region->region.memory_size;
	*guest_bytes = bytes;
	kvm_vm_free(vm);
	return done ? 0 : -1;
}
