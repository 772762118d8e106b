/* envbool.c: environment variables that turn something on or off. A word
 * that is not one of the usual spellings is named, and the default kept:
 * a typo in a crontab must neither stop the job nor flip the setting. */
#include <stdlib.h>
#include <strings.h>

#include "dtee.h"

bool env_bool(const char *name, bool def)
{
	static const char *const on[] = { "1", "yes", "true", "on" };
	static const char *const off[] = { "0", "no", "false", "off" };
	const char *v = getenv(name);

	if (!v || !*v)
		return def;
	for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
		if (strcasecmp(v, on[i]) == 0)
			return true;
		if (strcasecmp(v, off[i]) == 0)
			return false;
	}
	msg("%s: invalid value '%s' (1/0, yes/no, true/false or on/off): ignored, %s kept",
	    name, v, def ? "on" : "off");
	return def;
}
