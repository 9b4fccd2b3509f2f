// SPDX-License-Identifier: GPL-2.0
/*
 * sev_es_term_test: an SEV-ES guest's termination request must reach the
 * VMM as KVM_EXIT_SYSTEM_EVENT / KVM_SYSTEM_EVENT_SEV_TERM with ndata 1 and
 * data[0] the exact GHCB MSR value the guest wrote (GHCB MSR protocol,
 * GHCBInfo 0x100; sev_handle_vmgexit_msr_protocol() since v5.19), for every
 * reason value, from every guest mode, and again after re-entry. The GHCB
 * page protocol's termination request (SVM_VMGEXIT_TERM_REQUEST) reports
 * the GHCB's GPA, and the SNP-only MSR requests of a non-SNP guest
 * terminate it with the MSR value (both v6.11+). A guest that negotiates
 * the protocol first, or whose unknown request is left alone, terminates
 * afterwards. An SEV-ES guest that shuts down must give KVM_EXIT_SHUTDOWN
 * (v6.7+). The same termination and shutdown for the SNP VM type where the
 * host has it.
 *
 * Without SEV-ES the cases skip. --backend=harness runs the same guests in
 * a plain VM on a kvm_amd with the test-only harness (kernel/harness/):
 * KVM's own SEV-ES code, not an SEV-ES hardware result.
 * --backend=model:<behaviour> puts the software model in front of a plain
 * VM instead: those results are the model's, never a kernel's.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "ghcb.h"
#include "sev.h"
#include "sev_sweep.h"
#include "suite.h"
#include "term_guest.h"
#include "test_util.h"

static struct sev_backend_sel backend;

static int parse_backend(const char *name, void *sel, const char **label, const char **note)
{
	struct sev_backend_sel *b = sel;

	if (sev_backend_parse(name, b))
		return -1;
	*label = b->name;
	*note = b->be->note;
	return 0;
}

static const struct suite_backend_ops backend_ops = {
	.default_name = "hardware",
	.parse = parse_backend,
	.usage = sev_backend_usage,
	.sel = &backend,
};

static struct suite_opts opts = {
	.binary = "sev_es_term_test",
	.summary = "SEV-ES/SNP termination requests as KVM_EXIT_SYSTEM_EVENT / SEV_TERM",
	.accepts = SUITE_OPT_BACKEND | SUITE_OPT_SWEEP,
	.backend_ops = &backend_ops,
	.sweep_launches = sev_sweep_launches,
	.sweep_launch_ms = SEV_SWEEP_LAUNCH_MS,
};

/* A guest that shuts down: #UD with an empty IDT. */
GUEST_PROG(ud_guest, "ud2\n");

/*
 * The GHCB page protocol's termination request, long mode only (the GHCB
 * must be mapped shared, C-bit clear). EBX holds the GHCB's address, ESI
 * the reason (SW_EXITINFO1: set in bits 3:0, code in 11:4), ECX the GHCB
 * MSR. The guest fills the GHCB as the GHCB spec says (exit code and both
 * exit infos, marked valid; protocol version 2; usage 0), writes its GPA to
 * the MSR and exits.
 */
#define STR(x) #x
#define XSTR(x) STR(x)
#define GHCB_AT(off) XSTR(off) "(%ebx)"

GUEST_PROG(ghcb_term_guest,
	   "movl $" XSTR(GHCB_NAE_TERM_REQUEST) ", " GHCB_AT(GHCB_OFF_SW_EXIT_CODE) "\n\t"
	   "movl $0, " XSTR(GHCB_OFF_SW_EXIT_CODE) "+4(%ebx)\n\t"
	   "movl %esi, " GHCB_AT(GHCB_OFF_SW_EXIT_INFO_1) "\n\t"
	   "movl $0, " XSTR(GHCB_OFF_SW_EXIT_INFO_1) "+4(%ebx)\n\t"
	   "movl $0, " GHCB_AT(GHCB_OFF_SW_EXIT_INFO_2) "\n\t"
	   "movl $0, " XSTR(GHCB_OFF_SW_EXIT_INFO_2) "+4(%ebx)\n\t"
	   "orb $" XSTR(GHCB_VALID_SW_BITS) ", " GHCB_AT(GHCB_VALID_SW_BYTE) "\n\t"
	   "movw $2, " GHCB_AT(GHCB_OFF_PROTOCOL_VERSION) "\n\t"
	   "movl $0, " GHCB_AT(GHCB_OFF_USAGE) "\n\t"
	   "mov %ebx, %eax\n\t"
	   "xor %edx, %edx\n\t"
	   "wrmsr\n\t"
	   "rep; vmmcall\n"
	   "1:\thlt\n\t"
	   "jmp 1b\n");

