// SPDX-License-Identifier: GPL-2.0
/* riscv's skip phrases and what to do about each (see suite_skip_hint()). */
#include "suite.h"

const struct suite_hint suite_arch_skip_hints[] = {
	{ "no SBI v0.1 in KVM",
	  "KVM offers the legacy SBI v0.1 calls only when built with CONFIG_RISCV_SBI_V01" },
	{ "no SBI SRST in KVM", "KVM offers SBI SRST from Linux 5.17 on (not disabled by the VMM)" },
	{ NULL, NULL },
};
