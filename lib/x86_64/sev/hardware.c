// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware backend: a real SEV-ES or SNP guest. The launch follows
 * Documentation/virt/kvm/x86/amd-memory-encryption.rst and the order the
 * upstream selftests use: VM type + KVM_SEV_INIT2 when KVM_CAP_VM_TYPES
 * offers it (v6.10+), else a default VM + KVM_SEV_ES_INIT; then
 * LAUNCH_START, LAUNCH_UPDATE_DATA, LAUNCH_UPDATE_VMSA, LAUNCH_MEASURE,
 * LAUNCH_FINISH, with GUEST_STATUS checked between steps.
 *
 * Every request to kvm_amd and the SEV firmware goes through a struct
 * sev_hw_host (sev_hw.h): the real one here, a double in the unit tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "sev_hw.h"

/* Calls without progress before SNP_LAUNCH_UPDATE counts as stuck. */
#define SNP_UPDATE_MAX_IDLE	1000

/* The hardware backend's part of an sev_guest. */
struct hw {
	const struct sev_hw_host *host;
	int sev_fd;		/* /dev/sev, for SEV commands */
	int gmem_fd;		/* SNP: guest_memfd backing private memory */
	bool legacy_init;	/* KVM_SEV_ES_INIT on a default-type VM */
	u32 fw_error;		/* cmd.error of the last command */
};

/* ---- The host as it is -------------------------------------------------- */

static int real_vm_ioctl(int vm_fd, unsigned long request, void *arg)
{
	int r = ioctl(vm_fd, request, arg);

	return r < 0 ? -errno : r;
}

