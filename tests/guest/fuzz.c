// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer for /dev/lockonfault and the mm calls around it.
 *
 * usage: fuzz SEED OPS [PROCS [FILEDIR]]   PROCS processes (default 2),
 *                                          OPS operations in all
 *        fuzz --user UID SEED OPS ...      the same, each process running
 *                                          as UID with no capabilities
 *                                          once its /proc files are open
 *        fuzz --selftest SEED OPS          the same with a model that
 *                                          forgets touches: must fail
 *        fuzz --stress SECONDS             threads faulting while others
 *                                          munlock, relock, mremap, fork
 *        fuzz --hold SECONDS               lock on fault and keep faulting
 *        fuzz --biglock onfault|full|unlock MB
 *                                          lock/unlock a huge range over
 *                                          and over, to be killed
 *        fuzz --exec-check                 (run by the fuzzer's exec op)
 *
 * Each process draws from its own seed (SEED + index, printed, so that a
 * failure replays with "fuzz SEED OPS PROCS"): it maps up to 8 slots
 * (anonymous private, shared anonymous, a shared memfd, a private file),
 * and mixes valid and invalid ioctls (garbage and kernel pointers, bad
 * sizes, flags, reserved fields, unknown commands, wrapping lengths) with
 * mmap, munmap, mremap (grow, shrink, move with MREMAP_FIXED), mprotect,
 * madvise, brk, fork, exec, mlock, munlock, mlockall, munlockall and page
 * touches.  After every operation:
 *  - VmLck equals what the module's query says is locked (on fault or
 *    fully) over the whole address space;
 *  - no page of a slot is present that the process did not touch, unless
 *    it was fully locked (which populates) at some point;
 *  - an invalid ioctl failed with an errno the ABI documents for it and
 *    changed nothing (VmLck and the query's totals);
 *  - as the unprivileged user, VmLck never exceeds RLIMIT_MEMLOCK.
 *    (--user: started as root, a process opens /proc/self/pagemap, then
 *    drops to UID, its groups and every capability, and opens the device
 *    again as that user: 4.0 and 4.1 let only CAP_SYS_ADMIN open pagemap.)
 * (the page check covers the slot an operation changed, every slot after
 * a process-wide operation; one query of the whole address space serves
 * every check of a step).  Every 64th operation and at the end, and
 * after every process-wide one, /proc/self/smaps is read: the sizes
 * of the vmas marked "lo" add up to VmLck, and for every vma of a slot the
 * query's state matches smaps ("lo" with the unnamed tag bit "??" = on
 * fault, "lo" alone = locked).  A fork child checks that it inherited no
 * lock; an exec'd image checks it again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/lockonfault.h>

#include "lof_util.h"

#define NSLOTS		8
#define MAXPAGES	64
#define CHECK_EVERY	64

enum kind { K_ANON, K_SHANON, K_MEMFD, K_FILE, NKINDS };

struct slot {
	char *addr;		/* NULL: empty */
	size_t pages;
	int kind;
	int prot;
	unsigned char touched[MAXPAGES];	/* may be present */
};

static long PG;
static int lof_fd = -1;
static struct slot slots[NSLOTS];
static char *reserve;		/* PROT_NONE; 2 move targets per slot */
static int reserve_broken;	/* a hole could not be filled again */
static unsigned long long rng;
static unsigned long ops_done, invalid_done, checks_done, violations;
static int selftest;
static long drop_uid = -1;	/* --user: run the workers as this uid */
static long memlock_kb = -1;	/* the RLIMIT_MEMLOCK checked, if any */
static const char *filedir = "/tmp";
static char *brk0;
static long brk_pages;

static unsigned long rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned long)((rng * 2685821657736338717ULL) >> 16);
}

static unsigned long below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static void violation(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *last_op = "";
static char hist[16][96];	/* the last operations, for a failure's report */

static void note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hist[ops_done % 16], sizeof(hist[0]), fmt, ap);
	va_end(ap);
}

static void violation(const char *fmt, ...)
{
	va_list ap;

	if (violations++ < 10) {
		printf("# fuzz[%d] op %lu (%s): VIOLATION: ", getpid(), ops_done, last_op);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		if (violations == 1) {
			unsigned long i;

			for (i = ops_done > 15 ? ops_done - 15 : 0; i <= ops_done; i++)
				printf("#   op %lu: %s\n", i, hist[i % 16]);
		}
		fflush(stdout);
	}
}

/* ------------------------------------------------------------------ */
/* The module's view                                                    */

struct qtotals {
	uint64_t onfault, locked;
};

