// SPDX-License-Identifier: GPL-2.0
/*
 * host_inventory: print what a result set needs to know about the host, as
 * key=value lines (docs/output-format.md, "inventory.txt keys").
 *
 * It never needs root and never fails because something is missing: a value
 * it cannot read is `unreadable`, something the host does not have is
 * `absent`, and a query the host refuses is `unavailable`. It uses nothing
 * but libc and procfs/sysfs, so it links statically and runs inside minimal
 * initramfs guests.
 *
 * Exit status: 0 inventory printed, 1 stdout could not be written, 2 usage.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/psp-sev.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) || defined(__riscv)
#include "kvm_dev.h"
#include "guest.h"
#endif

#define VALUE_MAX	512

static const char *sysfs_root = "/sys";
static const char *procfs_root = "/proc";

static void usage(void)
{
	fputs(
		"usage: host_inventory [--abi-profile P] [--backend B] [--kernel-under-test K]\n"
		"                      [--suite-revision R]\n"
		"\n"
		"Print the host inventory of a kvm-sysevent result set as key=value lines\n"
		"on stdout (see docs/output-format.md). Values that cannot be read are\n"
		"`unreadable`, missing features `absent`, refused queries `unavailable`.\n"
		"\n"
		"  --abi-profile P         ABI profile of the run (upstream, proposal-2022)\n"
		"  --backend B             backend of the run (kernel, model:<behaviour>)\n"
		"  --kernel-under-test K   what --kernel named for the run, default `host`\n"
		"  --suite-revision R      the suite's git revision, default `unknown`\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 printed, 1 output error, 2 usage error.\n", stdout);
}

/*
 * Print one key=value line. Values are single-line by contract: control
 * characters become spaces, surrounding blanks are dropped, an empty value
 * becomes @empty.
 */
static void put(const char *key, const char *value, const char *empty)
{
	char buf[VALUE_MAX];
	size_t len = 0;
	const char *p;

	for (p = value ? value : ""; *p && len < sizeof(buf) - 1; p++) {
		unsigned char c = *p;

		buf[len++] = (c < 0x20 || c == 0x7f) ? ' ' : c;
	}
	while (len && buf[len - 1] == ' ')
		len--;
	buf[len] = '\0';
	p = buf;
	while (*p == ' ')
		p++;
	printf("%s=%s\n", key, *p ? p : empty);
}

/* Read the first line of a small file into @buf, without its newline. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f)) {
		int err = ferror(f) ? -EIO : -ENODATA;

		fclose(f);
		return err;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static bool readable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void put_date(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	if (now == (time_t)-1 || !gmtime_r(&now, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		put("date", "unavailable", "unavailable");
		return;
	}
	put("date", buf, "unavailable");
}

static void put_uname(void)
{
	struct utsname u;

	if (uname(&u)) {
		put("hostname", "unavailable", "unavailable");
		put("kernel_release", "unavailable", "unavailable");
		put("kernel_version", "unavailable", "unavailable");
		return;
	}
	put("hostname", u.nodename, "unavailable");
	put("kernel_release", u.release, "unavailable");
	put("kernel_version", u.version, "unavailable");
}

/* The machine as uname says it: x86_64, aarch64, riscv64. */
static void put_arch(void)
{
	struct utsname u;

	put("arch", uname(&u) ? "unavailable" : u.machine, "unavailable");
}

static void put_kernel_config(void)
{
	char path[VALUE_MAX];
	struct utsname u;

	snprintf(path, sizeof(path), "%s/config.gz", procfs_root);
	if (readable(path)) {
		put("kernel_config", "/proc/config.gz", "unreadable");
		return;
	}
	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		if (readable(path)) {
			put("kernel_config", path, "unreadable");
			return;
		}
	}
	put("kernel_config", "unreadable", "unreadable");
}

/* The /proc/cpuinfo fields we report, from the first processor block. */
static const struct cpuinfo_field {
	const char *cpuinfo;
	const char *key;
} cpuinfo_fields[] = {
	{ "vendor_id",	"cpu_vendor" },
	{ "cpu family",	"cpu_family" },
	{ "model",	"cpu_model" },
	{ "stepping",	"cpu_stepping" },
	{ "microcode",	"microcode" },
	{ "model name",	"cpu_model_name" },
};