/*
 * Negotiate first, as a guest does before anything else: SEV_INFO_REQ,
 * VMGEXIT, read the answer. An SEV_INFO response whose protocol range
 * includes a version the guest speaks (1 or 2) lets it terminate with the
 * value the host put in EDI:ESI; any other answer makes it terminate with
 * set 0 code 1 ("GHCB protocol range unsupported", what Linux does) and
 * bits 63:32 of the answer in bits 63:32. ECX: the GHCB MSR.
 */
GUEST_PROG(negotiate_guest,
	   "mov $" XSTR(GHCB_MSR_SEV_INFO_REQ) ", %eax\n\t"
	   "xor %edx, %edx\n\t"
	   "wrmsr\n\t"
	   "rep; vmmcall\n\t"
	   "rdmsr\n\t"
	   "mov %eax, %ebx\n\t"
	   "and $0xfff, %ebx\n\t"
	   "cmp $" XSTR(GHCB_MSR_SEV_INFO_RESP) ", %ebx\n\t"
	   "jne 1f\n\t"
	   "mov %edx, %ebx\n\t"
	   "shr $16, %ebx\n\t"		/* the highest version offered */
	   "cmp $1, %ebx\n\t"
	   "jb 1f\n\t"
	   "mov %edx, %ebx\n\t"
	   "and $0xffff, %ebx\n\t"	/* the lowest */
	   "cmp $2, %ebx\n\t"
	   "ja 1f\n\t"
	   "mov %esi, %eax\n\t"
	   "mov %edi, %edx\n\t"
	   "jmp 2f\n"
	   "1:\tmov $0x10100, %eax\n"
	   "2:\twrmsr\n\t"
	   "rep; vmmcall\n"
	   "3:\thlt\n\t"
	   "jmp 3b\n");

/*
 * A request KVM does not know: it must leave the MSR as it is and resume the
 * guest. The guest writes EDX:EAX, exits, reads the MSR back; unchanged, it
 * terminates with EDI:ESI; changed, with set 0 code 0 and the low half it
 * read in bits 63:32. ECX: the GHCB MSR.
 */
GUEST_PROG(unknown_request_guest,
	   "mov %eax, %ebx\n\t"
	   "mov %edx, %ebp\n\t"
	   "wrmsr\n\t"
	   "rep; vmmcall\n\t"
	   "rdmsr\n\t"
	   "cmp %ebx, %eax\n\t"
	   "jne 1f\n\t"
	   "cmp %ebp, %edx\n\t"
	   "jne 1f\n\t"
	   "mov %esi, %eax\n\t"
	   "mov %edi, %edx\n\t"
	   "jmp 2f\n"
	   "1:\tmov %eax, %edx\n\t"
	   "mov $" XSTR(GHCB_MSR_TERM_REQ) ", %eax\n"
	   "2:\twrmsr\n\t"
	   "rep; vmmcall\n"
	   "3:\thlt\n\t"
	   "jmp 3b\n");

/* RBX, RSI and RDI before launch, for the guests above. */
static void set_rbx_rsi_rdi(struct __test_metadata *_metadata, struct vcpu *vcpu, u64 rbx,
			    u64 rsi, u64 rdi)
{
	struct kvm_regs regs;

	ASSERT_EQ(0, __vcpu_get_regs(vcpu, &regs));
	regs.rbx = rbx;
	regs.rsi = rsi;
	regs.rdi = rdi;
	ASSERT_EQ(0, __vcpu_set_regs(vcpu, &regs));
}