static int query(uint64_t addr, uint64_t len, struct lof_query_entry *e,
		 unsigned int room, unsigned int *n, struct qtotals *t)
{
	struct lof_query q = {
		.size = sizeof(q), .addr = addr, .len = len,
		.nr_entries = room, .entries = (uintptr_t)e,
	};

	if (ioctl(lof_fd, LOF_IOC_QUERY, &q))
		return -1;
	if (n)
		*n = q.nr_entries;
	if (t) {
		t->onfault = q.onfault_bytes;
		t->locked = q.locked_bytes;
	}
	return 0;
}

/* Totals over the whole user address space. */
static struct qtotals totals(void)
{
	struct qtotals t = { 0, 0 };

	if (query(0, (uint64_t)1 << (sizeof(long) == 8 ? 47 : 32), NULL, 0, NULL, &t))
		violation("query of the whole address space: %s", strerror(errno));
	return t;
}

/*
 * The whole address space, entry by entry, as the module sees it after
 * the last operation: one query serves every check that follows it.
 */
#define MAXQALL 512
static struct lof_query_entry qall[MAXQALL];
static unsigned int nqall;
static struct qtotals qtot;
static int qall_fresh;

static void query_all(void)
{
	qall_fresh = 1;
	if (query(0, (uint64_t)1 << (sizeof(long) == 8 ? 47 : 32), qall, MAXQALL, &nqall, &qtot))
		violation("query of the whole address space: %s", strerror(errno));
	else if (nqall == MAXQALL)
		violation("query of the whole address space: over %u entries", MAXQALL);
}

/* The entry of qall holding @addr, or NULL. */
static const struct lof_query_entry *qall_at(uintptr_t addr)
{
	unsigned int i;

	for (i = 0; i < nqall; i++)
		if (addr >= qall[i].start && addr < qall[i].end)
			return &qall[i];
	return NULL;
}

/* State (enum lof_state) of every page of a slot, from the query. */
static void slot_states(const struct slot *s, unsigned char *st)
{
	size_t p;

	for (p = 0; p < s->pages; p++) {
		const struct lof_query_entry *e = qall_at((uintptr_t)s->addr + p * PG);

		st[p] = e ? e->state : LOF_STATE_UNMAPPED;
	}
}

/* ------------------------------------------------------------------ */
/* Invariants                                                           */

/*
 * The worker's /proc files stay open: opening a /proc file costs ten
 * times reading it on the debug kernel (path walk under KASAN and
 * lockdep), and the checks run after every operation.  "self" is
 * resolved at open: a fork child must open its own.
 */
static int pagemap_fd = -1, status_fd = -1, smaps_fd = -1;
static char procbuf[1 << 18];

/* Read a whole /proc file from its start into procbuf; NUL-terminated. */
static ssize_t proc_read(int fd)
{
	size_t n = 0;
	ssize_t r;

	do {
		r = pread(fd, procbuf + n, sizeof(procbuf) - 1 - n, n);
		if (r < 0)
			return -1;
		n += r;
	} while (r > 0 && n < sizeof(procbuf) - 1);
	procbuf[n] = 0;
	return n;
}

static long vmlck_kb(void)
{
	char *p;

	if (proc_read(status_fd) < 0 || !(p = strstr(procbuf, "\nVmLck:"))) {
		violation("/proc/self/status: %s", strerror(errno));
		return -1;
	}
	return strtol(p + 7, NULL, 10);
}

static void check_slot_pages(struct slot *s)
{
	unsigned char st[MAXPAGES];
	uint64_t pm[MAXPAGES];
	size_t p;
	off_t off = (uintptr_t)s->addr / PG * 8;

	slot_states(s, st);
	if (pread(pagemap_fd, pm, s->pages * 8, off) != (ssize_t)(s->pages * 8)) {
		violation("pagemap: %s", strerror(errno));
		return;
	}
	for (p = 0; p < s->pages; p++) {
		int present = !!(pm[p] & (3ULL << 62));	/* present or swapped */

		/* a full lock populates: from now on these may be present */
		if (st[p] == LOF_STATE_LOCKED && !selftest)
			s->touched[p] = 1;
		if (present && !s->touched[p])
			violation("page %zu of a slot (kind %d, state %d) is present but was never touched",
				  p, s->kind, st[p]);
	}
}

static int dirty = -1;	/* the slot the last operation changed; -1: all */
static int invalid_kind = -1;	/* the last operation was an invalid ioctl */
static long last_lck;		/* VmLck and the query's totals at the last check */
static struct qtotals last_tot;