#define NR_CPUINFO_FIELDS (sizeof(cpuinfo_fields) / sizeof(cpuinfo_fields[0]))

static void put_cpuinfo(bool *hypervisor_flag)
{
	char values[NR_CPUINFO_FIELDS][VALUE_MAX] = { { 0 } };
	char path[VALUE_MAX], line[4096];
	const char *missing = "absent";
	unsigned int i;
	FILE *f;

	*hypervisor_flag = false;
	snprintf(path, sizeof(path), "%s/cpuinfo", procfs_root);
	f = fopen(path, "re");
	if (!f) {
		missing = "unreadable";
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon, *name, *value, *end;

		if (line[0] == '\n')
			break;	/* end of the first processor block */
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		name = line;
		end = colon;
		while (end > name && isspace((unsigned char)end[-1]))
			*--end = '\0';
		value = colon + 1;
		while (isspace((unsigned char)*value))
			value++;
		end = value + strlen(value);
		while (end > value && isspace((unsigned char)end[-1]))
			*--end = '\0';

		if (!strcmp(name, "flags")) {
			char *tok, *save = NULL;

			for (tok = strtok_r(value, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
				if (!strcmp(tok, "hypervisor"))
					*hypervisor_flag = true;
			continue;
		}
		for (i = 0; i < NR_CPUINFO_FIELDS; i++)
			if (!strcmp(name, cpuinfo_fields[i].cpuinfo) && !values[i][0])
				snprintf(values[i], sizeof(values[i]), "%s", value);
	}
	fclose(f);
out:
	for (i = 0; i < NR_CPUINFO_FIELDS; i++)
		put(cpuinfo_fields[i].key, values[i][0] ? values[i] : missing, missing);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/*
 * KVM modules: every kvm* entry of /sys/module (loadable modules have an
 * `initstate` file there, built-in ones do not), or, without sysfs, the kvm*
 * lines of /proc/modules.
 */
static void put_kvm_modules(void)
{
	char loaded[VALUE_MAX] = "", builtin[VALUE_MAX] = "";
	char *names[64];
	unsigned int nr = 0, i;
	char path[VALUE_MAX];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/module", sysfs_root);
	dir = opendir(path);
	if (!dir) {
		char line[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/modules", procfs_root);
		f = fopen(path, "re");
		if (!f) {
			put("kvm_modules", "unreadable", "unreadable");
			put("kvm_modules_builtin", "unreadable", "unreadable");
			return;
		}
		while (fgets(line, sizeof(line), f)) {
			char *sp = strchr(line, ' ');

			if (!sp || strncmp(line, "kvm", 3))
				continue;
			*sp = '\0';
			if (strlen(loaded) + strlen(line) + 2 < sizeof(loaded)) {
				if (loaded[0])
					strcat(loaded, ",");
				strcat(loaded, line);
			}
		}
		fclose(f);
		put("kvm_modules", loaded, "none");
		put("kvm_modules_builtin", "unreadable", "unreadable");
		return;
	}
	while ((de = readdir(dir)) && nr < sizeof(names) / sizeof(names[0])) {
		if (strncmp(de->d_name, "kvm", 3))
			continue;
		names[nr] = strdup(de->d_name);
		if (names[nr])
			nr++;
	}
	closedir(dir);
	qsort(names, nr, sizeof(names[0]), cmp_str);

	for (i = 0; i < nr; i++) {
		char *list;
		struct stat st;

		snprintf(path, sizeof(path), "%s/module/%s/initstate", sysfs_root, names[i]);
		list = stat(path, &st) ? builtin : loaded;
		if (strlen(list) + strlen(names[i]) + 2 < VALUE_MAX) {
			if (list[0])
				strcat(list, ",");
			strcat(list, names[i]);
		}
		/* A built-in module is loaded too. */
		if (list == builtin && strlen(loaded) + strlen(names[i]) + 2 < sizeof(loaded)) {
			if (loaded[0])
				strcat(loaded, ",");
			strcat(loaded, names[i]);
		}
		free(names[i]);
	}
	put("kvm_modules", loaded, "none");
	put("kvm_modules_builtin", builtin, "none");
}

/* A boolean module parameter: `Y`, `N`, `absent` or `unreadable`. */
static void put_module_param(const char *key, const char *module, const char *param)
{
	char path[VALUE_MAX], buf[64];
	int ret;

	snprintf(path, sizeof(path), "%s/module/%s/parameters/%s", sysfs_root, module, param);
	ret = read_line(path, buf, sizeof(buf));
	if (ret == -ENOENT) {
		put(key, "absent", "absent");
		return;
	}
	if (ret) {
		put(key, "unreadable", "unreadable");
		return;
	}
	if (!strcmp(buf, "Y") || !strcmp(buf, "1"))
		put(key, "Y", "unreadable");
	else if (!strcmp(buf, "N") || !strcmp(buf, "0"))
		put(key, "N", "unreadable");
	else
		put(key, buf, "unreadable");
}

/*
 * SEV firmware API version from SEV_PLATFORM_STATUS on /dev/sev. Opening the
 * device usually needs privileges we do not ask for; then it is unavailable.
 */
static void put_sev_api_version(void)
{
	struct sev_user_data_status status;
	struct sev_issue_cmd cmd;
	char buf[64];
	int fd;

	fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open("/dev/sev", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		put("sev_api_version", "unavailable", "unavailable");
		return;
	}
	memset(&status, 0, sizeof(status));
	memset(&cmd, 0, sizeof(cmd));
	cmd.cmd = SEV_PLATFORM_STATUS;
	cmd.data = (unsigned long)&status;
	if (ioctl(fd, SEV_ISSUE_CMD, &cmd)) {
		close(fd);
		put("sev_api_version", "unavailable", "unavailable");
		return;
	}
	close(fd);
	snprintf(buf, sizeof(buf), "%u.%u build %u",
		 status.api_major, status.api_minor, status.build);
	put("sev_api_version", buf, "unavailable");
}

/* CPUID hypervisor vendor signature (leaf 0x40000000), or "" when none. */
#if defined(__x86_64__) || defined(__i386__)
static void hypervisor_signature(char *sig, size_t size)
{
	unsigned int eax, ebx, ecx, edx;
	char raw[13];
	unsigned int i;

	sig[0] = '\0';
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 31)))
		return;
	__cpuid(0x40000000, eax, ebx, ecx, edx);
	memcpy(raw, &ebx, 4);
	memcpy(raw + 4, &ecx, 4);
	memcpy(raw + 8, &edx, 4);
	raw[12] = '\0';
	for (i = 0; raw[i]; i++)
		if (!isprint((unsigned char)raw[i]))
			raw[i] = '?';
	snprintf(sig, size, "%s", raw);
}
#else
static void hypervisor_signature(char *sig, size_t size)
{
	sig[0] = '\0';
}
#endif

static bool dmi_says_qemu(void)
{
	static const char * const files[] = { "sys_vendor", "product_name", "bios_vendor" };
	char path[VALUE_MAX], buf[256];
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/class/dmi/id/%s", sysfs_root, files[i]);
		if (read_line(path, buf, sizeof(buf)))
			continue;
		if (strstr(buf, "QEMU"))
			return true;
	}
	/*
	 * Device-tree machines have no DMI: QEMU's virt boards are compatible
	 * with "linux,dummy-virt" (arm64) and "riscv-virtio" (riscv).
	 */
	snprintf(path, sizeof(path), "%s/firmware/devicetree/base/compatible", sysfs_root);
	if (!read_line(path, buf, sizeof(buf)) &&
	    (!strcmp(buf, "linux,dummy-virt") || !strncmp(buf, "riscv-virtio", 12)))
		return true;
	return false;
}