static void expect_term(struct sysevent_expect *exp, struct kvm_dev *kvm, u64 value)
{
	sysevent_expect_sev_term(exp, opts.profile, value,
				 kvm_check_cap(kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
	exp->has_poison = true;
	exp->poison = SUITE_POISON;
}

/* One run through the backend, judged by the oracle; returns the number of deviations. */
static int run_and_check(struct sev_guest *g, const struct sysevent_expect *exp)
{
	struct run_outcome out;

	vcpu_poison_system_event(&g->vcpu, SUITE_POISON);
	sev_guest_run(g, &out);
	return suite_check_event(&out, g->vcpu.run, exp);
}

/*
 * One fixture for every SEV-ES test: /dev/kvm, the backend's verdict on
 * this host, and (with a program) the guest, built and torn down the same
 * way whatever the test.
 */
struct sev_fixture {
	struct kvm_dev kvm;
	struct sev_guest g;
	bool have_kvm;
};

/* What a variant says about its guest. */
struct sev_case {
	enum sev_flavour flavour;
	enum guest_mode mode;
	bool nodbg;
	/* The termination request's reason, for the tests that take one. */
	unsigned int set, code;
	u64 upper;
	/* A whole GHCB MSR request, for the tests that take one. */
	u64 request;
	/* What the case needs of the backend beyond its fixture's (SEV_NEEDS()). */
	unsigned int needs;
};

/*
 * What KVM brought in which release (docs/assumptions.md): on the hardware
 * and harness backends a kernel before it skips the case, and from it on
 * the result line says which release decided.
 */
static const struct suite_gate gate_sev_term = {
	/* c24a950ec7d6: SEV_TERM (before, KVM_RUN failed with EINVAL). */
	5, 19, "kernel predates SEV_TERM",
};
static const struct suite_gate gate_ghcb_page = {
	/* 947dbff6cadf: the GHCB page's SVM_VMGEXIT_TERM_REQUEST. */
	6, 11, "kernel predates GHCB-page termination",
};
static const struct suite_gate gate_snp_only = {
	/* 947dbff6cadf: a non-SNP guest's SNP-only MSR requests terminate it. */
	6, 11, "kernel predates the SNP-only request policy",
};
static const struct suite_gate gate_shutdown = {
	/* bc3d7c5570a0: SEV-ES shutdown is KVM_EXIT_SHUTDOWN (before, EINVAL). */
	6, 7, "kernel predates SEV-ES shutdown exits",
};

static void sev_fixture_setup(struct __test_metadata *_metadata, struct sev_fixture *f,
			      const struct sev_case *c, const struct guest_prog *prog,
			      unsigned int needs, const struct suite_gate *gate)
{
	const char *why;
	int r;

	r = __kvm_open(&f->kvm);
	if (r) {
		why = kvm_open_skip_reason(r);
		if (why)
			SUITE_SKIP(return, why);
		ASSERT_EQ(0, r) TH_LOG("opening /dev/kvm failed: %s", errno_name(-r));
	}
	f->have_kvm = true;
	needs |= c->needs;
	if (c->mode == GUEST_REAL && (needs & SEV_NEEDS(SEV_NEED_SHUTDOWN)))
		needs |= SEV_NEEDS(SEV_NEED_REAL_MODE_FAULT);
	why = sev_guest_unavailable(&backend, &f->kvm, c->flavour, needs);
	if (why)
		SUITE_SKIP(return, why);
	if (backend.be->kernel_code)
		SUITE_GATE(gate);
	if (!prog)
		return;
	r = __sev_guest_create(&f->g, &backend, &f->kvm, c->flavour, c->mode, prog, c->nodbg);
	if (r && f->g.skip_reason)
		SUITE_SKIP(return, f->g.skip_reason);
	ASSERT_EQ(0, r) TH_LOG("creating the guest failed: %s", errno_name(-r));
}

static void sev_fixture_teardown(struct sev_fixture *f)
{
	sev_guest_destroy(&f->g);
	if (f->have_kvm)
		kvm_close(&f->kvm);
}

/*
 * FIXTURE, its variant (one struct sev_case), setup and teardown for an
 * SEV-ES test whose guest runs @prog (NULL: the test builds its own),
 * which needs @needs of the backend (a mask of SEV_NEEDS()) and judges what
 * KVM has since @gate's release.
 */
#define SEV_FIXTURE(fix, prog, needs, gate)                                            \
	FIXTURE(fix) {                                                                 \
		struct sev_fixture f;                                                  \
	};                                                                             \
	FIXTURE_VARIANT(fix) {                                                         \
		struct sev_case c;                                                     \
	};                                                                             \
	FIXTURE_SETUP(fix)                                                             \
	{                                                                              \
		self->f.g.vcpu.fd = -1;                                                \
		sev_fixture_setup(_metadata, &self->f, &variant->c, (prog), (needs),   \
				  (gate));                                             \
	}                                                                              \
	FIXTURE_TEARDOWN(fix)                                                          \
	{                                                                              \
		sev_fixture_teardown(&self->f);                                        \
	}

#define SEV_MODE_VARIANT(fix, fl, m, name)                                             \
	FIXTURE_VARIANT_ADD(fix, name) {                                               \
		.c = { .flavour = fl, .mode = m, .nodbg = true },                      \
	}

/* Real, protected and long mode. */
#define SEV_MODE_VARIANTS(fix)                                                         \
	SEV_MODE_VARIANT(fix, SEV_FLAVOUR_ES, GUEST_REAL, real);                       \
	SEV_MODE_VARIANT(fix, SEV_FLAVOUR_ES, GUEST_PROT, prot);                       \
	SEV_MODE_VARIANT(fix, SEV_FLAVOUR_ES, GUEST_LONG, long)

/* The same three modes for the SNP VM type (policy DBG clear). */
#define SNP_MODE_VARIANTS(fix)                                                         \
	SEV_MODE_VARIANT(fix, SEV_FLAVOUR_SNP, GUEST_REAL, real_snp);                  \
	SEV_MODE_VARIANT(fix, SEV_FLAVOUR_SNP, GUEST_PROT, prot_snp);                  \
	SEV_MODE_VARIANT(fix, SEV_FLAVOUR_SNP, GUEST_LONG, long_snp)

/* ---- Termination: every mode x reason x policy, SEV-ES and SNP ---------- */

SEV_FIXTURE(sev_es_term, &term_guest, 0, &gate_sev_term);

/*
 * Each reason with policy NODBG (SNP: DBG) off and on: the _nodbg twin
 * differs in the policy alone, which only a launch reads, so a backend
 * without one runs the _dbg case and skips its twin.
 */
#define TERM_VARIANT(fix, fl, m, st, cd, up, nd, name)                                 \
	FIXTURE_VARIANT_ADD(fix, name) {                                               \
		.c = { .flavour = fl, .mode = m, .nodbg = nd,                          \
		       .set = st, .code = cd, .upper = up,                             \
		       .needs = (nd) ? SEV_NEEDS(SEV_NEED_POLICY_NODBG) : 0 },         \
	}

#define TERM_REASON(fix, fl, st, cd, up, tag)                                          \
	TERM_VARIANT(fix, fl, GUEST_REAL, st, cd, up, false, real_##tag##_dbg);        \
	TERM_VARIANT(fix, fl, GUEST_REAL, st, cd, up, true, real_##tag##_nodbg);       \
	TERM_VARIANT(fix, fl, GUEST_PROT, st, cd, up, false, prot_##tag##_dbg);        \
	TERM_VARIANT(fix, fl, GUEST_PROT, st, cd, up, true, prot_##tag##_nodbg);       \
	TERM_VARIANT(fix, fl, GUEST_LONG, st, cd, up, false, long_##tag##_dbg);        \
	TERM_VARIANT(fix, fl, GUEST_LONG, st, cd, up, true, long_##tag##_nodbg)

/* Set 0 (general): 0 general, 1 protocol unsupported, 2 SNP unsupported. */
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 0, 0, 0, set0_code0);
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 0, 1, 0, set0_code1);
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 0, 2, 0, set0_code2);
/* Set 1 (Linux): a sample across 0..11. */
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 1, 0, 0, set1_code0);
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 1, 4, 0, set1_code4);
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 1, 7, 0, set1_code7);
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 1, 11, 0, set1_code11);
/* The extremes of both fields. */
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 15, 255, 0, set15_code255);
/* Bits 63:24 are unassigned: KVM must still report the MSR value whole. */
TERM_REASON(sev_es_term, SEV_FLAVOUR_ES, 1, 2, 0xa5c3f00dbeull, set1_code2_upper);
/* The SNP VM type: the same requests from an SNP guest (policy DBG on/off). */
TERM_REASON(sev_es_term, SEV_FLAVOUR_SNP, 0, 0, 0, snp_set0_code0);
TERM_REASON(sev_es_term, SEV_FLAVOUR_SNP, 1, 2, 0, snp_set1_code2);
TERM_REASON(sev_es_term, SEV_FLAVOUR_SNP, 15, 255, 0, snp_set15_code255);

