// SPDX-License-Identifier: GPL-2.0
/* x86's skip phrases and what to do about each (see suite_skip_hint()). */
#include "suite.h"

const struct suite_hint suite_arch_skip_hints[] = {
	{ "no SEV-ES VM type",
	  "needs an AMD host with SEV-ES enabled in firmware and kvm_amd sev=1 sev_es=1" },
	{ "SEV-ES not enabled in kvm_amd",
	  "load kvm_amd with sev=1 sev_es=1 and check dmesg for SEV-ES (firmware, ASIDs)" },
	{ "no /dev/sev", "load ccp (CONFIG_CRYPTO_DEV_SP_PSP) so the SEV firmware is reachable" },
	{ "no access to /dev/sev", "give the user read/write access to /dev/sev" },
	{ "RLIMIT_MEMLOCK too low",
	  "raise the memlock limit (ulimit -l 40) to 40 KiB: KVM pins the 20 KiB guest twice "
	  "while launching it; or give the process CAP_IPC_LOCK (being root is not enough)" },
	{ "no SEV-ES ASID available",
	  "free SEV-ES ASIDs (other SEV-ES guests) or raise them in the BIOS (min SEV non-ES ASID); "
	  "from 7.x kvm_amd.ciphertext_hiding_asids=N gives the first N to SNP" },
	{ "no SNP ASID available",
	  "SNP guests use the SEV-ES ASIDs (from 7.x with kvm_amd.ciphertext_hiding_asids=N, the "
	  "first N of them): free some (other SEV-ES/SNP guests) or raise them in the BIOS "
	  "(min SEV non-ES ASID)" },
	{ "no SNP VM type", "needs SNP enabled in firmware and kvm_amd sev_snp=1 (6.11+)" },
	{ "SNP not enabled in kvm_amd",
	  "load kvm_amd with sev=1 sev_es=1 sev_snp=1 and check dmesg for SEV-SNP" },
	{ "SNP is not modelled", "the software model covers SEV-ES only" },
	{ "GHCB page protocol is not modelled",
	  "the software model covers the GHCB MSR protocol only; see the harness backend" },
	{ "real-mode triple fault is not modelled",
	  "the model's guest runs on the local KVM, which may emulate real mode without the IVT "
	  "limit check; real-mode shutdown is judged on hardware" },
	{ "KVM lacks what the SEV-ES model needs",
	  "the model needs userspace MSR exits, MSR filters, single-step and DISABLE_QUIRKS2" },
	{ "no SEV-ES test harness in kvm_amd",
	  "the harness backend needs kvm_amd built with kernel/harness/ and loaded with "
	  "sev_es_test_harness=1 (kernel/README.md)" },
	{ "SNP is not reachable through the harness",
	  "the harness drives KVM's SEV-ES handler from a plain guest; SNP needs hardware" },
	{ "policy NODBG needs a hardware launch",
	  "off hardware the policy is never read: the case's _dbg twin ran the same guest" },
	{ "real-mode guest cannot end on this KVM",
	  "KVM runs this real-mode guest in its instruction emulator, which skips the IVT limit "
	  "check (kvm_pvm); with hardware real mode (kvm_amd, kvm_intel) it shuts down" },
	{ "SEV-ES shutdown needs protected guest state",
	  "KVM's SEV-ES shutdown path needs a launched SEV-ES guest: hardware only" },
	{ "no Hyper-V emulation (KVM_CAP_HYPERV)",
	  "run on a KVM with Hyper-V emulation (CONFIG_KVM_HYPERV), e.g. kvm_amd under QEMU" },
	{ "no KVM_CAP_X86_TRIPLE_FAULT_EVENT", "needs Linux 5.19 or later" },
	{ "KVM vendor module not identified",
	  "mount sysfs: the vendor module is read from /sys/module (kvm_amd, kvm_intel)" },
	{ NULL, NULL },
};
