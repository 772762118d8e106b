/* envlist.h: an entry of a list held in an environment variable
 * (PYTHONPATH's directories, PERL5OPT's words), as a whole entry: the
 * launcher adds its own and libdtee.so takes them out again, and neither
 * may match part of the user's (/usr/lib/dtee/python3-extra is not
 * /usr/lib/dtee/python). Entries are separated by ':' or ' '. */
#ifndef DTEE_ENVLIST_H
#define DTEE_ENVLIST_H

#include <stdbool.h>
#include <string.h>

static inline bool envlist_sep(char c)
{
	return c == ':' || c == ' ';
}

/* Where entry stands whole in list, or NULL. */
static inline const char *envlist_find(const char *list, const char *entry)
{
	size_t len = strlen(entry);
	const char *p = list;

	if (len == 0)
		return NULL;
	while ((p = strstr(p, entry)) != NULL) {
		if ((p == list || envlist_sep(p[-1])) && (p[len] == '\0' || envlist_sep(p[len])))
			return p;
		p++;
	}
	return NULL;
}

#endif