TEST_F(sev_es_term, terminate)
{
	const struct sev_case *c = &variant->c;
	u64 value = ghcb_term_encode_upper(c->set, c->code, c->upper);
	struct sysevent_expect exp;

	guest_set_ghcb_request(&self->f.g.vcpu, value);
	sev_guest_launch(&self->f.g);
	expect_term(&exp, &self->f.kvm, value);
	ASSERT_EQ(0, run_and_check(&self->f.g, &exp));
}

/* ---- Re-entry: KVM_RUN after SEV_TERM resumes the guest ----------------- */

SEV_FIXTURE(sev_es_reentry, &term_guest, 0, &gate_sev_term);
SEV_MODE_VARIANTS(sev_es_reentry);

TEST_F(sev_es_reentry, second_request)
{
	u64 first = ghcb_term_encode(GHCB_TERM_SET_LINUX, 3);
	/* What term_guest sends next: the reason code inverted. */
	u64 second = first ^ (GHCB_TERM_CODE_MASK << GHCB_TERM_CODE_SHIFT);
	struct sysevent_expect exp;

	guest_set_ghcb_request(&self->f.g.vcpu, first);
	sev_guest_launch(&self->f.g);
	expect_term(&exp, &self->f.kvm, first);
	ASSERT_EQ(0, run_and_check(&self->f.g, &exp)) TH_LOG("first request");
	expect_term(&exp, &self->f.kvm, second);
	exp.resumed = true;
	ASSERT_EQ(0, run_and_check(&self->f.g, &exp)) TH_LOG("second request, after re-entry");
}

