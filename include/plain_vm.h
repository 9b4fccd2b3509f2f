/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture helpers for the test binaries of every architecture (kselftest
 * harness users only): one VM of the default type with one or two vCPUs
 * and the guest memory slot the architecture's guest.h places
 * (GUEST_MEM_GPA, GUEST_MEM_SIZE).
 */
#ifndef KSE_PLAIN_VM_H
#define KSE_PLAIN_VM_H

#include "guest.h"
#include "suite_harness.h"

#define PLAIN_MAX_VCPUS 2

struct plain {
	struct kvm_dev kvm;
	struct vm vm;
	struct vcpu vcpu[PLAIN_MAX_VCPUS];
	int nr_vcpus;
	bool have_kvm, have_vm;
};

static inline const char *plain_open(struct plain *p, int *err)
{
	*err = __kvm_open(&p->kvm);
	if (*err)
		return kvm_open_skip_reason(*err);
	p->have_kvm = true;
	return NULL;
}

static inline int plain_create(struct plain *p, int nr_vcpus)
{
	int r = __vm_create(&p->kvm, 0, &p->vm);

	if (r)
		return r;
	p->have_vm = true;
	r = __vm_add_memory(&p->vm, GUEST_MEM_GPA, GUEST_MEM_SIZE);
	while (!r && p->nr_vcpus < nr_vcpus) {
		r = __vcpu_create(&p->vm, p->nr_vcpus, &p->vcpu[p->nr_vcpus]);
		if (!r)
			p->nr_vcpus++;
	}
	return r;
}

static inline void plain_destroy(struct plain *p)
{
	while (p->nr_vcpus)
		vcpu_destroy(&p->vcpu[--p->nr_vcpus]);
	if (p->have_vm)
		vm_destroy(&p->vm);
	if (p->have_kvm)
		kvm_close(&p->kvm);
}

#define PLAIN_SETUP(self, nr_vcpus)                                                    \
	do {                                                                           \
		int __err;                                                             \
		const char *__why = plain_open(&(self)->p, &__err);                    \
		if (__why)                                                             \
			SUITE_SKIP(return, __why);                                     \
		ASSERT_EQ(0, __err) TH_LOG("opening /dev/kvm: %s", errno_name(-__err)); \
		__err = plain_create(&(self)->p, (nr_vcpus));                          \
		ASSERT_EQ(0, __err) TH_LOG("creating the VM: %s", errno_name(-__err)); \
	} while (0)

#endif /* KSE_PLAIN_VM_H */
