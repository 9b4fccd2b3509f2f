// SPDX-License-Identifier: GPL-2.0
/*
 * The model backend: a software model of KVM's SEV-ES side at VMGEXIT, in
 * front of a plain guest (see model.h). Its results say nothing about any
 * kernel; what they prove is the suite's power to catch the behaviours in
 * its table (tests/mutation/).
 *
 * What KVM does for an SEV-ES guest's MSR-protocol request, per
 * sev_handle_vmgexit_msr_protocol() in arch/x86/kvm/svm/sev.c (v6.11+):
 * TERM_REQ, and the SNP-only requests from a non-SNP guest, exit to
 * userspace as a system event carrying the raw GHCB MSR value; a request
 * KVM does not know leaves the MSR as it is and resumes the guest; the
 * guest continues after its VMGEXIT when userspace runs the vCPU again.
 * Of the GHCB page protocol (sev_handle_vmgexit()) it models the checks of
 * the GHCB and the termination request (SVM_VMGEXIT_TERM_REQUEST, v6.11+),
 * which reports the GHCB's GPA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ghcb.h"
#include "model.h"
#include "sev.h"

#define MODEL_MAX_STEPS 64

/* The model backend's part of an sev_guest. */
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

#define ANY 0xffffffffffffffffull
#define MODEL_SYNC_REGS (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)
#define UPSTREAM_SEV_TERM .exit_reason = KSE_EXIT_SYSTEM_EVENT, .type = KSE_SYSTEM_EVENT_SEV_TERM

static const struct model_behaviour behaviours[] = {
	{ .name = "upstream", .summary = "merged ABI: SEV_TERM 6, ndata 1, data[0] = MSR value",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 1, .value_mask = ANY },
	{ .name = "proposal-2022",
	  .summary = "2022 proposal: SEV_TERM 4 | NDATA_VALID, ndata 1, data[0] = MSR value",
	  .exit_reason = KSE_EXIT_SYSTEM_EVENT,
	  .type = KSE_PROPOSAL_SEV_TERM | KSE_PROPOSAL_NDATA_VALID, .writes_ndata = true,
	  .ndata = 1, .value_mask = ANY },
	{ .name = "pre-5.19", .summary = "termination fails KVM_RUN with EINVAL",
	  .run_errno = EINVAL, .value_slot = -1 },
	{ .name = "v4", .summary = "V4: KVM_EXIT_SHUTDOWN, type 4, value in flags only",
	  .exit_reason = KSE_EXIT_SHUTDOWN, .type = KSE_PROPOSAL_SEV_TERM, .value_mask = ANY },
	{ .name = "v4.1", .summary = "V4.1: type 4 | NDATA_VALID, ndata 1, value in data[1]",
	  .exit_reason = KSE_EXIT_SYSTEM_EVENT,
	  .type = KSE_PROPOSAL_SEV_TERM | KSE_PROPOSAL_NDATA_VALID, .writes_ndata = true,
	  .ndata = 1, .value_slot = 1, .value_mask = ANY },
	{ .name = "sev-term-4", .summary = "SEV_TERM numbered 4 under the merged ABI",
	  .exit_reason = KSE_EXIT_SYSTEM_EVENT, .type = KSE_PROPOSAL_SEV_TERM,
	  .writes_ndata = true, .ndata = 1, .value_mask = ANY },
	{ .name = "ndata-0", .summary = "ndata 0: value written but not counted",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 0, .value_mask = ANY },
	{ .name = "ndata-2", .summary = "ndata 2 for a one-word event",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 2, .value_mask = ANY },
	{ .name = "value-masked", .summary = "data[0] = reason fields only (bits 23:12)",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 1,
	  .value_mask = GHCB_TERM_REASON_BITS },
	{ .name = "value-gpa", .summary = "data[0] = MSR value with GHCBInfo cleared",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 1, .value_mask = ~GHCB_INFO_MASK },
	{ .name = "bit31-upstream", .summary = "merged ABI but bit 31 of type set",
	  .exit_reason = KSE_EXIT_SYSTEM_EVENT,
	  .type = KSE_SYSTEM_EVENT_SEV_TERM | KSE_PROPOSAL_NDATA_VALID, .writes_ndata = true,
	  .ndata = 1, .value_mask = ANY },
	{ .name = "stale-data0", .summary = "ndata 1 but data[0] never written",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 1, .value_slot = -1 },
	{ .name = "no-exit", .summary = "request dropped: the guest resumes silently",
	  .dropped = true, .value_slot = -1 },
	{ .name = "vm-dead", .summary = "conformant exit, then KVM_RUN fails with EIO",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 1, .value_mask = ANY,
	  .reentry_errno = EIO },
	{ .name = "pre-6.7-shutdown", .summary = "conformant exit; shutdown fails with EINVAL",
	  UPSTREAM_SEV_TERM, .writes_ndata = true, .ndata = 1, .value_mask = ANY,
	  .shutdown_errno = EINVAL },
};

