/* tmpdir.c: $TMPDIR, then /tmp. */
#include <stdlib.h>

#include "tmpdir.h"

int tmpdir_try(int (*make)(const char *base, void *ctx), void *ctx, const char **where)
{
	const char *tmpdir = getenv("TMPDIR");
	int r = -1;

	*where = "/tmp";
	if (tmpdir && *tmpdir) {
		*where = "TMPDIR or /tmp";
		r = make(tmpdir, ctx);
	}
	return r >= 0 ? r : make("/tmp", ctx);
}
