/* timefmt.c: time formats for log records (see timefmt.h).
 *
 * A clock format is compiled into pieces: strftime text, a fraction of a
 * second, a zone with a colon. Each second the pieces are rendered once
 * into a cache, with the fractions left as places to fill; each record then
 * copies the cache and writes its own digits into those places. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dtee.h"
#include "sink.h"
#include "timefmt.h"

/* The most fractions one format may hold. */
#define FRAC_MAX 8
#define USEC_DIGITS 6
#define NSEC_DIGITS 9

enum piece_kind { PIECE_STRFTIME, PIECE_FRAC, PIECE_ZONE };

struct piece {
	enum piece_kind kind;
	char *fmt;	/* PIECE_STRFTIME: strftime text */
	int digits;	/* PIECE_FRAC */
};

enum timefmt_kind { TF_CLOCK, TF_ELAPSED, TF_DELTA };

struct timefmt {
	enum timefmt_kind kind;
	bool utc;
	struct piece *piece;
	size_t npieces;
	/* The rendering of the second cached_sec, fractions to fill. */
	bool cached;
	time_t cached_sec;
	char cache[TIMEFMT_MAX];
	size_t cache_len;
	size_t frac_at[FRAC_MAX];
	int frac_digits[FRAC_MAX];
	int nfrac;
	/* delta: the previous time rendered. */
	bool have_prev;
	struct timespec prev;
};

/* The conversions strftime(3) knows in glibc. */
static const char strftime_convs[] = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";

static void add_piece(struct timefmt *f, enum piece_kind kind, const char *fmt, size_t len,
		      int digits)
{
	f->piece = realloc(f->piece, (f->npieces + 1) * sizeof *f->piece);
	if (!f->piece)
		die(EX_OSERR, "time format: out of memory");
	struct piece *p = &f->piece[f->npieces++];
	*p = (struct piece){ .kind = kind, .digits = digits };
	if (fmt) {
		p->fmt = xcalloc(1, len + 1, "time format");
		memcpy(p->fmt, fmt, len);
	}
}

/* The widest field a conversion may ask for: with it, what a conversion
 * renders is bounded (see check_rendering). */
#define WIDTH_MAX 255

/* The length of the conversion at s (just after its '%'): flags, width,
 * an E or O modifier, the conversion; 0 when it is not one strftime knows,
 * or its width is above WIDTH_MAX. */
static size_t conversion_len(const char *s)
{
	size_t n = strspn(s, "_-0^#");
	size_t digits = strspn(s + n, "0123456789");

	if (digits > 3 || (digits > 0 && atoi(s + n) > WIDTH_MAX))
		return 0;
	n += digits;
	if (s[n] == 'E' || s[n] == 'O')
		n++;
	if (s[n] == '\0' || !strchr(strftime_convs, s[n]))
		return 0;
	return n + 1;
}

/* Why the conversion at s (just after its '%') is not one. */
static const char *unknown_conversion(const char *s)
{
	static char why[64];
	size_t n = strspn(s, "_-0^#0123456789EO.:");
	size_t flags = strspn(s, "_-0^#"), digits = strspn(s + flags, "0123456789");

	if (s[n] == '\0')
		return "ends with an unfinished '%' conversion";
	if (digits > 3 || (digits > 0 && atoi(s + flags) > WIDTH_MAX)) {
		snprintf(why, sizeof why, "width above %d in '%%%.*s'", WIDTH_MAX, (int)(n + 1), s);
		return why;
	}
	snprintf(why, sizeof why, "unknown conversion '%%%.*s'", (int)(n + 1), s);
	return why;
}