const struct model_behaviour *model_behaviour_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(behaviours); i++)
		if (!strcmp(behaviours[i].name, name))
			return &behaviours[i];
	return NULL;
}

const struct model_behaviour *model_behaviour_at(size_t i)
{
	return i < ARRAY_SIZE(behaviours) ? &behaviours[i] : NULL;
}

size_t model_nr_behaviours(void)
{
	return ARRAY_SIZE(behaviours);
}

static const char *model_unavailable(struct kvm_dev *kvm, enum sev_flavour f)
{
	int quirks = kvm_check_cap(kvm, KSE_CAP_DISABLE_QUIRKS2);

	(void)f;
	if (!(kvm_check_cap(kvm, KSE_CAP_X86_USER_SPACE_MSR) &&
	      kvm_check_cap(kvm, KSE_CAP_X86_MSR_FILTER) &&
	      kvm_check_cap(kvm, KVM_CAP_SET_GUEST_DEBUG) &&
	      (quirks & KSE_X86_QUIRK_FIX_HYPERCALL_INSN)))
		return "KVM lacks what the SEV-ES model needs";
	return NULL;
}

/*
 * Put the model in front of the plain VM: an MSR filter for the GHCB MSR,
 * userspace MSR exits, and the FIX_HYPERCALL_INSN quirk disabled.
 */
static int model_attach(struct model *m, struct vm *vm, const struct model_behaviour *b)
{
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
	};
	u8 deny = 0;	/* one MSR, bit clear: denied, so it exits to us */
	int r;

	memset(m, 0, sizeof(*m));
	m->b = b;
	filter.ranges[0] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = 1,
		.base = KSE_MSR_SEV_ES_GHCB,
		.bitmap = &deny,
	};
	r = __vm_enable_cap(vm, KSE_CAP_X86_USER_SPACE_MSR, KSE_MSR_EXIT_REASON_FILTER);
	if (r)
		return r;
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter))
		return -errno;
	/*
	 * Where KVM can store the registers in kvm_run on every exit, the
	 * single-step exits need no GET_REGS/GET_SREGS (two vCPU ioctls of
	 * about 9 us each on a PVM host, per value of the reason sweep).
	 */
	if ((vm_check_cap(vm, KVM_CAP_SYNC_REGS) & MODEL_SYNC_REGS) == MODEL_SYNC_REGS)
		m->sync_regs = MODEL_SYNC_REGS;
	/* Otherwise KVM rewrites `rep vmmcall` in guest memory and spins. */
	return __vm_enable_cap(vm, KSE_CAP_DISABLE_QUIRKS2, KSE_X86_QUIRK_FIX_HYPERCALL_INSN);
}

static int set_stepping(struct model *m, struct vcpu *vcpu, bool on)
{
	struct kvm_guest_debug dbg = {
		.control = on ? KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP : 0,
	};

	m->stepping = on;
	m->steps = 0;
	vcpu->run->kvm_valid_regs = on ? m->sync_regs : 0;
	return ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg) ? -errno : 0;
}

/*
 * Is the guest about to execute VMGEXIT (F3 0F 01 D9)? Read it, don't guess.
 * Called on a single-step exit: the run had kvm_valid_regs = m->sync_regs.
 */
static bool at_vmgexit(struct model *m, struct vcpu *vcpu, struct kvm_regs *regs)
{
	static const u8 vmgexit[4] = { 0xf3, 0x0f, 0x01, 0xd9 };
	struct kvm_sregs sregs;
	const u8 *insn;

	if (m->sync_regs) {
		*regs = vcpu->run->s.regs.regs;
		sregs = vcpu->run->s.regs.sregs;
	} else if (__vcpu_get_regs(vcpu, regs) || __vcpu_get_sregs(vcpu, &sregs)) {
		return false;
	}
	insn = guest_linear_to_hva(vcpu, &sregs, sregs.cs.base + regs->rip, sizeof(vmgexit));
	return insn && !memcmp(insn, vmgexit, sizeof(vmgexit));
}

static void fail_run(struct run_outcome *out, int err)
{
	out->rc = -1;
	out->err = err;
}

/*
 * KVM's termination report: the GHCB MSR value (MSR protocol) or the
 * GHCB's GPA (GHCB page protocol), both the MSR's content. Returns true
 * when it exits to userspace (the outcome is filled), false when the guest
 * is resumed.
 */
