// SPDX-License-Identifier: GPL-2.0
/*
 * system_event_legacy_test: what existing VMMs rely on must not move.
 *
 * - A triple fault in a plain guest is KVM_EXIT_SHUTDOWN, never a system
 *   event (from the guest's own fault, and injected with
 *   KVM_CAP_X86_TRIPLE_FAULT_EVENT).
 * - Hyper-V's crash MSR gives KVM_EXIT_SYSTEM_EVENT / CRASH (3) and its
 *   reset MSR gives RESET (2), both with ndata 0 (x86.c, since d495f942f40a).
 * - KVM_CAP_SYSTEM_EVENT_DATA is advertised, which is what makes ndata and
 *   data[] valid.
 *
 * That system_event has the documented offsets and size, and that flags is
 * still data[0] for VMMs built against the old header, is a build-time fact
 * (include/abi.h, proven against each kernel line's uapi by make check-abi):
 * every event case above reads what KVM wrote at those offsets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"

#include "suite.h"
#include "test_util.h"

static struct suite_opts opts = {
	.binary = "system_event_legacy_test",
	.summary = "legacy system events: triple-fault SHUTDOWN, Hyper-V CRASH/RESET, capability",
};

/* #UD with an empty IDT: #UD, then #GP delivering it, then a triple fault. */
GUEST_PROG(ud_guest, "ud2\n");
/* A guest that only halts (the injected triple fault comes first). */
GUEST_PROG(hlt_guest, "1:\thlt\n\tjmp 1b\n");
/* Write EDX:EAX to MSR ECX, then halt: a dropped request ends in HLT. */
GUEST_PROG(wrmsr_guest, "wrmsr\n1:\thlt\n\tjmp 1b\n");

static int run_and_check(struct vcpu *vcpu, const struct sysevent_expect *exp)
{
	struct run_outcome out;

	return suite_run_check(vcpu, exp, &out);
}

/* ---- Triple faults ------------------------------------------------------ */

/*
 * Protected and long mode only: a CPU checks the IVT limit in real mode too
 * (#UD past it: #GP, #DF, shutdown), but KVM's instruction emulator, which
 * runs real mode on some KVMs (kvm_pvm here), does not (emulate.c,
 * __emulate_int_real()): such a guest runs on into zeroed memory.
 */
PLAIN_FIXTURE(triple_fault)
MODE_VARIANTS(triple_fault);

TEST_F(triple_fault, ud_empty_idt)
{
	struct sysevent_expect exp = { .profile = opts.profile, .exit_reason = KSE_EXIT_SHUTDOWN };

	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], variant->mode, &ud_guest, 0));
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

PLAIN_FIXTURE(triple_fault_event)
MODE_VARIANTS(triple_fault_event, REAL_MODE_VARIANT(triple_fault_event));

/* A triple fault made pending through KVM_SET_VCPU_EVENTS. */
TEST_F(triple_fault_event, injected)
{
	struct sysevent_expect exp = { .profile = opts.profile, .exit_reason = KSE_EXIT_SHUTDOWN };
	struct kvm_vcpu_events events;

	if (!kvm_check_cap(&self->p.kvm, KSE_CAP_X86_TRIPLE_FAULT_EVENT))
		SUITE_SKIP(return, "no KVM_CAP_X86_TRIPLE_FAULT_EVENT");
	SUITE_DECIDED_BY("KVM_CAP_X86_TRIPLE_FAULT_EVENT");
	vm_enable_cap(&self->p.vm, KSE_CAP_X86_TRIPLE_FAULT_EVENT, 1);
	ASSERT_EQ(0, guest_setup(&self->p.vcpu[0], variant->mode, &hlt_guest, 0));
	vcpu_ioctl(&self->p.vcpu[0], KVM_GET_VCPU_EVENTS, &events);
	events.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	events.triple_fault.pending = 1;
	vcpu_ioctl(&self->p.vcpu[0], KVM_SET_VCPU_EVENTS, &events);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* ---- Hyper-V crash and reset MSRs ---------------------------------------- */

/*
 * KVM enables Hyper-V emulation for a vCPU whose CPUID leaf 0x40000001 EAX
 * is "Hv#1". Keep everything else KVM supports (long mode needs LM).
 */
static int set_hyperv_cpuid(struct plain *p)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(&p->kvm);
	unsigned int i, n = 0;
	int r;

	if (!cpuid)
		return -errno;
	/* Room for two more: the buffer has CPUID_MAX_ENTRIES, KVM filled fewer. */
	if (cpuid->nent > 254) {
		r = -E2BIG;
		goto out;
	}
	for (i = 0; i < cpuid->nent; i++) {
		u32 f = cpuid->entries[i].function;

		if ((f & 0xffffff00) != 0x40000000)
			cpuid->entries[n++] = cpuid->entries[i];
	}
	cpuid->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000000, .eax = 0x40000005,
		.ebx = 0x7263694d, .ecx = 0x666f736f, .edx = 0x76482074, /* "Microsoft Hv" */
	};
	cpuid->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000001, .eax = KSE_HV_CPUID_SIGNATURE_EAX,
	};
	cpuid->nent = n;
	r = ioctl(p->vcpu[0].fd, KVM_SET_CPUID2, cpuid) ? -errno : 0;
