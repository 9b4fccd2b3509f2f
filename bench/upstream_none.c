// SPDX-License-Identifier: GPL-2.0
/* Stand-in for the upstream KVM selftest library when it is not built. */
#include "bench_upstream.h"

const char *kse_upstream_init(void)
{
	return "upstream selftest library not built (needs linux-source-6.12)";
}

int kse_upstream_lifecycle(unsigned long *guest_bytes)
{
	*guest_bytes = 0;
	return -1;
}
