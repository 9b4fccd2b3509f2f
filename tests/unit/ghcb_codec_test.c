// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the GHCB MSR protocol codec (lib/x86_64/ghcb.c): no KVM needed. */
#include "kselftest_harness.h"

#include "ghcb.h"

TEST(term_encode_fields)
{
	/* GHCBInfo 0x100, set in 15:12, code in 23:16 (sev-common.h). */
	ASSERT_EQ(0x100ull, ghcb_term_encode(0, 0));
	ASSERT_EQ(0x1100ull, ghcb_term_encode(1, 0));
	ASSERT_EQ(0x21100ull, ghcb_term_encode(1, 2));
	ASSERT_EQ(0xfff100ull, ghcb_term_encode(15, 255));
}

TEST(term_encode_masks_out_of_range)
{
	ASSERT_EQ(ghcb_term_encode(0, 0), ghcb_term_encode(16, 256));
	ASSERT_EQ(ghcb_term_encode(15, 255), ghcb_term_encode(0xffff, 0xffff));
}

TEST(term_encode_upper_bits)
{
	ASSERT_EQ(0xabcdef0001021100ull, ghcb_term_encode_upper(1, 2, 0xabcdef0001ull));
}

TEST(decode_roundtrip_all_pairs)
{
	struct ghcb_msr_msg m;
	unsigned int set, code;

	for (set = 0; set < 16; set++) {
		for (code = 0; code < 256; code++) {
			ghcb_decode(ghcb_term_encode_upper(set, code, 0x5a5a), &m);
			ASSERT_TRUE(m.is_term);
			ASSERT_EQ(GHCB_MSR_TERM_REQ, m.info);
			ASSERT_EQ(set, m.set);
			ASSERT_EQ(code, m.code);
			ASSERT_EQ(0x5a5aull, m.upper);
		}
	}
}

TEST(decode_other_requests)
{
	struct ghcb_msr_msg m;

	ghcb_decode(0x12345012ull, &m);
	ASSERT_FALSE(m.is_term);
	ASSERT_EQ(GHCB_MSR_REG_GPA_REQ, m.info);
	ASSERT_EQ(0x12345ull, m.data);
	ASSERT_TRUE(ghcb_info_is_snp_only(m.info));
	ASSERT_FALSE(ghcb_info_is_snp_only(GHCB_MSR_TERM_REQ));
	ASSERT_FALSE(ghcb_info_is_snp_only(GHCB_MSR_SEV_INFO_REQ));
	ASSERT_TRUE(ghcb_info_is_snp_only(GHCB_MSR_PREF_GPA_REQ));
	ASSERT_TRUE(ghcb_info_is_snp_only(GHCB_MSR_PSC_REQ));
}

TEST(names)
{
	ASSERT_STREQ("TERM_REQ", ghcb_info_name(0x100));
	ASSERT_STREQ("unknown", ghcb_info_name(0x123));
	ASSERT_STREQ("general request", ghcb_term_reason_name(0, 0));
	ASSERT_STREQ("SVSM CA remap", ghcb_term_reason_name(1, 11));
	ASSERT_EQ(NULL, ghcb_term_reason_name(1, 12));
	ASSERT_EQ(NULL, ghcb_term_reason_name(2, 0));
}

/* The GHCB page layout the guests and the model share. */
TEST(ghcb_page_layout)
{
	u8 page[GHCB_PAGE_SIZE] = { 0 };
	unsigned int off;

	ASSERT_EQ(GHCB_OFF_VALID_BITMAP + GHCB_OFF_SW_EXIT_CODE / 8 / 8, GHCB_VALID_SW_BYTE);
	page[GHCB_VALID_SW_BYTE] = GHCB_VALID_SW_BITS;
	ASSERT_TRUE(ghcb_field_valid(page, GHCB_OFF_SW_EXIT_CODE));
	ASSERT_TRUE(ghcb_field_valid(page, GHCB_OFF_SW_EXIT_INFO_1));
	ASSERT_TRUE(ghcb_field_valid(page, GHCB_OFF_SW_EXIT_INFO_2));
	/* No other field of the save area. */
	for (off = 0; off < GHCB_OFF_VALID_BITMAP; off += 8)
		if (off < GHCB_OFF_SW_EXIT_CODE || off > GHCB_OFF_SW_EXIT_INFO_2)
			ASSERT_FALSE(ghcb_field_valid(page, off)) TH_LOG("offset 0x%x", off);
	ASSERT_EQ(GHCB_PAGE_SIZE, GHCB_OFF_USAGE + 4);
}

TEST_HARNESS_MAIN
