// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the GHCB MSR protocol codec (lib/ghcb.c). Input: an
 * 8-byte GHCB MSR value, then a set, a code and upper bits for the encoder
 * (short inputs are zero-extended). Checks, besides memory safety:
 *
 * - decoding splits the value into fields that put back together give the
 *   value again (GHCBInfo | data << 12; for a termination request,
 *   GHCBInfo | set << 12 | code << 16 | upper << 24);
 * - encoding masks set and code to their 4 and 8 bits, puts GHCBInfo
 *   0x100 in bits 11:0, and decodes back to what was encoded;
 * - every name lookup answers (a name, "unknown" or NULL where documented)
 *   for any value, and only PREF_GPA, REG_GPA and PSC are SNP-only.
 */
#include "fuzz_common.h"
#include "fuzz_input.h"
#include "ghcb.h"

struct ghcb_in {
	u64 msr;
	u32 set;
	u32 code;
	u64 upper;
} __attribute__((packed));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ghcb_msr_msg m;
	const char *name;
	struct ghcb_in in;
	u64 v, upper40;

	fuzz_take(&in, sizeof(in), data, size);

	ghcb_decode(in.msr, &m);
	if (m.info != (in.msr & GHCB_INFO_MASK) || ((u64)m.info | m.data << 12) != in.msr)
		fuzz_fail("decode(0x%llx): info 0x%x data 0x%llx do not make the value",
			  (unsigned long long)in.msr, m.info, (unsigned long long)m.data);
	if (m.is_term != (m.info == GHCB_MSR_TERM_REQ))
		fuzz_fail("decode(0x%llx): is_term %d for info 0x%x", (unsigned long long)in.msr,
			  m.is_term, m.info);
	if (((u64)m.info | (u64)m.set << 12 | (u64)m.code << 16 | m.upper << 24) != in.msr ||
	    m.set > 0xf)
		fuzz_fail("decode(0x%llx): set %u code %u upper 0x%llx do not make the value",
			  (unsigned long long)in.msr, m.set, m.code, (unsigned long long)m.upper);
	name = ghcb_info_name(m.info);
	if (!name || !*name)
		fuzz_fail("ghcb_info_name(0x%x) gave no name", m.info);
	if (ghcb_info_is_snp_only(m.info) !=
	    (m.info == GHCB_MSR_PREF_GPA_REQ || m.info == GHCB_MSR_REG_GPA_REQ ||
	     m.info == GHCB_MSR_PSC_REQ))
		fuzz_fail("ghcb_info_is_snp_only(0x%x) wrong", m.info);
	name = ghcb_term_reason_name(in.set, in.code);
	if (name && (in.set > GHCB_TERM_SET_LINUX || !*name))
		fuzz_fail("ghcb_term_reason_name(%u, %u) named an undefined pair", in.set, in.code);

	v = ghcb_term_encode(in.set, in.code);
	ghcb_decode(v, &m);
	if (!m.is_term || m.set != (in.set & 0xf) || m.code != (in.code & 0xff) || m.upper ||
	    (v >> 24))
		fuzz_fail("encode(%u, %u) = 0x%llx does not decode back", in.set, in.code,
			  (unsigned long long)v);
	v = ghcb_term_encode_upper(in.set, in.code, in.upper);
	upper40 = in.upper & ((1ull << 40) - 1);
	ghcb_decode(v, &m);
	if (!m.is_term || m.set != (in.set & 0xf) || m.code != (in.code & 0xff) ||
	    m.upper != upper40)
		fuzz_fail("encode_upper(%u, %u, 0x%llx) = 0x%llx does not decode back", in.set,
			  in.code, (unsigned long long)in.upper, (unsigned long long)v);
	return 0;
}
