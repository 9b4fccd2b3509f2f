// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware backend: a real SEV-ES or SNP guest. The launch follows Documentation/virt/kvm/x86/
 * amd-memory-encryption.rst and the order the upstream selftests use:
 * VM type + KVM_SEV_INIT2 when KVM_CAP_VM_TYPES offers it (v6.10+), else a
 * default VM + KVM_SEV_ES_INIT; then LAUNCH_START, LAUNCH_UPDATE_DATA,
 * LAUNCH_UPDATE_VMSA, LAUNCH_MEASURE, LAUNCH_FINISH, with GUEST_STATUS
 * checked between steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sev.h"

/* The hardware backend's part of an sev_guest. */
struct hw {
	int sev_fd;		/* /dev/sev, for SEV commands */
	int gmem_fd;		/* SNP: guest_memfd backing private memory */
	bool legacy_init;	/* KVM_SEV_ES_INIT on a default-type VM */
	u32 fw_error;		/* firmware status of the last command */
};

static const char *const fw_errors[] = {
	"SUCCESS", "INVALID_PLATFORM_STATE", "INVALID_GUEST_STATE", "INVALID_CONFIG",
	"INVALID_LEN", "ALREADY_OWNED", "INVALID_CERTIFICATE", "POLICY_FAILURE",
	"INACTIVE", "INVALID_ADDRESS", "BAD_SIGNATURE", "BAD_MEASUREMENT",
	"ASID_OWNED", "INVALID_ASID", "WBINVD_REQUIRED", "DFFLUSH_REQUIRED",
	"INVALID_GUEST", "INVALID_COMMAND", "ACTIVE", "HWSEV_RET_PLATFORM",
	"HWSEV_RET_UNSAFE", "UNSUPPORTED", "INVALID_PARAM", "RESOURCE_LIMIT",
	"SECURE_DATA_INVALID",
};

const char *sev_fw_error_name(u32 code)
{
	return code < ARRAY_SIZE(fw_errors) ? fw_errors[code] : "unknown firmware status";
}

static bool has_vm_type(struct kvm_dev *kvm, u32 type)
{
	return kvm_vm_types(kvm) & BIT(type);
}