static int real_open_sev(void)
{
	int fd = open("/dev/sev", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int real_memlock_limit(u64 *bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	*bytes = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (u64)rl.rlim_cur;
	return 0;
}

/*
 * KVM asks capable(CAP_IPC_LOCK), not "is root": a root process without the
 * capability is limited like anyone. (In a user namespace the kernel asks
 * the initial namespace; the launch then says ENOMEM.)
 */
static bool real_has_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective & CAP_TO_MASK(CAP_IPC_LOCK);
}

const struct sev_hw_host sev_hw_host_real = {
	.vm_ioctl = real_vm_ioctl,
	.open_sev = real_open_sev,
	.memlock_limit = real_memlock_limit,
	.has_cap_ipc_lock = real_has_cap_ipc_lock,
};

/* ---- Firmware status ------------------------------------------------------ */

/* SEV API and SEV-SNP firmware ABI status codes (psp-sev.h's SEV_RET_*). */
static const char *const fw_errors[] = {
	[0x00] = "SUCCESS",
	[0x01] = "INVALID_PLATFORM_STATE",
	[0x02] = "INVALID_GUEST_STATE",
	[0x03] = "INVALID_CONFIG",
	[0x04] = "INVALID_LEN",
	[0x05] = "ALREADY_OWNED",
	[0x06] = "INVALID_CERTIFICATE",
	[0x07] = "POLICY_FAILURE",
	[0x08] = "INACTIVE",
	[0x09] = "INVALID_ADDRESS",
	[0x0a] = "BAD_SIGNATURE",
	[0x0b] = "BAD_MEASUREMENT",
	[0x0c] = "ASID_OWNED",
	[0x0d] = "INVALID_ASID",
	[0x0e] = "WBINVD_REQUIRED",
	[0x0f] = "DFFLUSH_REQUIRED",
	[0x10] = "INVALID_GUEST",
	[0x11] = "INVALID_COMMAND",
	[0x12] = "ACTIVE",
	[0x13] = "HWSEV_RET_PLATFORM",
	[0x14] = "HWSEV_RET_UNSAFE",
	[0x15] = "UNSUPPORTED",
	[0x16] = "INVALID_PARAM",
	[0x17] = "RESOURCE_LIMIT",
	[0x18] = "SECURE_DATA_INVALID",
	/* SNP (what SNP_LAUNCH_UPDATE and friends return). */
	[0x19] = "INVALID_PAGE_SIZE",
	[0x1a] = "INVALID_PAGE_STATE",
	[0x1b] = "INVALID_MDATA_ENTRY",
	[0x1c] = "INVALID_PAGE_OWNER",
	[0x1d] = "AEAD_OFLOW",
	[0x1f] = "EXIT_RING_BUFFER",
	[0x20] = "RMP_INIT_REQUIRED",
	[0x21] = "BAD_SVN",
	[0x22] = "BAD_VERSION",
	[0x23] = "SHUTDOWN_REQUIRED",
	[0x24] = "UPDATE_FAILED",
	[0x25] = "RESTORE_REQUIRED",
	[0x26] = "RMP_INITIALIZATION_FAILED",
	[0x27] = "INVALID_KEY",
};

const char *sev_fw_error_name(u32 code)
{
	if (code < ARRAY_SIZE(fw_errors) && fw_errors[code])
		return fw_errors[code];
	return "unknown firmware status";
}

/*
 * KVM passes cmd.error back as it found it when it refuses a command
 * itself, and some of its paths store 0 without a firmware call: only a
 * status that is neither says what the firmware thought.
 */
int sev_hw_cmd_failure(char *buf, size_t len, const char *name, int r, u32 fw)
{
	if (fw == SEV_FW_NOT_CALLED || fw == 0)
		return snprintf(buf, len, "%s failed: errno=%s", name, errno_name(-r));
	return snprintf(buf, len, "%s failed: errno=%s firmware=%s (0x%x)", name, errno_name(-r),
			sev_fw_error_name(fw), fw);
}

static int __sev_hw_cmd(const struct sev_hw_host *h, int vm_fd, int sev_fd, u32 id, void *data,
			const char *name, u32 *fw, bool retry_ok)
{
	struct kvm_sev_cmd cmd = {
		.id = id,
		.data = (u64)(unsigned long)data,
		.error = SEV_FW_NOT_CALLED,
		.sev_fd = sev_fd,
	};
	char msg[160];
	int r;

	r = h->vm_ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	if (r > 0)
		r = 0;
	*fw = cmd.error;
	if (r && !(retry_ok && r == -EAGAIN)) {
		sev_hw_cmd_failure(msg, sizeof(msg), name, r, cmd.error);
		pr_diag("%s", msg);
	}
	return r;
}

int sev_hw_cmd(const struct sev_hw_host *h, int vm_fd, int sev_fd, u32 id, void *data,
	       const char *name, u32 *fw)
{
	return __sev_hw_cmd(h, vm_fd, sev_fd, id, data, name, fw, false);
}

/* ---- Host checks ------------------------------------------------------------ */

/*
 * KVM charges the pages an SEV-ES guest pins to the VM (sev->pages_locked)
 * and compares them with RLIMIT_MEMLOCK unless the task has CAP_IPC_LOCK:
 * KVM_MEMORY_ENCRYPT_REG_REGION pins the guest for the VM's lifetime and
 * LAUNCH_UPDATE_DATA pins the same pages again while it runs. An N-page
 * guest needs 2N pages of limit (sev_pin_memory(), arch/x86/kvm/svm/sev.c).
 * SNP guests live in guest_memfd and pin nothing there.
 */
u64 sev_hw_memlock_needed(u64 guest_bytes)
{
	return 2 * guest_bytes;
}

const char *sev_hw_memlock_skip(const struct sev_hw_host *h, enum sev_flavour f)
{
	u64 limit = 0;

	if (f != SEV_FLAVOUR_ES || h->memlock_limit(&limit))
		return NULL;
	if (limit >= sev_hw_memlock_needed(GUEST_MEM_SIZE) || h->has_cap_ipc_lock())
		return NULL;
	return "RLIMIT_MEMLOCK too low";
}

/*
 * ENOTTY: kvm_amd has SEV (or SEV-ES) disabled; an empty SEV-ES ASID range
 * disables SEV-ES at load, so this is what an EPYC without ES ASIDs says
 * too. EBUSY with the firmware never called: sev_asid_new() found the ASID
 * range (shared by SEV-ES and SNP guests) or the misc cgroup exhausted.
 * EBUSY after a firmware call is a platform failure, not the host's state.
 */
const char *sev_hw_init_skip_reason(enum sev_flavour f, int r, u32 fw)
{
	bool snp = f == SEV_FLAVOUR_SNP;

	if (r == -ENOTTY)
		return snp ? "SNP not enabled in kvm_amd" : "SEV-ES not enabled in kvm_amd";
	if (r == -EBUSY && fw == SEV_FW_NOT_CALLED)
		return snp ? "no SNP ASID available" : "no SEV-ES ASID available";
	return NULL;
}

static bool has_vm_type(struct kvm_dev *kvm, u32 type)
{
	return kvm_vm_types(kvm) & BIT(type);
}

static const char *hw_unavailable(struct kvm_dev *kvm, enum sev_flavour f)
{
	const struct sev_hw_host *h = &sev_hw_host_real;
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
	fd = h->open_sev();
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
		return "no /dev/sev";
	if (fd == -EACCES || fd == -EPERM)
		return "no access to /dev/sev";
	if (fd < 0)
		return "cannot open /dev/sev";
	close(fd);
	return sev_hw_memlock_skip(h, f);
}

/* ---- Launch ---------------------------------------------------------------- */

static struct hw *hw_of(struct sev_guest *g)
{
	return g->priv;
}

int sev_hw_attach(struct sev_guest *g, const struct sev_hw_host *h)
{
	struct hw *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return -ENOMEM;
	hw->host = h;
	hw->sev_fd = -1;
	hw->gmem_fd = -1;
	g->priv = hw;
	return 0;
}

#define sev_cmd_checked(g, id, data) \
	__sev_cmd_checked((g), KSE_SEV_##id, (data), "KVM_SEV_" #id)
static int __sev_cmd_checked(struct sev_guest *g, u32 id, void *data, const char *name)
{
	struct hw *hw = hw_of(g);

	return sev_hw_cmd(hw->host, g->vm.fd, hw->sev_fd, id, data, name, &hw->fw_error);
}

static int guest_status_is(struct sev_guest *s, u32 state, u32 policy, bool check_policy)
{
	struct kvm_sev_guest_status st = { 0 };
	int r = sev_cmd_checked(s, GUEST_STATUS, &st);

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

	r = sev_hw_attach(g, &sev_hw_host_real);
	if (r)
		return r;
	hw = hw_of(g);
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
	r = hw->host->open_sev();
	if (r < 0)
		return r;
	hw->sev_fd = r;
	/* INIT must precede vCPU creation. */
	r = hw->legacy_init ? sev_cmd_checked(g, ES_INIT, NULL) :
			      sev_cmd_checked(g, INIT2, &init);
	if (r) {
		g->skip_reason = sev_hw_init_skip_reason(g->flavour, r, hw->fw_error);
		return r;
	}
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

	r = hw_of(s)->host->vm_ioctl(s->vm.fd, KVM_MEMORY_ENCRYPT_REG_REGION, &region);
	if (r < 0) {
		pr_diag("KVM_MEMORY_ENCRYPT_REG_REGION failed: errno=%s", errno_name(-r));
		return r;
	}
	r = sev_cmd_checked(s, LAUNCH_START, &start);
	if (!r)
		r = guest_status_is(s, KSE_SEV_STATE_LAUNCH_UPDATE, policy, true);
	if (!r)
		r = sev_cmd_checked(s, LAUNCH_UPDATE_DATA, &update);
	if (!r)
		r = sev_cmd_checked(s, LAUNCH_UPDATE_VMSA, NULL);
	if (!r)
		r = sev_cmd_checked(s, LAUNCH_MEASURE, &measure);
	if (!r)
		r = guest_status_is(s, KSE_SEV_STATE_LAUNCH_SECRET, policy, false);
	if (!r)
		r = sev_cmd_checked(s, LAUNCH_FINISH, NULL);
	if (!r)
		r = guest_status_is(s, KSE_SEV_STATE_RUNNING, policy, false);
	return r;
}

int sev_hw_snp_launch_update(const struct sev_hw_host *h, int vm_fd, int sev_fd,
			     struct kse_sev_snp_launch_update *u, u32 *fw)
{
	unsigned int idle = 0;
	u64 left;
	int r;

	while (u->len) {
		left = u->len;
		r = __sev_hw_cmd(h, vm_fd, sev_fd, KSE_SEV_SNP_LAUNCH_UPDATE, u,
				 "KVM_SEV_SNP_LAUNCH_UPDATE", fw, true);
		if (r && r != -EAGAIN)
			return r;
		if (!r && u->len < left) {
			idle = 0;
			continue;
		}
		if (u->len > left) {
			pr_diag("KVM_SEV_SNP_LAUNCH_UPDATE grew the range left: len 0x%llx -> 0x%llx",
				(unsigned long long)left, (unsigned long long)u->len);
			return -EPROTO;
		}
		if (++idle >= SNP_UPDATE_MAX_IDLE) {
			pr_diag("KVM_SEV_SNP_LAUNCH_UPDATE made no progress in %u calls (len 0x%llx left)",
				idle, (unsigned long long)u->len);
			return -EPROTO;
		}
		sched_yield();
	}
	return 0;
}

static int snp_launch(struct sev_guest *s)
{
	struct kse_sev_snp_launch_start start = {
		.policy = KSE_SNP_POLICY_SMT | KSE_SNP_POLICY_RSVD_MBO |
			  (s->nodbg ? 0 : KSE_SNP_POLICY_DEBUG),
	};
	struct kse_sev_snp_launch_update update = {
		.gfn_start = 0,
		.uaddr = (u64)(unsigned long)s->vm.slots[0].hva,
		.len = GUEST_MEM_SIZE,
		.type = KSE_SNP_PAGE_TYPE_NORMAL,
	};
	struct kse_sev_snp_launch_finish finish = { 0 };
	struct hw *hw = hw_of(s);
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
	r = sev_cmd_checked(s, SNP_LAUNCH_START, &start);
	if (!r)
		r = sev_hw_snp_launch_update(hw->host, s->vm.fd, hw->sev_fd, &update,
					     &hw->fw_error);
	if (!r)
		r = sev_cmd_checked(s, SNP_LAUNCH_FINISH, &finish);
	return r;
}

static int hw_launch(struct sev_guest *g)
{
	/*
	 * From the first launch command on, the registers KVM returns are not
	 * the guest's (on the legacy KVM_SEV_ES_INIT path KVM_GET_REGS still
	 * answers, with the pre-launch copy): never read them, even when the
	 * launch fails half-way.
	 */
	g->vcpu.state_protected = true;
	return g->flavour == SEV_FLAVOUR_SNP ? snp_launch(g) : sev_es_launch(g);
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
	.kernel_code = true,
	.unavailable = hw_unavailable,
	.create_vm = hw_create_vm,
	.launch = hw_launch,
	.destroy = hw_destroy,
};