static void check_cheap(void)
{
	long lck = vmlck_kb();
	int i;

	query_all();
	checks_done++;
	if ((uint64_t)lck * 1024 != qtot.onfault + qtot.locked)
		violation("VmLck %ld kB but the query says %llu kB on fault + %llu kB locked",
			  lck, (unsigned long long)qtot.onfault / 1024,
			  (unsigned long long)qtot.locked / 1024);
	if (invalid_kind >= 0 && (lck != last_lck || qtot.onfault != last_tot.onfault ||
				  qtot.locked != last_tot.locked))
		violation("invalid ioctl kind %d changed VmLck %ld -> %ld kB or the query's totals",
			  invalid_kind, last_lck, lck);
	invalid_kind = -1;
	last_lck = lck;
	last_tot = qtot;
	if (memlock_kb >= 0 && lck > memlock_kb)
		violation("VmLck %ld kB over RLIMIT_MEMLOCK %ld kB", lck, memlock_kb);
	/* pages of the slot the operation changed (of every slot after a
	 * process-wide one: lock all, unlock all, fork, brk, invalid ioctl) */
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].addr && (dirty < 0 || dirty == i))
			check_slot_pages(&slots[i]);
	/* the fuzzer's own bookkeeping: the reserve has no hole */
	{
		static unsigned char vec[NSLOTS * 2 * MAXPAGES];

		if (!reserve_broken && mincore(reserve, NSLOTS * 2 * MAXPAGES * PG, vec))
			violation("the reserve has a hole: %s", strerror(errno));
	}
}

/* smaps: "lo" sizes add up to VmLck; slots' vmas agree with the query. */
static void check_smaps(void)
{
	char *line, *next;
	unsigned long start = 0, end = 0, size_kb = 0, lo_kb = 0;
	long lck;

	if (!qall_fresh)
		query_all();
	if (proc_read(smaps_fd) < 0) {
		violation("smaps: %s", strerror(errno));
		return;
	}
	for (line = procbuf; *line; line = next) {
		unsigned long a, b;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			start = a;
			end = b;
		} else if (sscanf(line, "Size: %lu kB", &a) == 1) {
			size_kb = a;
		} else if (!strncmp(line, "VmFlags:", 8)) {
			int lo = strstr(line, " lo") != NULL;
			int tag = strstr(line, " ??") != NULL;
			int i;

			if (lo)
				lo_kb += size_kb;
			for (i = 0; i < NSLOTS; i++) {
				struct slot *s = &slots[i];
				const struct lof_query_entry *e = qall_at(start);
				unsigned int want;

				if (!s->addr || start >= (uintptr_t)s->addr + s->pages * PG ||
				    end <= (uintptr_t)s->addr)
					continue;
				want = !lo ? LOF_STATE_UNLOCKED :
				       tag ? LOF_STATE_ONFAULT : LOF_STATE_LOCKED;
				/* one state over the whole vma */
				if (!e || e->end < end || e->state != want)
					violation("vma %lx-%lx: smaps says state %u, the query %u over %llx-%llx",
						  start, end, want, e ? e->state : 99,
						  e ? (unsigned long long)e->start : 0ULL,
						  e ? (unsigned long long)e->end : 0ULL);
			}
		}
	}
	lck = vmlck_kb();
	if ((unsigned long)lck != lo_kb)
		violation("VmLck %ld kB but smaps vmas marked lo add up to %lu kB", lck, lo_kb);
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */

static int lof_lock(void *a, size_t len, unsigned int flags)
{
	struct lof_range r = { .size = sizeof(r), .flags = flags,
			       .addr = (uintptr_t)a, .len = len };

	return ioctl(lof_fd, LOF_IOC_LOCK, &r);
}

static int lof_unlock(void *a, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .addr = (uintptr_t)a, .len = len };

	return ioctl(lof_fd, LOF_IOC_UNLOCK, &r);
}

static int lof_lockall(unsigned int flags)
{
	struct lof_lockall a = { .size = sizeof(a), .flags = flags };

	return ioctl(lof_fd, LOF_IOC_LOCKALL, &a);
}

static int lof_unlockall(void)
{
	struct lof_lockall a = { .size = sizeof(a) };

	return ioctl(lof_fd, LOF_IOC_UNLOCKALL, &a);
}

static int prots[] = { PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE };

