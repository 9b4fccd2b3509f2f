// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: deviation_format() with any field, expected and actual
 * strings, any known-behaviour number (catalogued or not) and any buffer
 * length, into a heap buffer of exactly that length so that ASan sees one
 * byte too many. Checks snprintf's contract: the return value is the whole
 * line's length whatever the room, the buffer holds its prefix and is
 * always terminated, and nothing is written when there is no room.
 */
#include "fuzz_common.h"
#include "fuzz_input.h"

static size_t take_str(char *dst, size_t room, const u8 *data, size_t size, size_t *at)
{
	size_t n = 0;

	while (*at < size && data[*at] && n + 1 < room)
		dst[n++] = data[(*at)++];
	dst[n] = 0;
	while (*at < size && data[*at])		/* what did not fit */
		(*at)++;
	if (*at < size)
		(*at)++;			/* the NUL */
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_deviation_hdr h;
	char full[1024], *buf;
	struct deviation d;
	size_t at, len;
	int want, got;

	at = fuzz_take(&h, sizeof(h), data, size);
	memset(&d, 0, sizeof(d));
	take_str(d.field, sizeof(d.field), data, size, &at);
	take_str(d.expected, sizeof(d.expected), data, size, &at);
	take_str(d.actual, sizeof(d.actual), data, size, &at);
	d.known = (enum known_behaviour)h.known;
	len = h.len % 1024;

	want = deviation_format(&d, full, sizeof(full));
	if (want < 0 || want >= (int)sizeof(full) || strlen(full) != (size_t)want)
		fuzz_fail("deviation_format returned %d for a %zu-byte line", want, strlen(full));
	if (strncmp(full, "deviation: field=", 17))
		fuzz_fail("'%s' does not start with 'deviation: field='", full);

	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memset(buf, 0x7e, len ? len : 1);
	got = deviation_format(&d, len ? buf : NULL, len);
	if (got != want)
		fuzz_fail("returned %d with %zu bytes of room, %d with room to spare", got, len,
			  want);
	if (len) {
		size_t kept = (size_t)want < len - 1 ? (size_t)want : len - 1;

		if (buf[kept] || memcmp(buf, full, kept))
			fuzz_fail("with %zu bytes of room the buffer is not the line's prefix", len);
	}
	free(buf);
	return 0;
}
