// SPDX-License-Identifier: GPL-2.0
/*
 * liblockonfault in the guest: the argument and errno contract of the
 * native calls, whichever backend carries them.
 *
 * usage: libtest VERSION BACKEND [NONE-ERRNO]
 *   BACKEND is what lof_backend() must say (native, module or none; set
 *   LOCKONFAULT_BACKEND to force one).  With "none", NONE-ERRNO is the
 *   errno the kernel gives a lock-on-fault request (EINVAL or ENOSYS).
 * Prints "ok - ..." / "not ok - ..."; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lockonfault.h>

#include "lof_util.h"

static int fails;
static const char *tag = "";
static long pg;

static void check(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - lib%s: ", cond ? "ok" : "not ok", tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		fails++;
}

static long present(const void *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	long n = 0;
	size_t i;

	for (i = 0; i < len / pg; i++) {
		uint64_t e;

		if (pread(fd, &e, 8, ((uintptr_t)p / pg + i) * 8) == 8 && (e >> 63))
			n++;
	}
	close(fd);
	return n;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

struct qsum {
	int entries;
	unsigned int state;
	uint64_t start, end, resident, locked;
};

static int collect(const struct lof_query_entry *e, void *arg)
{
	struct qsum *s = arg;

	s->entries++;
	s->state = e->state;
	s->start = e->start;
	s->end = e->end;
	s->resident = e->resident;
	s->locked = e->locked;
	return 0;
}

static int stop_at_first(const struct lof_query_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return 7;
}

static void *thread_lock(void *arg)
{
	size_t len = 1 << 20;
	char *p = map(len);

	*(int *)arg = lof_mlock2(p, len, LOF_MLOCK_ONFAULT) ? errno : 0;
	p[0] = 1;
	return NULL;
}

/* the descriptor the library keeps on /dev/lockonfault, or -1 */
static int device_fd(void)
{
	char path[300], target[64];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int fd = -1;
	ssize_t n;

	while (dir && (d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			if (!strcmp(target, LOF_DEVICE_PATH))
				fd = atoi(d->d_name);
		}
	}
	if (dir)
		closedir(dir);
	return fd;
}

static void onfault_basics(int has_module)
{
	size_t len = 16 << 20;
	char *p = map(len);
	struct qsum s = { 0 };
	long before = lof_status_kb("VmLck");
	int i, r, stops = 0;

	errno = EXDEV;
	r = lof_mlock2(p, len, LOF_MLOCK_ONFAULT);
	check(r == 0, "lof_mlock2(16 MiB, LOF_MLOCK_ONFAULT) = %d (%s)", r,
	      r ? strerror(errno) : "ok");
	check(errno == EXDEV, "a successful call leaves errno alone");
	check(lof_status_kb("VmLck") - before == 16384,
	      "VmLck grows by 16384 kB (by %ld)", lof_status_kb("VmLck") - before);
	check(present(p, len) == 0, "nothing faulted in by the lock call");
	for (i = 0; i < 10; i++)
		p[i * 100 * pg] = 1;
	check(present(p, len) == 10, "10 touched pages present (%ld)", present(p, len));
	if (has_module) {
		r = lof_query(0, (uintptr_t)p, len, collect, &s);
		check(r == 0 && s.entries == 1 && s.state == LOF_STATE_ONFAULT &&
		      s.resident == 10 && s.locked == 10,
		      "lof_query: %d entries, state %u, resident %llu, locked %llu",
		      s.entries, s.state, (unsigned long long)s.resident,
		      (unsigned long long)s.locked);
		r = lof_query(0, (uintptr_t)p - 4 * pg, len + 8 * pg, stop_at_first, &stops);
		check(r == 7 && stops == 1, "lof_query stops when the callback returns non-zero");
		r = lof_query(0, (uintptr_t)p, len, NULL, NULL);
		check(r == -1 && errno == EINVAL, "lof_query without a callback: EINVAL");
	} else {
		r = lof_query(0, (uintptr_t)p, len, collect, &s);
		check(r == -1, "lof_query without the module fails (%s)", strerror(errno));
	}
	r = lof_munlock(p, len);
	check(r == 0 && lof_status_kb("VmLck") == before,
	      "lof_munlock: VmLck back to %ld kB", lof_status_kb("VmLck"));
	check(present(p, len) == 10, "lof_munlock faults nothing in");
	munmap(p, len);
}

static void errors(void)
{
	size_t len = 1 << 20;
	char *p = map(len);
	int r;

	r = lof_mlock2(p, len, 0x2);
	check(r == -1 && errno == EINVAL, "lof_mlock2 unknown flag: EINVAL (%s)", strerror(errno));
	munmap(p, len);
	r = lof_mlock2(p, len, LOF_MLOCK_ONFAULT);
	check(r == -1 && errno == ENOMEM, "lof_mlock2 of an unmapped range: ENOMEM (%s)", strerror(errno));
	r = lof_munlock(p, len);
	check(r == -1 && errno == ENOMEM, "lof_munlock of an unmapped range: ENOMEM (%s)", strerror(errno));
	r = lof_mlockall(0);
	check(r == -1 && errno == EINVAL, "lof_mlockall(0): EINVAL (%s)", strerror(errno));
	r = lof_mlockall(LOF_MCL_ONFAULT);
	check(r == -1 && errno == EINVAL, "lof_mlockall(LOF_MCL_ONFAULT) alone: EINVAL (%s)", strerror(errno));
	r = lof_mlockall(0x40);
	check(r == -1 && errno == EINVAL, "lof_mlockall(unknown flag): EINVAL (%s)", strerror(errno));
}