static bool report_term(struct model *m, struct vcpu *vcpu, struct run_outcome *out)
{
	const struct model_behaviour *b = m->b;
	struct kvm_run *run = vcpu->run;

	if (b->dropped)
		return false;
	m->terminated = true;
	if (b->run_errno) {
		fail_run(out, b->run_errno);
		return true;
	}
	/* KVM writes only the fields it reports; the rest is as the host left it. */
	memcpy(run->padding, m->saved_exit, sizeof(m->saved_exit));
	run->exit_reason = b->exit_reason;
	run->system_event.type = b->type;
	if (b->writes_ndata)
		run->system_event.ndata = b->ndata;
	if (b->value_slot >= 0)
		run->system_event.data[b->value_slot] = m->ghcb_msr & b->value_mask;
	return true;
}

/*
 * The model's own use of the local KVM failed: that is a broken set-up, not
 * KVM's answer to the guest. Handing it on as the run's outcome would make
 * the oracle judge a raw errno the model produced (an EINVAL at the re-entry
 * after the GHCB MSR write read as a pre-5.19 kernel): end the test instead,
 * saying what failed.
 */
static void __attribute__((noreturn)) model_broken(const char *what, const char *after, int err)
{
	lib_fail("model: %s failed with errno=%s after %s: the model's set-up broke on this "
		 "KVM (not a modelled result, no verdict)", what, errno_name(err), after);
}

static u64 ghcb_get(const u8 *ghcb, unsigned int off)
{
	u64 v;

	memcpy(&v, ghcb + off, sizeof(v));
	return v;
}

static void ghcb_put(u8 *ghcb, unsigned int off, u64 v)
{
	memcpy(ghcb + off, &v, sizeof(v));
}

/*
 * A GHCB page request: the MSR holds the GPA of the page the guest shares.
 * As KVM does (sev_handle_vmgexit(), sev_es_validate_vmgexit()): no GHCB,
 * the guest resumes; the exit information is read and the valid bitmap
 * cleared; a usage other than 0 or an unmarked sw_exit_code, _info_1 or
 * _info_2 is answered with error 2 and the reason in the GHCB, and the
 * guest resumes. A termination request is reported; any other event is
 * not modelled, and says so.
 */
static bool ghcb_page_vmgexit(struct model *m, struct vcpu *vcpu, struct run_outcome *out)
{
	u8 *ghcb = m->ghcb_msr ? vm_gpa_to_hva(vcpu->vm, m->ghcb_msr, GHCB_PAGE_SIZE) : NULL;
	u64 code, err = 0;
	u32 usage;

	if (!ghcb)
		return false;
	code = ghcb_get(ghcb, GHCB_OFF_SW_EXIT_CODE);
	memcpy(&usage, ghcb + GHCB_OFF_USAGE, sizeof(usage));
	if (usage)
		err = GHCB_ERR_INVALID_USAGE;
	else if (!ghcb_field_valid(ghcb, GHCB_OFF_SW_EXIT_CODE) ||
		 !ghcb_field_valid(ghcb, GHCB_OFF_SW_EXIT_INFO_1) ||
		 !ghcb_field_valid(ghcb, GHCB_OFF_SW_EXIT_INFO_2))
		err = GHCB_ERR_MISSING_INPUT;
	memset(ghcb + GHCB_OFF_VALID_BITMAP, 0, 16);
	if (err) {
		ghcb_put(ghcb, GHCB_OFF_SW_EXIT_INFO_1, 2);
		ghcb_put(ghcb, GHCB_OFF_SW_EXIT_INFO_2, err);
		return false;
	}
	if (code != GHCB_NAE_TERM_REQUEST) {
		/* Not modelled. Say so; never pretend. */
		pr_diag("model: GHCB page event 0x%llx is not modelled", (unsigned long long)code);
		fail_run(out, ENOSYS);
		return true;
	}
	ghcb_put(ghcb, GHCB_OFF_SW_EXIT_INFO_1, 0);
	ghcb_put(ghcb, GHCB_OFF_SW_EXIT_INFO_2, 0);
	return report_term(m, vcpu, out);
}

/*
 * KVM's answer to a VMGEXIT. Returns true when it exits to userspace (the
 * outcome is filled), false when the guest is resumed.
 */
static bool handle_vmgexit(struct model *m, struct vcpu *vcpu, struct run_outcome *out)
{
	struct ghcb_msr_msg msg;

	m->nr_vmgexits++;
	ghcb_decode(m->ghcb_msr, &msg);
	if (msg.info == 0)
		return ghcb_page_vmgexit(m, vcpu, out);
	if (msg.info == GHCB_MSR_SEV_INFO_REQ) {
		/* Answer with protocol range 1..2 and no C-bit (plain memory). */
		m->ghcb_msr = (2ull << 48) | (1ull << 32) | GHCB_MSR_SEV_INFO_RESP;
		return false;
	}
	if (!msg.is_term && !ghcb_info_is_snp_only(msg.info))
		return false;	/* unknown request: MSR kept, guest resumed */
	return report_term(m, vcpu, out);
}

