/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The software model of KVM's SEV-ES side.
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

struct vm;
struct vcpu;
struct run_outcome;
struct kvm_dev;

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

#define MODEL_MAX_STEPS 64

struct model {
	const struct model_behaviour *b;
	u64 ghcb_msr;		/* the guest's GHCB MSR, as it last wrote it */
	bool stepping;		/* single-step armed: looking for VMGEXIT */
	unsigned int steps;
	bool terminated;	/* a termination has been reported */
	u32 sync_regs;		/* KVM_SYNC_X86_* KVM stores in kvm_run while stepping; 0: ioctls */
	u8 saved_exit[256];	/* kvm_run's exit union as userspace left it */
	unsigned long nr_kernel_runs;
	unsigned long nr_vmgexits;
};

/* A fixed skip phrase when this KVM lacks what the model needs, else NULL. */
const char *model_unavailable_reason(struct kvm_dev *kvm);

/*
 * Put the model in front of @vm (a plain VM built by the same code as the
 * hardware path): MSR filter for the GHCB MSR, userspace MSR exits, and the
 * FIX_HYPERCALL_INSN quirk disabled. 0 or -errno.
 */
int model_attach(struct model *m, struct vm *vm, const struct model_behaviour *b);

/* One KVM_RUN as the test sees it, with the model handling VMGEXIT. */
int model_vcpu_run(struct model *m, struct vcpu *vcpu, struct run_outcome *out);

#endif /* KSE_MODEL_H */
