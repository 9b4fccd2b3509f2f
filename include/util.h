/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the library, the tests and the tools: fixed-width
 * types, array sizes, and the name tables used in every failure message.
 */
#ifndef KSE_UTIL_H
#define KSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define BIT(n) (1u << (n))
#define BIT_ULL(n) (1ull << (n))

#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Symbolic errno name ("EINVAL"), or "E<number>" for unknown values. */
const char *errno_name(int err);

/*
 * Names of KVM exit reasons and system-event types ("KVM_EXIT_SHUTDOWN"), or
 * "unknown": never a space, since they end up in deviation values.
 */
const char *exit_reason_name(u32 reason);
const char *system_event_type_name(u32 type);

/*
 * Library diagnostics. Every line starts with "# " so that it is a KTAP
 * diagnostic wherever it lands (the runner merges stderr into the stream).
 */
void pr_diag(const char *fmt, ...) __printf(1, 2);

/*
 * Fatal library error in an asserting (non-"__") wrapper: prints the
 * message as a diagnostic and exits with the kselftest failure code.
 */
void __attribute__((noreturn)) lib_fail(const char *fmt, ...) __printf(1, 2);

#endif /* KSE_UTIL_H */
