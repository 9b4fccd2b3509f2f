// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the hardware backend's launch helpers (lib/x86_64/sev/
 * hardware.c) with injected ioctl results: what no development host can
 * produce (memlock limits between N and 2N pages, firmware status codes,
 * partial SNP updates, -EAGAIN, ASID exhaustion), through a double of
 * struct sev_hw_host. And the rule that a protected vCPU's registers are
 * never read: the accessors refuse, and a stuck protected run names no pc
 * (that one needs /dev/kvm).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"

#include "guest.h"
#include "sev_hw.h"
#include "suite.h"

/* ---- A scripted host ------------------------------------------------------- */

#define MAX_CALLS 4096

struct fake_host {
	u64 memlock;
	bool cap_ipc_lock;
	/* KVM_MEMORY_ENCRYPT_OP: fail command @fail_id with @fail_r and @fail_fw. */
	u32 fail_id;
	int fail_r;
	u32 fail_fw;		/* SEV_FW_NOT_CALLED: leave cmd.error alone */
	/* SNP_LAUNCH_UPDATE: pages done per call, and every @eagain_every-th call -EAGAIN. */
	u64 snp_pages_per_call;
	unsigned int eagain_every;
	/* What was asked, in order: command ids, or 1000 + nr for other ioctls. */
	u32 calls[MAX_CALLS];
	unsigned int nr_calls;
	u32 policy;		/* from LAUNCH_START, for GUEST_STATUS */
	u32 state;
};

static struct fake_host fake;

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.fail_id = ~0u;
	fake.snp_pages_per_call = ~0ull;
}

static int fake_encrypt_op(struct kvm_sev_cmd *cmd)
{
	if (cmd->id == fake.fail_id) {
		if (fake.fail_fw != SEV_FW_NOT_CALLED)
			cmd->error = fake.fail_fw;
		return fake.fail_r;
	}
	switch (cmd->id) {
	case KSE_SEV_LAUNCH_START: {
		struct kvm_sev_launch_start *s = (void *)(unsigned long)cmd->data;

		fake.policy = s->policy;
		fake.state = KSE_SEV_STATE_LAUNCH_UPDATE;
		break;
	}
	case KSE_SEV_LAUNCH_MEASURE:
		fake.state = KSE_SEV_STATE_LAUNCH_SECRET;
		break;
	case KSE_SEV_LAUNCH_FINISH:
		fake.state = KSE_SEV_STATE_RUNNING;
		break;
	case KSE_SEV_GUEST_STATUS: {
		struct kvm_sev_guest_status *st = (void *)(unsigned long)cmd->data;

		st->state = fake.state;
		st->policy = fake.policy;
		break;
	}
	case KSE_SEV_SNP_LAUNCH_UPDATE: {
		struct kse_sev_snp_launch_update *u = (void *)(unsigned long)cmd->data;
		u64 pages = u->len / 4096;

		if (fake.eagain_every && fake.nr_calls % fake.eagain_every == 0)
			return -EAGAIN;
		if (pages > fake.snp_pages_per_call)
			pages = fake.snp_pages_per_call;
		u->gfn_start += pages;
		u->uaddr += pages * 4096;
		u->len -= pages * 4096;
		break;
	}
	default:
		break;
	}
	cmd->error = 0;
	return 0;
}

static int fake_vm_ioctl(int vm_fd, unsigned long request, void *arg)
{
	(void)vm_fd;
	if (request == KVM_MEMORY_ENCRYPT_OP) {
		struct kvm_sev_cmd *cmd = arg;

		if (fake.nr_calls < MAX_CALLS)
			fake.calls[fake.nr_calls] = cmd->id;
		fake.nr_calls++;
		return fake_encrypt_op(cmd);
	}
	if (fake.nr_calls < MAX_CALLS)
		fake.calls[fake.nr_calls] = 1000 + _IOC_NR(request);
	fake.nr_calls++;
	return 0;
}

static int fake_open_sev(void)
{
	return 3;
}

static int fake_memlock(u64 *bytes)
{
	*bytes = fake.memlock;
	return 0;
}

static bool fake_cap(void)
{
	return fake.cap_ipc_lock;
}

