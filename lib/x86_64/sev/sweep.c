// SPDX-License-Identifier: GPL-2.0
/*
 * The exhaustive reason sweep (sev_sweep.h): one reason-code set from one
 * guest mode, through whatever backend the test picked, every report judged
 * by the oracle.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "ghcb.h"
#include "sev_sweep.h"
#include "suite.h"

/*
 * Walks the codes of one set from the one the host put in EAX (ECX is the
 * GHCB MSR, EDX 0): a request, VMGEXIT, the next code, until the code
 * field wraps past 0xff; then halts. The per-VM sweep launches it once per
 * code and judges only its first report, so both sweeps run these bytes.
 */
GUEST_PROG(sweep_guest,
	   "1:\twrmsr\n\t"
	   "rep; vmmcall\n\t"
	   "add $0x10000, %eax\n\t"		/* next code */
	   "test $0x01000000, %eax\n\t"		/* past code 0xff? */
	   "jz 1b\n"
	   "2:\thlt\n\t"
	   "jmp 2b\n");

unsigned int sev_sweep_launches(bool per_vm)
{
	return NR_GUEST_MODES * SEV_SWEEP_SETS * (per_vm ? SEV_SWEEP_CODES : 1);
}

static void __printf(3, 4) not_run(struct sev_sweep_set *res, unsigned int from,
				   const char *fmt, ...)
{
	va_list ap;

	if (from >= SEV_SWEEP_CODES || res->not_run_why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(res->not_run_why, sizeof(res->not_run_why), fmt, ap);
	va_end(ap);
}

static void judge(struct sev_sweep_set *res, unsigned int code, const struct run_outcome *out,
		  const struct kvm_run *run, const struct sysevent_expect *exp)
{
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	int n = sysevent_check(out, run, exp, dev, SYSEVENT_MAX_DEVIATIONS);
	int len;

	res->status[code] = n ? SEV_SWEEP_FAIL : SEV_SWEEP_PASS;
	if (!n) {
		res->pass++;
		return;
	}
	res->fail++;
	if (!res->first_deviation[0]) {
		len = snprintf(res->first_deviation, sizeof(res->first_deviation), "code 0x%02x: ",
			       code);
		deviation_format(&dev[0], res->first_deviation + len,
				 sizeof(res->first_deviation) - len);
	}
}

static void expect(struct sysevent_expect *exp, const struct sev_sweep_params *p, u64 value,
		   bool resumed)
{
	sysevent_expect_sev_term(exp, p->profile, value,
				 kvm_check_cap(p->kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
	exp->has_poison = true;
	exp->poison = SUITE_POISON;
	exp->resumed = resumed;
}

/* Create and launch the guest starting at @value. 0, or -errno with *@what set. */
static int start(const struct sev_sweep_params *p, struct sev_guest *g, u64 value,
		 const char **what)
{
	int r;

	*what = "creating";
	r = __sev_guest_create(g, p->sel, p->kvm, SEV_FLAVOUR_ES, p->mode, &sweep_guest, true);
	if (r)
		return r;
	*what = "launching";
	guest_set_ghcb_request(&g->vcpu, value);
	return __sev_guest_launch(g);
}

/* Did the run report (whatever its verdict), so the guest can go on? */
static bool reported(const struct run_outcome *out, const struct kvm_run *run)
{
	return out->rc == 0 && !out->stuck && run->exit_reason == KSE_EXIT_SYSTEM_EVENT;
}

/* Nothing judged and the host's state is why: a skip, never a pass. */
static bool host_says_skip(struct sev_sweep_set *res, const struct sev_guest *g, int r)
{
	if (!r || !g->skip_reason || res->pass + res->fail)
		return false;
	res->skip = g->skip_reason;
	return true;
}

static void sweep_loop(const struct sev_sweep_params *p, struct sev_sweep_set *res)
{
	struct sysevent_expect exp;
	struct run_outcome out;
	struct sev_guest g;
	const char *what;
	unsigned int code;
	int r;

	r = start(p, &g, ghcb_term_encode(p->set, 0), &what);
	if (r) {
		if (!host_says_skip(res, &g, r))
			not_run(res, 0, "not run: %s the looping guest failed: errno=%s", what,
				errno_name(-r));
		sev_guest_destroy(&g);
		return;
	}
	res->launches++;
	for (code = 0; code < SEV_SWEEP_CODES; code++) {
		expect(&exp, p, ghcb_term_encode(p->set, code), code > 0);
		vcpu_poison_system_event(&g.vcpu, SUITE_POISON);
		sev_guest_run(&g, &out);
		judge(res, code, &out, g.vcpu.run, &exp);
		/* A run that did not report leaves the guest's walk unknown. */
		if (!reported(&out, g.vcpu.run)) {
			not_run(res, code + 1, "not run: the looping guest stopped reporting at "
				"code 0x%02x", code);
			break;
		}
	}
	sev_guest_destroy(&g);
}

static void sweep_per_vm(const struct sev_sweep_params *p, struct sev_sweep_set *res)
{
	struct sysevent_expect exp;
	struct run_outcome out;
	struct sev_guest g;
	const char *what;
	unsigned int code;
	int r;

	for (code = 0; code < SEV_SWEEP_CODES; code++) {
		r = start(p, &g, ghcb_term_encode(p->set, code), &what);
		if (r) {
			/* What was judged stays judged: the rest is not run, never a skip. */
			if (!host_says_skip(res, &g, r))
				not_run(res, code, "not run from code 0x%02x: %s its VM failed: "
					"errno=%s%s%s", code, what, errno_name(-r),
					g.skip_reason ? ", " : "",
					g.skip_reason ? g.skip_reason : "");
			sev_guest_destroy(&g);
			return;
		}
		res->launches++;
		expect(&exp, p, ghcb_term_encode(p->set, code), false);
		vcpu_poison_system_event(&g.vcpu, SUITE_POISON);
		sev_guest_run(&g, &out);
		judge(res, code, &out, g.vcpu.run, &exp);
		sev_guest_destroy(&g);
	}
}

void sev_sweep_set(const struct sev_sweep_params *p, struct sev_sweep_set *res)
{
	unsigned int c;

	memset(res, 0, sizeof(*res));
	if (p->per_vm)
		sweep_per_vm(p, res);
	else
		sweep_loop(p, res);
	for (c = 0; c < SEV_SWEEP_CODES; c++)
		res->not_run += res->status[c] == SEV_SWEEP_NOT_RUN;
	if (res->skip)
		res->not_run = 0;
}

/* "0x00-0x0f,0x42": the codes of @status equal to @want, as ranges. */
static int format_codes(const u8 *status, u8 want, char *buf, size_t len)
{
	size_t used = 0;
	int c, start;

	buf[0] = 0;
	for (c = 0; c < SEV_SWEEP_CODES; c++) {
		if (status[c] != want)
			continue;
		for (start = c; c + 1 < SEV_SWEEP_CODES && status[c + 1] == want; c++)
			;
		if (used >= len)
			break;
		if (start == c)
			used += snprintf(buf + used, len - used, "%s0x%02x", used ? "," : "", c);
		else
			used += snprintf(buf + used, len - used, "%s0x%02x-0x%02x", used ? "," : "",
					 start, c);
	}
	return used;
}

int sev_sweep_line(const struct sev_sweep_set *res, enum guest_mode mode, unsigned int set,
		   char *buf, size_t len)
{
	char failed[SEV_SWEEP_CODES * 10], skipped[SEV_SWEEP_CODES * 10];

	format_codes(res->status, SEV_SWEEP_FAIL, failed, sizeof(failed));
	if (!res->not_run)
		return snprintf(buf, len, "sweep: mode=%s set=%u pass=%u fail=%u failed_codes=%s",
				guest_mode_name(mode), set, res->pass, res->fail, failed);
	format_codes(res->status, SEV_SWEEP_NOT_RUN, skipped, sizeof(skipped));
	return snprintf(buf, len, "sweep: mode=%s set=%u pass=%u fail=%u failed_codes=%s not_run=%s",
			guest_mode_name(mode), set, res->pass, res->fail, failed, skipped);
}
