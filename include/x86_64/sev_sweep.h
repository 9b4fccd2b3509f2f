/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exhaustive reason sweep of sev_es_term_test: every reason code of one
 * reason-code set, from one guest mode, through any backend, each report
 * judged by the oracle. One set is one result (sev_es_sweep.<mode>.set_<N>).
 *
 *   loop    one launch per set: the guest walks the set's 256 codes itself
 *           (its registers are encrypted after launch, the host cannot feed
 *           them) and the host re-enters KVM_RUN after every report
 *   per-vm  one VM per code, for isolation: 256 launches per set
 *
 * What was judged is never thrown away: a VM that cannot be created or
 * launched part-way through a set leaves the rest of the set "not run" and
 * the set fails; only a set in which nothing was judged can be a skip (the
 * host's state: no ASID left, SEV-ES off).
 */
#ifndef KSE_SEV_SWEEP_H
#define KSE_SEV_SWEEP_H

#include "sev.h"
#include "sysevent.h"

#define SEV_SWEEP_SETS		16
#define SEV_SWEEP_CODES		256

/*
 * What one launch may take: an SEV-ES launch is a dozen SEV firmware
 * commands (ASID, LAUNCH_*, GUEST_STATUS, and DEACTIVATE/DECOMMISSION at
 * teardown), each a PSP round trip. A budget, not a measurement: the
 * runner's timeout for an exhaustive run is derived from it, and one set
 * of the per-VM sweep (256 launches) gets it as its harness timeout.
 */
#define SEV_SWEEP_LAUNCH_MS	1000
#define SEV_SWEEP_SET_TIMEOUT_S	(60 + SEV_SWEEP_CODES * SEV_SWEEP_LAUNCH_MS / 1000)

enum sev_sweep_status {
	SEV_SWEEP_NOT_RUN,
	SEV_SWEEP_PASS,
	SEV_SWEEP_FAIL,
};

struct sev_sweep_set {
	u8 status[SEV_SWEEP_CODES];	/* enum sev_sweep_status, per reason code */
	unsigned int pass, fail, not_run;
	char first_deviation[512];	/* "code 0x11: deviation: ...", or empty */
	char not_run_why[256];		/* "not run: ...", or empty */
	const char *skip;		/* nothing judged, for this fixed reason */
	unsigned int launches;		/* guests launched */
};

struct sev_sweep_params {
	const struct sev_backend_sel *sel;
	struct kvm_dev *kvm;
	enum guest_mode mode;
	unsigned int set;
	bool per_vm;
	enum abi_profile profile;
};

/* Run one set and judge every report. */
void sev_sweep_set(const struct sev_sweep_params *p, struct sev_sweep_set *res);

/*
 * "sweep: mode=M set=N pass=P fail=F failed_codes=L[ not_run=L]"
 * (docs/output-format.md); L are codes and ranges, "0x00-0x0f,0x42".
 */
int sev_sweep_line(const struct sev_sweep_set *res, enum guest_mode mode, unsigned int set,
		   char *buf, size_t len);

/* Guest launches an exhaustive run makes: both sweep modes, every mode and set. */
unsigned int sev_sweep_launches(bool per_vm);

#endif /* KSE_SEV_SWEEP_H */
