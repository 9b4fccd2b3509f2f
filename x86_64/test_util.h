/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86's fixture helpers (kselftest harness users only): a plain VM with
 * one vCPU (plain_vm.h), and variants over the guest modes.
 */
#ifndef KSE_TEST_UTIL_H
#define KSE_TEST_UTIL_H

#include "plain_vm.h"

/* A fixture holding one plain VM with one vCPU, and its mode variants. */
#define PLAIN_FIXTURE(fix)                                                             \
	FIXTURE(fix) {                                                                 \
		struct plain p;                                                        \
	};                                                                             \
	FIXTURE_SETUP(fix)                                                             \
	{                                                                              \
		PLAIN_SETUP(self, 1);                                                  \
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