static void op_map(struct slot *s)
{
	size_t pages = 1 + below(MAXPAGES);
	int kind = below(NKINDS), fd = -1, flags = 0;
	char path[256];
	void *p;

	s->prot = below(4) ? PROT_READ | PROT_WRITE : prots[below(3)];
	if (!below(8))
		flags |= MAP_LOCKED;		/* seed 002 */
	switch (kind) {
	case K_ANON:
		p = mmap(NULL, pages * PG, s->prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
		break;
	case K_SHANON:
		p = mmap(NULL, pages * PG, s->prot, MAP_SHARED | MAP_ANONYMOUS | flags, -1, 0);
		break;
	case K_MEMFD:
		/* as large as the slot may grow: no SIGBUS past the end */
		fd = memfd_create("fuzz", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, MAXPAGES * PG))
			return;
		p = mmap(NULL, pages * PG, s->prot, MAP_SHARED | flags, fd, 0);
		break;
	default:
		snprintf(path, sizeof(path), "%s/fuzzXXXXXX", filedir);
		fd = mkstemp(path);
		if (fd < 0)
			return;
		unlink(path);
		if (ftruncate(fd, MAXPAGES * PG))
			return;
		p = mmap(NULL, pages * PG, s->prot, MAP_PRIVATE | flags, fd, 0);
		break;
	}
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return;		/* e.g. MAP_LOCKED over the limit */
	madvise(p, pages * PG, MADV_NOHUGEPAGE);
	if (!reserve_broken && (char *)p + pages * PG > reserve &&
	    (char *)p < reserve + NSLOTS * 2 * MAXPAGES * PG)
		violation("a new mapping %p landed in the reserve %p", p, (void *)reserve);
	s->addr = p;
	s->pages = pages;
	s->kind = kind;
	memset(s->touched, 0, sizeof(s->touched));
}

/*
 * A range a slot just gave up: if it lies in the reserve, fill it with
 * PROT_NONE again, or a later mmap could land there and a later move
 * (MREMAP_FIXED) would replace it.
 */
static void released(char *a, size_t len)
{
	char *r0 = reserve, *r1 = reserve + NSLOTS * 2 * MAXPAGES * PG;

	if (a + len <= r0 || a >= r1)
		return;
	if (a < r0) {
		len -= r0 - a;
		a = r0;
	}
	if (a + len > r1)
		len = r1 - a;
	/*
	 * Under mlockall(MCL_FUTURE) as the unprivileged user the refill can
	 * be over RLIMIT_MEMLOCK (EAGAIN): then no more moves into the
	 * reserve, which could now replace another slot.
	 */
	if (mmap(a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		 MAP_FIXED, -1, 0) == MAP_FAILED)
		reserve_broken = 1;
}

static void op_unmap(struct slot *s)
{
	munmap(s->addr, s->pages * PG);
	released(s->addr, s->pages * PG);
	s->addr = NULL;
}

static void sub(struct slot *s, char **a, size_t *len)
{
	size_t first = below(s->pages), n = 1 + below(s->pages - first);

	*a = s->addr + first * PG;
	*len = n * PG;
	if (!below(4)) {	/* unaligned, as mlock() rounds */
		size_t off = below(PG);

		*a += off;
		*len -= off ? off : 0;
		if (!*len)
			*len = 1;
	}
}

static void op_touch(struct slot *s)
{
	size_t p = below(s->pages);
	volatile char *c = s->addr + p * PG;

	if (s->prot == PROT_NONE)
		return;
	s->touched[p] = !selftest;
	if ((s->prot & PROT_WRITE) && below(2)) {
		*c = 1;
	} else {
		/*
		 * A read fault on a file maps fault-around's window of what is
		 * in the page cache, which on a block file system readahead
		 * has just filled: those pages come with this touch, natively
		 * too.  The window is 64 KiB from the aligned address before
		 * the fault or the vma's start, whichever is later: within 128
		 * KiB of the aligned address.
		 */
		if (s->kind == K_FILE && !selftest) {
			uintptr_t a = (uintptr_t)s->addr + p * PG;
			uintptr_t w = a & ~(uintptr_t)(16 * PG - 1);
			size_t q;

			for (q = 0; q < s->pages; q++) {
				uintptr_t b = (uintptr_t)s->addr + q * PG;

				if (b >= w && b < w + 32 * PG)
					s->touched[q] = 1;
			}
		}
		(void)*c;
	}
}

