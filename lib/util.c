// SPDX-License-Identifier: GPL-2.0
/*
 * Name tables and diagnostics shared by the whole suite. Names are printed
 * in every failure message, so a reader never has to decode a number.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "util.h"

#define NAME(x) [x] = #x

static const char *const errno_names[] = {
	NAME(EPERM),  NAME(ENOENT), NAME(ESRCH),     NAME(EINTR),  NAME(EIO),
	NAME(ENXIO),  NAME(E2BIG),  NAME(ENOEXEC),   NAME(EBADF),  NAME(ECHILD),
	NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES),    NAME(EFAULT), NAME(EBUSY),
	NAME(EEXIST), NAME(ENODEV), NAME(ENOTDIR),   NAME(EISDIR), NAME(EINVAL),
	NAME(ENFILE), NAME(EMFILE), NAME(ENOTTY),    NAME(EFBIG),  NAME(ENOSPC),
	NAME(ERANGE), NAME(ENOSYS), NAME(EOPNOTSUPP), NAME(ETIMEDOUT),
	NAME(EHWPOISON),
};

const char *errno_name(int err)
{
	static __thread char buf[16];

	if (err >= 0 && (size_t)err < ARRAY_SIZE(errno_names) && errno_names[err])
		return errno_names[err];
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static const char *const exit_reason_names[] = {
	NAME(KVM_EXIT_UNKNOWN),		NAME(KVM_EXIT_EXCEPTION),
	NAME(KVM_EXIT_IO),		NAME(KVM_EXIT_HYPERCALL),
	NAME(KVM_EXIT_DEBUG),		NAME(KVM_EXIT_HLT),
	NAME(KVM_EXIT_MMIO),		NAME(KVM_EXIT_IRQ_WINDOW_OPEN),
	NAME(KVM_EXIT_SHUTDOWN),	NAME(KVM_EXIT_FAIL_ENTRY),
	NAME(KVM_EXIT_INTR),		NAME(KVM_EXIT_SET_TPR),
	NAME(KVM_EXIT_TPR_ACCESS),	NAME(KVM_EXIT_NMI),
	NAME(KVM_EXIT_INTERNAL_ERROR),	NAME(KVM_EXIT_SYSTEM_EVENT),
	NAME(KVM_EXIT_IOAPIC_EOI),	NAME(KVM_EXIT_HYPERV),
	NAME(KVM_EXIT_X86_RDMSR),	NAME(KVM_EXIT_X86_WRMSR),
	NAME(KVM_EXIT_DIRTY_RING_FULL), NAME(KVM_EXIT_AP_RESET_HOLD),
	NAME(KVM_EXIT_X86_BUS_LOCK),	NAME(KVM_EXIT_XEN),
	NAME(KVM_EXIT_NOTIFY),
};

const char *exit_reason_name(u32 reason)
{
	if (reason < ARRAY_SIZE(exit_reason_names) && exit_reason_names[reason])
		return exit_reason_names[reason];
	return "unknown";
}

static const char *const system_event_type_names[] = {
	[KSE_SYSTEM_EVENT_SHUTDOWN] = "SHUTDOWN",
	[KSE_SYSTEM_EVENT_RESET] = "RESET",
	[KSE_SYSTEM_EVENT_CRASH] = "CRASH",
	[KSE_SYSTEM_EVENT_WAKEUP] = "WAKEUP",
	[KSE_SYSTEM_EVENT_SUSPEND] = "SUSPEND",
	[KSE_SYSTEM_EVENT_SEV_TERM] = "SEV_TERM",
	[KSE_SYSTEM_EVENT_TDX_FATAL] = "TDX_FATAL",
};

const char *system_event_type_name(u32 type)
{
	if (type < ARRAY_SIZE(system_event_type_names) && system_event_type_names[type])
		return system_event_type_names[type];
	return "unknown";
}

static void vdiag(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("# ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void pr_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void lib_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
	fflush(stderr);
	/* _exit: never run the parent's atexit handlers from a test child. */
	_exit(1);
}