/* ---- The GHCB page protocol's termination request (v6.11+) ------------- */

SEV_FIXTURE(sev_es_ghcb_page, &ghcb_term_guest, SEV_NEEDS(SEV_NEED_GHCB_PAGE),
	    &gate_ghcb_page);

FIXTURE_VARIANT_ADD(sev_es_ghcb_page, long_dbg) {
	.c = { .flavour = SEV_FLAVOUR_ES, .mode = GUEST_LONG, .nodbg = false,
	       .set = GHCB_TERM_SET_LINUX, .code = 4 },
};

FIXTURE_VARIANT_ADD(sev_es_ghcb_page, long_nodbg) {
	.c = { .flavour = SEV_FLAVOUR_ES, .mode = GUEST_LONG, .nodbg = true,
	       .set = GHCB_TERM_SET_GEN, .code = 0,
	       .needs = SEV_NEEDS(SEV_NEED_POLICY_NODBG) },
};

TEST_F(sev_es_ghcb_page, terminate)
{
	const struct sev_case *c = &variant->c;
	struct sysevent_expect exp;
	int r;

	r = sev_guest_add_ghcb(&self->f.g);
	ASSERT_EQ(0, r) TH_LOG("adding the GHCB page failed: %s", errno_name(-r));
	guest_set_gprs(&self->f.g.vcpu, 0, KSE_MSR_SEV_ES_GHCB, 0);
	set_rbx_rsi_rdi(_metadata, &self->f.g.vcpu, GUEST_GHCB_GPA,
			(c->set & 0xf) | (c->code & 0xff) << 4, 0);
	sev_guest_launch(&self->f.g);
	/* KVM reports the GHCB's GPA, the GHCB MSR's content. */
	expect_term(&exp, &self->f.kvm, GUEST_GHCB_GPA);
	ASSERT_EQ(0, run_and_check(&self->f.g, &exp));
}

/* ---- SNP-only MSR requests from an SEV-ES guest terminate it (v6.11+) --- */

SEV_FIXTURE(sev_es_snp_only, &term_guest, 0, &gate_snp_only);

/* The whole request, as the guest writes it: the data above bits 11:0 too. */
#define SNP_ONLY_VARIANT(m, req, val)                                                  \
	FIXTURE_VARIANT_ADD(sev_es_snp_only, m##_##req) {                              \
		.c = { .flavour = SEV_FLAVOUR_ES, .mode = GUEST_##m##_MODE, .nodbg = true, \
		       .request = (val) },                                             \
	}