static void op_mremap(struct slot *s, int idx)
{
	size_t pages;
	void *p;

	switch (below(3)) {
	case 0:		/* grow, moving if it must */
		pages = s->pages + 1 + below(MAXPAGES - s->pages + 1);
		/* (shared anonymous memory ends where it was made: SIGBUS) */
		if (pages > MAXPAGES || s->kind == K_SHANON)
			return;
		p = mremap(s->addr, s->pages * PG, pages * PG, MREMAP_MAYMOVE);
		break;
	case 1:		/* shrink */
		if (s->pages < 2)
			return;
		pages = 1 + below(s->pages - 1);
		p = mremap(s->addr, s->pages * PG, pages * PG, 0);
		break;
	default: {	/* move into this slot's own reserved area */
		char *t = reserve + (size_t)idx * 2 * MAXPAGES * PG;

		if (reserve_broken)
			return;
		if (s->addr == t)
			t += MAXPAGES * PG;
		pages = s->pages;
		p = mremap(s->addr, s->pages * PG, pages * PG,
			   MREMAP_MAYMOVE | MREMAP_FIXED, t);
		/* the kernel unmaps the target first, even if the move fails */
		if (p == MAP_FAILED)
			released(t, pages * PG);
		break;
	}
	}
	if (p == MAP_FAILED)
		return;
	note("mremap slot %d kind %d %p+%zu -> %p+%zu", idx, s->kind, (void *)s->addr,
	     s->pages, p, pages);
	if (p != s->addr)
		released(s->addr, s->pages * PG);
	else if (pages < s->pages)
		released(s->addr + pages * PG, (s->pages - pages) * PG);
	/*
	 * Grown anonymous memory is new; a file's or shmem's pages at those
	 * offsets are what was touched there before (fault-around maps them).
	 */
	if (pages > s->pages && s->kind == K_ANON)
		memset(s->touched + s->pages, 0, pages - s->pages);
	s->addr = p;
	s->pages = pages;
}

static void op_fork(int do_exec)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct qtotals t;
		int i;

		if (do_exec) {
			execl("/proc/self/exe", "fuzz", "--exec-check", (char *)NULL);
			_exit(3);
		}
		t = totals();
		if (lof_status_kb("VmLck") != 0 || t.onfault || t.locked)
			_exit(2);
		/* private anonymous only: shared pages would be the parent's */
		for (i = 0; i < 4; i++) {
			struct slot *s = &slots[below(NSLOTS)];

			if (s->addr && s->kind == K_ANON)
				op_touch(s);
		}
		_exit(lof_status_kb("VmLck") != 0);
	}
	if (pid < 0)
		return;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		violation("%s child: status %#x (locks inherited?)", do_exec ? "exec'd" : "fork", st);
}

static void op_brk(void)
{
	long d = (long)below(9) - 4;

	if (brk_pages + d < 0 || brk_pages + d > 64)
		return;
	if (!brk(brk0 + (brk_pages + d) * PG))
		brk_pages += d;
}

/* An invalid request: the documented errno, and nothing changed. */
static void op_invalid(void)
{
	char buf[64];
	struct lof_range r = { .size = sizeof(r), .addr = (uintptr_t)reserve, .len = PG };
	struct lof_lockall a = { .size = sizeof(a), .flags = LOF_MCL_CURRENT };
	int kind = below(9), ret, e1 = 0, e2 = 0;
	unsigned long cmd = LOF_IOC_LOCK;
	void *arg = &r;

	switch (kind) {
	case 0:		/* garbage user pointer */
		arg = (void *)(uintptr_t)(8 + below(4096));
		cmd = below(2) ? LOF_IOC_LOCK : LOF_IOC_QUERY;
		e1 = EFAULT;
		break;
	case 1:		/* kernel address */
		arg = (void *)(uintptr_t)(sizeof(long) == 8 ? 0xffffffff81000000UL : 0xfffff000UL);
		e1 = EFAULT;
		break;
	case 2:		/* size below the first version */
		r.size = below(sizeof(r));
		e1 = EINVAL;
		break;
	case 3:		/* size over the maximum */
		r.size = LOF_ARG_SIZE_MAX + 1 + below(1000);
		e1 = E2BIG;
		break;
	case 4:		/* unknown flags */
		r.flags = 2U << below(31);
		e1 = EINVAL;
		break;
	case 5:		/* a reserved field */
		r.reserved[below(2)] = 1 + rnd();
		e1 = EINVAL;
		break;
	case 6:		/* unknown command, or a known one with another size */
		memset(buf, 0, sizeof(buf));
		cmd = below(2) ? _IOW(LOF_IOC_MAGIC, 0x10 + below(0x70), struct lof_range) :
			_IOC(_IOC_WRITE, LOF_IOC_MAGIC, 0x01, 8 + below(32));
		arg = buf;
		e1 = ENOTTY;
		break;
	case 7:		/* a length that wraps the address space */
		r.len = ~(uint64_t)0 - below(PG);
		r.flags = below(2);
		e1 = EINVAL;
		e2 = -1;	/* or 0: rounded to nothing, as mlock() */
		if (memlock_kb >= 0)
			e1 = ENOMEM;	/* the limit is checked first */
		break;
	default:	/* lockall flags mlockall() refuses */
		a.flags = below(2) ? LOF_MCL_ONFAULT : (8U << below(28));
		cmd = LOF_IOC_LOCKALL;
		arg = &a;
		e1 = EINVAL;
		break;
	}
	errno = 0;
	ret = ioctl(lof_fd, cmd, arg);
	invalid_done++;
	if (!(ret == -1 && errno == e1) && !(e2 == -1 && ret == 0))
		violation("invalid ioctl kind %d: ret %d errno %s, want %s", kind, ret,
			  strerrorname_np(errno), strerrorname_np(e1));
	invalid_kind = kind;	/* check_cheap() sees whether it changed anything */
}

