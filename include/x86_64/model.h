/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The software model of KVM's SEV-ES side: its table of behaviours. The
 * model itself is the "model:<behaviour>" backend (sev.h, sev/model.c).
 *
 * On a host without SEV-ES the SEV-ES tests can run their very same guest
 * code in a plain VM, with this model standing in for what KVM's SEV-ES
 * code does at VMGEXIT. The model only observes what the guest really does:
 * the GHCB MSR writes (an MSR filter makes them exit to userspace) and the
 * instruction the guest is about to execute (single-stepping after each
 * GHCB MSR write, reading the bytes at RIP from guest memory). It never sees
 * the test's expectation or the value the test chose.
 *
 * A behaviour is one row of a table saying how "KVM" reports a termination
 * request: the conformant upstream form, the 2022 proposal, or a known bug.
 * Results produced with the model say nothing about any kernel.
 */
#ifndef KSE_MODEL_H
#define KSE_MODEL_H

#include <linux/kvm.h>

#include "util.h"

struct model_behaviour {
	const char *name;
	const char *summary;
	int run_errno;		/* termination makes KVM_RUN fail with this; 0: exits */
	bool dropped;		/* termination request ignored: the guest resumes */
	u32 exit_reason;	/* exit reported for a termination request */
	u32 type;		/* the whole type word, bit 31 included */
	bool writes_ndata;
	u32 ndata;
	int value_slot;		/* data[] word that gets the MSR value; -1: none */
	u64 value_mask;		/* applied to the MSR value */
	int shutdown_errno;	/* guest shutdown fails KVM_RUN with this; 0: exits */
	int reentry_errno;	/* KVM_RUN after a termination fails with this; 0: resumes */
};

const struct model_behaviour *model_behaviour_find(const char *name);
const struct model_behaviour *model_behaviour_at(size_t i);
size_t model_nr_behaviours(void);

#endif /* KSE_MODEL_H */