/* One KVM_RUN as the test sees it, with the model handling VMGEXIT. */
static int model_vcpu_run(struct model *m, struct vcpu *vcpu, struct run_outcome *out)
{
	struct kvm_run *run = vcpu->run;
	const char *after = "entering the guest";
	struct run_outcome kout;
	struct kvm_regs regs;
	int r;

	memset(out, 0, sizeof(*out));
	if (m->terminated && m->b->reentry_errno) {
		fail_run(out, m->b->reentry_errno);
		return out->rc;
	}
	memcpy(m->saved_exit, run->padding, sizeof(m->saved_exit));
	if (!m->nr_kernel_runs) {
		/* Watch from the first instruction, as KVM sees every VMGEXIT. */
		r = set_stepping(m, vcpu, true);
		if (r)
			model_broken("KVM_SET_GUEST_DEBUG", after, -r);
	}

	for (;;) {
		m->nr_kernel_runs++;
		__vcpu_run(vcpu, &kout);
		out->ms += kout.ms;
		/* A guest that never exits is the guest's doing: the oracle says so. */
		if (kout.stuck) {
			*out = kout;
			return out->rc;
		}
		if (kout.rc < 0)
			model_broken("the local KVM_RUN", after, kout.err);

		switch (run->exit_reason) {
		case KVM_EXIT_X86_WRMSR:
			if (run->msr.index != KSE_MSR_SEV_ES_GHCB)
				goto pass_through;
			after = "the guest's GHCB MSR write (KVM_EXIT_X86_WRMSR)";
			m->ghcb_msr = run->msr.data;
			run->msr.error = 0;
			r = set_stepping(m, vcpu, true);
			if (r)
				model_broken("KVM_SET_GUEST_DEBUG", after, -r);
			continue;
		case KVM_EXIT_X86_RDMSR:
			if (run->msr.index != KSE_MSR_SEV_ES_GHCB)
				goto pass_through;
			after = "the guest's GHCB MSR read (KVM_EXIT_X86_RDMSR)";
			run->msr.data = m->ghcb_msr;
			run->msr.error = 0;
			continue;
		case KVM_EXIT_DEBUG:
			if (!m->stepping)
				goto pass_through;
			after = "a single-step (KVM_EXIT_DEBUG)";
			if (!at_vmgexit(m, vcpu, &regs)) {
				if (++m->steps >= MODEL_MAX_STEPS) {
					r = set_stepping(m, vcpu, false);
					if (r)
						model_broken("KVM_SET_GUEST_DEBUG", after, -r);
				}
				continue;
			}
			/* VMGEXIT completes: the guest resumes after it. */
			r = set_stepping(m, vcpu, false);
			if (r)
				model_broken("KVM_SET_GUEST_DEBUG", after, -r);
			regs.rip += 4;
			r = __vcpu_set_regs(vcpu, &regs);
			if (r)
				model_broken("KVM_SET_REGS", after, -r);
			after = "the modelled VMGEXIT";
			if (!handle_vmgexit(m, vcpu, out))
				continue;
			return out->rc;
		case KVM_EXIT_SHUTDOWN:
			if (m->b->shutdown_errno) {
				fail_run(out, m->b->shutdown_errno);
				return out->rc;
			}
			goto pass_through;
		default:
			goto pass_through;
		}
	}

pass_through:
	out->rc = kout.rc;
	out->err = kout.err;
	return out->rc;
}

static int model_launch(struct sev_guest *g)
{
	g->priv = calloc(1, sizeof(struct model));
	if (!g->priv)
		return -ENOMEM;
	return model_attach(g->priv, &g->vm, g->arg);
}

static int model_run(struct sev_guest *g, struct run_outcome *out)
{
	return model_vcpu_run(g->priv, &g->vcpu, out);
}

const struct sev_backend sev_backend_model = {
	.name = "model",
	.note = "software model, not a kernel result",
	.takes_arg = true,
	.lacks = {
		[SEV_NEED_SNP] = "SNP is not modelled",
		/*
		 * The guest runs on the local KVM, whose real mode may be KVM's
		 * instruction emulator: it ignores the IVT limit (emulate.c,
		 * __emulate_int_real(): "TODO: Add limit checks"), so a fault
		 * never shuts the guest down there (kvm_pvm: it runs on into
		 * zeroed memory). On SEV-ES hardware the CPU delivers it.
		 */
		[SEV_NEED_REAL_MODE_FAULT] = "real-mode triple fault is not modelled",
		[SEV_NEED_POLICY_NODBG] = "policy NODBG needs a hardware launch",
	},
	.unavailable = model_unavailable,
	.create_vm = sev_plain_create_vm,
	.launch = model_launch,
	.run = model_run,
};