static void one_op(void)
{
	int idx = below(NSLOTS);
	struct slot *s = &slots[idx];
	unsigned int r = below(100);
	char *a;
	size_t len;

	qall_fresh = 0;
	if (!s->addr) {
		dirty = idx;
		last_op = "map";
		op_map(s);
		note("map slot %d kind %d at %p, %zu pages, prot %d", idx, s->kind,
		     (void *)s->addr, s->pages, s->prot);
		return;
	}
	last_op = r < 30 ? "touch" : r < 40 ? "lock onfault" : r < 44 ? "lock full" :
		  r < 50 ? "unlock" : r < 53 ? "mlock" : r < 57 ? "lockall" :
		  r < 58 ? "mlockall" : r < 62 ? "unlockall" : r < 66 ? "unmap" :
		  r < 72 ? "mremap" : r < 76 ? "mprotect" : r < 79 ? "madvise" :
		  r < 81 ? "brk" : r < 83 ? "fork" : "invalid ioctl";
	note("%s slot %d kind %d at %p, %zu pages, prot %d", last_op, idx, s->kind,
	     (void *)s->addr, s->pages, s->prot);
	/* operations on one slot; the rest touch the whole process */
	dirty = (r < 53 || (r >= 62 && r < 79)) ? idx : -1;
	if (r < 30) {
		op_touch(s);
	} else if (r < 40) {
		sub(s, &a, &len);
		lof_lock(a, len, LOF_LOCK_ONFAULT);
	} else if (r < 44) {
		sub(s, &a, &len);
		lof_lock(a, len, 0);
	} else if (r < 50) {
		sub(s, &a, &len);
		below(2) ? lof_unlock(a, len) : munlock(a, len);
	} else if (r < 53) {
		sub(s, &a, &len);
		mlock(a, len);
	} else if (r < 57) {
		static const unsigned int f[] = {
			LOF_MCL_CURRENT | LOF_MCL_ONFAULT, LOF_MCL_FUTURE | LOF_MCL_ONFAULT,
			LOF_MCL_CURRENT | LOF_MCL_FUTURE | LOF_MCL_ONFAULT, LOF_MCL_FUTURE,
		};
		lof_lockall(f[below(4)]);
	} else if (r < 58) {
		mlockall(below(2) ? MCL_CURRENT : MCL_FUTURE);
	} else if (r < 62) {
		below(2) ? lof_unlockall() : munlockall();
	} else if (r < 66) {
		op_unmap(s);
	} else if (r < 72) {
		op_mremap(s, idx);
	} else if (r < 76) {
		s->prot = prots[below(3)];
		mprotect(s->addr, s->pages * PG, s->prot);
	} else if (r < 79) {
		static const int adv[] = { MADV_DONTNEED, MADV_WILLNEED, MADV_RANDOM, MADV_NORMAL };

		int advice = adv[below(4)];
		size_t p;

		sub(s, &a, &len);
		a = (char *)((uintptr_t)a & ~(PG - 1));
		/* readahead fills a file's cache: asked for, like a touch */
		if (advice == MADV_WILLNEED && s->kind != K_ANON && !selftest)
			for (p = (a - s->addr) / PG; p < s->pages && s->addr + p * PG < a + len; p++)
				s->touched[p] = 1;
		madvise(a, len, advice);
	} else if (r < 81) {
		op_brk();
	} else if (r < 83) {
		op_fork(below(4) == 0);
	} else {
		op_invalid();
	}
}

/*
 * Become UID for good: no groups, no capabilities (a setuid() from root
 * to another uid clears them), then open the device as that user and
 * take its RLIMIT_MEMLOCK as the limit to check.
 */
static int drop_privileges(uid_t uid)
{
	struct rlimit rl;

	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		printf("# fuzz: setup: becoming uid %u: %s\n", uid, strerror(errno));
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || !setuid(0) ||
	    lof_status_num("CapEff", 16, ~0ULL) ||
	    lof_status_num("CapPrm", 16, ~0ULL)) {
		printf("# fuzz: setup: still privileged after becoming uid %u\n", uid);
		return -1;
	}
	close(lof_fd);
	lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (lof_fd < 0) {
		printf("# fuzz: setup: open %s as uid %u: %s\n", LOF_DEVICE_PATH, uid,
		       strerror(errno));
		return -1;
	}
	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY) {
		printf("# fuzz: setup: uid %u has no RLIMIT_MEMLOCK to check\n", uid);
		return -1;
	}
	memlock_kb = rl.rlim_cur / 1024;
	return 0;
}

