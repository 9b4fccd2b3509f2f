/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GHCB MSR protocol (AMD GHCB spec, 56421; arch/x86/include/asm/
 * sev-common.h): GHCBInfo in bits 11:0, request data above. Pure functions,
 * no KVM, so they are unit-tested on their own.
 */
#ifndef KSE_GHCB_H
#define KSE_GHCB_H

#include "util.h"

#define GHCB_INFO_MASK			0xfffull
#define GHCB_MSR_SEV_INFO_RESP		0x001
#define GHCB_MSR_SEV_INFO_REQ		0x002
#define GHCB_MSR_CPUID_REQ		0x004
#define GHCB_MSR_CPUID_RESP		0x005
#define GHCB_MSR_AP_RESET_HOLD_REQ	0x006
#define GHCB_MSR_AP_RESET_HOLD_RESP	0x007
#define GHCB_MSR_PREF_GPA_REQ		0x010
#define GHCB_MSR_PREF_GPA_RESP		0x011
#define GHCB_MSR_REG_GPA_REQ		0x012
#define GHCB_MSR_REG_GPA_RESP		0x013
#define GHCB_MSR_PSC_REQ		0x014
#define GHCB_MSR_PSC_RESP		0x015
#define GHCB_MSR_VMPL_REQ		0x016
#define GHCB_MSR_VMPL_RESP		0x017
#define GHCB_MSR_HV_FT_REQ		0x080
#define GHCB_MSR_HV_FT_RESP		0x081
#define GHCB_MSR_TERM_REQ		0x100

#define GHCB_TERM_SET_SHIFT		12
#define GHCB_TERM_SET_MASK		0xfull
#define GHCB_TERM_CODE_SHIFT		16
#define GHCB_TERM_CODE_MASK		0xffull
/* Bits the kernel's macros assign in a termination request. */
#define GHCB_TERM_REASON_BITS		0x00fff000ull
#define GHCB_TERM_UPPER_SHIFT		24

/* Reason-code sets (sev-common.h). */
#define GHCB_TERM_SET_GEN		0
#define GHCB_TERM_SET_LINUX		1

struct ghcb_msr_msg {
	u16 info;		/* GHCBInfo, bits 11:0 */
	bool is_term;		/* info == GHCB_MSR_TERM_REQ */
	u8 set;			/* termination: reason-code set, bits 15:12 */
	u8 code;		/* termination: reason code, bits 23:16 */
	u64 upper;		/* termination: bits 63:24, unassigned */
	u64 data;		/* any request: bits 63:12 */
};

/* 0x100 | set << 12 | code << 16; @set and @code are masked to their fields. */
u64 ghcb_term_encode(unsigned int set, unsigned int code);
/* The same with bits 63:24 set to @upper (which the spec leaves unassigned). */
u64 ghcb_term_encode_upper(unsigned int set, unsigned int code, u64 upper);
/* Split any GHCB MSR value into its fields. */
void ghcb_decode(u64 msr, struct ghcb_msr_msg *msg);

/* "TERM_REQ", "SEV_INFO_REQ", ... or "unknown". */
const char *ghcb_info_name(u16 info);
/* Requests that only SNP guests may make; KVM terminates other guests that do. */
bool ghcb_info_is_snp_only(u16 info);
/* A short name for a known (set, code) pair, or NULL. */
const char *ghcb_term_reason_name(unsigned int set, unsigned int code);

/*
 * The GHCB page protocol (GHCB spec, 56421, "GHCB layout"): with bits 11:0
 * clear the GHCB MSR holds the GPA of a 4 KiB page the guest shares with
 * the hypervisor (C-bit clear). Byte offsets; no suffixes, so that guest
 * assembly can use them too. A save-area field at offset O is marked valid
 * by bit O / 8 of the valid bitmap.
 */
#define GHCB_PAGE_SIZE			0x1000
#define GHCB_OFF_SW_EXIT_CODE		0x390
#define GHCB_OFF_SW_EXIT_INFO_1		0x398
#define GHCB_OFF_SW_EXIT_INFO_2		0x3a0
#define GHCB_OFF_VALID_BITMAP		0x3f0
#define GHCB_OFF_PROTOCOL_VERSION	0xffa
#define GHCB_OFF_USAGE			0xffc
/*
 * The byte of the valid bitmap that holds the bits of the three sw_* fields
 * (0x390 / 8 = 114, 115, 116: byte 14, bits 2-4), and those bits; literal
 * for the guest's assembly, checked against the offsets by the unit test.
 */
#define GHCB_VALID_SW_BYTE		0x3fe
#define GHCB_VALID_SW_BITS		0x1c
/* Termination request NAE event (GHCB v2): SW_EXITINFO1 = set | code << 4. */
#define GHCB_NAE_TERM_REQUEST		0x8000fffe
/* What the hypervisor writes to SW_EXITINFO1 (2) and _2 on a bad request. */
#define GHCB_ERR_INVALID_USAGE		2
#define GHCB_ERR_MISSING_INPUT		4

/* Is save-area field at offset @off marked valid in the page @ghcb? */
bool ghcb_field_valid(const u8 *ghcb, unsigned int off);

#endif /* KSE_GHCB_H */
