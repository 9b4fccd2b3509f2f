// SPDX-License-Identifier: GPL-2.0
/* arm64's skip phrases and what to do about each (see suite_skip_hint()). */
#include "suite.h"

const struct suite_hint suite_arch_skip_hints[] = {
	{ "PSCI 1.3 SYSTEM_OFF2 not offered by KVM",
	  "KVM offers PSCI 1.3 (SYSTEM_OFF2) from Linux 6.13 on" },
	{ "no KVM_CAP_ARM_SYSTEM_SUSPEND", "needs Linux 5.19 or later" },
	{ "no KVM_MP_STATE_SUSPENDED", "needs Linux 5.19 or later" },
	{ NULL, NULL },
};
