// SPDX-License-Identifier: GPL-2.0
/*
 * The harness backend: a plain guest on a kvm_amd built with the suite's
 * test-only patch (kernel/harness/) and loaded with sev_es_test_harness=1.
 * The patch keeps the guest's GHCB MSR writes in the VMCB's GHCB field, as
 * SEV-ES hardware does, and hands its `rep vmmcall` (VMGEXIT) to KVM's own
 * sev_handle_vmgexit(): the exit this backend reports is what KVM's real
 * SEV-ES handler code wrote into kvm_run. What it cannot show: anything of
 * the protected state (launch, VMSA, encryption, the PSP, SEV-ES shutdown),
 * and the exit arrives at KVM as VMMCALL, not as a hardware VMGEXIT.
 *
 * Userspace does nothing special: the same VM, memory, guest and registers
 * as the model's plain VM, and KVM_RUN as it is.
 */
#include "sev.h"

#define HARNESS_MODULE	"kvm_amd"
#define HARNESS_PARAM	"sev_es_test_harness"

static const char *harness_unavailable(struct kvm_dev *kvm, enum sev_flavour f)
{
	(void)kvm;
	(void)f;
	if (kvm_module_param(HARNESS_MODULE, HARNESS_PARAM) != 1)
		return "no SEV-ES test harness in kvm_amd";
	return NULL;
}

static int harness_launch(struct sev_guest *g)
{
	(void)g;
	return 0;
}

const struct sev_backend sev_backend_harness = {
	.name = "harness",
	.kernel_code = true,
	.note = "KVM's SEV-ES handler code driven by a plain guest through a test-only "
		"kvm_amd patch, not an SEV-ES hardware result",
	.lacks = {
		[SEV_NEED_SNP] = "SNP is not reachable through the harness",
		[SEV_NEED_SHUTDOWN] = "SEV-ES shutdown needs protected guest state",
		[SEV_NEED_POLICY_NODBG] = "policy NODBG needs a hardware launch",
	},
	.unavailable = harness_unavailable,
	.create_vm = sev_plain_create_vm,
	.launch = harness_launch,
};
