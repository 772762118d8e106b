/* signals.h: dtee's signal handling. Handlers only record the signal and
 * wake the collector with an empty datagram on the control socket, so the
 * collector can block in one receive call and miss nothing. A stop signal
 * is acted on by the collector once the data in hand has reached every
 * output; only SIGKILL stops dtee at once. */
#ifndef DTEE_SIGNALS_H
#define DTEE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "dtee.h"
#include "options.h"

extern volatile sig_atomic_t signal_child;	/* SIGCHLD seen */
extern volatile sig_atomic_t signal_stop;	/* the first stop signal seen (HUP, INT,
						 * TERM, PIPE, QUIT, USR1...) */
extern volatile sig_atomic_t signal_stops;	/* how many stop signals came */
extern volatile sig_atomic_t signal_stop_now;	/* one that does not wait for the command came */

/* The stop signals a command is asked to end by (SIGTERM, SIGHUP, SIGINT,
 * SIGQUIT): dtee passes them on when another process sent them with kill()
 * (the terminal sends them to the command itself), and waits for the
 * command to end before it acts on them. */
bool signal_waits_for_command(int sig);
/* So many stop signals make dtee stop waiting for the command: the user's
 * way out when the command ignores them. That one is not passed on; the
 * command is left running. */
#define SIGNAL_STOPS_GIVE_UP 3

/* The command's pid, once it exists: signals it sends dtee are not sent
 * back to it. */
void signals_set_command(pid_t pid);
/* Send the command the stop signals that came from another process since
 * the last call, each once. */
void signals_pass_on(void);

/* Install dtee's handlers (wake-ups go to ctl_fd) and block every signal;
 * signals_unblock() lets them in again once the child exists. A stop
 * signal that was ignored when dtee started stays ignored, as does SIGINT
 * with -i. */
void signals_setup(const struct options *opts, int ctl_fd);
void signals_unblock(void);

/* In the child: the dispositions and mask dtee inherited, signals unblocked. */
void signals_reset_for_child(void);

/* While held, a SIGPIPE (from writing a message to a closed stderr) is not
 * taken as a stop signal. */
void signals_hold_sigpipe(bool hold);

/* Die of sig, so our parent's wait status shows it. */
void __attribute__((noreturn)) die_by_signal(int sig);

#endif
