/* printf-bound.c: the printf output bound: how many bytes vfprintf(fmt, ap)
 * can make at most, read from the format and the arguments without
 * formatting.
 *
 * printf.c asks it before each printf on one of our sockets, so that only
 * a printf that may make more than a piece is formatted by us; everything
 * else goes to the real function untouched.  An answer too small would lose
 * data (glibc would make a datagram too big and drop it), so every case it
 * does not know answers "more than limit".  Pure: no state, no system
 * call, and unit-tested against vsnprintf (tests/helpers/preload-printf-bound.c).
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "printf-bound.h"

/* Bytes a double conversion may make besides width and precision (%f of
 * DBL_MAX has 309 digits), and an integer or pointer (%b of 2^64 - 1 has
 * 64 digits, and a sign or a prefix). */
#define FLOAT_DIGITS 330u
#define INT_DIGITS 70u
/* What glibc prints for a NULL %s: "(null)". */
#define NULL_STRING 6u

/* A number in a format (a width or precision), saturated above limit. */
static size_t format_number(const char **p, size_t limit)
{
	size_t v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v <= limit)
			v = v * 10 + (size_t)(**p - '0');
		++*p;
	}
	return v;
}

/*
 * An upper bound on the bytes vfprintf(fmt, ap) makes, if it is at most
 * limit and cheap to tell; otherwise more than limit.  Reads the arguments
 * (a copy of ap) as vfprintf does, to measure %s strings (at most limit + 1
 * bytes of each) and to take * widths.  Unknown: positional arguments
 * (%1$s), %m, long double, wide strings without a precision, the ' and I
 * flags (locale digits and grouping), and anything else this does not
 * know.  (Conversions the program registered with register_printf_specifier
 * may redefine any letter: the caller must not ask then.)
 * Widths and precisions are at most limit, so the sum cannot overflow.
 */
size_t dtee_printf_bound(const char *fmt, va_list ap, size_t limit)
{
	size_t total = 0;
	const char *p = fmt;
	va_list a;

	va_copy(a, ap);
	for (;;) {
		size_t width = 0, prec = DTEE_UNKNOWN_SIZE;
		enum { L_INT, L_LONG, L_LLONG, L_LDOUBLE, L_MAX, L_SIZE, L_PTRDIFF } len = L_INT;
		char c = *p++;

		if (c != '%') {
			if (c == '\0')
				break;
			total++;
			continue;
		}
		while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0')
			p++;
		if (*p == '*') {
			int w = va_arg(a, int);

			width = w < 0 ? -(size_t)w : (size_t)w;
			p++;
		} else if (*p >= '1' && *p <= '9') {
			width = format_number(&p, limit);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				int q = va_arg(a, int);

				prec = q < 0 ? DTEE_UNKNOWN_SIZE : (size_t)q;
				p++;
			} else {
				prec = format_number(&p, limit);
			}
		}
		for (;; p++) {
			switch (*p) {
			case 'h': continue;
			case 'l': len = len == L_LONG ? L_LLONG : L_LONG; continue;
			case 'q': len = L_LLONG; continue;
			case 'L': len = L_LDOUBLE; continue;	/* also long long for integers */
			case 'j': len = L_MAX; continue;
			case 'z': case 'Z': len = L_SIZE; continue;
			case 't': len = L_PTRDIFF; continue;
			}
			break;
		}
		if (width > limit || (prec != DTEE_UNKNOWN_SIZE && prec > limit)) {
			total = DTEE_UNKNOWN_SIZE;
			break;
		}
		total += width;
		switch (*p++) {
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'b': case 'B':
			switch (len) {
			case L_INT: (void)va_arg(a, int); break;
			case L_LONG: (void)va_arg(a, long); break;
			case L_LLONG: case L_LDOUBLE: (void)va_arg(a, long long); break;
			case L_MAX: (void)va_arg(a, intmax_t); break;
			case L_SIZE: (void)va_arg(a, size_t); break;
			case L_PTRDIFF: (void)va_arg(a, ptrdiff_t); break;
			}
			total += (prec == DTEE_UNKNOWN_SIZE ? 0 : prec) + INT_DIGITS;
			break;
		case 's':
			if (len != L_LONG) {
				const char *s = va_arg(a, const char *);

				total += s == NULL ? NULL_STRING : strnlen(s, prec <= limit ? prec : limit + 1);
				break;
			}
			__attribute__((fallthrough));	/* %ls */
		case 'S':
			(void)va_arg(a, const wchar_t *);
			total = prec == DTEE_UNKNOWN_SIZE ? DTEE_UNKNOWN_SIZE : total + prec;
			break;
		case 'c':
			if (len == L_LONG)
				(void)va_arg(a, wint_t);
			else
				(void)va_arg(a, int);
			total += MB_LEN_MAX;
			break;
		case 'C':
			(void)va_arg(a, wint_t);
			total += MB_LEN_MAX;
			break;
		case 'p':
			(void)va_arg(a, void *);
			total += INT_DIGITS;
			break;
		case 'n':
			(void)va_arg(a, void *);
			break;
		case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
			if (len == L_LDOUBLE) {
				total = DTEE_UNKNOWN_SIZE;	/* %Lf: up to 4933 digits */
				break;
			}
			(void)va_arg(a, double);
			total += (prec == DTEE_UNKNOWN_SIZE ? 6 : prec) + FLOAT_DIGITS;
			break;
		case '%':
			total++;
			break;
		default:
			total = DTEE_UNKNOWN_SIZE;
			break;
		}
		if (total > limit)
			break;
	}
	va_end(a);
	return total;
}