/* Compile spec into f's pieces; NULL, or why it is not a format. */
static const char *compile(struct timefmt *f, const char *spec)
{
	const char *text = spec;	/* strftime text not yet in a piece */
	int nfrac = 0;
	bool converts = false;	/* a conversion other than %%, %n, %t */

	if (*spec == '\0')
		return "empty";
	for (const char *s = spec; *s;) {
		if (*s++ != '%')
			continue;
		if (*s == '.' && s[1] && strchr("SsT", s[1])) {
			/* %.S -> the strftime text up to here and %S, then a fraction */
			char conv[2] = { '%', s[1] };
			add_piece(f, PIECE_STRFTIME, text, (size_t)(s - 1 - text), 0);
			add_piece(f, PIECE_STRFTIME, conv, 2, 0);
			add_piece(f, PIECE_FRAC, NULL, 0, USEC_DIGITS);
			if (++nfrac > FRAC_MAX)
				return "too many %.S, %.s or %.T";
			text = s += 2;
			converts = true;
		} else if (s[0] == ':' && s[1] == 'z') {
			add_piece(f, PIECE_STRFTIME, text, (size_t)(s - 1 - text), 0);
			add_piece(f, PIECE_ZONE, NULL, 0, 0);
			text = s += 2;
			converts = true;
		} else {
			size_t n = conversion_len(s);
			if (n == 0)
				return unknown_conversion(s);
			if (s[n - 1] == 'n')
				return "'%n' would put a newline in the time (one record a line)";
			converts |= !strchr("%t", s[n - 1]);
			s += n;
		}
	}
	add_piece(f, PIECE_STRFTIME, text, strlen(text), 0);
	if (strchr(spec, '\n'))
		return "a newline in the time would break one record a line";
	if (!converts)
		return "no conversion: a strftime(3) format with at least one, "
		       "or elapsed or delta";
	return NULL;
}

/* Render f's pieces for the second sec into a buffer of room bytes: the
 * length, or room if it would not fit. */
static size_t measure_second(const struct timefmt *f, time_t sec, char *buf, size_t room)
{
	struct tm tm;
	size_t len = 0;

	localtime_r(&sec, &tm);
	for (size_t i = 0; i < f->npieces; i++) {
		const struct piece *p = &f->piece[i];

		if (p->kind == PIECE_STRFTIME && p->fmt[0]) {
			size_t n = strftime(buf, room, p->fmt, &tm);
			/* 0: empty (%p in some locales) or too long: tell
			 * them apart by asking with one byte more of text. */
			if (n == 0) {
				char probe[2 * WIDTH_MAX + 8];
				int w = snprintf(probe, sizeof probe, "x%s", p->fmt);
				if (w > 0 && (size_t)w < sizeof probe && strftime(buf, room, probe, &tm) == 0)
					return room;
			}
			len += n;
		} else if (p->kind == PIECE_FRAC) {
			len += (size_t)p->digits + 1;
		} else if (p->kind == PIECE_ZONE) {
			len += 6;
		}
		if (len >= room)
			return room;
	}
	return len;
}

/* Whether f's renderings fit in TIMEFMT_MAX, in every month and on every
 * day of the week (names differ in length), at noon and at midnight: a
 * longer one would be cut. Every conversion is at most WIDTH_MAX wide, or
 * as long as a name or date of the locale, so the pieces' buffer bounds
 * them. NULL, or why not. */
static const char *check_rendering(const struct timefmt *f, const char *spec)
{
	static char why[96];
	size_t room = strlen(spec) * (WIDTH_MAX + 1) + 4096, longest = 0;
	char *buf = xcalloc(1, room, "time format");
	/* 2026-01-04, a Sunday, at noon UTC. */
	const time_t base = 1767528000;

	tzset();
	for (int month = 0; month < 12 && longest < room; month++)
		for (int day = 0; day < 7 && longest < room; day++) {
			time_t t = base + (time_t)(month * 31 + day) * 86400;
			size_t a = measure_second(f, t, buf, room);
			size_t b = measure_second(f, t + 43200, buf, room);
			longest = a > longest ? a : longest;
			longest = b > longest ? b : longest;
		}
	free(buf);
	if (longest < TIMEFMT_MAX)
		return NULL;
	snprintf(why, sizeof why, "renders %s%zu bytes; at most %d", longest >= room ? "over " : "",
		 longest >= room ? room : longest, TIMEFMT_MAX - 1);
	return why;
}

void timefmt_free(struct timefmt *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->npieces; i++)
		free(f->piece[i].fmt);
	free(f->piece);
	free(f);
}

static struct timefmt *make(const char *spec, bool utc, const char **why)
{
	struct timefmt *f = xcalloc(1, sizeof *f, "time format");

	f->utc = utc;
	*why = NULL;
	if (strcmp(spec, "elapsed") == 0)
		f->kind = TF_ELAPSED;
	else if (strcmp(spec, "delta") == 0)
		f->kind = TF_DELTA;
	else if (!(*why = compile(f, spec)))
		*why = check_rendering(f, spec);
	return f;
}

