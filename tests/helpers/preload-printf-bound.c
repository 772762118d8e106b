/*
 * preload-printf-bound: unit test of libdtee.so's printf output bound
 * (preload/printf-bound.c, linked in), against vsnprintf over a list of
 * formats.  For each case: when the bound says it knows (at most LIMIT),
 * the real output must not be longer (a bound too small loses data); a
 * case marked KNOWN must be known (the bound is what keeps the real
 * vfprintf in use), one marked UNKNOWN must not be.  Prints one line per
 * failed case on stderr, a count on stdout; exit 1 if any failed.
 */
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "printf-bound.h"

#define LIMIT 65536u

enum expect { KNOWN, UNKNOWN, EITHER };

static int cases, failures;

static void check(int line, enum expect want, const char *fmt, ...)
{
	va_list ap, copy;
	size_t bound;
	int real;

	va_start(ap, fmt);
	va_copy(copy, ap);
	bound = dtee_printf_bound(fmt, ap, LIMIT);
	real = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	va_end(ap);
	cases++;
	if (real < 0) {
		fprintf(stderr, "line %d: \"%s\": vsnprintf failed\n", line, fmt);
		failures++;
	} else if (bound <= LIMIT && bound < (size_t)real) {
		fprintf(stderr, "line %d: \"%s\": bound %zu < output %d\n", line, fmt, bound, real);
		failures++;
	} else if ((want == KNOWN && bound > LIMIT) || (want == UNKNOWN && bound <= LIMIT)) {
		fprintf(stderr, "line %d: \"%s\": bound %zu, expected %s\n", line, fmt, bound,
			want == KNOWN ? "known" : "unknown");
		failures++;
	}
}

#define K(...) check(__LINE__, KNOWN, __VA_ARGS__)
#define U(...) check(__LINE__, UNKNOWN, __VA_ARGS__)
#define E(...) check(__LINE__, EITHER, __VA_ARGS__)

int main(void)
{
	static char big[LIMIT + 100];
	static wchar_t wide[] = L"wide string";

	setlocale(LC_ALL, "C");
	memset(big, 'b', sizeof(big) - 1);

	/* Plain text and %% */
	K("");
	K("hello, world\n");
	K("100%% sure %%%%");
	/* Integers at their widest, every length modifier */
	K("%d %i", INT_MIN, INT_MAX);
	K("%hhd %hd %hhu %hu", -128, SHRT_MIN, 255, USHRT_MAX);
	K("%ld %lu %lx", LONG_MIN, ULONG_MAX, ULONG_MAX);
	K("%lld %llu %llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX);
	K("%qd %Ld", LLONG_MIN, LLONG_MIN);
	K("%jd %ju %zd %zu %Zu %td", INTMAX_MIN, UINTMAX_MAX, (ssize_t)-1, SIZE_MAX, SIZE_MAX,
	  (ptrdiff_t)PTRDIFF_MIN);
	K("%o %#o %x %#x %X %#X", UINT_MAX, UINT_MAX, UINT_MAX, UINT_MAX, UINT_MAX, UINT_MAX);
	K("%b %#B %lb", UINT_MAX, UINT_MAX, ULONG_MAX);
	K("%+d % d %-+ d %0d", 5, 5, 5, 5);
	/* Widths and precisions, given and taken from the arguments */
	K("%40d|%-40d|%040d", 1, 2, 3);
	K("%.50d %.50x %50.40lu", 7, 7, 7ul);
	K("%*d|%-*d", 30, 1, 30, 2);
	K("%*d", -30, 1);
	K("%.*d %.*d", 60, 1, -1, 2);
	K("%*.*d", 20, 10, 5);
	K("%60000d", 1);
	U("%70000d", 1);
	U("%.70000d", 1);
	/* Strings */
	K("%s", "short");
	K("%s|%s|%s", "", "a", "abc");
	K("%10s|%-10s|%.2s|%10.3s", "x", "y", "abcdef", "abcdef");
	K("%.*s", 3, "abcdef");
	K("%.*s", -1, "abcdef");
	K("%s %.3s %10s", (char *)NULL, (char *)NULL, (char *)NULL);
	K("%.*s", (int)LIMIT, big);
	U("%s", big);
	U("%s%s", big + 20000, big + 20000);
	/* Characters, pointers, %n */
	K("%c%c%5c%-5c", 'a', 0, 'b', 'c');
	K("%lc %C", (wint_t)L'x', (wint_t)L'y');
	K("%p %p %20p", (void *)&cases, NULL, (void *)-1);
	{
		int n1 = 0;

		K("abc%n def", &n1);
	}
	/* Floating point */
	K("%f %F", DBL_MAX, -DBL_MAX);
	K("%e %E %g %G", DBL_MAX, -DBL_MIN, DBL_MAX, DBL_MIN);
	K("%a %A", DBL_MAX, -DBL_MIN);
	K("%.0f %.20f %#.0f", 1.5, DBL_MIN, 2.0);
	K("%.300f", DBL_MIN);
	K("%.300e %.300g", -DBL_MAX, DBL_MAX);
	K("%40.10f|%-40.10e", -DBL_MAX, 1.0);
	K("%f %f %f", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0);
	K("%*.*f", 50, 20, -DBL_MAX);
	/* Wide strings: known only with a precision */
	K("%.5ls", wide);
	K("%.5S", wide);
	U("%ls", wide);
	U("%S", wide);
	/* What the bound does not read: positional arguments, %m, long
	 * double, grouping and locale digits */
	U("%1$s %1$s", "positional");
	U("%m");
	U("%Lf", (long double)1.0);
	U("%'d", 1000000);
	U("%Id", 5);
	/* A mix, as programs write them */
	K("[%5d] %-10s: %08.3f (%p) %s%c", 42, "name", 3.14159, (void *)&cases, "ok", '\n');
	K("%s=%lu, %s=%d%%\n", "size", 123456789ul, "done", 99);

	printf("%d cases, %d failed\n", cases, failures);
	return failures != 0;
}
