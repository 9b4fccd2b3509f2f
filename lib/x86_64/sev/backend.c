// SPDX-License-Identifier: GPL-2.0
/*
 * The SEV-ES guest every backend shares (see sev.h): one VM, one vCPU, the
 * test's program in the chosen mode. Creation, launch, run and teardown go
 * through the backend the test picked; nothing else differs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ghcb.h"
#include "model.h"
#include "sev.h"

static const struct sev_backend *const backends[] = {
	&sev_backend_hardware,
	&sev_backend_harness,
	&sev_backend_model,
};

int sev_backend_parse(const char *name, struct sev_backend_sel *sel)
{
	const char *colon = strchr(name, ':');
	size_t len = colon ? (size_t)(colon - name) : strlen(name);
	size_t i;

	memset(sel, 0, sizeof(*sel));
	/* "kernel" was the hardware backend's name before the harness existed. */
	if (!strcmp(name, "kernel"))
		name = "hardware", len = strlen(name);
	for (i = 0; i < ARRAY_SIZE(backends); i++) {
		const struct sev_backend *be = backends[i];

		if (strlen(be->name) != len || strncmp(be->name, name, len))
			continue;
		if (be->takes_arg != !!colon)
			return -1;
		if (colon && !(sel->arg = model_behaviour_find(colon + 1)))
			return -1;
		sel->be = be;
		snprintf(sel->name, sizeof(sel->name), "%s%s%s", be->name, colon ? ":" : "",
			 colon ? colon + 1 : "");
		return 0;
	}
	return -1;
}

void sev_backend_usage(FILE *f)
{
	size_t i;

	fprintf(f, "backends (SEV-ES cases):\n"
		   "  hardware            a real SEV-ES/SNP guest (default; needs an SEV-ES host)\n"
		   "  harness             KVM's own SEV-ES handler code, driven by a plain guest\n"
		   "                      through a test-only kvm_amd patch (kernel/harness/);\n"
		   "                      not an SEV-ES hardware result\n"
		   "  model:<behaviour>   a software model of KVM's SEV-ES side; its results say\n"
		   "                      nothing about any kernel\n\nmodel behaviours:\n");
	for (i = 0; i < model_nr_behaviours(); i++)
		fprintf(f, "  %-18s %s\n", model_behaviour_at(i)->name,
			model_behaviour_at(i)->summary);
}

const char *sev_guest_unavailable(const struct sev_backend_sel *sel, struct kvm_dev *kvm,
				  enum sev_flavour f, unsigned int needs)
{
	unsigned int bit;

	if (f == SEV_FLAVOUR_SNP)
		needs |= SEV_NEEDS(SEV_NEED_SNP);
	for (bit = 0; bit < NR_SEV_NEEDS; bit++)
		if ((needs & SEV_NEEDS(bit)) && sel->be->lacks[bit])
			return sel->be->lacks[bit];
	return sel->be->unavailable(kvm, f);
}

int sev_plain_create_vm(struct sev_guest *g, struct kvm_dev *kvm)
{
	int r = __vm_create(kvm, KSE_X86_DEFAULT_VM, &g->vm);

	if (r)
		return r;
	g->have_vm = true;
	return __vm_add_memory(&g->vm, 0, GUEST_MEM_SIZE);
}

int sev_guest_add_ghcb(struct sev_guest *g)
{
	int r = __vm_add_memory(&g->vm, GUEST_GHCB_GPA, GHCB_PAGE_SIZE);

	if (r)
		return r;
	return guest_map_shared_2m(&g->vm, GUEST_GHCB_GPA);
}

int __sev_guest_create(struct sev_guest *g, const struct sev_backend_sel *sel,
		       struct kvm_dev *kvm, enum sev_flavour f, enum guest_mode mode,
		       const struct guest_prog *prog, bool nodbg)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->be = sel->be;
	g->arg = sel->arg;
	g->flavour = f;
	g->mode = mode;
	g->nodbg = nodbg;
	g->vcpu.fd = -1;

	r = g->be->create_vm(g, kvm);
	if (r)
		return r;
	r = __vcpu_create(&g->vm, 0, &g->vcpu);
	if (r)
		return r;
	return guest_setup(&g->vcpu, mode, prog, 0);
}

int __sev_guest_launch(struct sev_guest *g)
{
	return g->be->launch(g);
}

void sev_guest_launch(struct sev_guest *g)
{
	int r = __sev_guest_launch(g);

	if (r)
		lib_fail("%s launch of the %s guest failed: errno=%s", g->be->name,
			 g->flavour == SEV_FLAVOUR_SNP ? "SNP" : "SEV-ES", errno_name(-r));
}

int sev_guest_run(struct sev_guest *g, struct run_outcome *out)
{
	if (g->be->run)
		return g->be->run(g, out);
	return __vcpu_run(&g->vcpu, out);
}

void sev_guest_destroy(struct sev_guest *g)
{
	if (g->vcpu.fd >= 0)
		vcpu_destroy(&g->vcpu);
	if (g->have_vm)
		vm_destroy(&g->vm);
	if (g->be && g->be->destroy)
		g->be->destroy(g);
	free(g->priv);
	g->priv = NULL;
	g->have_vm = false;
}
