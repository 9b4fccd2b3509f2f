// SPDX-License-Identifier: GPL-2.0
/* Options, KTAP header and oracle bridge shared by every test binary. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

static void usage(const struct suite_opts *o, FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [options] [harness options]\n%s\n\noptions:\n", o->binary,
		o->summary);
	fprintf(f, "  --abi-profile=P     upstream (default) or proposal-2022  [$%s]\n",
		SUITE_ENV_PROFILE);
	if (o->accepts & SUITE_OPT_BACKEND)
		fprintf(f, "  --backend=B         kernel (default) or model:<behaviour>  [$%s]\n"
			   "                      the model is software: its results say nothing\n"
			   "                      about any kernel\n", SUITE_ENV_BACKEND);
	if (o->accepts & SUITE_OPT_SWEEP)
		fprintf(f, "  --exhaustive        add the 16 x 256 reason sweep  [$%s=1]\n"
			   "  --sweep=M           loop (one launch, default) or per-vm  [$%s]\n",
			SUITE_ENV_EXHAUSTIVE, SUITE_ENV_SWEEP);
	fprintf(f, "  --help              this text\n\n"
		   "harness options (kselftest_harness.h):\n"
		   "  -l                  list tests\n"
		   "  -t/-T NAME          include/exclude test    -v/-V NAME  variant\n"
		   "  -f/-F NAME          include/exclude fixture -r F.V.T    run one test\n\n"
		   "exit status: 0 pass or skipped cases, 1 failure, 2 bad usage, 4 all skipped\n");
	if (o->accepts & SUITE_OPT_BACKEND) {
		fprintf(f, "\nmodel behaviours:\n");
		for (i = 0; i < model_nr_behaviours(); i++)
			fprintf(f, "  %-18s %s\n", model_behaviour_at(i)->name,
				model_behaviour_at(i)->summary);
	}
}

static void __attribute__((noreturn)) bad_usage(const struct suite_opts *o, const char *what,
						const char *arg)
{
	fprintf(stderr, "%s: %s: '%s' (see --help)\n", o->binary, what, arg);
	exit(2);
}

static void set_profile(struct suite_opts *o, const char *v)
{
	if (abi_profile_parse(v, &o->profile))
		bad_usage(o, "unknown ABI profile", v);
}

static void set_backend(struct suite_opts *o, const char *v)
{
	if (!strcmp(v, "kernel")) {
		o->model = NULL;
		return;
	}
	if (strncmp(v, "model:", 6) || !(o->model = model_behaviour_find(v + 6)))
		bad_usage(o, "unknown backend", v);
}

static void set_sweep(struct suite_opts *o, const char *v)
{
	if (!strcmp(v, "loop"))
		o->sweep_per_vm = false;
	else if (!strcmp(v, "per-vm"))
		o->sweep_per_vm = true;
	else
		bad_usage(o, "unknown sweep mode", v);
}

/* "--name=value" or "--name value"; NULL if argv[*i] is not --name. */
static const char *opt_value(const struct suite_opts *o, int argc, char **argv, int *i,
			     const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc)
		bad_usage(o, "missing value for", name);
	return argv[++*i];
}

static void check_harness_args(const struct suite_opts *o, int argc, char **argv)
{
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt(argc, argv, "lF:f:V:v:t:T:r:")) != -1)
		if (opt == '?')
			bad_usage(o, "unknown or incomplete option", argv[optind - 1]);
	if (optind < argc)
		bad_usage(o, "unexpected argument", argv[optind]);
	optind = 1;
}

static const struct suite_opts *model_note_opts;
static pid_t model_note_pid;

static void print_model_note(void)
{
	char buf[64];

	/* Only the harness's parent: test children leave with _exit(). */
	if (getpid() == model_note_pid)
		printf("# backend: %s (software model, not a kernel result)\n",
		       suite_backend_name(model_note_opts, buf, sizeof(buf)));
}

const char *suite_backend_name(const struct suite_opts *o, char *buf, size_t len)
{
	if (!o->model)
		return "kernel";
	snprintf(buf, len, "model:%s", o->model->name);
	return buf;
}

