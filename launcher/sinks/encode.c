/* encode.c: UTF-8 checking, JSON string escaping and base64 (encode.h). */
#include <stdint.h>
#include <string.h>

#include "encode.h"

/* The length of the run of ASCII bytes at the start of s. */
static size_t ascii_run(const unsigned char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/* The length of the well-formed sequence of 2-4 bytes at s, or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;	/* the second byte's range */

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (c == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;	/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		i += ascii_run(s + i, len - i);
		if (i == len)
			break;
		size_t n = utf8_sequence(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Bytes a JSON string cannot hold as they are. */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Some byte of w is below n (n <= 128). */
static inline uint64_t has_less(uint64_t w, unsigned n)
{
	return (w - ONES * n) & ~w & HIGHS;
}

/* Some byte of w is c. */
static inline uint64_t has_byte(uint64_t w, unsigned char c)
{
	return has_less(w ^ (ONES * c), 1);
}

/* The end of the run of bytes from i on that need no escape: 8 at a time
 * while none of them does, then one at a time. */
static size_t plain_run(const unsigned char *s, size_t i, size_t len)
{
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\') | has_byte(w, 0x7f))
			break;
	}
	while (i < len && !needs_escape(s[i]))
		i++;
	return i;
}

size_t json_escape(char *out, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	size_t i = 0;

	while (i < len) {
		size_t run = plain_run(s, i, len);
		memcpy(o, s + i, run - i);
		o += run - i;
		if (run == len)
			break;
		unsigned char c = s[run];
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
		i = run + 1;
	}
	return (size_t)(o - out);
}

size_t base64_encode(char *out, const unsigned char *s, size_t len)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = out;
	size_t i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = abc[v >> 18];
		*o++ = abc[v >> 12 & 63];
		*o++ = abc[v >> 6 & 63];
		*o++ = abc[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
		*o++ = abc[v >> 18];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < len ? abc[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	return (size_t)(o - out);
}
