// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks, native lock-on-fault against the module, measured side by
 * side in one guest boot (alternating, median of several rounds).  Prints
 * "bench: KEY native|loaded VALUE module|unloaded VALUE UNIT" lines; the
 * host turns them into the table (tests/run bench).
 *
 * usage: bench engine     lock call, fault, munlock, VmRSS
 *        bench faults     ns per plain page fault of this (unrelated)
 *                         process: run with the module loaded and not
 *        bench unrelated  the same for mmap+munmap (ns), fork+exit (us)
 *                         and mlock+munlock of 64 KiB (ns)
 *        bench onfault-faults anon|shmem
 *                         ns per fault in a range the module locks on
 *                         fault (run with eager=0 and eager=1)
 *        bench query-hold the longest mmap+munmap of one thread while
 *                         another queries a 64 GiB sparse mapping: how
 *                         long LOF_IOC_QUERY holds the mmap lock
 *        bench sparse GIB TOUCHED ROUNDS
 *                         a GIB GiB range locked on fault with TOUCHED
 *                         pages touched (evenly spread): the lock call,
 *                         munlock, munmap, and exit (SIGKILL to reaped)
 *        bench sparse GIB TOUCHED ROUNDS CGROUP
 *                         the same, and the OOM killer's exit too: the
 *                         holder, in the memory cgroup CGROUP, allocates
 *                         until it is killed (the limit: its usage + 64
 *                         MiB); from its first allocation to reaped
 *        bench sparse-full GIB TOUCHED ROUNDS
 *                         the same, where the kernel has no lock on
 *                         fault: its own full lock, mlock(), of the same
 *                         range against the module's lock on fault.  The
 *                         range is read-only for mlock(), so that its
 *                         populate maps the zero page (8 bytes of page
 *                         table per 4 KiB) and a 64 GiB range fits in a
 *                         small guest: a writable one would need the
 *                         whole range in memory and cost more
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <linux/lockonfault.h>

#include "lof_util.h"

#define ROUNDS 9

static long PG;
static int lof_fd = -1;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static int do_lock(int module, void *p, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .flags = LOF_LOCK_ONFAULT,
			       .addr = (uintptr_t)p, .len = len };

	if (module)
		return ioctl(lof_fd, LOF_IOC_LOCK, &r);
	return syscall(SYS_mlock2, p, len, MLOCK_ONFAULT);
}

static int do_unlock(int module, void *p, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .addr = (uintptr_t)p, .len = len };

	if (module)
		return ioctl(lof_fd, LOF_IOC_UNLOCK, &r);
	return munlock(p, len);
}

static int sp_full;	/* sparse-full: the "native" column is mlock() */

static void *fresh_prot(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void *fresh(size_t len)
{
	return fresh_prot(len, PROT_READ | PROT_WRITE);
}

/* One measurement in a fresh child, result through a shared page. */
struct shared {
	double v[4];
	long l[2];
};

static struct shared *sh;

static void child(void (*fn)(int), int module)
{
	pid_t pid;
	int st;

	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid == 0) {
		fn(module);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	/* a sample whose child failed or crashed is no sample */
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench: a %s sample's child failed (status %#x)\n",
			module ? "module" : "native", st);
		exit(1);
	}
}

/* 4 GiB sparse: the lock call, first in the process and a second one */
static void m_lock4g(int module)
{
	size_t len = 4UL << 30;
	char *p = fresh(len), *q = fresh(len);
	double t = lof_now();

	if (do_lock(module, p, len))
		exit(1);
	sh->v[0] = lof_now() - t;
	t = lof_now();
	if (do_lock(module, q, len))
		exit(1);
	sh->v[1] = lof_now() - t;
}

/* the lock call of smaller ranges, where the probes' fixed cost shows */
static size_t lock_len;

static void m_lock(int module)
{
	char *p = fresh(lock_len);
	double t = lof_now();

	if (do_lock(module, p, lock_len))
		exit(1);
	sh->v[0] = lof_now() - t;
}