static const struct sev_hw_host fake_host = {
	.vm_ioctl = fake_vm_ioctl,
	.open_sev = fake_open_sev,
	.memlock_limit = fake_memlock,
	.has_cap_ipc_lock = fake_cap,
};

/* ---- RLIMIT_MEMLOCK: 2N pages, CAP_IPC_LOCK exempts ---------------------- */

TEST(memlock_needs_both_pins)
{
	fake_reset();
	/* REG_REGION and LAUNCH_UPDATE_DATA each pin the guest: 2N pages. */
	ASSERT_EQ(2 * GUEST_MEM_SIZE, sev_hw_memlock_needed(GUEST_MEM_SIZE));
	fake.memlock = GUEST_MEM_SIZE;	/* enough for one pin: -ENOMEM at UPDATE_DATA */
	ASSERT_STREQ("RLIMIT_MEMLOCK too low", sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_ES));
	fake.memlock = 2 * GUEST_MEM_SIZE - 1;
	ASSERT_STREQ("RLIMIT_MEMLOCK too low", sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_ES));
	fake.memlock = 2 * GUEST_MEM_SIZE;
	ASSERT_EQ(NULL, sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_ES));
	fake.memlock = UINT64_MAX;
	ASSERT_EQ(NULL, sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_ES));
}

TEST(memlock_exemption_is_cap_ipc_lock)
{
	fake_reset();
	fake.memlock = 0;
	ASSERT_STREQ("RLIMIT_MEMLOCK too low", sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_ES));
	fake.cap_ipc_lock = true;
	ASSERT_EQ(NULL, sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_ES));
	/* SNP memory is guest_memfd: nothing pinned against the limit. */
	fake.cap_ipc_lock = false;
	ASSERT_EQ(NULL, sev_hw_memlock_skip(&fake_host, SEV_FLAVOUR_SNP));
}

