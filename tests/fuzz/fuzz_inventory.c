// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: host_inventory's parsers of procfs and sysfs text
 * (tools/host_inventory.c, included here so that its static functions can
 * be called on a fake /proc and /sys made of the input): /proc/cpuinfo,
 * /proc/modules, the kvm_amd module parameters and the DMI ids all hold the
 * input's bytes (one file, linked). Checks, besides memory safety, the inventory's contract
 * (docs/output-format.md): one `key=value` line per key, in order, every
 * value on one line, without control characters or surrounding blanks,
 * never empty, shorter than the tool's own limit.
 */
#include <stdint.h>
#include <sys/stat.h>

#define main host_inventory_main
#include "../../tools/host_inventory.c"
#undef main


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_fail.h"

static char root[64];
static char proc_dir[96], sys_dir[96], no_sys[96];

static void put_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "we");

	if (!f)
		fuzz_fail("cannot write %s", path);
	if (size && fwrite(data, 1, size, f) != size)
		fuzz_fail("cannot write %s", path);
	fclose(f);
}

static const char *const links[] = {
	"proc/modules", "sys/module/kvm_amd/parameters/sev",
	"sys/module/kvm_amd/parameters/sev_es", "sys/class/dmi/id/sys_vendor",
	"sys/class/dmi/id/product_name",
};

static const char *const dirs[] = {
	"proc", "sys", "sys/module", "sys/module/kvm", "sys/module/kvm_amd",
	"sys/module/kvm_amd/parameters", "sys/class", "sys/class/dmi", "sys/class/dmi/id",
};

static void cleanup(void)
{
	char path[160];
	size_t i;

	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sys/module/kvm_amd/initstate", root);
	unlink(path);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, links[i]);
		unlink(path);
	}
	for (i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		rmdir(path);
	}
	rmdir(root);
}

static void setup(void)
{
	char path[160];
	size_t i;
	const char *tmp = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";

	snprintf(root, sizeof(root), "%s/kse-fuzz-inventory.%d", tmp, (int)getpid());
	mkdir(root, 0700);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		mkdir(path, 0700);
	}
	snprintf(path, sizeof(path), "%s/sys/module/kvm_amd/initstate", root);
	put_file(path, (const uint8_t *)"live\n", 5);
	/* The other files are the same bytes: links, so that one write serves all. */
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char target[160];

		snprintf(path, sizeof(path), "%s/%s", root, links[i]);
		snprintf(target, sizeof(target), "%s/proc/cpuinfo", root);
		if (symlink(target, path) && errno != EEXIST)
			fuzz_fail("cannot link %s", path);
	}
	atexit(cleanup);
	snprintf(proc_dir, sizeof(proc_dir), "%s/proc", root);
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", root);
	snprintf(no_sys, sizeof(no_sys), "%s/no-sys", root);
}

static void check(const char *out, size_t len, const char *const *keys, size_t nr)
{
	const char *p = out, *nl, *eq, *v;
	size_t k;

	for (k = 0; k < nr; k++) {
		nl = memchr(p, '\n', len - (p - out));
		if (!nl)
			fuzz_fail("line %zu ('%s') missing or not terminated", k, keys[k]);
		eq = memchr(p, '=', nl - p);
		if (!eq || (size_t)(eq - p) != strlen(keys[k]) || memcmp(p, keys[k], eq - p))
			fuzz_fail("line %zu is not '%s=...': '%.*s'", k, keys[k], (int)(nl - p), p);
		v = eq + 1;
		if (v == nl)
			fuzz_fail("%s: empty value", keys[k]);
		if (nl - v >= VALUE_MAX)
			fuzz_fail("%s: value of %d bytes", keys[k], (int)(nl - v));
		if (*v == ' ' || nl[-1] == ' ')
			fuzz_fail("%s: value with surrounding blanks", keys[k]);
		for (; v < nl; v++)
			if ((unsigned char)*v < 0x20 || *v == 0x7f)
				fuzz_fail("%s: control character 0x%02x in the value", keys[k], *v);
		p = nl + 1;
	}
	if ((size_t)(p - out) != len)
		fuzz_fail("%zu bytes after the last key", len - (p - out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const with_sysfs[] = {
		"cpu_vendor", "cpu_family", "cpu_model", "cpu_stepping", "microcode",
		"cpu_model_name", "kvm_modules", "kvm_modules_builtin", "kvm_amd_sev",
		"kvm_amd_sev_es", "kvm_amd_sev_snp", "nested_qemu",
	};
	static const char *const without_sysfs[] = {
		"cpu_vendor", "cpu_family", "cpu_model", "cpu_stepping", "microcode",
		"cpu_model_name", "kvm_modules", "kvm_modules_builtin", "kvm_amd_sev",
	};
	FILE *saved = stdout, *mem;
	char path[160], *out = NULL;
	size_t len = 0;
	bool hv;

	if (!root[0])
		setup();
	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	put_file(path, data, size);

	procfs_root = proc_dir;
	mem = open_memstream(&out, &len);
	if (!mem)
		return 0;
	stdout = mem;
	sysfs_root = sys_dir;
	put_cpuinfo(&hv);
	put_kvm_modules();
	put_module_param("kvm_amd_sev", "kvm_amd", "sev");
	put_module_param("kvm_amd_sev_es", "kvm_amd", "sev_es");
	put_module_param("kvm_amd_sev_snp", "kvm_amd", "sev_snp");
	/* put_virtualization() without its CPUID, which traps here: the DMI parse. */
	put("nested_qemu", dmi_says_qemu() ? "yes" : "no", "no");
	fclose(mem);
	stdout = saved;
	check(out, len, with_sysfs, sizeof(with_sysfs) / sizeof(with_sysfs[0]));
	free(out);

	/* No sysfs: the KVM modules come from /proc/modules. */
	out = NULL;
	len = 0;
	mem = open_memstream(&out, &len);
	if (!mem)
		return 0;
	stdout = mem;
	sysfs_root = no_sys;
	put_cpuinfo(&hv);
	put_kvm_modules();
	put_module_param("kvm_amd_sev", "kvm_amd", "sev");
	fclose(mem);
	stdout = saved;
	check(out, len, without_sysfs, sizeof(without_sysfs) / sizeof(without_sysfs[0]));
	free(out);
	return 0;
}