static int open_sev(void)
{
	int fd = open("/dev/sev", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static const char *hw_unavailable(struct kvm_dev *kvm, enum sev_flavour f)
{
	struct rlimit rl;
	int fd;

	if (f == SEV_FLAVOUR_SNP && !has_vm_type(kvm, KSE_X86_SNP_VM))
		return "no SNP VM type";
	if (f == SEV_FLAVOUR_ES && !has_vm_type(kvm, KSE_X86_SEV_ES_VM)) {
		/* Kernels before 6.10: the legacy path needs SEV-ES in kvm_amd. */
		if (!kvm_module_present("kvm_amd"))
			return "no SEV-ES VM type";
		/* Unreadable: let the launch decide. */
		if (!kvm_module_param("kvm_amd", "sev_es"))
			return "SEV-ES not enabled in kvm_amd";
	}
	fd = open_sev();
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
		return "no /dev/sev";
	if (fd == -EACCES || fd == -EPERM)
		return "no access to /dev/sev";
	if (fd < 0)
		return "cannot open /dev/sev";
	close(fd);
	/* REG_REGION pins guest memory. */
	if (f == SEV_FLAVOUR_ES && !getrlimit(RLIMIT_MEMLOCK, &rl) &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < GUEST_MEM_SIZE && geteuid())
		return "RLIMIT_MEMLOCK too low";
	return NULL;
}

static struct hw *hw_of(struct sev_guest *g)
{
	return g->priv;
}

static int sev_cmd(struct sev_guest *g, u32 id, void *data)
{
	struct kvm_sev_cmd cmd = {
		.id = id,
		.data = (u64)(unsigned long)data,
		.sev_fd = hw_of(g)->sev_fd,
	};
	int r;

	r = ioctl(g->vm.fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	hw_of(g)->fw_error = cmd.error;
	return r ? -errno : 0;
}

#define sev_cmd_checked(s, id, data) __sev_cmd_checked((s), (id), (data), #id)
static int __sev_cmd_checked(struct sev_guest *g, u32 id, void *data, const char *name)
{
	int r = sev_cmd(g, id, data);

	if (r)
		pr_diag("%s failed: errno=%s firmware=%s (0x%x)", name, errno_name(-r),
			sev_fw_error_name(hw_of(g)->fw_error), hw_of(g)->fw_error);
	return r;
}

static int guest_status_is(struct sev_guest *s, u32 state, u32 policy, bool check_policy)
{
	struct kvm_sev_guest_status st = { 0 };
	int r = sev_cmd_checked(s, KSE_SEV_GUEST_STATUS, &st);

	if (r)
		return r;
	if (st.state != state || (check_policy && st.policy != policy)) {
		pr_diag("KVM_SEV_GUEST_STATUS: state %u policy 0x%x, expected state %u policy 0x%x",
			st.state, st.policy, state, policy);
		return -EPROTO;
	}
	return 0;
}

static int hw_create_vm(struct sev_guest *g, struct kvm_dev *kvm)
{
	struct kse_sev_init init = { 0 };
	struct hw *hw;
	u32 type;
	int r;

	hw = g->priv = calloc(1, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	hw->sev_fd = -1;
	hw->gmem_fd = -1;
	if (g->flavour == SEV_FLAVOUR_SNP)
		type = KSE_X86_SNP_VM;
	else if (has_vm_type(kvm, KSE_X86_SEV_ES_VM))
		type = KSE_X86_SEV_ES_VM;
	else
		type = KSE_X86_DEFAULT_VM;
	hw->legacy_init = type == KSE_X86_DEFAULT_VM;

	r = __vm_create(kvm, type, &g->vm);
	if (r)
		return r;
	g->have_vm = true;
	r = open_sev();
	if (r < 0)
		return r;
	hw->sev_fd = r;
	/* INIT must precede vCPU creation. */
	r = hw->legacy_init ? sev_cmd_checked(g, KSE_SEV_ES_INIT, NULL) :
			      sev_cmd_checked(g, KSE_SEV_INIT2, &init);
	/* An empty or exhausted ASID range (sev_asid_new) is the host's state. */
	if (r == -ENOTTY || r == -EBUSY)
		g->skip_reason = "no SEV-ES ASID available";
	if (r)
		return r;
	g->vm.arch.c_bit = guest_host_c_bit();
	if (g->flavour == SEV_FLAVOUR_SNP)
		return __vm_add_private_memory(&g->vm, 0, GUEST_MEM_SIZE, &hw->gmem_fd);
	return __vm_add_memory(&g->vm, 0, GUEST_MEM_SIZE);
}

static int sev_es_launch(struct sev_guest *s)
{
	u32 policy = KSE_SEV_POLICY_ES | (s->nodbg ? KSE_SEV_POLICY_NODBG : 0);
	struct vm_slot *slot = &s->vm.slots[0];
	struct kvm_enc_region region = {
		.addr = (u64)(unsigned long)slot->hva,
		.size = slot->size,
	};
	struct kvm_sev_launch_start start = { .policy = policy };
	struct kvm_sev_launch_update_data update = {
		.uaddr = (u64)(unsigned long)slot->hva,
		.len = slot->size,
	};
	u8 measurement[256];
	struct kvm_sev_launch_measure measure = {
		.uaddr = (u64)(unsigned long)measurement,
		.len = sizeof(measurement),
	};
	int r;

	if (ioctl(s->vm.fd, KVM_MEMORY_ENCRYPT_REG_REGION, &region)) {
		r = -errno;
		pr_diag("KVM_MEMORY_ENCRYPT_REG_REGION failed: errno=%s", errno_name(-r));
		return r;
	}
	r = sev_cmd_checked(s, KSE_SEV_LAUNCH_START, &start);
	if (!r)
		r = guest_status_is(s, KSE_SEV_STATE_LAUNCH_UPDATE, policy, true);
	if (!r)
		r = sev_cmd_checked(s, KSE_SEV_LAUNCH_UPDATE_DATA, &update);
	if (!r)
		r = sev_cmd_checked(s, KSE_SEV_LAUNCH_UPDATE_VMSA, NULL);
	if (!r)
		r = sev_cmd_checked(s, KSE_SEV_LAUNCH_MEASURE, &measure);
	if (!r)
		r = guest_status_is(s, KSE_SEV_STATE_LAUNCH_SECRET, policy, false);
	if (!r)
		r = sev_cmd_checked(s, KSE_SEV_LAUNCH_FINISH, NULL);
	if (!r)
		r = guest_status_is(s, KSE_SEV_STATE_RUNNING, policy, false);
	return r;
}

static int snp_launch(struct sev_guest *s)
{
	struct kse_sev_snp_launch_start start = {
		.policy = KSE_SNP_POLICY_SMT | KSE_SNP_POLICY_RSVD_MBO |
			  (s->nodbg ? 0 : (1ull << 19)),
	};
	struct kse_sev_snp_launch_update update = {
		.gfn_start = 0,
		.uaddr = (u64)(unsigned long)s->vm.slots[0].hva,
		.len = GUEST_MEM_SIZE,
		.type = KSE_SNP_PAGE_TYPE_NORMAL,
	};
	struct kse_sev_snp_launch_finish finish = { 0 };
	int r;

	/*
	 * As upstream's selftests do: let KVM forward the guest's page-state
	 * changes (KVM_HC_MAP_GPA_RANGE) to userspace. Our guest makes none;
	 * kernels that do not offer the exit do not need it.
	 */
	if (vm_check_cap(&s->vm, KSE_CAP_EXIT_HYPERCALL) & BIT(KSE_HC_MAP_GPA_RANGE)) {
		r = __vm_enable_cap(&s->vm, KSE_CAP_EXIT_HYPERCALL, BIT(KSE_HC_MAP_GPA_RANGE));
		if (r)
			return r;
	}
	r = sev_cmd_checked(s, KSE_SEV_SNP_LAUNCH_START, &start);
	if (!r)
		r = sev_cmd_checked(s, KSE_SEV_SNP_LAUNCH_UPDATE, &update);
	if (!r)
		r = sev_cmd_checked(s, KSE_SEV_SNP_LAUNCH_FINISH, &finish);
	return r;
}

static int hw_launch(struct sev_guest *g)
{
	int r = g->flavour == SEV_FLAVOUR_SNP ? snp_launch(g) : sev_es_launch(g);

	/* From here on the registers KVM returns are not the guest's. */
	if (!r)
		g->vcpu.state_protected = true;
	return r;
}

static void hw_destroy(struct sev_guest *g)
{
	struct hw *hw = g->priv;

	if (!hw)
		return;
	if (hw->gmem_fd >= 0)
		close(hw->gmem_fd);
	if (hw->sev_fd >= 0)
		close(hw->sev_fd);
}

const struct sev_backend sev_backend_hardware = {
	.name = "hardware",
	.unavailable = hw_unavailable,
	.create_vm = hw_create_vm,
	.launch = hw_launch,
	.destroy = hw_destroy,
};