/*
 * Are we a guest of QEMU (KVM-accelerated or TCG)? DMI names QEMU for its
 * machine types; TCG also announces itself in CPUID. A KVM signature alone
 * is reported in `hypervisor` but is not proof of QEMU.
 */
static void put_virtualization(bool hypervisor_flag)
{
	char sig[16];
	bool qemu;

	hypervisor_signature(sig, sizeof(sig));
	qemu = dmi_says_qemu() || !strcmp(sig, "TCGTCGTCGTCG");
	if (sig[0])
		put("hypervisor", sig, "none");
	else
		put("hypervisor", hypervisor_flag ? "unknown" : "none", "none");
	put("nested_qemu", qemu ? "yes" : "no", "no");
}

/*
 * What KVM offers its guests on this architecture: arm64's mode (VHE, nVHE,
 * protected, from the kernel log) and PSCI version, riscv's SBI version and
 * whether SRST and the legacy v0.1 calls are there (asked by a guest).
 */
#if defined(__aarch64__)
static void put_kvm_arch(void)
{
	const char *mode = kvm_arm_mode();
	struct kvm_dev kvm;
	char buf[32];
	u32 v;

	put("kvm_arm_mode", mode ? mode : "unavailable", "unavailable");
	if (__kvm_open(&kvm)) {
		put("kvm_psci_version", "unavailable", "unavailable");
		return;
	}
	if (kvm_psci_version_offered(&kvm, &v)) {
		put("kvm_psci_version", "unavailable", "unavailable");
	} else {
		snprintf(buf, sizeof(buf), "%u.%u", KSE_PSCI_VER_MAJOR(v), KSE_PSCI_VER_MINOR(v));
		put("kvm_psci_version", buf, "unavailable");
	}
	kvm_close(&kvm);
}
#elif defined(__riscv)
static void put_sbi_probe(struct kvm_dev *kvm, const char *key, u64 ext)
{
	s64 err;
	u64 have;

	if (kvm_sbi_call(kvm, KSE_SBI_EXT_BASE, KSE_SBI_BASE_PROBE_EXT, ext, &err, &have) || err)
		put(key, "unavailable", "unavailable");
	else
		put(key, have ? "yes" : "no", "unavailable");
}