/* The real host reads the capability, not the uid: it agrees with CapEff. */
TEST(real_cap_ipc_lock_is_cap_eff_bit_14)
{
	char line[256];
	bool eff = false;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		SKIP(return, "no /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			eff = (strtoull(line + 7, NULL, 16) >> 14) & 1;
	fclose(f);
	ASSERT_EQ(eff, sev_hw_host_real.has_cap_ipc_lock());
}

/* ---- INIT failures: which are the host's state, in whose words ----------- */

TEST(init_skip_phrases)
{
	ASSERT_STREQ("SEV-ES not enabled in kvm_amd",
		     sev_hw_init_skip_reason(SEV_FLAVOUR_ES, -ENOTTY, SEV_FW_NOT_CALLED));
	ASSERT_STREQ("SNP not enabled in kvm_amd",
		     sev_hw_init_skip_reason(SEV_FLAVOUR_SNP, -ENOTTY, SEV_FW_NOT_CALLED));
	ASSERT_STREQ("no SEV-ES ASID available",
		     sev_hw_init_skip_reason(SEV_FLAVOUR_ES, -EBUSY, SEV_FW_NOT_CALLED));
	ASSERT_STREQ("no SNP ASID available",
		     sev_hw_init_skip_reason(SEV_FLAVOUR_SNP, -EBUSY, SEV_FW_NOT_CALLED));
	/* EBUSY after the firmware ran (platform init failed): a failure. */
	ASSERT_EQ(NULL, sev_hw_init_skip_reason(SEV_FLAVOUR_ES, -EBUSY, 0x1));
	ASSERT_EQ(NULL, sev_hw_init_skip_reason(SEV_FLAVOUR_ES, -EINVAL, SEV_FW_NOT_CALLED));
	ASSERT_EQ(NULL, sev_hw_init_skip_reason(SEV_FLAVOUR_ES, -EIO, 0x5));
}

/* Every skip phrase the backend can give has a hint. */
TEST(init_skip_phrases_have_hints)
{
	static const char *const phrases[] = {
		"SEV-ES not enabled in kvm_amd", "SNP not enabled in kvm_amd",
		"no SEV-ES ASID available", "no SNP ASID available", "RLIMIT_MEMLOCK too low",
	};
	unsigned int i;
	const struct suite_hint *h;

	for (i = 0; i < ARRAY_SIZE(phrases); i++) {
		for (h = suite_arch_skip_hints; h->reason; h++)
			if (!strcmp(h->reason, phrases[i]))
				break;
		EXPECT_NE(NULL, h->reason) TH_LOG("no hint for '%s'", phrases[i]);
	}
}

/* ---- Firmware status: named, and printed only when the firmware ran ------ */

TEST(firmware_names_include_snp_codes)
{
	ASSERT_STREQ("SECURE_DATA_INVALID", sev_fw_error_name(0x18));
	ASSERT_STREQ("INVALID_PAGE_SIZE", sev_fw_error_name(0x19));
	ASSERT_STREQ("INVALID_PAGE_STATE", sev_fw_error_name(0x1a));
	ASSERT_STREQ("INVALID_PAGE_OWNER", sev_fw_error_name(0x1c));
	ASSERT_STREQ("RMP_INIT_REQUIRED", sev_fw_error_name(0x20));
	ASSERT_STREQ("INVALID_KEY", sev_fw_error_name(0x27));
	ASSERT_STREQ("unknown firmware status", sev_fw_error_name(0x1e));
	ASSERT_STREQ("unknown firmware status", sev_fw_error_name(0x28));
}

TEST(firmware_status_only_when_called)
{
	char buf[160];

	sev_hw_cmd_failure(buf, sizeof(buf), "KVM_SEV_LAUNCH_START", -EINVAL, SEV_FW_NOT_CALLED);
	ASSERT_STREQ("KVM_SEV_LAUNCH_START failed: errno=EINVAL", buf);
	sev_hw_cmd_failure(buf, sizeof(buf), "KVM_SEV_INIT2", -EIO, 0);
	ASSERT_STREQ("KVM_SEV_INIT2 failed: errno=EIO", buf);
	sev_hw_cmd_failure(buf, sizeof(buf), "KVM_SEV_SNP_LAUNCH_UPDATE", -EIO, 0x1a);
	ASSERT_STREQ("KVM_SEV_SNP_LAUNCH_UPDATE failed: errno=EIO firmware=INVALID_PAGE_STATE (0x1a)",
		     buf);
}

TEST(cmd_reports_untouched_error_as_not_called)
{
	u32 fw = 0;

	fake_reset();
	fake.fail_id = KSE_SEV_LAUNCH_START;
	fake.fail_r = -EINVAL;
	fake.fail_fw = SEV_FW_NOT_CALLED;	/* KVM refused before the PSP saw it */
	ASSERT_EQ(-EINVAL, sev_hw_cmd(&fake_host, -1, 3, KSE_SEV_LAUNCH_START,
				      &(struct kvm_sev_launch_start){ 0 }, "x", &fw));
	ASSERT_EQ(SEV_FW_NOT_CALLED, fw);
	fake.fail_fw = 0x7;
	ASSERT_EQ(-EINVAL, sev_hw_cmd(&fake_host, -1, 3, KSE_SEV_LAUNCH_START,
				      &(struct kvm_sev_launch_start){ 0 }, "x", &fw));
	ASSERT_EQ(0x7u, fw);
}

/* ---- SNP_LAUNCH_UPDATE: partial progress and -EAGAIN --------------------- */

static struct kse_sev_snp_launch_update snp_update(void)
{
	return (struct kse_sev_snp_launch_update){
		.gfn_start = 0, .uaddr = 0x7f0000000000ull, .len = GUEST_MEM_SIZE,
		.type = KSE_SNP_PAGE_TYPE_NORMAL,
	};
}

TEST(snp_update_continues_until_len_is_zero)
{
	struct kse_sev_snp_launch_update u = snp_update();
	u32 fw;

	fake_reset();
	fake.snp_pages_per_call = 1;
	ASSERT_EQ(0, sev_hw_snp_launch_update(&fake_host, -1, 3, &u, &fw));
	ASSERT_EQ(0ull, u.len);
	ASSERT_EQ(GUEST_MEM_SIZE / 4096, u.gfn_start);
	ASSERT_EQ(0x7f0000000000ull + GUEST_MEM_SIZE, u.uaddr);
	ASSERT_EQ(GUEST_MEM_SIZE / 4096, fake.nr_calls);
}

TEST(snp_update_retries_eagain)
{
	struct kse_sev_snp_launch_update u = snp_update();
	u32 fw;

	fake_reset();
	fake.snp_pages_per_call = 2;
	fake.eagain_every = 2;		/* calls 0, 2, 4, ... say -EAGAIN */
	ASSERT_EQ(0, sev_hw_snp_launch_update(&fake_host, -1, 3, &u, &fw));
	ASSERT_EQ(0ull, u.len);
	ASSERT_EQ(GUEST_MEM_SIZE / 4096, u.gfn_start);
}

TEST(snp_update_without_progress_gives_up)
{
	struct kse_sev_snp_launch_update u = snp_update();
	u32 fw;

	fake_reset();
	fake.snp_pages_per_call = 0;
	ASSERT_EQ(-EPROTO, sev_hw_snp_launch_update(&fake_host, -1, 3, &u, &fw));
	ASSERT_EQ(GUEST_MEM_SIZE, u.len);
	ASSERT_GT(fake.nr_calls, 1u);
}

TEST(snp_update_error_is_returned_with_firmware_status)
{
	struct kse_sev_snp_launch_update u = snp_update();
	u32 fw;

	fake_reset();
	fake.fail_id = KSE_SEV_SNP_LAUNCH_UPDATE;
	fake.fail_r = -EIO;
	fake.fail_fw = 0x1a;
	ASSERT_EQ(-EIO, sev_hw_snp_launch_update(&fake_host, -1, 3, &u, &fw));
	ASSERT_EQ(0x1au, fw);
	ASSERT_EQ(1u, fake.nr_calls);
}

/* ---- The launch, end to end on the scripted host -------------------------- */

FIXTURE(launch) {
	struct sev_guest g;
	void *mem;
};

FIXTURE_SETUP(launch)
{
	fake_reset();
	memset(&self->g, 0, sizeof(self->g));
	self->mem = calloc(1, GUEST_MEM_SIZE);
	ASSERT_NE(NULL, self->mem);
	self->g.be = &sev_backend_hardware;
	self->g.vm.fd = -1;
	self->g.vm.nr_slots = 1;
	self->g.vm.slots[0] = (struct vm_slot){ .gpa = 0, .size = GUEST_MEM_SIZE,
						.hva = self->mem };
	self->g.vcpu.fd = -1;
	self->g.nodbg = true;
	ASSERT_EQ(0, sev_hw_attach(&self->g, &fake_host));
}

FIXTURE_TEARDOWN(launch)
{
	free(self->g.priv);
	free(self->mem);
}

TEST_F(launch, sev_es_order_and_protected_state)
{
	static const u32 want[] = {
		1000 + _IOC_NR(KVM_MEMORY_ENCRYPT_REG_REGION), KSE_SEV_LAUNCH_START,
		KSE_SEV_GUEST_STATUS, KSE_SEV_LAUNCH_UPDATE_DATA, KSE_SEV_LAUNCH_UPDATE_VMSA,
		KSE_SEV_LAUNCH_MEASURE, KSE_SEV_GUEST_STATUS, KSE_SEV_LAUNCH_FINISH,
		KSE_SEV_GUEST_STATUS,
	};
	unsigned int i;

	self->g.flavour = SEV_FLAVOUR_ES;
	ASSERT_EQ(0, sev_backend_hardware.launch(&self->g));
	ASSERT_TRUE(self->g.vcpu.state_protected);
	ASSERT_EQ(ARRAY_SIZE(want), fake.nr_calls);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(want[i], fake.calls[i]) TH_LOG("call %u", i);
	ASSERT_EQ(KSE_SEV_POLICY_ES | KSE_SEV_POLICY_NODBG, fake.policy);
}

/* A launch that fails half-way has already handed the VMSA over. */
TEST_F(launch, failed_launch_is_protected_too)
{
	self->g.flavour = SEV_FLAVOUR_ES;
	fake.fail_id = KSE_SEV_LAUNCH_MEASURE;
	fake.fail_r = -EIO;
	fake.fail_fw = 0x2;
	ASSERT_EQ(-EIO, sev_backend_hardware.launch(&self->g));
	ASSERT_TRUE(self->g.vcpu.state_protected);
}

TEST_F(launch, snp_partial_updates)
{
	self->g.flavour = SEV_FLAVOUR_SNP;
	fake.snp_pages_per_call = 2;
	fake.eagain_every = 3;
	ASSERT_EQ(0, sev_backend_hardware.launch(&self->g));
	ASSERT_EQ((u32)KSE_SEV_SNP_LAUNCH_START, fake.calls[0]);
	ASSERT_EQ((u32)KSE_SEV_SNP_LAUNCH_FINISH, fake.calls[fake.nr_calls - 1]);
	ASSERT_GT(fake.nr_calls, 4u);
	ASSERT_TRUE(self->g.vcpu.state_protected);
}

/* ---- Protected registers are never read ----------------------------------- */

TEST(protected_registers_refused_without_asking_kvm)
{
	struct vcpu v = { .fd = -1 };
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	u64 pc;

	/* Unprotected, the accessor asks KVM: EBADF from the closed fd. */
	ASSERT_EQ(-EBADF, __vcpu_get_regs(&v, &regs));
	v.state_protected = true;
	ASSERT_EQ(-EPERM, __vcpu_get_regs(&v, &regs));
	ASSERT_EQ(-EPERM, __vcpu_get_sregs(&v, &sregs));
	ASSERT_EQ(-EPERM, __vcpu_set_regs(&v, &regs));
	ASSERT_EQ(-EPERM, __vcpu_set_sregs(&v, &sregs));
	ASSERT_NE(0, vcpu_arch_get_pc(&v, &pc));
}

/* A guest that never exits. */
GUEST_PROG(spin_guest, "1:\tjmp 1b\n");

FIXTURE(stuck) {
	struct kvm_dev kvm;
	struct vm vm;
	struct vcpu vcpu;
	bool have_kvm, have_vm, have_vcpu;
};

FIXTURE_SETUP(stuck)
{
	int r = __kvm_open(&self->kvm);

	if (r)
		SKIP(return, "no usable /dev/kvm");
	self->have_kvm = true;
	ASSERT_EQ(0, __vm_create(&self->kvm, KSE_X86_DEFAULT_VM, &self->vm));
	self->have_vm = true;
	ASSERT_EQ(0, __vm_add_memory(&self->vm, 0, GUEST_MEM_SIZE));
	ASSERT_EQ(0, __vcpu_create(&self->vm, 0, &self->vcpu));
	self->have_vcpu = true;
	ASSERT_EQ(0, guest_setup(&self->vcpu, GUEST_PROT, &spin_guest, 0));
	self->vcpu.timeout_ms = 100;
}

FIXTURE_TEARDOWN(stuck)
{
	if (self->have_vcpu)
		vcpu_destroy(&self->vcpu);
	if (self->have_vm)
		vm_destroy(&self->vm);
	if (self->have_kvm)
		kvm_close(&self->kvm);
}

/* Run into the watchdog; the oracle's one deviation, formatted. 0 or the count. */
static int stuck_line(struct vcpu *vcpu, char *line, size_t len, struct run_outcome *out)
{
	struct sysevent_expect exp;
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	int n;

	sysevent_expect_sev_term(&exp, ABI_UPSTREAM, 0x100, true);
	__vcpu_run(vcpu, out);
	n = sysevent_check(out, vcpu->run, &exp, dev, SYSEVENT_MAX_DEVIATIONS);
	if (n != 1)
		return n;
	deviation_format(&dev[0], line, len);
	return 0;
}

TEST_F(stuck, plain_run_names_the_pc)
{
	struct run_outcome out;
	char line[512];

	ASSERT_EQ(0, stuck_line(&self->vcpu, line, sizeof(line), &out));
	ASSERT_TRUE(out.stuck);
	ASSERT_TRUE(out.pc_valid);
	ASSERT_NE(NULL, strstr(line, ",pc=0x")) TH_LOG("%s", line);
}

TEST_F(stuck, protected_run_names_no_pc)
{
	struct run_outcome out;
	char line[512];

	self->vcpu.state_protected = true;
	ASSERT_EQ(0, stuck_line(&self->vcpu, line, sizeof(line), &out));
	ASSERT_TRUE(out.stuck);
	ASSERT_FALSE(out.pc_valid);
	ASSERT_EQ(NULL, strstr(line, "pc=")) TH_LOG("%s", line);
}

TEST_HARNESS_MAIN
