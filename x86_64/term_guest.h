/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The termination request as a guest makes it, shared by the SEV-ES test
 * and the non-SEV control so that both run the very same bytes.
 *
 * Entry: ECX = 0xc0010130 (GHCB MSR), EDX:EAX = the GHCB MSR value, all set
 * by the host before launch. The guest writes the request, executes VMGEXIT
 * (`rep; vmmcall`, F3 0F 01 D9), and if resumed makes a second request with
 * the reason-code bits inverted, so a second report cannot be the first one
 * left over. Then it halts. The encodings are the same in every mode
 * (the assembler adds operand-size prefixes in 16-bit code).
 */
#ifndef KSE_TERM_GUEST_H
#define KSE_TERM_GUEST_H

#include "guest.h"

/* Byte offset of the first VMGEXIT in the program (after `wrmsr`). */
#define TERM_GUEST_VMGEXIT_OFFSET 2

GUEST_PROG(term_guest,
	   "wrmsr\n\t"
	   "rep; vmmcall\n\t"
	   "xor $0x00ff0000, %eax\n\t"
	   "wrmsr\n\t"
	   "rep; vmmcall\n"
	   "1:\thlt\n\t"
	   "jmp 1b\n");

#endif /* KSE_TERM_GUEST_H */
