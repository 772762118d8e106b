/* dtee.h: what every file of the launcher shares: the two streams, and
 * dtee's own messages (message.c). */
#ifndef DTEE_H
#define DTEE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The command's two streams, as bits so that an output can want both. */
enum stream {
	STREAM_OUT = 1,
	STREAM_ERR = 2,
	STREAM_BOTH = STREAM_OUT | STREAM_ERR,
};

/* argv[0] as invoked, for every message (main.c). */
extern const char *prog;

/* Print "PROG: " and the formatted text and a newline to stderr, in one
 * write (message.c). A closed stderr costs nothing but the message. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The first messages msg() printed, without their newline, for the logs'
 * end records: how many, and each (message.c). */
size_t msg_count(void);
const char *msg_kept(size_t i);

/* msg(), then exit with code (a sysexits(3) value). */
void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...);

/* "Try 'PROG -h' for more information.": the last line of every usage
 * error, for those found after parsing (message.c). */
void usage_hint(void);

/* msg(), then usage_hint() and exit with EX_USAGE: a mistake on the
 * command line. */
void __attribute__((noreturn, format(printf, 1, 2))) die_usage(const char *fmt, ...);

/* calloc() or die with EX_OSERR, saying what was being allocated. */
void *xcalloc(size_t n, size_t size, const char *what);

/* The environment variable name as a boolean: 1/0, yes/no, true/false,
 * on/off (any case); unset or empty gives def, anything else a warning
 * and def (envbool.c). */
bool env_bool(const char *name, bool def);

#endif