static int worker(unsigned long seed, unsigned long ops)
{
	unsigned long i;
	int k;

	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	reserve = mmap(NULL, NSLOTS * 2 * MAXPAGES * PG, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	brk0 = sbrk(0);
	if (pagemap_fd < 0 || status_fd < 0 || smaps_fd < 0 || reserve == MAP_FAILED) {
		printf("# fuzz: setup: %s\n", strerror(errno));
		return 2;
	}
	if (drop_uid >= 0 && drop_privileges((uid_t)drop_uid))
		return 2;
	check_cheap();		/* the state before the first operation */
	for (i = 0; i < ops; i++) {
		one_op();
		ops_done++;
		check_cheap();
		if (ops_done % CHECK_EVERY == 0 || dirty < 0)
			check_smaps();
	}
	check_smaps();
	lof_unlockall();
	munlockall();
	for (k = 0; k < NSLOTS; k++)
		if (slots[k].addr)
			op_unmap(&slots[k]);
	if (lof_status_kb("VmLck") != 0)
		violation("VmLck %ld kB after unlocking and unmapping everything",
			  lof_status_kb("VmLck"));
	printf("# fuzz[%d] seed %lu: %lu ops (%lu invalid ioctls), %lu checks, %lu violations\n",
	       getpid(), seed, ops_done, invalid_done, checks_done, violations);
	return violations ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Stress                                                               */

#define SPAGES 2048
static char *sregion;
static volatile int stop;

static void *toucher(void *arg)
{
	unsigned long long x = (uintptr_t)arg * 7919 + 1;

	while (!stop) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sregion[(x >> 20) % SPAGES * PG] = 1;
	}
	return NULL;
}

static void *relocker(void *arg)
{
	unsigned long long x = 12345;

	(void)arg;
	while (!stop) {
		size_t a, n;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		a = (x >> 24) % SPAGES;
		n = 1 + (x >> 40) % (SPAGES - a);
		if ((x >> 12) & 1)
			lof_unlock(sregion + a * PG, n * PG);
		else
			lof_lock(sregion + a * PG, n * PG, LOF_LOCK_ONFAULT);
	}
	return NULL;
}

static void *churner(void *arg)
{
	(void)arg;
	while (!stop) {
		size_t n = 64;
		char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *q;

		if (p == MAP_FAILED)
			continue;
		lof_lock(p, n * PG, LOF_LOCK_ONFAULT);
		p[0] = p[5 * PG] = 1;
		q = mremap(p, n * PG, 2 * n * PG, MREMAP_MAYMOVE);
		if (q != MAP_FAILED) {
			q[100 * PG] = 1;
			p = mremap(q, 2 * n * PG, n / 2 * PG, 0);
			if (p == MAP_FAILED)
				p = q;
			munmap(p, n * PG * 2);
		} else {
			munmap(p, n * PG);
		}
	}
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!stop) {
		pid_t pid = fork();

		if (pid == 0) {
			sregion[3 * PG] = 2;	/* a COW fault in the child */
			_exit(lof_status_kb("VmLck") != 0);
		}
		if (pid > 0) {
			int st;

			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				violation("stress: fork child status %#x", st);
		}
		usleep(2000);
	}
	return NULL;
}

