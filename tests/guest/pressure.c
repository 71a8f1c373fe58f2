// SPDX-License-Identifier: GPL-2.0
/*
 * The guarantee under memory pressure: pages faulted into a range locked
 * on fault are never swapped out or reclaimed, anonymous and file-backed
 * alike, while the same pattern without a lock is; the untouched pages of
 * the range stay unpopulated.
 *
 * usage: pressure native|module|none CGROUP-DIR FILE-DIR
 *   Joins CGROUP-DIR (a memory cgroup with a small memory.max and swap
 *   available), maps 32 MiB anonymous and a 16 MiB file from FILE-DIR,
 *   locks both on fault with the backend (none: no lock), touches every
 *   other page of the first quarter of each, then runs a 64 MiB hog in the
 *   same cgroup.  Prints one line of key=value: the touched pages still
 *   present (pagemap) and swapped out, the untouched pages populated, the
 *   file pages still resident (mincore), the major faults taken when the
 *   touched pages are read again, the hog's swapped pages (the proof
 *   that there was pressure), and how many touched pages carry PG_mlocked
 *   and PG_unevictable (kpageflags) once reclaim has been through them:
 *   before 5.18 reclaim is what mlocks page cache pages of a locked range
 *   that the fault path left alone, so every touched page of a locked
 *   range must carry both flags by then.
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
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/lockonfault.h>
#include "lof_util.h"

#define ANON (32UL << 20)
#define FILESZ (16UL << 20)
#define HOG (64UL << 20)

static long pg;

static int lock_onfault(const char *backend, void *p, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .flags = LOF_LOCK_ONFAULT,
			       .addr = (uintptr_t)p, .len = len };
	int fd, ret;

	if (!strcmp(backend, "none"))
		return 0;
	if (!strcmp(backend, "native"))
		return (int)syscall(SYS_mlock2, p, len, 1 /* MLOCK_ONFAULT */);
	fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, LOF_IOC_LOCK, &r);
	close(fd);
	return ret;
}

/* pages of [p, p + n pages) stepping by step: present, swapped */
static void scan(const char *p, long n, long step, long *present, long *swapped)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	long i;

	*present = *swapped = 0;
	for (i = 0; i < n; i += step) {
		uint64_t e = 0;

		if (pread(fd, &e, 8, ((uintptr_t)p / pg + i) * 8) != 8)
			continue;
		*present += (e >> 63) & 1;
		*swapped += (e >> 62) & 1;
	}
	close(fd);
}

#define KPF_UNEVICTABLE 18
#define KPF_MLOCKED 33

/* of the present pages of [p, p + n pages) stepping by step: flagged */
static void pageflags(const char *p, long n, long step, long *mlocked, long *unevictable)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	long i;

	*mlocked = *unevictable = 0;
	for (i = 0; i < n; i += step) {
		uint64_t e = 0, f = 0;

		if (pread(pm, &e, 8, ((uintptr_t)p / pg + i) * 8) != 8 || !((e >> 63) & 1))
			continue;
		if (pread(kf, &f, 8, (e & ((1ULL << 55) - 1)) * 8) != 8)
			continue;
		*mlocked += (f >> KPF_MLOCKED) & 1;
		*unevictable += (f >> KPF_UNEVICTABLE) & 1;
	}
	close(pm);
	close(kf);
}

/* per-CPU LRU batches are drained by compaction (see conform.c) */
static void drain_lru(void)
{
	const char *w[][2] = {
		{ "/proc/sys/vm/compact_unevictable_allowed", "0" },
		{ "/proc/sys/vm/compact_memory", "1" },
		{ "/proc/sys/vm/compact_unevictable_allowed", "1" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		int fd = open(w[i][0], O_WRONLY);

		if (fd >= 0) {
			if (write(fd, w[i][1], 1) < 0)
				perror(w[i][0]);
			close(fd);
		}
	}
}

static long resident(const char *p, long n, long step)
{
	unsigned char *v = malloc(n);
	long i, r = 0;

	if (!v || mincore((void *)p, n * pg, v))
		return -1;
	for (i = 0; i < n; i += step)
		r += v[i] & 1;
	free(v);
	return r;
}

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

int main(int argc, char **argv)
{
	long an, fn, hn;
	long i, t_an, t_fn, ap, as, up, us, fp, fs, hp, hs, fres, m0, m1;
	long aml, aun, fml, fun;
	char path[256], *a, *f, *h, buf[4096];
	volatile char sink = 0;
	const char *backend;
	int fd, cg;

	if (argc < 4) {
		fprintf(stderr, "usage: pressure native|module|none CGROUP-DIR FILE-DIR\n");
		return 2;
	}
	pg = sysconf(_SC_PAGESIZE);
	an = ANON / pg;
	fn = FILESZ / pg;
	hn = HOG / pg;
	backend = argv[1];
	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[2]);
	cg = open(path, O_WRONLY);
	if (cg < 0 || dprintf(cg, "%d\n", getpid()) < 0) {
		perror(path);
		return 2;
	}
	close(cg);

	/* the file, written through the page cache of this cgroup */
	snprintf(path, sizeof(path), "%s/pressure.%s", argv[3], backend);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < (long)(FILESZ / sizeof(buf)); i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 2;
	fsync(fd);

	a = mmap(NULL, ANON, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f = mmap(NULL, FILESZ, PROT_READ, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || f == MAP_FAILED)
		return 2;
	madvise(a, ANON, MADV_NOHUGEPAGE);
	/* only what gets touched may come in */
	posix_fadvise(fd, 0, FILESZ, POSIX_FADV_DONTNEED);
	if (lock_onfault(backend, a, ANON) || lock_onfault(backend, f, FILESZ)) {
		printf("pressure backend=%s lock failed: %s\n", backend, strerror(errno));
		return 1;
	}
	for (i = 0, t_an = 0; i < an / 4; i += 2, t_an++)
		a[i * pg] = 1;
	for (i = 0, t_fn = 0; i < fn / 4; i += 2, t_fn++)
		sink += f[i * pg];

	/* the hog, in the same cgroup, twice over */
	h = mmap(NULL, HOG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return 2;
	madvise(h, HOG, MADV_NOHUGEPAGE);
	for (i = 0; i < 2 * hn; i++)
		h[(i % hn) * pg] = (char)i;

	scan(a, an / 4, 2, &ap, &as);		/* touched anon */
	scan(a, an, 1, &up, &us);		/* all of it */
	up -= ap;				/* ... but the touched pages */
	us -= as;
	scan(f, fn / 4, 2, &fp, &fs);		/* touched file */
	fres = resident(f, fn / 4, 2);
	scan(h, hn, 1, &hp, &hs);
	m0 = majflt();
	for (i = 0; i < an / 4; i += 2)
		sink += a[i * pg];
	for (i = 0; i < fn / 4; i += 2)
		sink += f[i * pg];
	m1 = majflt();
	drain_lru();
	pageflags(a, an / 4, 2, &aml, &aun);
	pageflags(f, fn / 4, 2, &fml, &fun);

	printf("pressure backend=%s anon_touched=%ld anon_present=%ld anon_swapped=%ld anon_untouched_populated=%ld file_touched=%ld file_present=%ld file_resident=%ld majflt_reaccess=%ld hog_swapped=%ld anon_mlocked=%ld anon_unevictable=%ld file_mlocked=%ld file_unevictable=%ld\n",
	       backend, t_an, ap, as, up + us, t_fn, fp, fres, m1 - m0, hs, aml, aun, fml, fun);
	unlink(path);
	return sink == 42 ? 3 : 0;
}
