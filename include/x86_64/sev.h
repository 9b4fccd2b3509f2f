/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An SEV-ES (or SNP) guest with one vCPU, and the backends that can stand
 * behind it. Every backend shares everything but the backend itself: the
 * same memory, guest bytes, mode setup and registers (sev_guest_create()),
 * the same run loop in the test, the same oracle. Only what makes the
 * guest "SEV-ES" differs:
 *
 *   hardware  a real SEV-ES/SNP guest: the SEV firmware launch sequence,
 *             encrypted memory, protected state (lib/x86_64/sev/hardware.c)
 *   harness   a plain guest on a kvm_amd whose test-only patch routes its
 *             GHCB MSR and VMGEXIT into KVM's real SEV-ES handler code
 *             (sev_es_test_harness=1; sev/harness.c, kernel/harness/)
 *   model     a plain guest with our software model of KVM's SEV-ES side
 *             in front of KVM_RUN (sev/model.c); says nothing about a kernel
 *
 * The test picks the backend (--backend); the generic core knows none of
 * them, and the oracle never learns which one produced an exit.
 */
#ifndef KSE_SEV_H
#define KSE_SEV_H

#include "guest.h"

enum sev_flavour {
	SEV_FLAVOUR_ES,
	SEV_FLAVOUR_SNP,
};

/* What a case needs beyond a termination request from an SEV-ES guest. */
enum sev_need {
	SEV_NEED_SNP,		/* the SNP VM type and launch */
	SEV_NEED_SHUTDOWN,	/* KVM's SEV-ES shutdown path (protected state) */
	SEV_NEED_GHCB_PAGE,	/* the GHCB page protocol */
	SEV_NEED_REAL_MODE_FAULT, /* a 16-bit real-mode fault delivered as the CPU does */
	/*
	 * The policy bit itself: a case whose only difference from its twin
	 * is NODBG (SNP: DBG clear), which only a launch reads.
	 */
	SEV_NEED_POLICY_NODBG,
	NR_SEV_NEEDS,
};
#define SEV_NEEDS(n)		BIT(n)

struct sev_guest;

struct sev_backend {
	const char *name;	/* "hardware", "harness", "model" */
	/*
	 * What its results are, on every output that carries them; NULL for
	 * hardware, whose results are what they say.
	 */
	const char *note;
	bool takes_arg;		/* named "<name>:<arg>" (the model's behaviour) */
	/*
	 * The exit comes from the running kernel's own SEV-ES code, so what its
	 * release brought decides what is expected (suite_gate); the model's
	 * behaviours are no release.
	 */
	bool kernel_code;
	/* For each need it cannot meet: a fixed skip phrase. */
	const char *lacks[NR_SEV_NEEDS];
	/* NULL when usable here, else a fixed skip phrase naming what is missing. */
	const char *(*unavailable)(struct kvm_dev *kvm, enum sev_flavour f);
	/* The VM with GUEST_MEM_SIZE of memory at GPA 0. 0 or -errno. */
	int (*create_vm)(struct sev_guest *g, struct kvm_dev *kvm);
	/* After the registers are set: make it an SEV-ES guest. 0 or -errno. */
	int (*launch)(struct sev_guest *g);
	/* One KVM_RUN as the test sees it; NULL: KVM_RUN itself. */
	int (*run)(struct sev_guest *g, struct run_outcome *out);
	void (*destroy)(struct sev_guest *g);
};

/* A backend as --backend named it: "hardware", "harness", "model:v4". */
struct sev_backend_sel {
	const struct sev_backend *be;
	const void *arg;	/* the model's behaviour */
	char name[48];
};

struct sev_guest {
	const struct sev_backend *be;
	const void *arg;
	struct vm vm;
	struct vcpu vcpu;
	enum sev_flavour flavour;
	enum guest_mode mode;
	bool nodbg;			/* ES: policy NODBG; SNP: policy DBG clear */
	const char *skip_reason;	/* a failed create that is the host's state */
	void *priv;			/* the backend's own state */
	bool have_vm;
};

/* The backends, and the one the name selects. 0, or -1 for an unknown name. */
int sev_backend_parse(const char *name, struct sev_backend_sel *sel);
/* Lines for --help: each backend, and each model behaviour. */
void sev_backend_usage(FILE *f);

/*
 * NULL when @sel can run a case of flavour @f that needs @needs (a mask of
 * SEV_NEEDS()) here, else a fixed skip phrase.
 */
const char *sev_guest_unavailable(const struct sev_backend_sel *sel, struct kvm_dev *kvm,
				  enum sev_flavour f, unsigned int needs);

/*
 * Build the VM and its vCPU and load @prog for @mode. Set the initial
 * registers after this and before sev_guest_launch(). 0 or -errno; a
 * failure that is the host's state (no ASID left) sets g->skip_reason.
 */
int __sev_guest_create(struct sev_guest *g, const struct sev_backend_sel *sel,
		       struct kvm_dev *kvm, enum sev_flavour f, enum guest_mode mode,
		       const struct guest_prog *prog, bool nodbg);
int __sev_guest_launch(struct sev_guest *g);
/* As above; a failure ends the test, naming the backend and the error. */
void sev_guest_launch(struct sev_guest *g);
/* One KVM_RUN through the backend. Returns out->rc. */
int sev_guest_run(struct sev_guest *g, struct run_outcome *out);
void sev_guest_destroy(struct sev_guest *g);

/*
 * The plain VM the harness and the model run the guest in: the default VM
 * type and the same memory as the hardware backend, no C-bit.
 */
int sev_plain_create_vm(struct sev_guest *g, struct kvm_dev *kvm);

/*
 * For the GHCB page protocol: a page at GUEST_GHCB_GPA, in a slot of its
 * own that no launch encrypts, mapped shared (C-bit clear). After creation,
 * before launch; the same on every backend. 0 or -errno.
 */
int sev_guest_add_ghcb(struct sev_guest *g);

/* The three backends (one file each; the table lives in backend.c). */
extern const struct sev_backend sev_backend_hardware;
extern const struct sev_backend sev_backend_harness;
extern const struct sev_backend sev_backend_model;

#endif /* KSE_SEV_H */
