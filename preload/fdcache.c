/* fdcache.c: the fd cache: for each fd below CACHE_FDS, whether it is ours
 * and the piece stdio may write to it at once, so that printf and stdio
 * (which cannot wait for an error: the data would be lost inside stdio) pay
 * a few system calls per fd the first time (outputs.c), then a load.  Also
 * the hooks that keep it true: every call that changes what an fd names
 * makes the cache forget that fd.
 *
 * Entry: generation << GEN_SHIFT | piece << PIECE_SHIFT | state.
 * Forgetting an fd (close, closefrom, dup2, dup3, close_range, fclose,
 * freopen, pclose, fcloseall) bumps the generation; a lookup stores its
 * answer only if the generation is still the one it read before asking the
 * kernel, so a racing close cannot leave a stale answer behind.  All
 * lock-free and async-signal-safe.  A stale "ours" answer costs a little
 * (the careful path is also correct on any fd); a stale "not ours" (an fd
 * closed behind our back, e.g. by a raw system call, then reused for one
 * of our sockets) only loses the split for printf and large stdio writes.
 *
 * Descriptors from CACHE_FDS up are never ours for printf and stdio: no
 * system call per printf to a high fd.  write() and friends still split
 * on them, since their check runs only after an error. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "dtee-preload.h"

/* Enough for every fd a program usually writes stdio to (the default
 * RLIMIT_NOFILE soft limit is 1024), 32 KiB of memory. */
#define CACHE_FDS 4096
enum { UNKNOWN = 0, OURS = 1, OTHER = 2 };
#define STATE_MASK 3u
/* The piece is at most DTEE_STDIO_PIECE: 30 bits above the state hold it. */
#define PIECE_SHIFT 2
#define GEN_SHIFT 32
#define GEN_ONE ((uint64_t)1 << GEN_SHIFT)

static _Atomic uint64_t cache[CACHE_FDS];

size_t dtee_fd_piece(int fd)
{
	uint64_t e;
	size_t piece = 0;

	if (fd < 0 || fd >= CACHE_FDS)
		return 0;
	e = atomic_load_explicit(&cache[fd], memory_order_acquire);
	if ((e & STATE_MASK) != UNKNOWN)
		return (size_t)(uint32_t)e >> PIECE_SHIFT;	/* 0 when OTHER */
	if (dtee_fd_ours(fd)) {
		piece = dtee_first_chunk(fd);
		if (piece > DTEE_STDIO_PIECE)
			piece = DTEE_STDIO_PIECE;
	}
	atomic_compare_exchange_strong(&cache[fd], &e,
		(e & ~(GEN_ONE - 1)) | (uint64_t)piece << PIECE_SHIFT | (piece ? OURS : OTHER));
	return piece;
}

size_t dtee_file_piece(FILE *fp)
{
	return dtee_fd_piece(dtee_fileno(fp));
}

void dtee_fd_forget(int fd)
{
	if (fd < 0)
		return;
	if (fd == 1 || fd == 2)
		atomic_fetch_and(&dtee_detour, ~DETOUR_STREAM(fd));
	dtee_fd_unreport(fd);
	if (fd < CACHE_FDS) {
		uint64_t e = atomic_load_explicit(&cache[fd], memory_order_relaxed);

		/* next generation, state UNKNOWN */
		while (!atomic_compare_exchange_weak(&cache[fd], &e,
						     (e & ~(GEN_ONE - 1)) + GEN_ONE))
			;
	}
}

void dtee_fd_forget_range(unsigned lo, unsigned hi)
{
	for (unsigned fd = lo; fd <= hi && fd < CACHE_FDS; fd++)
		dtee_fd_forget((int)fd);
}

void dtee_fd_forget_all(void)
{
	dtee_fd_forget_range(0, CACHE_FDS - 1);
}

bool dtee_fd_is_output(int fd)
{
	if (fd >= 0 && fd < CACHE_FDS)
		return dtee_fd_piece(fd) != 0;
	return dtee_fd_ours(fd);
}

/* The hooks: the real call, and the cache forgets what it changed. */

static int dtee_close(int fd)
{
	int r;

	/* Before too: a lookup racing with the close must not store an
	 * answer about the fd that is going. */
	dtee_fd_forget(fd);
	r = real_close(fd);
	dtee_fd_forget(fd);
	return r;
}

static int dtee_dup2(int oldfd, int newfd)
{
	int r = real_dup2(oldfd, newfd);

	dtee_fd_forget(newfd);
	return r;
}

static int dtee_dup3(int oldfd, int newfd, int flags)
{
	int r = real_dup3(oldfd, newfd, flags);

	dtee_fd_forget(newfd);
	return r;
}

static int dtee_close_range(unsigned lo, unsigned hi, int flags)
{
	int r = real_close_range(lo, hi, flags);

	dtee_fd_forget_range(lo, hi);
	return r;
}

/* glibc's closefrom calls its internal __close_range, not the hook above. */
static void dtee_closefrom(int lo)
{
	real_closefrom(lo);
	if (lo >= 0)
		dtee_fd_forget_range((unsigned)lo, ~0u);
}

/* Streams that close or change their fd: the fd is read (-1 for memory and
 * cookie streams) before the call frees the FILE. */
static int dtee_fclose(FILE *fp)
{
	int fd = dtee_fileno(fp), r = real_fclose(fp);

	dtee_fd_forget(fd);
	return r;
}

/* freopen: the stream's old fd is closed, and its new one may be any fd. */
static FILE *reopened(int old_fd, FILE *r)
{
	dtee_fd_forget(old_fd);
	if (r != NULL)
		dtee_fd_forget(dtee_fileno(r));
	return r;
}

static FILE *dtee_freopen(const char *path, const char *mode, FILE *fp)
{
	int fd = dtee_fileno(fp);

	return reopened(fd, real_freopen(path, mode, fp));
}

static FILE *dtee_freopen64(const char *path, const char *mode, FILE *fp)
{
	int fd = dtee_fileno(fp);

	return reopened(fd, real_freopen64(path, mode, fp));
}

static int dtee_pclose(FILE *fp)
{
	int fd = dtee_fileno(fp), r = real_pclose(fp);

	dtee_fd_forget(fd);
	return r;
}

static int dtee_fcloseall(void)
{
	int r = real_fcloseall();

	dtee_fd_forget_all();
	return r;
}

/* Exported: forwarders only ----------------------------------------------- */

DTEE_EXPORT int close(int fd)
{
	return dtee_close(fd);
}

DTEE_EXPORT int dup2(int oldfd, int newfd)
{
	return dtee_dup2(oldfd, newfd);
}

DTEE_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return dtee_dup3(oldfd, newfd, flags);
}

DTEE_EXPORT int close_range(unsigned lo, unsigned hi, int flags)
{
	return dtee_close_range(lo, hi, flags);
}

DTEE_EXPORT void closefrom(int lo)
{
	dtee_closefrom(lo);
}

DTEE_EXPORT int fclose(FILE *fp)
{
	return dtee_fclose(fp);
}

DTEE_EXPORT FILE *freopen(const char *path, const char *mode, FILE *fp)
{
	return dtee_freopen(path, mode, fp);
}

DTEE_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *fp)
{
	return dtee_freopen64(path, mode, fp);
}

DTEE_EXPORT int pclose(FILE *fp)
{
	return dtee_pclose(fp);
}

DTEE_EXPORT int fcloseall(void)
{
	return dtee_fcloseall();
}