out:
	free(cpuid);
	return r;
}

FIXTURE(hyperv) {
	struct plain p;
};

MODE_VARIANTS(hyperv, REAL_MODE_VARIANT(hyperv));

FIXTURE_SETUP(hyperv)
{
	int r;

	PLAIN_SETUP(self, 1);
	if (!kvm_check_cap(&self->p.kvm, KSE_CAP_HYPERV))
		SUITE_SKIP(return, "no Hyper-V emulation (KVM_CAP_HYPERV)");
	SUITE_DECIDED_BY("KVM_CAP_HYPERV");
	r = set_hyperv_cpuid(&self->p);
	ASSERT_EQ(0, r) TH_LOG("KVM_SET_CPUID2 with Hyper-V leaves: %s", errno_name(-r));
	r = guest_setup(&self->p.vcpu[0], variant->mode, &wrmsr_guest, 0);
	ASSERT_EQ(0, r) TH_LOG("guest setup: %s", errno_name(-r));
}

FIXTURE_TEARDOWN(hyperv)
{
	plain_destroy(&self->p);
}

/* x86's Hyper-V events carry no data. */
static void expect_hyperv(struct sysevent_expect *exp, struct kvm_dev *kvm,
			  enum sysevent_kind kind)
{
	suite_expect_event(exp, &opts, kvm, kind, 0, 0);
}

TEST_F(hyperv, crash)
{
	struct sysevent_expect exp;

	guest_set_gprs(&self->p.vcpu[0], (u32)KSE_HV_CRASH_CTL_NOTIFY, KSE_HV_MSR_CRASH_CTL,
		       KSE_HV_CRASH_CTL_NOTIFY >> 32);
	expect_hyperv(&exp, &self->p.kvm, EV_CRASH);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

TEST_F(hyperv, reset)
{
	struct sysevent_expect exp;

	guest_set_gprs(&self->p.vcpu[0], 1, KSE_HV_MSR_RESET, 0);
	expect_hyperv(&exp, &self->p.kvm, EV_RESET);
	ASSERT_EQ(0, run_and_check(&self->p.vcpu[0], &exp));
}

/* ---- Capability ------------------------------------------------------------ */

PLAIN_FIXTURE(abi)

/* The oracle's own capability deviation (field, hex values, diagnosis). */
static int check_cap_advertised(const char *field, int got)
{
	struct deviation d;

	if (!deviation_value(&d, field, 1, (u32)got, got ? KB_NONE : KB_CAP_MISSING))
		return 0;
	deviations_print(&d, 1);
	return 1;
}

TEST_F(abi, system_event_data_cap)
{
	int n = check_cap_advertised("KVM_CAP_SYSTEM_EVENT_DATA(dev)",
				     kvm_check_cap(&self->p.kvm, KSE_CAP_SYSTEM_EVENT_DATA));

	n += check_cap_advertised("KVM_CAP_SYSTEM_EVENT_DATA(vm)",
				  vm_check_cap(&self->p.vm, KSE_CAP_SYSTEM_EVENT_DATA));
	ASSERT_EQ(0, n);
}

int main(int argc, char **argv)
{
	suite_init(&opts, &argc, argv);
	return suite_harness_run(argc, argv);
}
