/* printf-bound.h: an upper bound on what vfprintf(fmt, ap) makes.  Used
 * by libdtee.so (printf.c) and by its unit test; needs nothing else. */
#ifndef DTEE_PRINTF_BOUND_H
#define DTEE_PRINTF_BOUND_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Returned when the bound is not known. */
#define DTEE_UNKNOWN_SIZE SIZE_MAX

/* At most limit when the output is known to be at most that; otherwise
 * more than limit (often DTEE_UNKNOWN_SIZE).  ap is not consumed. */
size_t dtee_printf_bound(const char *fmt, va_list ap, size_t limit);

#endif
