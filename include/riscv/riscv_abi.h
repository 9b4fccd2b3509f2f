/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv's slice of the ABI: the SBI calls a guest makes (the RISC-V
 * Supervisor Binary Interface specification: a7 the extension, a6 the
 * function, a0..a5 the arguments, a0 the error and a1 the value back) and
 * how KVM's uapi names the vCPU's registers (arch/riscv/include/uapi/asm/
 * kvm.h, ONE_REG).
 */
#ifndef KSE_RISCV_ABI_H
#define KSE_RISCV_ABI_H

#include <linux/kvm.h>

#include "abi.h"

/* --- SBI extensions and functions ----------------------------------------- */
#define KSE_SBI_EXT_0_1_SHUTDOWN	0x08	/* legacy v0.1: no function, no return */
#define KSE_SBI_EXT_BASE		0x10
#define KSE_SBI_BASE_GET_SPEC_VERSION	0
#define KSE_SBI_BASE_PROBE_EXT		3
#define KSE_SBI_EXT_SRST		0x53525354	/* "SRST" */
#define KSE_SBI_SRST_RESET		0
/* An SRST function number the specification does not define: the control. */
#define KSE_SBI_SRST_UNDEFINED_FN	1

/* SRST reset types and reasons. */
#define KSE_SBI_SRST_SHUTDOWN		0
#define KSE_SBI_SRST_COLD_REBOOT	1
#define KSE_SBI_SRST_WARM_REBOOT	2
#define KSE_SBI_SRST_TYPE_RESERVED	3	/* first reserved type */
#define KSE_SBI_SRST_REASON_NONE	0
#define KSE_SBI_SRST_REASON_SYSFAIL	1
#define KSE_SBI_SRST_REASON_VENDOR	0xf0000000u	/* first SBI-implementation-specific */

/* SBI errors, as the guest sees them in a0. */
#define KSE_SBI_SUCCESS			0ll
#define KSE_SBI_ERR_FAILED		-1ll
#define KSE_SBI_ERR_NOT_SUPPORTED	-2ll
#define KSE_SBI_ERR_INVALID_PARAM	-3ll

/* The spec version from BASE get_spec_version: major in bits 30:24. */
#define KSE_SBI_SPEC_MAJOR(v)		((unsigned int)((v) >> 24) & 0x7f)
#define KSE_SBI_SPEC_MINOR(v)		((unsigned int)(v) & 0xffffff)

/* --- KVM: ONE_REG ids of the core registers ------------------------------ */
#define KSE_REG_RISCV_CORE		(0x02ull << 24)

KSE_HDR_CHECK(KVM_REG_RISCV_CORE, KSE_REG_RISCV_CORE);

#endif /* KSE_RISCV_ABI_H */
