/* SPDX-License-Identifier: GPL-2.0 */
/* The one way a fuzz target reports a broken contract: a message, then abort(). */
#ifndef KSE_FUZZ_FAIL_H
#define KSE_FUZZ_FAIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void __attribute__((noreturn, format(printf, 1, 2))) fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: contract violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#endif /* KSE_FUZZ_FAIL_H */