#define GUEST_real_MODE GUEST_REAL
#define GUEST_prot_MODE GUEST_PROT
#define GUEST_long_MODE GUEST_LONG
/* Page state change: GFN 3 to shared (operation 2, bits 55:52). */
#define SNP_PSC		((2ull << 52) | (3ull << 12) | GHCB_MSR_PSC_REQ)
/* GHCB GPA registration: GFN 7. */
#define SNP_REG_GPA	((7ull << 12) | GHCB_MSR_REG_GPA_REQ)
/* Preferred GHCB GPA. */
#define SNP_PREF_GPA	((u64)GHCB_MSR_PREF_GPA_REQ)
#define SNP_ONLY_VARIANTS(m)                                                           \
	SNP_ONLY_VARIANT(m, psc, SNP_PSC);                                             \
	SNP_ONLY_VARIANT(m, reg_gpa, SNP_REG_GPA);                                     \
	SNP_ONLY_VARIANT(m, pref_gpa, SNP_PREF_GPA)

SNP_ONLY_VARIANTS(real);
SNP_ONLY_VARIANTS(prot);
SNP_ONLY_VARIANTS(long);

TEST_F(sev_es_snp_only, terminate)
{
	u64 value = variant->c.request;
	struct sysevent_expect exp;

	guest_set_ghcb_request(&self->f.g.vcpu, value);
	sev_guest_launch(&self->f.g);
	expect_term(&exp, &self->f.kvm, value);
	ASSERT_EQ(0, run_and_check(&self->f.g, &exp));
}

/* ---- Negotiate the protocol, then terminate ----------------------------- */

SEV_FIXTURE(sev_es_negotiate, &negotiate_guest, 0, &gate_sev_term);
SEV_MODE_VARIANTS(sev_es_negotiate);

TEST_F(sev_es_negotiate, then_terminate)
{
	u64 value = ghcb_term_encode(GHCB_TERM_SET_LINUX, 6);
	struct sysevent_expect exp;
	int n;

	guest_set_gprs(&self->f.g.vcpu, 0, KSE_MSR_SEV_ES_GHCB, 0);
	set_rbx_rsi_rdi(_metadata, &self->f.g.vcpu, 0, value & 0xffffffff, value >> 32);
	sev_guest_launch(&self->f.g);
	expect_term(&exp, &self->f.kvm, value);
	n = run_and_check(&self->f.g, &exp);
	if (n)
		pr_diag("hint: data[0] 0x...00010100 is the guest refusing KVM's SEV_INFO answer "
			"(bits 63:32: the protocol range it read)");
	ASSERT_EQ(0, n);
}

/* ---- An unknown request: the MSR as it was, the guest resumed ----------- */

SEV_FIXTURE(sev_es_unknown_request, &unknown_request_guest, 0, &gate_sev_term);
SEV_MODE_VARIANTS(sev_es_unknown_request);

TEST_F(sev_es_unknown_request, resumes)
{
	/* GHCBInfo 0xfe is no request of the GHCB spec; the data is the guest's. */
	u64 request = 0x5a5a5a5a000000feull;
	u64 value = ghcb_term_encode(GHCB_TERM_SET_LINUX, 7);
	struct sysevent_expect exp;
	int n;

	guest_set_ghcb_request(&self->f.g.vcpu, request);
	set_rbx_rsi_rdi(_metadata, &self->f.g.vcpu, 0, value & 0xffffffff, value >> 32);
	sev_guest_launch(&self->f.g);
	expect_term(&exp, &self->f.kvm, value);
	n = run_and_check(&self->f.g, &exp);
	if (n)
		pr_diag("hint: data[0] 0x%llx is KVM terminating on the unknown request; "
			"0x....00000100 is the guest reading a changed MSR (bits 63:32: its low half)",
			(unsigned long long)request);
	ASSERT_EQ(0, n);
}

/* ---- SEV-ES shutdown: #UD with an empty IDT ----------------------------- */