static void lockall(void)
{
	size_t len = 4 << 20;
	char *p;
	int r;

	r = lof_mlockall(LOF_MCL_CURRENT | LOF_MCL_FUTURE | LOF_MCL_ONFAULT);
	check(r == 0, "lof_mlockall(CURRENT|FUTURE|ONFAULT) = %d", r);
	p = map(len);
	check(present(p, len) == 0, "a later mapping is not prefaulted");
	p[0] = 1;
	check(present(p, len) == 1, "one touch, one page");
	r = lof_munlockall();
	check(r == 0 && lof_status_kb("VmLck") == 0, "lof_munlockall: VmLck %ld kB",
	      lof_status_kb("VmLck"));
	munmap(p, len);
}

static void limits(void)
{
	pid_t pid = fork();
	int st;

	if (!pid) {
		struct rlimit rl = { 0, 0 };
		size_t len = 1 << 20;
		char *p = map(len);
		int e1, e2, r1, r2;

		setrlimit(RLIMIT_MEMLOCK, &rl);
		if (setgid(65534) || setuid(65534))
			_exit(3);
		r1 = lof_mlock2(p, len, LOF_MLOCK_ONFAULT);
		e1 = errno;
		rl.rlim_cur = rl.rlim_max = 0;
		r2 = lof_mlock2(p, len, 0);
		e2 = errno;
		_exit(r1 == -1 && e1 == EPERM && r2 == -1 && e2 == EPERM ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "unprivileged, RLIMIT_MEMLOCK 0: EPERM");
	pid = fork();
	if (!pid) {
		struct rlimit rl = { 64 << 10, 64 << 10 };
		size_t len = 1 << 20;
		char *p = map(len);
		int r;

		setrlimit(RLIMIT_MEMLOCK, &rl);
		if (setgid(65534) || setuid(65534))
			_exit(3);
		r = lof_mlock2(p, len, LOF_MLOCK_ONFAULT);
		_exit(r == -1 && errno == ENOMEM ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "unprivileged, 1 MiB over a 64 KiB RLIMIT_MEMLOCK: ENOMEM");
}

static void threads(void)
{
	pthread_t t[8];
	int res[8], i, bad = 0;

	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, thread_lock, &res[i]);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		bad += res[i] != 0;
	}
	check(!bad, "8 threads lock on fault at once: %d failed", bad);
}

static void closed_descriptor(void)
{
	size_t len = 1 << 20;
	char *p = map(len);
	int fd = device_fd(), nul, r;
	char link[64], target[64] = "";

	check(fd >= 0, "the library keeps one descriptor on the device (%d)", fd);
	if (fd < 0)
		return;
	close(fd);
	nul = open("/dev/null", O_RDWR);
	check(nul == fd, "the program reuses its number for /dev/null");
	r = lof_mlock2(p, len, LOF_MLOCK_ONFAULT);
	check(r == 0 && lof_status_kb("VmLck") >= 1024,
	      "lof_mlock2 after the program closed the library's descriptor");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", nul);
	r = (int)readlink(link, target, sizeof(target) - 1);
	check(r > 0 && !strncmp(target, "/dev/null", 9),
	      "the program's /dev/null on that number is left alone");
	lof_munlock(p, len);
	munmap(p, len);
}

static void no_backend(int want_errno)
{
	size_t len = 1 << 20;
	char *p = map(len);
	int r;

	r = lof_mlock2(p, len, LOF_MLOCK_ONFAULT);
	check(r == -1 && errno == want_errno,
	      "no backend: lof_mlock2(LOF_MLOCK_ONFAULT) fails as the kernel does: %s",
	      strerror(errno));
	r = lof_mlockall(LOF_MCL_CURRENT | LOF_MCL_ONFAULT);
	check(r == -1 && errno == EINVAL,
	      "no backend: lof_mlockall(LOF_MCL_ONFAULT) fails as the kernel does: %s",
	      strerror(errno));
	r = lof_mlock2(p, len, 0);
	check(r == 0 && present(p, len) == (long)(len / pg),
	      "no backend: lof_mlock2(flags 0) is mlock()");
	lof_munlock(p, len);
	munmap(p, len);
}

int main(int argc, char **argv)
{
	const char *want = argc > 2 ? argv[2] : "";
	int backend, none_errno = EINVAL;

	if (argc < 3) {
		fprintf(stderr, "usage: libtest VERSION native|module|none [EINVAL|ENOSYS]\n");
		return 2;
	}
	if (argc > 3 && !strcmp(argv[3], "ENOSYS"))
		none_errno = ENOSYS;
	pg = sysconf(_SC_PAGESIZE);
	backend = lof_backend();
	tag = getenv("LIBTEST_TAG") ? getenv("LIBTEST_TAG") : "";
	check(!strcmp(lof_library_version(), argv[1]), "library version %s",
	      lof_library_version());
	check(!strcmp(lof_backend_name(backend), want), "backend %s (want %s)",
	      lof_backend_name(backend), want);
	if (!strcmp(want, "none")) {
		check(lof_module_errno() != 0, "lof_module_errno: %s",
		      strerror(lof_module_errno()));
		no_backend(none_errno);
		return fails ? 1 : 0;
	}
	onfault_basics(lof_module_errno() == 0);
	errors();
	lockall();
	threads();
	limits();
	if (backend == LOF_BACKEND_MODULE)
		closed_descriptor();
	return fails ? 1 : 0;
}
