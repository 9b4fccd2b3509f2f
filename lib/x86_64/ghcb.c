// SPDX-License-Identifier: GPL-2.0
/* GHCB MSR protocol codec. */
#include "ghcb.h"

u64 ghcb_term_encode(unsigned int set, unsigned int code)
{
	return GHCB_MSR_TERM_REQ | ((set & GHCB_TERM_SET_MASK) << GHCB_TERM_SET_SHIFT) |
	       ((code & GHCB_TERM_CODE_MASK) << GHCB_TERM_CODE_SHIFT);
}

u64 ghcb_term_encode_upper(unsigned int set, unsigned int code, u64 upper)
{
	return ghcb_term_encode(set, code) | (upper << GHCB_TERM_UPPER_SHIFT);
}

void ghcb_decode(u64 msr, struct ghcb_msr_msg *msg)
{
	msg->info = msr & GHCB_INFO_MASK;
	msg->data = msr >> 12;
	msg->is_term = msg->info == GHCB_MSR_TERM_REQ;
	msg->set = (msr >> GHCB_TERM_SET_SHIFT) & GHCB_TERM_SET_MASK;
	msg->code = (msr >> GHCB_TERM_CODE_SHIFT) & GHCB_TERM_CODE_MASK;
	msg->upper = msr >> GHCB_TERM_UPPER_SHIFT;
}

static const struct {
	u16 info;
	const char *name;
} info_names[] = {
	{ GHCB_MSR_SEV_INFO_RESP, "SEV_INFO_RESP" },
	{ GHCB_MSR_SEV_INFO_REQ, "SEV_INFO_REQ" },
	{ GHCB_MSR_CPUID_REQ, "CPUID_REQ" },
	{ GHCB_MSR_CPUID_RESP, "CPUID_RESP" },
	{ GHCB_MSR_AP_RESET_HOLD_REQ, "AP_RESET_HOLD_REQ" },
	{ GHCB_MSR_AP_RESET_HOLD_RESP, "AP_RESET_HOLD_RESP" },
	{ GHCB_MSR_PREF_GPA_REQ, "PREF_GPA_REQ" },
	{ GHCB_MSR_PREF_GPA_RESP, "PREF_GPA_RESP" },
	{ GHCB_MSR_REG_GPA_REQ, "REG_GPA_REQ" },
	{ GHCB_MSR_REG_GPA_RESP, "REG_GPA_RESP" },
	{ GHCB_MSR_PSC_REQ, "PSC_REQ" },
	{ GHCB_MSR_PSC_RESP, "PSC_RESP" },
	{ GHCB_MSR_VMPL_REQ, "VMPL_REQ" },
	{ GHCB_MSR_VMPL_RESP, "VMPL_RESP" },
	{ GHCB_MSR_HV_FT_REQ, "HV_FT_REQ" },
	{ GHCB_MSR_HV_FT_RESP, "HV_FT_RESP" },
	{ GHCB_MSR_TERM_REQ, "TERM_REQ" },
};

const char *ghcb_info_name(u16 info)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(info_names); i++)
		if (info_names[i].info == info)
			return info_names[i].name;
	return "unknown";
}

bool ghcb_info_is_snp_only(u16 info)
{
	return info == GHCB_MSR_PREF_GPA_REQ || info == GHCB_MSR_REG_GPA_REQ ||
	       info == GHCB_MSR_PSC_REQ;
}

/* Reason codes the kernel defines; the spec may define more in set 0. */
static const char *const set_gen_names[] = {
	"general request", "GHCB protocol range unsupported", "SNP features unsupported",
};

static const char *const set_linux_names[] = {
	"GHCB registration", "page-state change", "PVALIDATE", "not at VMPL0",
	"CPUID validation", "CPUID hypervisor fallback", "secrets page", "no SVSM",
	"SVSM set VMPL0", "SVSM CAA misaligned", "Secure TSC init", "SVSM CA remap",
};

const char *ghcb_term_reason_name(unsigned int set, unsigned int code)
{
	if (set == GHCB_TERM_SET_GEN && code < ARRAY_SIZE(set_gen_names))
		return set_gen_names[code];
	if (set == GHCB_TERM_SET_LINUX && code < ARRAY_SIZE(set_linux_names))
		return set_linux_names[code];
	return NULL;
}

bool ghcb_field_valid(const u8 *ghcb, unsigned int off)
{
	return ghcb[GHCB_OFF_VALID_BITMAP + off / 64] & BIT((off / 8) % 8);
}
