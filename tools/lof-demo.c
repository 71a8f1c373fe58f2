// SPDX-License-Identifier: GPL-2.0
/*
 * lof-demo: what lock-on-fault is for, side by side.
 *
 * A sparse mapping (512 MiB, 1% of its pages touched) locked three ways:
 * mlock(), the kernel's own mlock2(MLOCK_ONFAULT) where it has one, and
 * lockonfault's LOF_IOC_LOCK with LOF_LOCK_ONFAULT.  For each: the time of
 * the lock call, VmRSS and VmLck after touching 1%, and the munlock time.
 * Each method runs in a fresh child process, after one warm-up call on
 * another page.  The mapping is marked
 * MADV_NOHUGEPAGE: with THP, one touch would fault 2 MiB (natively too).
 *
 * usage: lof-demo [MiB [percent]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/lockonfault.h>

#include "lof_util.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif

enum method { M_MLOCK, M_NATIVE, M_MODULE };

static const char *const names[] = {
	"mlock()",
	"mlock2(MLOCK_ONFAULT), native",
	"lockonfault LOF_IOC_LOCK, on fault",
};

struct result {
	int err;		/* errno of the lock call, 0 if it worked */
	double lock_s, unlock_s;
	long rss_kb, lck_kb;
};

static int lof_fd = -1;

static int lof_range_call(unsigned long cmd, void *p, size_t len, unsigned int flags)
{
	struct lof_range r = { .size = sizeof(r), .flags = flags,
			       .addr = (uintptr_t)p, .len = len };

	return ioctl(lof_fd, cmd, &r);
}

static int lock_call(enum method m, void *p, size_t len)
{
	switch (m) {
	case M_MLOCK:
		return mlock(p, len);
	case M_NATIVE:
		return syscall(SYS_mlock2, p, len, MLOCK_ONFAULT);
	default:
		return lof_range_call(LOF_IOC_LOCK, p, len, LOF_LOCK_ONFAULT);
	}
}

static int unlock_call(enum method m, void *p, size_t len)
{
	if (m == M_MODULE)
		return lof_range_call(LOF_IOC_UNLOCK, p, len, 0);
	return munlock(p, len);
}

static void run(enum method m, size_t bytes, int percent, struct result *res)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = bytes / pg, i;
	size_t step = percent > 0 ? (size_t)(100 / percent) : pages;
	char *p;
	double t;
	int ret;

	memset(res, 0, sizeof(*res));
	if (m == M_MODULE) {
		lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (lof_fd < 0) {
			res->err = errno;
			return;
		}
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		res->err = errno;
		return;
	}
	madvise(p, bytes, MADV_NOHUGEPAGE);

	/*
	 * One warm-up call on a page elsewhere, so that the timed call is not
	 * the first run of its kernel path (under emulation that first run
	 * also pays for translating the code).
	 */
	{
		char *w = mmap(NULL, pg, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (w != MAP_FAILED) {
			lock_call(m, w, pg);
			unlock_call(m, w, pg);
			munmap(w, pg);
		}
	}

	t = lof_now();
	ret = lock_call(m, p, bytes);
	res->lock_s = lof_now() - t;
	if (ret) {
		res->err = errno;
		return;
	}
	for (i = 0; i < pages; i += step ? step : 1)
		p[i * pg] = 1;
	res->rss_kb = lof_status_kb("VmRSS");
	res->lck_kb = lof_status_kb("VmLck");

	t = lof_now();
	unlock_call(m, p, bytes);
	res->unlock_s = lof_now() - t;
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (s >= 1)
		snprintf(buf, n, "%.2f s", s);
	else if (s >= 1e-3)
		snprintf(buf, n, "%.2f ms", s * 1e3);
	else
		snprintf(buf, n, "%.0f us", s * 1e6);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 512;
	int percent = argc > 2 ? atoi(argv[2]) : 1;
	enum method m;

	printf("%zu MiB anonymous mapping, %d%% of its pages touched after locking (MADV_NOHUGEPAGE)\n\n",
	       mib, percent);
	printf("%-38s %12s %12s %12s %12s\n", "method", "lock call", "VmRSS", "VmLck",
	       "munlock");
	for (m = M_MLOCK; m <= M_MODULE; m++) {
		struct result *res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		char a[32], b[32];
		pid_t pid;
		int st;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			run(m, mib << 20, percent, res);
			_exit(0);
		}
		waitpid(pid, &st, 0);
		if (res->err) {
			printf("%-38s %s\n", names[m], strerror(res->err));
			continue;
		}
		fmt_time(a, sizeof(a), res->lock_s);
		fmt_time(b, sizeof(b), res->unlock_s);
		printf("%-38s %12s %9ld kB %9ld kB %12s\n", names[m], a, res->rss_kb,
		       res->lck_kb, b);
	}
	return 0;
}
