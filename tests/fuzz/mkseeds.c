// SPDX-License-Identifier: GPL-2.0
/*
 * mkseeds: write the fuzz targets' seed corpora from real runs of this
 * suite on the local KVM (make fuzz-seeds; the output is committed in
 * tests/fuzz/corpus/, where it stays small).
 *
 * - fuzz_oracle: the KVM_RUN outcome, kvm_run and expectation of real runs:
 *   the SEV-ES termination guest against every behaviour of the software
 *   model (the first report and, after re-entry, the second), a triple
 *   fault, and the non-SEV control guest (whose exit is no system event).
 * - fuzz_ghcb: the GHCB MSR values those guests wrote, as the model saw
 *   them, and SEV_INFO's answer.
 * - fuzz_deviation: every deviation the oracle found in those runs.
 * - fuzz_page_walk: the guest state and page tables guest_setup() builds
 *   for each mode (with and without a C-bit), at the guest's RIP.
 * - fuzz_inventory: this host's /proc/cpuinfo (first block), /proc/modules,
 *   kvm_amd's sev parameter and DMI vendor, where they exist.
 *
 * usage: mkseeds DIR   (writes DIR/<target>/seed-*; exit 0, 1 on error,
 * 4 when /dev/kvm cannot be used)
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_input.h"
#include "ghcb.h"
#include "model.h"
#include "sev.h"
#include "suite.h"
#include "../../x86_64/term_guest.h"

GUEST_PROG(ud_guest, "ud2\n");

static const char *outdir;
static int nr_written;

static void write_seed(const char *target, const char *name, const void *a, size_t alen,
		       const void *b, size_t blen)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f)) {
		fprintf(stderr, "mkseeds: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nr_written++;
}

static void oracle_seed(const char *name, const struct run_outcome *out,
			const struct kvm_run *run, const struct sysevent_expect *exp)
{
	struct fuzz_oracle_hdr h = {
		.flags = (out->stuck ? FO_STUCK : 0) | (out->pc_valid ? FO_RIP_VALID : 0) |
			 (exp->cap_system_event_data ? FO_CAP : 0) |
			 (exp->has_poison ? FO_POISON : 0) |
			 (exp->protected_guest ? FO_PROTECTED : 0),
		.kind = exp->kind,
		.exit_sel = exp->exit_reason == KSE_EXIT_SYSTEM_EVENT ? FO_EXIT_SYSTEM_EVENT :
			    exp->exit_reason == KSE_EXIT_SHUTDOWN ? FO_EXIT_SHUTDOWN :
			    FO_EXIT_GIVEN,
		.max = SYSEVENT_MAX_DEVIATIONS,
		/* Timing is not part of a seed: the same runs give the same files. */
		.rc = out->rc, .err = out->err, .ms = out->stuck ? out->ms / 100 * 100 : 0,
		.exp_exit_reason = exp->exit_reason, .exp_ndata = exp->ndata,
		.rip = out->pc, .poison = exp->poison,
	};
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	int i, n;

	memcpy(h.exp_data, exp->data, sizeof(h.exp_data));
	write_seed("fuzz_oracle", name, &h, sizeof(h), run, FO_RUN_BYTES);

	n = sysevent_check(out, run, exp, dev, SYSEVENT_MAX_DEVIATIONS);
	for (i = 0; i < n && i < SYSEVENT_MAX_DEVIATIONS; i++) {
		struct fuzz_deviation_hdr dh = { .known = dev[i].known, .len = 512 };
		char strings[sizeof(dev[i].field) + sizeof(dev[i].expected) + sizeof(dev[i].actual)];
		char dname[128];
		size_t len;

		len = snprintf(strings, sizeof(strings), "%s%c%s%c%s", dev[i].field, 0,
			       dev[i].expected, 0, dev[i].actual) + 1;
		snprintf(dname, sizeof(dname), "%s-%d", name, i);
		write_seed("fuzz_deviation", dname, &dh, sizeof(dh), strings, len);
	}
}

static void ghcb_seed(const char *name, u64 msr)
{
	write_seed("fuzz_ghcb", name, &msr, sizeof(msr), NULL, 0);
}

