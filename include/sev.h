/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An SEV-ES (or SNP) guest with one vCPU, built so that the hardware path
 * and the software-model path share everything but the launch itself:
 * same memory, same guest bytes, same mode setup, same registers. On the
 * kernel backend the launch is the SEV firmware sequence; on the model
 * backend the plain VM gets the model in front of it and no C-bit.
 */
#ifndef KSE_SEV_H
#define KSE_SEV_H

#include "guest.h"
#include "model.h"

enum sev_flavour {
	SEV_FLAVOUR_ES,
	SEV_FLAVOUR_SNP,
};

struct sev_vm {
	struct vm vm;
	struct vcpu vcpu;
	struct model model;		/* used only on the model backend */
	const struct model_behaviour *behaviour;	/* NULL: kernel backend */
	enum sev_flavour flavour;
	enum guest_mode mode;
	bool nodbg;			/* ES: policy NODBG; SNP: policy DBG clear */
	bool legacy_init;		/* KVM_SEV_ES_INIT on a default-type VM */
	int gmem_fd;			/* SNP: guest_memfd backing private memory */
	u32 fw_error;			/* firmware status of the last failed command */
	const char *skip_reason;	/* set when creation failed for want of ASIDs */
	bool created, launched;
};

/*
 * NULL when the kernel backend can launch @f on this host, else a short
 * fixed skip phrase naming what is missing.
 */
const char *sev_unavailable_reason(struct kvm_dev *kvm, enum sev_flavour f);

/*
 * Build the VM and its vCPU and load @prog for @mode. @behaviour selects
 * the backend (NULL: the kernel). Set the initial registers after this and
 * before sev_vm_launch(). 0 or -errno.
 */
int __sev_vm_create(struct sev_vm *s, struct kvm_dev *kvm, enum sev_flavour f,
		    const struct model_behaviour *behaviour, enum guest_mode mode,
		    const struct guest_prog *prog, bool nodbg);
void sev_vm_create(struct sev_vm *s, struct kvm_dev *kvm, enum sev_flavour f,
		   const struct model_behaviour *behaviour, enum guest_mode mode,
		   const struct guest_prog *prog, bool nodbg);

/*
 * Kernel backend: REG_REGION, LAUNCH_START, UPDATE_DATA, UPDATE_VMSA,
 * MEASURE, FINISH (SNP: SNP_LAUNCH_*), checking GUEST_STATUS between steps.
 * Model backend: attach the model. 0 or -errno (s->fw_error has the
 * firmware status of a failed command).
 */
int __sev_vm_launch(struct sev_vm *s);
void sev_vm_launch(struct sev_vm *s);
void sev_vm_destroy(struct sev_vm *s);

/* "INVALID_GUEST_STATE", ... for an SEV firmware status code. */
const char *sev_fw_error_name(u32 code);

#endif /* KSE_SEV_H */
