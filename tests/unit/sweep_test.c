// SPDX-License-Identifier: GPL-2.0
/*
 * The exhaustive sweep's bookkeeping (lib/x86_64/sev/sweep.c) when VMs
 * stop coming: a backend that wraps the model and refuses to create a VM
 * after a number of them, as an EPYC host does when SEV-ES ASIDs run out
 * (KVM_SEV_INIT2: EBUSY, "no SEV-ES ASID available"). Values already judged
 * are kept, the rest is "not run" and the set fails; only a set in which
 * nothing was judged is a skip. Needs /dev/kvm and what the model needs.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "model.h"
#include "sev_sweep.h"

static unsigned int creations, create_limit;
static int create_errno;
static const char *create_skip;

static int limited_create_vm(struct sev_guest *g, struct kvm_dev *kvm)
{
	if (++creations > create_limit) {
		g->skip_reason = create_skip;
		return -create_errno;
	}
	return sev_backend_model.create_vm(g, kvm);
}

static const struct sev_backend limited = {
	.name = "limited-model",
	.note = "software model, not a kernel result",
	.unavailable = NULL,
	.create_vm = limited_create_vm,
	.launch = NULL,		/* filled from the model in the fixture */
	.run = NULL,
};

FIXTURE(sweep) {
	struct kvm_dev kvm;
	struct sev_backend be;
	struct sev_backend_sel sel;
	struct sev_sweep_params p;
	struct sev_sweep_set res;
	bool have_kvm;
};

FIXTURE_SETUP(sweep)
{
	if (__kvm_open(&self->kvm))
		SKIP(return, "no usable /dev/kvm");
	self->have_kvm = true;
	if (sev_backend_model.unavailable(&self->kvm, SEV_FLAVOUR_ES))
		SKIP(return, "KVM lacks what the SEV-ES model needs");
	self->be = limited;
	self->be.launch = sev_backend_model.launch;
	self->be.run = sev_backend_model.run;
	self->be.destroy = sev_backend_model.destroy;
	self->sel = (struct sev_backend_sel){ .be = &self->be,
					      .arg = model_behaviour_find("upstream") };
	self->p = (struct sev_sweep_params){
		.sel = &self->sel, .kvm = &self->kvm, .mode = GUEST_LONG, .set = 1,
		.per_vm = true, .profile = ABI_UPSTREAM,
	};
	creations = 0;
	create_limit = ~0u;
	create_errno = EBUSY;
	create_skip = "no SEV-ES ASID available";
}

FIXTURE_TEARDOWN(sweep)
{
	if (self->have_kvm)
		kvm_close(&self->kvm);
}

TEST_F(sweep, per_vm_all_judged)
{
	char line[4096];

	sev_sweep_set(&self->p, &self->res);
	ASSERT_EQ(256u, self->res.pass);
	ASSERT_EQ(0u, self->res.not_run);
	ASSERT_EQ(NULL, self->res.skip);
	ASSERT_EQ(256u, self->res.launches);
	sev_sweep_line(&self->res, GUEST_LONG, 1, line, sizeof(line));
	ASSERT_STREQ("sweep: mode=long set=1 pass=256 fail=0 failed_codes=", line);
}

/* ASIDs gone before anything was judged: the host's state, a skip. */
TEST_F(sweep, per_vm_nothing_judged_is_a_skip)
{
	create_limit = 0;
	sev_sweep_set(&self->p, &self->res);
	ASSERT_STREQ("no SEV-ES ASID available", self->res.skip);
	ASSERT_EQ(0u, self->res.pass + self->res.fail);
}

/* ASIDs gone part-way: the 17 judged values stay, the rest is not run, no skip. */
TEST_F(sweep, per_vm_exhaustion_after_values_judged_keeps_them)
{
	char line[4096];

	create_limit = 17;
	sev_sweep_set(&self->p, &self->res);
	ASSERT_EQ(NULL, self->res.skip);
	ASSERT_EQ(17u, self->res.pass);
	ASSERT_EQ(0u, self->res.fail);
	ASSERT_EQ(256u - 17, self->res.not_run);
	ASSERT_EQ(SEV_SWEEP_PASS, self->res.status[16]);
	ASSERT_EQ(SEV_SWEEP_NOT_RUN, self->res.status[17]);
	ASSERT_NE(NULL, strstr(self->res.not_run_why, "not run from code 0x11: creating its VM "
				"failed: errno=EBUSY, no SEV-ES ASID available"))
		TH_LOG("%s", self->res.not_run_why);
	sev_sweep_line(&self->res, GUEST_LONG, 1, line, sizeof(line));
	ASSERT_STREQ("sweep: mode=long set=1 pass=17 fail=0 failed_codes= not_run=0x11-0xff",
		     line);
}

/* A failure that is not the host's state is never a skip, even at the start. */
TEST_F(sweep, per_vm_other_failure_is_not_run)
{
	create_limit = 0;
	create_errno = EINVAL;
	create_skip = NULL;
	sev_sweep_set(&self->p, &self->res);
	ASSERT_EQ(NULL, self->res.skip);
	ASSERT_EQ(256u, self->res.not_run);
	ASSERT_NE(NULL, strstr(self->res.not_run_why, "errno=EINVAL"));
}

TEST_F(sweep, loop_one_launch_per_set)
{
	self->p.per_vm = false;
	sev_sweep_set(&self->p, &self->res);
	ASSERT_EQ(256u, self->res.pass);
	ASSERT_EQ(1u, self->res.launches);
}

/* The loop's guest cannot be created: with nothing judged, the host's reason. */
TEST_F(sweep, loop_nothing_judged_is_a_skip)
{
	self->p.per_vm = false;
	create_limit = 0;
	sev_sweep_set(&self->p, &self->res);
	ASSERT_STREQ("no SEV-ES ASID available", self->res.skip);
}

/* Each bug is caught at every code of the set, through the same engine. */
TEST_F(sweep, loop_detects_a_modelled_bug_at_every_code)
{
	self->sel.arg = model_behaviour_find("value-masked");
	self->p.per_vm = false;
	sev_sweep_set(&self->p, &self->res);
	ASSERT_EQ(256u, self->res.fail);
	ASSERT_NE(NULL, strstr(self->res.first_deviation, "code 0x00: deviation: "
				"field=system_event.data[0]"));
}

TEST(launch_counts)
{
	ASSERT_EQ(3u * 16, sev_sweep_launches(false));
	ASSERT_EQ(3u * 16 * 256, sev_sweep_launches(true));
}

TEST_HARNESS_MAIN