/* faults in an on-fault range: 64 MiB, every page */
static void m_faults(int module)
{
	size_t len = 64UL << 20, i;
	char *p = fresh(len);
	double t;

	if (do_lock(module, p, len))
		perror("lock");
	t = lof_now();
	for (i = 0; i < len; i += PG)
		p[i] = 1;
	sh->v[0] = (lof_now() - t) / (len / PG) * 1e9;
}

/* munlock of a 1 GiB range with 1% touched; VmRSS after the touches */
static void m_munlock(int module)
{
	size_t len = 1UL << 30, i;
	char *p = fresh(len);
	double t;

	if (do_lock(module, p, len))
		perror("lock");
	for (i = 0; i < len; i += 100 * PG)
		p[i] = 1;
	sh->l[0] = lof_status_kb("VmRSS");
	sh->l[1] = lof_status_kb("VmLck");
	t = lof_now();
	do_unlock(module, p, len);
	sh->v[0] = lof_now() - t;
}

static void engine(void)
{
	double a[2][ROUNDS], a2[2][ROUNDS], f[2][ROUNDS], u[2][ROUNDS];
	double l2[2][ROUNDS], l64[2][ROUNDS];
	long rss[2] = { 0, 0 }, lck[2] = { 0, 0 };
	int r, m;

	for (r = 0; r < ROUNDS; r++) {
		for (m = 0; m < 2; m++) {
			/* alternate which goes first */
			int k = (r & 1) ? 1 - m : m;

			child(m_lock4g, k);
			a[k][r] = sh->v[0];
			a2[k][r] = sh->v[1];
			lock_len = 2UL << 20;
			child(m_lock, k);
			l2[k][r] = sh->v[0];
			lock_len = 64UL << 20;
			child(m_lock, k);
			l64[k][r] = sh->v[0];
			child(m_faults, k);
			f[k][r] = sh->v[0];
			child(m_munlock, k);
			u[k][r] = sh->v[0];
			rss[k] = sh->l[0];
			lck[k] = sh->l[1];
		}
	}
	printf("bench: lock_4g_sparse native %.3f module %.3f ms\n",
	       median(a[0], ROUNDS) * 1e3, median(a[1], ROUNDS) * 1e3);
	printf("bench: lock_4g_sparse_again native %.3f module %.3f ms\n",
	       median(a2[0], ROUNDS) * 1e3, median(a2[1], ROUNDS) * 1e3);
	printf("bench: lock_2m native %.4f module %.4f ms\n",
	       median(l2[0], ROUNDS) * 1e3, median(l2[1], ROUNDS) * 1e3);
	printf("bench: lock_64m native %.4f module %.4f ms\n",
	       median(l64[0], ROUNDS) * 1e3, median(l64[1], ROUNDS) * 1e3);
	printf("bench: fault_in_onfault native %.0f module %.0f ns\n",
	       median(f[0], ROUNDS), median(f[1], ROUNDS));
	printf("bench: munlock_1g_1pct native %.3f module %.3f ms\n",
	       median(u[0], ROUNDS) * 1e3, median(u[1], ROUNDS) * 1e3);
	printf("bench: vmrss_1pct native %ld module %ld kB\n", rss[0], rss[1]);
	printf("bench: vmlck_1g native %ld module %ld kB\n", lck[0], lck[1]);
}

/* plain faults of an unrelated process: ns per fault, best of 5 */
/*
 * What a process that never uses the module pays for it being loaded:
 * mmap+munmap (the mmap_region probe), fork+exit (the fork and exit
 * probes), mlock+munlock of its own range (mlock_fixup).  Best of 5
 * passes each; run with the module loaded and not.
 */
