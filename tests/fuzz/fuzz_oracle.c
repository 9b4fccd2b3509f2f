// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the oracle (sysevent_check) with arbitrary bytes as
 * struct kvm_run, an arbitrary KVM_RUN outcome and expectation, under every
 * ABI profile. Besides memory safety (ASan/UBSan) it checks what the oracle
 * promises (include/sysevent.h, docs/output-format.md):
 *
 * - every deviation fits the room given, is NUL-terminated, formats into
 *   the 512 bytes deviations_print() uses, in the documented form (no space
 *   in a value, a catalogued diagnosis), in the documented order;
 * - the count does not depend on the room, nor the entries on it;
 * - a stuck or failed run, or a wrong exit reason, is exactly one deviation;
 *   an expected exit other than a system event judges nothing else;
 * - only data[0..ndata-1] is judged: changing the words past it changes no
 *   field, expected or actual value (the V4.1 diagnosis may name data[1]);
 * - a conformant exit built from the expectation has no deviation at all.
 */
#include "fuzz_common.h"
#include "fuzz_input.h"

struct image {
	struct run_outcome out;
	struct sysevent_expect exp;
	struct kvm_run run;
};

static int check(const struct image *im, struct deviation *dev, int max)
{
	return sysevent_check(&im->out, &im->run, &im->exp, dev, max);
}

static void conform(struct image *im)
{
	const struct sysevent_expect *exp = &im->exp;
	u32 i;

	im->out.rc = 0;
	im->out.err = 0;
	im->out.stuck = false;
	im->run.exit_reason = exp->exit_reason;
	if (exp->exit_reason != KSE_EXIT_SYSTEM_EVENT)
		return;
	im->run.system_event.type = abi_event_type(exp->profile, exp->kind);
	if (exp->profile == ABI_PROPOSAL_2022 && exp->ndata > 0)
		im->run.system_event.type |= KSE_PROPOSAL_NDATA_VALID;
	im->run.system_event.ndata = exp->ndata;
	for (i = 0; i < exp->ndata && i < KSE_RUN_SE_NDATA_MAX; i++)
		im->run.system_event.data[i] = exp->data[i];
}

static void one_profile(struct image *im, int max)
{
	struct deviation full[SYSEVENT_MAX_DEVIATIONS + 24], part[SYSEVENT_MAX_DEVIATIONS];
	struct deviation other[SYSEVENT_MAX_DEVIATIONS + 24];
	char line[512];
	int n, m, i, rank, last = -1, len;
	struct image past;
	u32 judged, w;

	n = check(im, full, ARRAY_SIZE(full));
	if (n < 0 || n > (int)ARRAY_SIZE(full))
		fuzz_fail("%d deviations", n);
	m = check(im, part, max);
	if (m != n)
		fuzz_fail("%d deviations with room for %zu, %d with room for %d", n,
			  ARRAY_SIZE(full), m, max);
	for (i = 0; i < n; i++) {
		const struct deviation *d = &full[i];

		if (!fuzz_terminated(d->field, sizeof(d->field)) ||
		    !fuzz_terminated(d->expected, sizeof(d->expected)) ||
		    !fuzz_terminated(d->actual, sizeof(d->actual)))
			fuzz_fail("deviation %d not NUL-terminated", i);
		if (i < max && (strcmp(d->field, part[i].field) ||
				strcmp(d->expected, part[i].expected) ||
				strcmp(d->actual, part[i].actual) || d->known != part[i].known))
			fuzz_fail("deviation %d differs with less room", i);
		len = deviation_format(d, line, sizeof(line));
		if (len < 0 || len >= (int)sizeof(line))
			fuzz_fail("deviation %d formats to %d bytes, more than deviations_print's %zu",
				  i, len, sizeof(line));
		rank = fuzz_check_line(line);
		if (rank <= last)
			fuzz_fail("'%s' out of the documented order", line);
		last = rank;
	}

	if (im->out.stuck || im->out.rc < 0) {
		if (n != 1 || strcmp(full[0].field, "KVM_RUN"))
			fuzz_fail("a stuck or failed run gave %d deviations, first '%s'", n,
				  n ? full[0].field : "-");
		if (im->out.stuck && full[0].known != KB_STUCK)
			fuzz_fail("a stuck run not named '%s'", known_behaviour_id(KB_STUCK));
		return;
	}
	if (im->run.exit_reason != im->exp.exit_reason) {
		if (n != 1 || strcmp(full[0].field, "exit_reason"))
			fuzz_fail("a wrong exit reason gave %d deviations", n);
		return;
	}
	if (im->exp.exit_reason != KSE_EXIT_SYSTEM_EVENT && n)
		fuzz_fail("exit 0x%x as expected, yet %d deviations", im->exp.exit_reason, n);

	/* Change every word past what is judged: nothing may change but a diagnosis. */
	judged = im->run.system_event.ndata < im->exp.ndata ? im->run.system_event.ndata :
							     im->exp.ndata;
	past = *im;
	for (w = judged; w < KSE_RUN_SE_NDATA_MAX; w++)
		past.run.system_event.data[w] = ~past.run.system_event.data[w] ^ (0x9e37ull * w);
	m = check(&past, other, ARRAY_SIZE(other));
	if (m != n)
		fuzz_fail("words past ndata changed the deviation count %d -> %d", n, m);
	for (i = 0; i < n; i++)
		if (strcmp(full[i].field, other[i].field) ||
		    strcmp(full[i].expected, other[i].expected) ||
		    strcmp(full[i].actual, other[i].actual))
			fuzz_fail("words past ndata changed deviation %d ('%s')", i, full[i].field);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_oracle_hdr h;
	struct image im, ref;
	size_t used;
	int p, max, n;
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS + 24];

	used = fuzz_take(&h, sizeof(h), data, size);
	memset(&ref, 0, sizeof(ref));
	memcpy(&ref.run, data + used,
	       size - used < sizeof(ref.run) ? size - used : sizeof(ref.run));

	ref.out = (struct run_outcome){
		.rc = h.rc, .err = h.err, .stuck = h.flags & FO_STUCK,
		.pc_valid = h.flags & FO_RIP_VALID, .pc = h.rip, .ms = h.ms,
	};
	ref.exp.kind = h.kind % NR_EV_KINDS;
	ref.exp.exit_reason = h.exit_sel == FO_EXIT_SYSTEM_EVENT ? KSE_EXIT_SYSTEM_EVENT :
			      h.exit_sel == FO_EXIT_SHUTDOWN ? KSE_EXIT_SHUTDOWN :
			      h.exp_exit_reason;
	ref.exp.ndata = h.exp_ndata;
	memcpy(ref.exp.data, h.exp_data, sizeof(ref.exp.data));
	ref.exp.cap_system_event_data = h.flags & FO_CAP;
	ref.exp.has_poison = h.flags & FO_POISON;
	ref.exp.poison = h.poison;
	ref.exp.protected_guest = h.flags & FO_PROTECTED;
	max = h.max % (SYSEVENT_MAX_DEVIATIONS + 1);

	for (p = 0; p < NR_ABI_PROFILES; p++) {
		im = ref;
		im.exp.profile = p;
		if (h.flags & FO_CONFORM) {
			im.exp.cap_system_event_data = true;
			conform(&im);
			n = check(&im, dev, ARRAY_SIZE(dev));
			if (n)
				fuzz_fail("a conformant exit (profile %s) gave %d deviations, first '%s'",
					  abi_profile_name(p), n, dev[0].field);
		}
		one_profile(&im, max);
	}
	return 0;
}
