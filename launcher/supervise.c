/* supervise.c: placeholder until the seccomp supervisor lands. */
#include <stddef.h>

#include "dtee.h"
#include "supervise.h"

struct supervisor *supervise_prepare(const struct sockets *sk)
{
	(void)sk;
	msg("--seccomp: not supported by this build; running without it");
	return NULL;
}

void supervise_child(struct supervisor *sv)
{
	(void)sv;
}

void supervise_start(struct supervisor *sv)
{
	(void)sv;
}
