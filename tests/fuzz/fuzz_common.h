/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz targets share: a failure that libFuzzer records as a crash
 * (with the reason printed first), and the check of a deviation line
 * against docs/output-format.md.
 */
#ifndef KSE_FUZZ_COMMON_H
#define KSE_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_fail.h"

/* Is @s a NUL-terminated string within @size bytes? */
static inline bool fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

/* Rank of a deviation field in the documented order; -1 if not a field. */
static inline int fuzz_field_rank(const char *f)
{
	unsigned int i;
	char tail;

	if (!strcmp(f, "KVM_RUN"))
		return 0;
	if (!strcmp(f, "exit_reason"))
		return 1;
	if (!strcmp(f, "system_event.type"))
		return 2;
	if (!strcmp(f, "system_event.type.bit31"))
		return 3;
	if (!strcmp(f, "KVM_CAP_SYSTEM_EVENT_DATA"))
		return 4;
	if (!strcmp(f, "system_event.ndata"))
		return 5;
	if (sscanf(f, "system_event.data[%u%c", &i, &tail) == 2 && tail == ']' && i < 16 &&
	    !strcmp(strchr(f, ']'), "]")) {
		char canon[32];

		/* No leading zeros or signs: exactly what %u prints. */
		snprintf(canon, sizeof(canon), "system_event.data[%u]", i);
		if (strcmp(canon, f))
			return -1;
		return 6 + (int)i;
	}
	return -1;
}

static inline bool fuzz_known_id(const char *id, size_t len)
{
	int kb;

	for (kb = 0; kb < NR_KNOWN_BEHAVIOURS; kb++) {
		const char *k = known_behaviour_id(kb);

		if (kb != KB_NONE && strlen(k) == len && !memcmp(k, id, len))
			return true;
	}
	return false;
}

/*
 * A line as deviation_format() writes it must be exactly
 * `deviation: field=F expected=E actual=A[ diagnosis="<id>: <text>"]` with
 * no space in F, E or A, a catalogued <id> and no `"` in the text
 * (docs/output-format.md). Returns the field's rank.
 */
static inline int fuzz_check_line(const char *line)
{
	static const char *const keys[] = { "deviation: field=", " expected=", " actual=" };
	const char *p = line, *end, *q;
	char field[64];
	int rank = -1;
	size_t k;

	for (k = 0; k < 3; k++) {
		if (strncmp(p, keys[k], strlen(keys[k])))
			fuzz_fail("'%s': expected '%s'", line, keys[k]);
		p += strlen(keys[k]);
		end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			fuzz_fail("'%s': empty value after '%s'", line, keys[k]);
		for (q = p; q < end; q++)
			if ((unsigned char)*q < 0x21 || *q == '"' || (unsigned char)*q >= 0x7f)
				fuzz_fail("'%s': value after '%s' has a space, quote or control "
					  "character", line, keys[k]);
		if (k == 0) {
			if ((size_t)(end - p) >= sizeof(field))
				fuzz_fail("'%s': field too long", line);
			memcpy(field, p, end - p);
			field[end - p] = 0;
			rank = fuzz_field_rank(field);
			if (rank < 0)
				fuzz_fail("'%s': '%s' is not a documented field", line, field);
		}
		p = end;
	}
	if (!*p)
		return rank;
	if (strncmp(p, " diagnosis=\"", 12))
		fuzz_fail("'%s': trailing text that is not a diagnosis", line);
	p += 12;
	end = strchr(p, '"');
	if (!end || end[1])
		fuzz_fail("'%s': diagnosis not closed by its only other '\"' at the end", line);
	q = strstr(p, ": ");
	if (!q || q > end || !fuzz_known_id(p, q - p))
		fuzz_fail("'%s': diagnosis does not start with a catalogued id", line);
	return rank;
}

#endif /* KSE_FUZZ_COMMON_H */
