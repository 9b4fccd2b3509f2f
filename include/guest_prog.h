/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One guest program, for the architectures whose guests run in one mode
 * (arm64, riscv; x86 assembles each program for three modes, its guest.h).
 */
#ifndef KSE_GUEST_PROG_H
#define KSE_GUEST_PROG_H

#include "util.h"

struct guest_prog {
	const u8 *start;
	const u8 *end;
};

/*
 * A guest program from GNU as source, kept in .rodata. The binaries are
 * linked -static -no-pie: the labels are plain addresses (with PIE they
 * went through one GOT entry and every program came out empty).
 */
#define GUEST_PROG(name, body)                                                         \
	asm(".pushsection .rodata.kse_guest, \"a\"\n"                                  \
	    ".balign 4\n" #name "_start:\n" body "\n" #name "_end:\n"                  \
	    ".popsection\n");                                                          \
	extern const u8 name##_start[], name##_end[];                                  \
	static const struct guest_prog name = { name##_start, name##_end }

#endif /* KSE_GUEST_PROG_H */