static bool cap_data(struct kvm_dev *kvm)
{
	return kvm_check_cap(kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0;
}

/* The termination guest against one model behaviour: two reports. */
static void sev_term_seeds(struct kvm_dev *kvm, const char *behaviour, enum guest_mode mode,
			   enum abi_profile p)
{
	u64 first = ghcb_term_encode_upper(GHCB_TERM_SET_LINUX, 2, 0xa5c3f00dbeull);
	struct sysevent_expect exp;
	struct sev_backend_sel sel;
	struct run_outcome out;
	struct sev_guest s;
	char name[96];
	int r, i;

	snprintf(name, sizeof(name), "model:%s", behaviour);
	if (sev_backend_parse(name, &sel)) {
		fprintf(stderr, "mkseeds: no backend %s\n", name);
		exit(1);
	}
	r = __sev_guest_create(&s, &sel, kvm, SEV_FLAVOUR_ES, mode, &term_guest, true);
	if (!r) {
		guest_set_ghcb_request(&s.vcpu, first);
		r = __sev_guest_launch(&s);
	}
	if (r) {
		fprintf(stderr, "mkseeds: %s %s: setup failed: %s\n", sel.name,
			guest_mode_name(mode), errno_name(-r));
		exit(1);
	}
	for (i = 0; i < 2; i++) {
		u64 value = i ? first ^ (GHCB_TERM_CODE_MASK << GHCB_TERM_CODE_SHIFT) : first;

		sysevent_expect_sev_term(&exp, p, value, cap_data(kvm));
		exp.has_poison = true;
		exp.poison = SUITE_POISON;
		vcpu_poison_system_event(&s.vcpu, SUITE_POISON);
		sev_guest_run(&s, &out);
		snprintf(name, sizeof(name), "sevterm-%s-%s-%s-%d", behaviour, abi_profile_name(p),
			 guest_mode_name(mode), i + 1);
		oracle_seed(name, &out, s.vcpu.run, &exp);
		if (i == 0 && mode == GUEST_LONG && p == ABI_UPSTREAM) {
			snprintf(name, sizeof(name), "term-%s", behaviour);
			ghcb_seed(name, first);
		}
		if (out.rc < 0 || out.stuck)
			break;
	}
	sev_guest_destroy(&s);
}

static void plain_vm(struct kvm_dev *kvm, struct vm *vm, struct vcpu *vcpu, u64 c_bit)
{
	vm_create(kvm, KSE_X86_DEFAULT_VM, vm);
	vm->arch.c_bit = c_bit;
	vm_add_memory(vm, 0, GUEST_MEM_SIZE);
	vcpu_create(vm, 0, vcpu);
}

/* A triple fault and the non-SEV control, each as its test expects. */
static void plain_seeds(struct kvm_dev *kvm, enum guest_mode mode)
{
	struct sysevent_expect exp;
	struct run_outcome out;
	struct vcpu vcpu;
	struct vm vm;
	char name[64];

	if (mode != GUEST_REAL) {
		plain_vm(kvm, &vm, &vcpu, 0);
		if (guest_setup(&vcpu, mode, &ud_guest, 0))
			exit(1);
		exp = (struct sysevent_expect){ .exit_reason = KSE_EXIT_SHUTDOWN };
		vcpu_poison_system_event(&vcpu, SUITE_POISON);
		__vcpu_run(&vcpu, &out);
		snprintf(name, sizeof(name), "triple-fault-%s", guest_mode_name(mode));
		oracle_seed(name, &out, vcpu.run, &exp);
		vcpu_destroy(&vcpu);
		vm_destroy(&vm);
	}

	/* The termination bytes in a plain guest: expected SEV_TERM, got no event. */
	plain_vm(kvm, &vm, &vcpu, 0);
	if (guest_setup(&vcpu, mode, &term_guest, GUEST_IDT_REPORT))
		exit(1);
	guest_set_ghcb_request(&vcpu, ghcb_term_encode(GHCB_TERM_SET_LINUX, 3));
	vcpu.timeout_ms = 200;
	sysevent_expect_sev_term(&exp, ABI_UPSTREAM, ghcb_term_encode(GHCB_TERM_SET_LINUX, 3),
				 cap_data(kvm));
	vcpu_poison_system_event(&vcpu, SUITE_POISON);
	__vcpu_run(&vcpu, &out);
	snprintf(name, sizeof(name), "nonsev-%s", guest_mode_name(mode));
	oracle_seed(name, &out, vcpu.run, &exp);
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
}

/* The page tables and state guest_setup() makes, as fuzz_page_walk reads them. */
static void page_walk_seed(struct kvm_dev *kvm, enum guest_mode mode, u64 c_bit,
			   unsigned int flags)
{
	struct fuzz_page_walk_rec recs[GUEST_MEM_SIZE / 8];
	struct fuzz_page_walk_hdr h;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct vcpu vcpu;
	struct vm vm;
	char name[64];
	size_t n = 0, q;
	const u64 *mem;

	plain_vm(kvm, &vm, &vcpu, c_bit);
	if (guest_setup(&vcpu, mode, &term_guest, flags))
		exit(1);
	vcpu_get_sregs(&vcpu, &sregs);
	vcpu_get_regs(&vcpu, &regs);
	mem = vm_gpa_to_hva(&vm, 0, GUEST_MEM_SIZE);
	for (q = 0; q < GUEST_MEM_SIZE / 8; q++)
		if (mem[q])
			recs[n++] = (struct fuzz_page_walk_rec){ .qword = q, .value = mem[q] };
	h = (struct fuzz_page_walk_hdr){
		.cr0 = sregs.cr0, .efer = sregs.efer, .cr3 = sregs.cr3, .c_bit = c_bit,
		.linear = sregs.cs.base + regs.rip + TERM_GUEST_VMGEXIT_OFFSET, .len = 4,
		.slot_pages = { GUEST_MEM_SIZE / 4096 - 1, 0 }, .nr_slots = 1,
	};
	snprintf(name, sizeof(name), "%s%s%s", guest_mode_name(mode), c_bit ? "-cbit" : "",
		 flags ? "-idt" : "");
	write_seed("fuzz_page_walk", name, &h, sizeof(h), recs, n * sizeof(recs[0]));
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
}

/* This host's own procfs and sysfs text, as fuzz_inventory reads it. */
static void inventory_seed(const char *name, const char *path, bool first_block)
{
	char buf[8192];
	size_t n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (n < sizeof(buf) - 1 && fgets(buf + n, sizeof(buf) - n, f)) {
		if (first_block && buf[n] == '\n')
			break;
		n += strlen(buf + n);
	}
	fclose(f);
	if (n)
		write_seed("fuzz_inventory", name, buf, n, NULL, 0);
}

int main(int argc, char **argv)
{
	struct sev_backend_sel sel;
	const char *why;
	struct kvm_dev kvm;
	size_t i;
	int m, r;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkseeds DIR   (writes DIR/<fuzz target>/seed-*)\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		fprintf(stderr, "mkseeds: cannot create %s: %s\n", outdir, strerror(errno));
		return 1;
	}
	r = __kvm_open(&kvm);
	if (r) {
		why = kvm_open_skip_reason(r);
		fprintf(stderr, "mkseeds: %s\n", why ? why : errno_name(-r));
		return why ? 4 : 1;
	}
	sev_backend_parse("model:upstream", &sel);
	why = sev_guest_unavailable(&sel, &kvm, SEV_FLAVOUR_ES, 0);
	if (why) {
		fprintf(stderr, "mkseeds: %s\n", why);
		return 4;
	}
	for (i = 0; i < model_nr_behaviours(); i++)
		sev_term_seeds(&kvm, model_behaviour_at(i)->name, GUEST_LONG, ABI_UPSTREAM);
	for (m = GUEST_REAL; m < GUEST_LONG; m++)
		sev_term_seeds(&kvm, "upstream", m, ABI_UPSTREAM);
	sev_term_seeds(&kvm, "proposal-2022", GUEST_LONG, ABI_PROPOSAL_2022);
	sev_term_seeds(&kvm, "v4.1", GUEST_PROT, ABI_PROPOSAL_2022);
	for (m = GUEST_REAL; m < NR_GUEST_MODES; m++) {
		plain_seeds(&kvm, m);
		page_walk_seed(&kvm, m, 0, 0);
	}
	page_walk_seed(&kvm, GUEST_LONG, 1ull << 51, 0);
	page_walk_seed(&kvm, GUEST_LONG, 0, GUEST_IDT_REPORT);
	inventory_seed("host-cpuinfo", "/proc/cpuinfo", true);
	inventory_seed("host-modules", "/proc/modules", false);
	inventory_seed("host-kvm-amd-sev", "/sys/module/kvm_amd/parameters/sev", false);
	inventory_seed("host-dmi-sys-vendor", "/sys/class/dmi/id/sys_vendor", false);
	ghcb_seed("sev-info-resp", (2ull << 48) | (1ull << 32) | GHCB_MSR_SEV_INFO_RESP);
	ghcb_seed("sev-info-req", GHCB_MSR_SEV_INFO_REQ);
	kvm_close(&kvm);
	printf("mkseeds: %d seeds in %s\n", nr_written, outdir);
	return 0;
}