static void unrelated(void)
{
	size_t len = 64 << 10, big = 8 << 20, i;
	double best[3] = { 1e30, 1e30, 1e30 }, t;
	char *p = fresh(len), *b = fresh(big);
	int r, n, st;

	for (i = 0; i < len; i += PG)
		p[i] = 1;
	for (i = 0; i < big; i += PG)
		b[i] = 1;	/* for fork to copy */
	for (r = 0; r < 5; r++) {
		t = lof_now();
		for (n = 0; n < 2000; n++) {
			void *q = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (q == MAP_FAILED || munmap(q, len))
				exit(1);
		}
		t = (lof_now() - t) / 2000 * 1e9;
		best[0] = t < best[0] ? t : best[0];
		t = lof_now();
		for (n = 0; n < 50; n++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
				exit(1);
		}
		t = (lof_now() - t) / 50 * 1e6;
		best[1] = t < best[1] ? t : best[1];
		t = lof_now();
		for (n = 0; n < 1000; n++)
			if (mlock(p, len) || munlock(p, len))
				exit(1);
		t = (lof_now() - t) / 1000 * 1e9;
		best[2] = t < best[2] ? t : best[2];
	}
	printf("%.0f %.1f %.0f\n", best[0], best[1], best[2]);
}

static void faults(void)
{
	size_t len = 128UL << 20, i;
	double best = 1e30;
	int r;

	for (r = 0; r < 5; r++) {
		char *p = fresh(len);
		double t = lof_now();

		for (i = 0; i < len; i += PG)
			p[i] = 1;
		t = (lof_now() - t) / (len / PG) * 1e9;
		if (t < best)
			best = t;
		munmap(p, len);
	}
	printf("%.1f\n", best);
}

/*
 * Faults in a 64 MiB range the module locks on fault, anonymous or a
 * shmem file shared: ns per fault, best of 5 (for the eager parameter's
 * cost, measured with it on and off).
 */
static int onfault_faults(const char *kind)
{
	size_t len = 64UL << 20, i;
	int shmem = !strcmp(kind, "shmem");
	double best = 1e30;
	int r;

	for (r = 0; r < 5; r++) {
		char *p;
		double t;
		int fd = -1;

		if (shmem) {
			fd = lof_memfd_create("bench", MFD_CLOEXEC);
			if (fd < 0 || ftruncate(fd, len)) {
				perror("memfd");
				return 1;
			}
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
		} else {
			p = fresh(len);
		}
		if (do_lock(1, p, len)) {
			perror("lock");
			return 1;
		}
		t = lof_now();
		for (i = 0; i < len; i += PG)
			p[i] = 1;
		t = (lof_now() - t) / (len / PG) * 1e9;
		if (t < best)
			best = t;
		munmap(p, len);
		if (fd >= 0)
			close(fd);
	}
	printf("%.1f\n", best);
	return 0;
}

struct hold {
	volatile int stop;
	double max;		/* s, longest mmap+munmap */
	long n;
};

static void *mapper(void *arg)
{
	struct hold *h = arg;

	while (!h->stop) {
		double t = lof_now();
		void *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p != MAP_FAILED)
			munmap(p, PG);
		t = lof_now() - t;
		if (t > h->max)
			h->max = t;
		h->n++;
	}
	return NULL;
}

/*
 * LOF_IOC_QUERY of a 64 GiB mapping with one page touched in every 2 MiB
 * (32768 page tables to walk), a one-entry buffer, while another thread
 * maps and unmaps a page in a loop: that thread's longest mmap+munmap is
 * the longest hold of the mmap lock.  Its baseline is the same loop over
 * the same time with no query.
 */
static int query_hold(void)
{
	size_t len = 64UL << 30, i;
	struct lof_query_entry ent;
	struct lof_query q;
	struct hold h[2];
	double tq = 0;
	pthread_t th;
	char *p;
	int r;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap 64 GiB");
		return 1;
	}
	/* (a touch must not fault in a 2 MiB page) */
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL) {
		perror("madvise MADV_NOHUGEPAGE");
		return 1;
	}
	for (i = 0; i < len; i += 2UL << 20)
		p[i] = 1;
	for (r = 1; r >= 0; r--) {
		memset(&h[r], 0, sizeof(h[r]));
		if (pthread_create(&th, NULL, mapper, &h[r])) {
			perror("pthread_create");
			return 1;
		}
		if (r) {
			int k;

			tq = lof_now();
			for (k = 0; k < 3; k++) {
				memset(&q, 0, sizeof(q));
				q.size = sizeof(q);
				q.addr = (uintptr_t)p;
				q.len = len;
				q.nr_entries = 1;
				q.entries = (uintptr_t)&ent;
				if (ioctl(lof_fd, LOF_IOC_QUERY, &q)) {
					perror("LOF_IOC_QUERY");
					return 1;
				}
				if (q.resident_pages != len >> 21) {
					fprintf(stderr, "query: %llu resident pages, touched %zu\n",
						(unsigned long long)q.resident_pages, len >> 21);
					return 1;
				}
			}
			tq = (lof_now() - tq) / 3;
		} else {
			usleep(tq * 3 * 1e6);
		}
		h[r].stop = 1;
		pthread_join(th, NULL);
	}
	printf("bench: query_hold_64g query %.3f ms max_stall_query %.3f max_stall_idle %.3f ms\n",
	       tq * 1e3, h[1].max * 1e3, h[0].max * 1e3);
	munmap(p, len);
	return 0;
}

