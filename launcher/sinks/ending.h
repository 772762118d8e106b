/* ending.h: how a run started and how it ended, in the words and numbers
 * every log gives at its start and its end (docs/logs.md). */
#ifndef DTEE_ENDING_H
#define DTEE_ENDING_H

#include <stddef.h>

#include "sink.h"

/* The longest text of a start or end record. */
#define ENDING_TEXT_MAX 4096

/* How the command ended, as systemd's EXIT_CODE says it: "exited",
 * "killed", "dumped" (killed, with a core dump), "not-run" (it could not be
 * started), or "running" (dtee stopped first, or --attach ended without
 * learning the status). */
const char *ending_code(const struct ending *e);

/* The number that goes with it: the exit status, the signal, the errno of
 * the failed start; -1 for "running". */
int ending_number(const struct ending *e);

/* "Started ARGV" (each word shell-quoted where it needs it) or "Attached
 * to process PID"; returns the length, cut to fit size. */
size_t ending_start_text(char *buf, size_t size, char *const *argv, pid_t attached);

/* "Finished with exitcode N", "Finished by signal N: NAME (core dumped)",
 * "Could not run: REASON", "Not finished: ..." when dtee stopped first,
 * "Detached: ..." after --attach; returns the length. */
size_t ending_text(char *buf, size_t size, const struct ending *e);

/* "Received signal N: NAME" when dtee ends by a stop signal, else 0. */
size_t ending_signal_text(char *buf, size_t size, const struct ending *e);

#endif
