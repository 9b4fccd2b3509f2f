/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture helpers shared by the test binaries (kselftest harness users
 * only): one plain VM with one vCPU, and variants over the guest modes.
 */
#ifndef KSE_TEST_UTIL_H
#define KSE_TEST_UTIL_H

#include "guest.h"
#include "suite_harness.h"

struct plain {
	struct kvm_dev kvm;
	struct vm vm;
	struct vcpu vcpu;
	bool have_kvm, have_vm, have_vcpu;
};

static inline const char *plain_open(struct plain *p, int *err)
{
	*err = __kvm_open(&p->kvm);
	if (*err)
		return kvm_open_skip_reason(*err);
	p->have_kvm = true;
	return NULL;
}

static inline int plain_create(struct plain *p)
{
	int r = __vm_create(&p->kvm, KSE_X86_DEFAULT_VM, &p->vm);

	if (r)
		return r;
	p->have_vm = true;
	r = __vm_add_memory(&p->vm, 0, GUEST_MEM_SIZE);
	if (r)
		return r;
	r = __vcpu_create(&p->vm, 0, &p->vcpu);
	if (!r)
		p->have_vcpu = true;
	return r;
}

static inline void plain_destroy(struct plain *p)
{
	if (p->have_vcpu)
		vcpu_destroy(&p->vcpu);
	if (p->have_vm)
		vm_destroy(&p->vm);
	if (p->have_kvm)
		kvm_close(&p->kvm);
}

#define PLAIN_SETUP(self)                                                              \
	do {                                                                           \
		int __err;                                                             \
		const char *__why = plain_open(&(self)->p, &__err);                    \
		if (__why)                                                             \
			SUITE_SKIP(return, __why);                                     \
		ASSERT_EQ(0, __err) TH_LOG("opening /dev/kvm: %s", errno_name(-__err)); \
		__err = plain_create(&(self)->p);                                      \
		ASSERT_EQ(0, __err) TH_LOG("creating the VM: %s", errno_name(-__err)); \
	} while (0)

/* A fixture holding one plain VM with one vCPU, and its mode variants. */
#define PLAIN_FIXTURE(fix)                                                             \
	FIXTURE(fix) {                                                                 \
		struct plain p;                                                        \
	};                                                                             \
	FIXTURE_SETUP(fix)                                                             \
	{                                                                              \
		PLAIN_SETUP(self);                                                     \
	}                                                                              \
	FIXTURE_TEARDOWN(fix)                                                          \
	{                                                                              \
		plain_destroy(&self->p);                                               \
	}

#define MODE_VARIANTS(fix, ...)                                                        \
	FIXTURE_VARIANT(fix) {                                                         \
		enum guest_mode mode;                                                  \
	};                                                                             \
	__VA_ARGS__                                                                    \
	FIXTURE_VARIANT_ADD(fix, prot) { .mode = GUEST_PROT };                         \
	FIXTURE_VARIANT_ADD(fix, long) { .mode = GUEST_LONG }

#define REAL_MODE_VARIANT(fix) FIXTURE_VARIANT_ADD(fix, real) { .mode = GUEST_REAL };

/* All three modes. */
#define ALL_MODE_VARIANTS(fix) MODE_VARIANTS(fix, REAL_MODE_VARIANT(fix))

#endif /* KSE_TEST_UTIL_H */