/* --- sparse: the cost of a range by what is present in it ---------- */

static size_t sp_len, sp_touched;

/* sparse-full: the kernel's own full lock (read-only, touched by reads) */
static int sp_lock(int module, char *p)
{
	if (sp_full && !module)
		return mlock(p, sp_len);
	return do_lock(module, p, sp_len);
}

static int sp_unlock(int module, char *p)
{
	if (sp_full && !module)
		return munlock(p, sp_len);
	return do_unlock(module, p, sp_len);
}

static char *sp_fresh(int module)
{
	size_t stride = sp_len / PG / sp_touched * PG, i;
	char *p;

	if (sp_full && !module) {
		p = fresh_prot(sp_len, PROT_READ);
		for (i = 0; i < sp_touched; i++)
			(void)*(volatile char *)(p + i * stride);
		return p;
	}
	p = fresh(sp_len);
	for (i = 0; i < sp_touched; i++)
		p[i * stride] = 1;
	return p;
}

static char *sp_map(int module)
{
	char *p = sp_fresh(module);

	if (sp_lock(module, p)) {
		perror("lock");
		exit(1);
	}
	return p;
}

/* lock call, munlock, munmap of a range whose pages were touched first */
static void m_sparse(int module)
{
	char *p = sp_fresh(module);
	double t;

	t = lof_now();
	if (sp_lock(module, p))
		exit(1);
	sh->v[0] = lof_now() - t;
	t = lof_now();
	if (sp_unlock(module, p))
		exit(1);
	sh->v[1] = lof_now() - t;
	if (sp_lock(module, p))
		exit(1);
	t = lof_now();
	if (munmap(p, sp_len))
		exit(1);
	sh->v[2] = lof_now() - t;
	sh->l[0] = 1;
}

/* exit: a process holding the range, from SIGKILL to reaped */
static double sp_exit(int module)
{
	int fds[2], st;
	double t;
	pid_t pid;
	char c;

	if (pipe(fds))
		exit(1);
	pid = fork();
	if (!pid) {
		sp_map(module);
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (read(fds[0], &c, 1) != 1) {
		fprintf(stderr, "sparse: the holder died\n");
		exit(1);
	}
	t = lof_now();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	t = lof_now() - t;
	close(fds[0]);
	close(fds[1]);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? t : -1;
}

/* oom: the holder allocates over its memory cgroup's limit, to be killed */
static const char *oom_cg;

static int cg_puts(const char *file, const char *val)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", oom_cg, file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(val, f);
	return fclose(f);
}

static int cg_write(const char *file, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", v);
	return cg_puts(file, buf);
}

