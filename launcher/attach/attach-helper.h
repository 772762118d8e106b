/* attach-helper.h: the helper ("dtee-attach", attach-helper.c) as
 * attach.c starts it. Private to the attach module. */
#ifndef DTEE_ATTACH_HELPER_H
#define DTEE_ATTACH_HELPER_H

#include <stdbool.h>
#include <sys/types.h>

#include "attach.h"

/* The helper's state: fds it holds. */
struct helper {
	pid_t pid;
	pid_t dtee;		/* told with SIGCHLD when the process ends */
	bool attached;		/* dtee's sockets are on the process's fds already */
	int pidfd, ctl;		/* ctl: -1 once dtee has gone */
	int sock[2];		/* dtee's sockets, for fds 1 and 2 */
	int orig[2];		/* the process's own fds 1 and 2 */
};

/* Start the helper as a grandchild dtee does not wait for; it attaches at
 * once (unless h->attached) and says how that went in *r. *ctl: dtee's
 * end of the pair it reads. -1 if it could not be started. */
int start_helper(struct helper *h, int *ctl, struct attach_reply *r);

#endif