/*
 * Every mode, real mode included: the IDT limit is 0, and real mode checks
 * it too (the IVT is IDTR.base/limit; Intel SDM, INT n, real-address-mode
 * exceptions: "#GP if the interrupt vector number is outside the IDT
 * limits"). #UD's entry lies past the limit, so #GP; #GP's does too, so
 * #DF; #DF's does too: shutdown. KVM's instruction emulator skips that
 * check (emulate.c, __emulate_int_real()), which is why a KVM that
 * emulates real mode runs such a guest on; an SEV-ES guest's faults are
 * the CPU's to deliver.
 */
SEV_FIXTURE(sev_es_shutdown, &ud_guest, SEV_NEEDS(SEV_NEED_SHUTDOWN), &gate_shutdown);
SEV_MODE_VARIANTS(sev_es_shutdown);
/*
 * An SNP guest too: its VM has protected state as an SEV-ES one does, and
 * KVM's shutdown exit (gate_shutdown) takes every such VM. Only a kernel
 * with the SNP VM type (6.11, 1dfe571c12cf) runs these; the backend skips
 * them elsewhere with its SNP phrase.
 */
SNP_MODE_VARIANTS(sev_es_shutdown);

TEST_F(sev_es_shutdown, ud_empty_idt)
{
	struct sysevent_expect exp = {
		.profile = opts.profile,
		.exit_reason = KSE_EXIT_SHUTDOWN,
		.protected_guest = true,
	};

	sev_guest_launch(&self->f.g);
	ASSERT_EQ(0, run_and_check(&self->f.g, &exp));
}

/* ---- The exhaustive sweep: 16 sets x 256 codes per mode ----------------- */

/* No guest in the fixture: the sweep builds its own, one or 256 per set. */
SEV_FIXTURE(sev_es_sweep, NULL, 0, &gate_sev_term);
SEV_MODE_VARIANTS(sev_es_sweep);

/* One reason-code set: its sweep line, its first deviation, its verdict. */
static void sweep_report(struct __test_metadata *_metadata, struct kvm_dev *kvm,
			 enum guest_mode mode, unsigned int set)
{
	struct sev_sweep_params p = {
		.sel = &backend, .kvm = kvm, .mode = mode, .set = set,
		.per_vm = opts.sweep_per_vm, .profile = opts.profile,
	};
	struct sev_sweep_set res;
	char line[SEV_SWEEP_CODES * 20];

	sev_sweep_set(&p, &res);
	if (res.skip)
		SUITE_SKIP(return, res.skip);
	sev_sweep_line(&res, mode, set, line, sizeof(line));
	pr_diag("%s", line);
	if (res.first_deviation[0])
		pr_diag("%s", res.first_deviation);
	if (res.not_run_why[0])
		pr_diag("%s", res.not_run_why);
	ASSERT_EQ(0u, res.not_run) TH_LOG("%u codes of set %u not run", res.not_run, set);
	ASSERT_EQ(0u, res.fail);
}

/* A set is 1 launch (loop) or 256 (per-vm, PSP-bound on hardware). */
#define SWEEP_SET_TEST(n)                                                              \
	TEST_F_TIMEOUT(sev_es_sweep, set_##n, SEV_SWEEP_SET_TIMEOUT_S)                 \
	{                                                                              \
		sweep_report(_metadata, &self->f.kvm, variant->c.mode, n);                 \
	}

SWEEP_SET_TEST(0) SWEEP_SET_TEST(1) SWEEP_SET_TEST(2) SWEEP_SET_TEST(3)
SWEEP_SET_TEST(4) SWEEP_SET_TEST(5) SWEEP_SET_TEST(6) SWEEP_SET_TEST(7)
SWEEP_SET_TEST(8) SWEEP_SET_TEST(9) SWEEP_SET_TEST(10) SWEEP_SET_TEST(11)
SWEEP_SET_TEST(12) SWEEP_SET_TEST(13) SWEEP_SET_TEST(14) SWEEP_SET_TEST(15)

int main(int argc, char **argv)
{
	char **args = calloc(argc + 3, sizeof(*args));
	int i, n = 0;

	suite_init(&opts, &argc, argv);
	if (!args) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	args[n++] = argv[0];
	/* The sweep is opt-in: exclude its fixture first (the first filter wins). */
	if (!opts.exhaustive) {
		args[n++] = "-F";
		args[n++] = "sev_es_sweep";
	}
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	return suite_harness_run(n, args);
}
