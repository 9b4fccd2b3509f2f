/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input formats of the fuzz targets, shared with mkseeds (which writes the
 * seed corpora from real runs of this suite). All little-endian, packed;
 * an input shorter than a header is zero-extended.
 */
#ifndef KSE_FUZZ_INPUT_H
#define KSE_FUZZ_INPUT_H

#include <string.h>

#include "sysevent.h"

/*
 * fuzz_oracle: a KVM_RUN outcome, an expectation, then kvm_run's bytes from
 * offset 0 (the rest of kvm_run is zero). The oracle is run under every
 * ABI profile with the expectation's other fields as given.
 */
#define FO_STUCK	BIT(0)	/* the watchdog stopped the run */
#define FO_RIP_VALID	BIT(1)
#define FO_CAP		BIT(2)	/* KVM_CAP_SYSTEM_EVENT_DATA advertised */
#define FO_POISON	BIT(3)	/* data[] was poisoned before the run */
#define FO_PROTECTED	BIT(4)	/* SEV-ES/SNP guest */
#define FO_CONFORM	BIT(5)	/* overwrite kvm_run with a conformant exit */

#define FO_EXIT_SYSTEM_EVENT	0	/* exit_sel: which exit is expected */
#define FO_EXIT_SHUTDOWN	1
#define FO_EXIT_GIVEN		2	/* any other value: exp_exit_reason */

struct fuzz_oracle_hdr {
	u8 flags;
	u8 kind;		/* % NR_EV_KINDS */
	u8 exit_sel;
	u8 max;			/* room for deviations, % (SYSEVENT_MAX_DEVIATIONS + 1) */
	int32_t rc;
	int32_t err;
	u32 ms;
	u32 exp_exit_reason;
	u32 exp_ndata;
	u64 rip;
	u64 poison;
	u64 exp_data[KSE_RUN_SE_NDATA_MAX];
} __attribute__((packed));

/* kvm_run bytes a seed keeps: up to the end of system_event.data[]. */
#define FO_RUN_BYTES	(KSE_RUN_SE_DATA_OFF + 8 * KSE_RUN_SE_NDATA_MAX)

/*
 * fuzz_deviation: one struct deviation and a buffer length, then the field,
 * expected and actual strings, each NUL-terminated (cut to fit).
 */
struct fuzz_deviation_hdr {
	u32 known;		/* any value, cast to enum known_behaviour */
	u16 len;		/* deviation_format()'s buffer, % 1024 */
} __attribute__((packed));

/*
 * fuzz_page_walk: guest state, up to two memory slots (page-aligned, as KVM
 * requires), then 10-byte records {u16 qword index, u64 value} written into
 * the zeroed slot memory (slot 0's pages first, then slot 1's).
 */
#define FPW_MAX_PAGES	16

struct fuzz_page_walk_hdr {
	u64 cr0;
	u64 efer;
	u64 cr3;
	u64 c_bit;		/* the VM's C-bit mask; any value */
	u64 linear;
	u16 len;		/* % 8192 */
	u16 slot_page[2];	/* GPA / 4096 */
	u8 slot_pages[2];	/* % FPW_MAX_PAGES, + 1 */
	u8 nr_slots;		/* % 3 */
} __attribute__((packed));

struct fuzz_page_walk_rec {
	u16 qword;
	u64 value;
} __attribute__((packed));

/* Copy at most sizeof(*hdr) bytes of @data into @hdr, zero-extending. */
static inline size_t fuzz_take(void *hdr, size_t hdr_size, const u8 *data, size_t size)
{
	size_t n = size < hdr_size ? size : hdr_size;

	memset(hdr, 0, hdr_size);
	memcpy(hdr, data, n);
	return n;
}

#endif /* KSE_FUZZ_INPUT_H */