static void put_kvm_arch(void)
{
	struct kvm_dev kvm;
	char buf[32];
	s64 err;
	u64 v;

	if (__kvm_open(&kvm)) {
		put("kvm_sbi_version", "unavailable", "unavailable");
		put("kvm_sbi_srst", "unavailable", "unavailable");
		put("kvm_sbi_v01", "unavailable", "unavailable");
		return;
	}
	if (kvm_sbi_call(&kvm, KSE_SBI_EXT_BASE, KSE_SBI_BASE_GET_SPEC_VERSION, 0, &err, &v) ||
	    err) {
		put("kvm_sbi_version", "unavailable", "unavailable");
	} else {
		snprintf(buf, sizeof(buf), "%u.%u", KSE_SBI_SPEC_MAJOR(v), KSE_SBI_SPEC_MINOR(v));
		put("kvm_sbi_version", buf, "unavailable");
	}
	put_sbi_probe(&kvm, "kvm_sbi_srst", KSE_SBI_EXT_SRST);
	put_sbi_probe(&kvm, "kvm_sbi_v01", KSE_SBI_EXT_0_1_SHUTDOWN);
	kvm_close(&kvm);
}
#else
static void put_kvm_arch(void)
{
}
#endif

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "abi-profile",	required_argument, NULL, 'a' },
		{ "backend",		required_argument, NULL, 'b' },
		{ "kernel-under-test",	required_argument, NULL, 'k' },
		{ "suite-revision",	required_argument, NULL, 'r' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *abi_profile = "unknown", *backend = "unknown";
	const char *kernel_under_test = "host", *suite_revision = "unknown";
	bool hypervisor_flag;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			abi_profile = optarg;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'k':
			kernel_under_test = optarg;
			break;
		case 'r':
			suite_revision = optarg;
			break;
		case 'h':
			usage();
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		default:
			fprintf(stderr, "host_inventory: %s: unknown option or missing value (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "host_inventory: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}

	put("suite_revision", suite_revision, "unknown");
	put_date();
	put_uname();
	put_arch();
	put_kernel_config();
	put_cpuinfo(&hypervisor_flag);
	put_kvm_modules();
	put_module_param("kvm_amd_sev", "kvm_amd", "sev");
	put_module_param("kvm_amd_sev_es", "kvm_amd", "sev_es");
	put_module_param("kvm_amd_sev_snp", "kvm_amd", "sev_snp");
	/* The test-only harness (kernel/harness/): absent from every real kvm_amd. */
	put_module_param("kvm_amd_sev_es_test_harness", "kvm_amd", "sev_es_test_harness");
	put_sev_api_version();
	put("abi_profile", abi_profile, "unknown");
	put("backend", backend, "unknown");
	put_virtualization(hypervisor_flag);
	put_kvm_arch();
	put("kernel_under_test", kernel_under_test, "host");

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "host_inventory: cannot write the inventory: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