void suite_init(struct suite_opts *o, int *argc, char **argv)
{
	const char *v;
	char buf[64];
	int i, out = 1;

	if ((v = getenv(SUITE_ENV_PROFILE)) && *v)
		set_profile(o, v);
	if ((o->accepts & SUITE_OPT_BACKEND) && (v = getenv(SUITE_ENV_BACKEND)) && *v)
		set_backend(o, v);
	if (o->accepts & SUITE_OPT_SWEEP) {
		if ((v = getenv(SUITE_ENV_EXHAUSTIVE)) && *v && strcmp(v, "0"))
			o->exhaustive = true;
		if ((v = getenv(SUITE_ENV_SWEEP)) && *v)
			set_sweep(o, v);
	}

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(o, stdout);
			exit(0);
		} else if ((v = opt_value(o, *argc, argv, &i, "--abi-profile"))) {
			set_profile(o, v);
		} else if ((o->accepts & SUITE_OPT_BACKEND) &&
			   (v = opt_value(o, *argc, argv, &i, "--backend"))) {
			set_backend(o, v);
		} else if ((o->accepts & SUITE_OPT_SWEEP) && !strcmp(a, "--exhaustive")) {
			o->exhaustive = true;
		} else if ((o->accepts & SUITE_OPT_SWEEP) &&
			   (v = opt_value(o, *argc, argv, &i, "--sweep"))) {
			set_sweep(o, v);
		} else if (!strncmp(a, "--", 2)) {
			bad_usage(o, "unknown option", a);
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	check_harness_args(o, *argc, argv);

	/* Our version line replaces the harness's "TAP version 13". */
	setenv("KSFT_TAP_LEVEL", "1", 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n# kvm-sysevent: %s\n# abi-profile: %s\n", o->binary,
	       abi_profile_name(o->profile));
	if (o->model) {
		printf("# backend: %s (software model, not a kernel result)\n",
		       suite_backend_name(o, buf, sizeof(buf)));
		model_note_opts = o;
		model_note_pid = getpid();
		atexit(print_model_note);
	} else {
		printf("# backend: kernel\n");
	}
}

int suite_check_event(const struct run_outcome *out, const struct kvm_run *run,
		      const struct sysevent_expect *exp)
{
	struct deviation dev[SYSEVENT_MAX_DEVIATIONS];
	int n = sysevent_check(out, run, exp, dev, SYSEVENT_MAX_DEVIATIONS);

	deviations_print(dev, n);
	return n;
}

static const struct {
	const char *reason;
	const char *hint;
} skip_hints[] = {
	{ "no /dev/kvm (is KVM loaded?)",
	  "load kvm and kvm_amd or kvm_intel (modprobe kvm_amd); check dmesg" },
	{ "no access to /dev/kvm (join the kvm group)",
	  "add the user to the group owning /dev/kvm (usermod -aG kvm USER), log in again" },
	{ "no SEV-ES VM type",
	  "needs an AMD host with SEV-ES enabled in firmware and kvm_amd sev=1 sev_es=1" },
	{ "SEV-ES not enabled in kvm_amd",
	  "load kvm_amd with sev=1 sev_es=1 and check dmesg for SEV-ES (firmware, ASIDs)" },
	{ "no /dev/sev", "load ccp (CONFIG_CRYPTO_DEV_SP_PSP) so the SEV firmware is reachable" },
	{ "no access to /dev/sev", "give the user read/write access to /dev/sev" },
	{ "RLIMIT_MEMLOCK too low", "raise the memlock limit (ulimit -l) above 20 KiB" },
	{ "no SEV-ES ASID available",
	  "free SEV-ES ASIDs (other SEV-ES guests) or raise them in the BIOS (min SEV non-ES ASID)" },
	{ "no SNP VM type", "needs SNP enabled in firmware and kvm_amd sev_snp=1 (6.11+)" },
	{ "SNP is not modelled", "the software model covers SEV-ES only" },
	{ "KVM lacks what the SEV-ES model needs",
	  "the model needs userspace MSR exits, MSR filters, single-step and DISABLE_QUIRKS2" },
	{ "no Hyper-V emulation (KVM_CAP_HYPERV)",
	  "run on a KVM with Hyper-V emulation (CONFIG_KVM_HYPERV), e.g. kvm_amd under QEMU" },
	{ "no KVM_CAP_X86_TRIPLE_FAULT_EVENT", "needs Linux 5.19 or later" },
	{ "KVM vendor module not identified",
	  "mount sysfs: the vendor module is read from /sys/module (kvm_amd, kvm_intel)" },
};

void suite_skip_hint(const char *reason)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(skip_hints); i++)
		if (reason && !strcmp(reason, skip_hints[i].reason))
			pr_diag("hint: %s", skip_hints[i].hint);
}