const char *timefmt_check(const char *spec)
{
	const char *why;

	timefmt_free(make(spec, false, &why));
	return why;
}

struct timefmt *timefmt_new(const char *spec, bool utc)
{
	const char *why;
	struct timefmt *f = make(spec, utc, &why);

	if (why)
		die(EX_SOFTWARE, "time format '%s': %s", spec, why);
	if (!utc)
		tzset();
	return f;
}

struct timefmt *timefmt_utc_ns(void)
{
	struct timefmt *f = xcalloc(1, sizeof *f, "time format");
	static const char date[] = "%Y-%m-%dT%H:%M:%S";

	f->utc = true;
	add_piece(f, PIECE_STRFTIME, date, sizeof date - 1, 0);
	add_piece(f, PIECE_FRAC, NULL, 0, NSEC_DIGITS);
	add_piece(f, PIECE_STRFTIME, "Z", 1, 0);
	return f;
}

/* Write v in decimal at out; returns the length. */
static size_t put_uint(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* The first digits of the nanoseconds, at out (no dot). */
static void put_frac(char *out, long nsec, int digits)
{
	for (int i = NSEC_DIGITS; i > digits; i--)
		nsec /= 10;
	for (int i = digits - 1; i >= 0; i--) {
		out[i] = (char)('0' + nsec % 10);
		nsec /= 10;
	}
}

/* "+01:00" from the offset east of UTC, in seconds. */
static size_t put_zone(char *out, long gmtoff)
{
	long m = (gmtoff < 0 ? -gmtoff : gmtoff) / 60;

	out[0] = gmtoff < 0 ? '-' : '+';
	out[1] = (char)('0' + m / 600 % 10);
	out[2] = (char)('0' + m / 60 % 10);
	out[3] = ':';
	out[4] = (char)('0' + m % 60 / 10);
	out[5] = (char)('0' + m % 10);
	return 6;
}

/* Render the second sec into the cache, fractions as places to fill. */
static void render_second(struct timefmt *f, time_t sec)
{
	struct tm tm;
	size_t len = 0;

	if (f->utc)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	f->nfrac = 0;
	for (size_t i = 0; i < f->npieces; i++) {
		const struct piece *p = &f->piece[i];
		size_t room = sizeof f->cache - len;

		if (p->kind == PIECE_STRFTIME && p->fmt[0]) {
			len += strftime(f->cache + len, room, p->fmt, &tm);
		} else if (p->kind == PIECE_FRAC && room > (size_t)p->digits + 1) {
			f->cache[len++] = '.';
			f->frac_at[f->nfrac] = len;
			f->frac_digits[f->nfrac++] = p->digits;
			len += (size_t)p->digits;
		} else if (p->kind == PIECE_ZONE && room > 6) {
			len += put_zone(f->cache + len, f->utc ? 0 : tm.tm_gmtoff);
		}
	}
	f->cache_len = len;
	f->cached_sec = sec;
	f->cached = true;
}

static size_t render_clock(struct timefmt *f, const struct timespec *t, char *out)
{
	if (!f->cached || f->cached_sec != t->tv_sec)
		render_second(f, t->tv_sec);
	memcpy(out, f->cache, f->cache_len);
	for (int i = 0; i < f->nfrac; i++)
		put_frac(out + f->frac_at[i], t->tv_nsec, f->frac_digits[i]);
	return f->cache_len;
}

/* "12.345678": the seconds from a to b, signed. */
static size_t render_span(const struct timespec *a, const struct timespec *b, char *out)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);
	size_t n = 0;

	if (ns < 0) {
		out[n++] = '-';
		ns = -ns;
	}
	n += put_uint(out + n, (uint64_t)ns / 1000000000);
	out[n++] = '.';
	put_frac(out + n, (long)((uint64_t)ns % 1000000000), USEC_DIGITS);
	return n + USEC_DIGITS;
}

size_t timefmt_render(struct timefmt *f, const struct timespec *t,
		      const struct timespec *start, char *out)
{
	size_t n;

	switch (f->kind) {
	case TF_ELAPSED:
		return render_span(start, t, out);
	case TF_DELTA:
		n = render_span(f->have_prev ? &f->prev : start, t, out);
		f->prev = *t;
		f->have_prev = true;
		return n;
	default:
		return render_clock(f, t, out);
	}
}