static int stress(double seconds)
{
	pthread_t t[8];
	int i, n = 0;
	double t0 = lof_now();
	struct lof_version v = { .size = sizeof(v) };
	uint64_t missed0;

	if (ioctl(lof_fd, LOF_IOC_VERSION, &v))
		return 2;
	missed0 = v.missed_probes;
	sregion = mmap(NULL, SPAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sregion == MAP_FAILED || lof_lock(sregion, SPAGES * PG, LOF_LOCK_ONFAULT))
		return 2;
	for (i = 0; i < 4; i++)
		pthread_create(&t[n++], NULL, toucher, (void *)(uintptr_t)i);
	pthread_create(&t[n++], NULL, relocker, NULL);
	pthread_create(&t[n++], NULL, churner, NULL);
	pthread_create(&t[n++], NULL, forker, NULL);
	while (lof_now() - t0 < seconds)
		usleep(100000);
	stop = 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	lof_unlockall();
	munmap(sregion, SPAGES * PG);
	if (ioctl(lof_fd, LOF_IOC_VERSION, &v))
		return 2;
	printf("%s - stress: 4 threads faulting in an on-fault range while others munlock/relock, mremap and fork for %.0f s: %llu missed probe hits, VmLck after %ld kB, %lu violations\n",
	       v.missed_probes == missed0 && !violations && !lof_status_kb("VmLck") ? "ok" : "not ok",
	       seconds, (unsigned long long)(v.missed_probes - missed0),
	       lof_status_kb("VmLck"), violations);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Holders and victims for the unload and kill tests                    */

/* Lock 4 MiB on fault and keep faulting in it (and relocking) for a while. */
static int hold(double seconds)
{
	size_t n = 1024, i = 0;
	char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0 = lof_now();

	if (p == MAP_FAILED || lof_lock(p, n * PG, LOF_LOCK_ONFAULT))
		return 1;
	printf("holding\n");
	do {
		p[(i * 37 % n) * PG] = 1;
		if (++i % 256 == 0) {
			lof_unlock(p + 512 * PG, 256 * PG);
			if (lof_lock(p, n * PG, LOF_LOCK_ONFAULT))
				return 1;
		}
	} while (lof_now() - t0 < seconds);
	return 0;
}

/*
 * Lock, fault in or unlock a range of MB megabytes over and over, to be
 * killed in the middle (SIGKILL, or the OOM killer):
 *   onfault  lock on fault, touch every page (grows until killed in a
 *            small memory cgroup)
 *   full     full lock (populates)
 *   unlock   lock on fault 64 times the size, touch 1%, unlock
 */
static int biglock(const char *mode, size_t mb)
{
	size_t len = mb << 20, i;

	printf("locking\n");
	for (;;) {
		char *p;

		if (!strcmp(mode, "unlock"))
			len = (mb << 20) * 64;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		if (!strcmp(mode, "full")) {
			lof_lock(p, len, 0);
		} else {
			lof_lock(p, len, LOF_LOCK_ONFAULT);
			for (i = 0; i < len; i += !strcmp(mode, "unlock") ? 100 * PG : PG)
				p[i] = 1;
		}
		lof_unlock(p, len);
		munmap(p, len);
	}
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	unsigned long seed, ops, procs = 2, i, bad = 0, total_ops = 0;
	struct rlimit rl;
	double t0;

	PG = sysconf(_SC_PAGESIZE);
	lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (argc == 2 && !strcmp(argv[1], "--exec-check")) {
		struct lof_query q = { .size = sizeof(q), .len = 1ULL << 32 };

		if (lof_fd >= 0 && ioctl(lof_fd, LOF_IOC_QUERY, &q))
			return 4;
		return (lof_status_kb("VmLck") != 0 || q.onfault_bytes || q.locked_bytes) ? 2 : 0;
	}
	if (lof_fd < 0) {
		printf("not ok - fuzz: open %s: %s\n", LOF_DEVICE_PATH, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--stress"))
		return stress(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--hold"))
		return hold(atof(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "--biglock"))
		return biglock(argv[2], strtoul(argv[3], NULL, 0));
	if (argc > 1 && !strcmp(argv[1], "--selftest")) {
		selftest = 1;
		argv++;
		argc--;
	}
	if (argc > 2 && !strcmp(argv[1], "--user")) {
		drop_uid = strtol(argv[2], NULL, 0);
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz [--selftest] [--user UID] SEED OPS [PROCS [FILEDIR]] | --stress SECONDS | --hold SECONDS | --biglock MODE MB\n");
		return 2;
	}
	seed = strtoul(argv[1], NULL, 0);
	ops = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		procs = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		filedir = argv[4];
	if (drop_uid < 0 && !getrlimit(RLIMIT_MEMLOCK, &rl) &&
	    rl.rlim_cur != RLIM_INFINITY && geteuid())
		memlock_kb = rl.rlim_cur / 1024;
	t0 = lof_now();
	for (i = 0; i < procs; i++) {
		if (fork() == 0)
			_exit(worker(seed + i, ops / procs));
	}
	for (i = 0; i < procs; i++) {
		int st;

		wait(&st);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			bad++;
			if (!WIFEXITED(st))
				printf("# fuzz: a worker died: status %#x\n", st);
		}
	}
	total_ops = ops / procs * procs;
	printf("%s - fuzz%s seed %lu (%zu-bit): %lu ops in %lu processes%s, %.0f s, %lu with invariant violations\n",
	       (selftest ? bad == procs : bad == 0) ? "ok" : "not ok",
	       selftest ? " self-test (a model that forgets touches must be caught)" : "",
	       seed, sizeof(long) * 8, total_ops, procs,
	       memlock_kb >= 0 || drop_uid >= 0 ? " (unprivileged, RLIMIT_MEMLOCK checked)" : "",
	       lof_now() - t0, bad);
	return 0;
}