static long cg_read(const char *file)
{
	char path[512];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", oom_cg, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static double sp_oom(int module)
{
	long use;
	int ready[2], go[2], st;
	double t;
	pid_t pid;
	char c;

	if (pipe(ready) || pipe(go))
		exit(1);
	pid = fork();
	if (!pid) {
		size_t i;

		if (cg_write("cgroup.procs", (long)getpid()))
			_exit(1);
		sp_map(module);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		for (;;) {
			char *q = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (q == MAP_FAILED)
				_exit(2);
			for (i = 0; i < 1 << 20; i += PG)
				q[i] = 1;
		}
	}
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "sparse: the OOM holder died\n");
		exit(1);
	}
	/* the same 64 MiB to allocate before the OOM killer, either way */
	use = cg_read("memory.current");
	if (use < 0)
		use = cg_read("memory.usage_in_bytes");
	if (use < 0 || (cg_write("memory.max", use + (64L << 20)) &&
			cg_write("memory.limit_in_bytes", use + (64L << 20)))) {
		fprintf(stderr, "sparse: cannot set the memory cgroup's limit\n");
		exit(1);
	}
	t = lof_now();
	if (write(go[1], "g", 1) != 1)
		exit(1);
	waitpid(pid, &st, 0);
	t = lof_now() - t;
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? t : -1;
}

static int sparse(size_t gib, size_t touched, int rounds)
{
	static const char * const what[] = { "lock", "munlock", "munmap", "exit", "oom" };
	int nwhat = oom_cg ? 5 : 4;
	double v[5][2][64];
	int r, m, i;

	sp_len = gib << 30;
	sp_touched = touched;
	if (rounds < 1 || rounds > 64 || !touched || touched > sp_len / PG)
		return 2;
	for (r = 0; r < rounds; r++) {
		for (m = 0; m < 2; m++) {
			int k = (r & 1) ? 1 - m : m;	/* alternate */

			child(m_sparse, k);
			if (!sh->l[0]) {
				fprintf(stderr, "sparse: a %s sample failed\n", k ? "module" : "native");
				return 1;
			}
			for (i = 0; i < 3; i++)
				v[i][k][r] = sh->v[i];
			v[3][k][r] = sp_exit(k);
			if (v[3][k][r] < 0) {
				fprintf(stderr, "sparse: the holder did not die of SIGKILL\n");
				return 1;
			}
			if (oom_cg) {
				v[4][k][r] = sp_oom(k);
				if (v[4][k][r] < 0) {
					fprintf(stderr, "sparse: the OOM killer did not kill the holder\n");
					return 1;
				}
			}
		}
	}
	for (i = 0; i < nwhat; i++)
		printf("bench: sparse%s_%zug_%zu_%s %s %.3f module %.3f ms\n",
		       sp_full ? "full" : "", gib, touched, what[i],
		       sp_full ? "kernel_full" : "native", median(v[i][0], rounds) * 1e3,
		       median(v[i][1], rounds) * 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	PG = sysconf(_SC_PAGESIZE);
	if ((argc == 5 || argc == 6) &&
	    (!strcmp(argv[1], "sparse") || !strcmp(argv[1], "sparse-full"))) {
		sp_full = !strcmp(argv[1], "sparse-full");
		if (argc == 6) {
			oom_cg = argv[5];
			/* no limit while the holder sets up (v2, v1) */
			if (cg_puts("memory.max", "max\n") &&
			    cg_write("memory.limit_in_bytes", -1)) {
				perror(oom_cg);
				return 1;
			}
		}
		lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (lof_fd < 0 || sh == MAP_FAILED) {
			perror(LOF_DEVICE_PATH);
			return 1;
		}
		return sparse(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
			      atoi(argv[4]));
	}
	if (argc == 2 && !strcmp(argv[1], "query-hold")) {
		lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (lof_fd < 0) {
			perror(LOF_DEVICE_PATH);
			return 1;
		}
		return query_hold();
	}
	if (argc == 2 && !strcmp(argv[1], "unrelated")) {
		unrelated();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "faults")) {
		faults();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "onfault-faults")) {
		lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (lof_fd < 0) {
			perror(LOF_DEVICE_PATH);
			return 1;
		}
		return onfault_faults(argv[2]);
	}
	if (argc != 2 || strcmp(argv[1], "engine")) {
		fprintf(stderr, "usage: bench engine|faults|unrelated|onfault-faults anon|shmem|query-hold|sparse[-full] GIB TOUCHED ROUNDS\n");
		return 2;
	}
	lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (lof_fd < 0) {
		perror(LOF_DEVICE_PATH);
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	engine();
	return 0;
}
