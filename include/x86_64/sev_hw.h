/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware backend's launch helpers (lib/x86_64/sev/hardware.c), for
 * the backend itself and for its unit tests (tests/unit/sev_hw_test.c).
 *
 * Everything the backend asks of the SEV firmware and of kvm_amd goes
 * through one table, struct sev_hw_host. The backend always runs on
 * sev_hw_host_real (the ioctls and system calls themselves); a unit test
 * passes its own table to the helpers to inject ioctl results the
 * development hosts cannot produce (partial SNP updates, firmware codes,
 * ASID exhaustion). Nothing in the hardware path can select another table:
 * the only way in is an explicit argument.
 */
#ifndef KSE_SEV_HW_H
#define KSE_SEV_HW_H

#include "sev.h"

/* What the hardware backend asks of the host. */
struct sev_hw_host {
	/* ioctl() on a VM fd: 0 (or the ioctl's non-negative result) or -errno. */
	int (*vm_ioctl)(int vm_fd, unsigned long request, void *arg);
	/* open("/dev/sev"): an fd or -errno. */
	int (*open_sev)(void);
	/* RLIMIT_MEMLOCK's soft limit in bytes (UINT64_MAX: unlimited); 0 or -errno. */
	int (*memlock_limit)(u64 *bytes);
	/* Is CAP_IPC_LOCK in the effective set (the exemption KVM honours)? */
	bool (*has_cap_ipc_lock)(void);
};

extern const struct sev_hw_host sev_hw_host_real;

/*
 * cmd.error before a command: no SEV firmware status has this value
 * (psp-sev.h calls it SEV_RET_NO_FW_CALL), and KVM leaves the field alone
 * when it refuses a command before the firmware sees it.
 */
#define SEV_FW_NOT_CALLED	0xffffffffu

/* "INVALID_GUEST_STATE", ... for an SEV firmware status code (SNP's too). */
const char *sev_fw_error_name(u32 code);

/* Bytes of RLIMIT_MEMLOCK an SEV-ES guest of @guest_bytes needs (see hardware.c). */
u64 sev_hw_memlock_needed(u64 guest_bytes);

/* NULL when the memlock limit lets @f launch, else the fixed skip phrase. */
const char *sev_hw_memlock_skip(const struct sev_hw_host *h, enum sev_flavour f);

/*
 * The skip phrase for a failed KVM_SEV_INIT2 / KVM_SEV_ES_INIT that is the
 * host's state, or NULL when the failure is a failure. @fw is cmd.error.
 */
const char *sev_hw_init_skip_reason(enum sev_flavour f, int r, u32 fw);

/*
 * One SEV command through KVM_MEMORY_ENCRYPT_OP. 0 or -errno; *@fw gets
 * cmd.error (SEV_FW_NOT_CALLED when the firmware never saw it). On failure
 * a diagnostic names the command, the errno and, when the firmware ran
 * it, the firmware status.
 */
int sev_hw_cmd(const struct sev_hw_host *h, int vm_fd, int sev_fd, u32 id, void *data,
	       const char *name, u32 *fw);

/* The diagnostic sev_hw_cmd() prints for a failure (without "# "). */
int sev_hw_cmd_failure(char *buf, size_t len, const char *name, int r, u32 fw);

/*
 * KVM_SEV_SNP_LAUNCH_UPDATE until the whole range is done: KVM may do part
 * of it and say what is left in @u (amd-memory-encryption.rst), and -EAGAIN
 * asks for a retry. 0 with u->len 0, or -errno (-EPROTO when KVM stops
 * making progress).
 */
int sev_hw_snp_launch_update(const struct sev_hw_host *h, int vm_fd, int sev_fd,
			     struct kse_sev_snp_launch_update *u, u32 *fw);

/*
 * Give @g the hardware backend's state, running on @h (the backend passes
 * sev_hw_host_real). 0 or -ENOMEM.
 */
int sev_hw_attach(struct sev_guest *g, const struct sev_hw_host *h);

#endif /* KSE_SEV_HW_H */
