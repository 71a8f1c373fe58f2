// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer for /dev/lockonfault and the mm calls around it.
 *
 * usage: fuzz SEED OPS [PROCS [FILEDIR]]   PROCS processes (default 2),
 *                                          OPS operations in all
 *        fuzz --user UID SEED OPS ...      the same, each process running
 *                                          as UID with no capabilities
 *                                          once its /proc files are open
 *        fuzz --has-native                 exit 0 if the kernel has native
 *                                          mlock2(MLOCK_ONFAULT)
 *        fuzz --native [--user UID] SEED OPS ...
 *                                          the same with the kernel's own
 *                                          mlock2(MLOCK_ONFAULT), munlock,
 *                                          mlockall, munlockall instead of
 *                                          the module: checks the model
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
 * touches.
 *
 * The fuzzer keeps its own model of every page of every slot (and of its
 * reserve): unlocked, locked on fault or fully locked, and whether it must
 * or may be present.  The model follows from the operations it issued and
 * from what Linux documents for them (mlock(2), mlockall(2), mmap(2),
 * mremap(2), mprotect(2), madvise(2)), never from the module's answers:
 * the result a lock, unlock or lockall request must have is predicted
 * before it is made, and the kernel's own calls (mmap, mremap, mprotect,
 * madvise, mlock, munlock, mlockall) change the model as they report.  A
 * read fault on a file or shmem mapping maps, besides its page,
 * fault-around's window (fault_around_bytes, cut at the vma and the page
 * table) of what mincore() says is in the page cache.
 * After every operation:
 *  - the pages of the slot it changed (every slot's after a process-wide
 *    one) are present where the model says they must be, and absent where
 *    it says they cannot be (pagemap);
 *  - as root, each present page is PG_mlocked in a locked range and not
 *    in an unlocked one (kpageflags), where the kernel sets the flag
 *    synchronously: from 5.18 always, before it for anonymous pages or
 *    with eager=1 (page cache pages are mlocked there by reclaim, later);
 *    the zero page never.  PG_unevictable is not checked: it follows
 *    through per-CPU LRU batches;
 *  - VmLck equals the model's locked pages plus the locked vmas outside
 *    the slots and the reserve (stack, heap, libraries after mlockall),
 *    as smaps measured them last; a difference reads smaps at once;
 *  - VmLck equals what the module's query says is locked (on fault or
 *    fully) over the whole address space;
 *  - an invalid ioctl failed with an errno the ABI documents for it and
 *    changed nothing (VmLck and the query's totals);
 *  - as the unprivileged user, VmLck never exceeds RLIMIT_MEMLOCK.
 *    (--user: started as root, a process opens /proc/self/pagemap, then
 *    drops to UID, its groups and every capability, and opens the device
 *    again as that user: 4.0 and 4.1 let only CAP_SYS_ADMIN open pagemap.)
 * (one query of the whole address space serves every check of a step).
 * Every 64th operation and at the end, after every process-wide one and
 * whenever VmLck is not what the model says, /proc/self/smaps is read:
 * every vma of a slot or of the reserve is in the model's state ("lo" with
 * the module's unnamed tag bit "??" = on fault, "lo" alone = locked, never
 * "??" without "lo"), and the query agrees; the sizes of the vmas marked
 * "lo" add up to VmLck.  A fork child checks that it inherited no lock
 * (VmLck, the query, no vma "lo" or tagged in its smaps); an exec'd image
 * checks it again.
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
#include <sched.h>
#include <sys/utsname.h>
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

#define RPAGES		(NSLOTS * 2 * MAXPAGES)

/* The model's lock states (as the query's, but never read from it). */
enum { M_UNLOCKED, M_ONFAULT, M_LOCKED };

struct slot {
	char *addr;		/* NULL: empty */
	size_t pages;
	int kind;
	int prot;
	/* the model, page by page */
	unsigned char lk[MAXPAGES];	/* M_*: the lock state */
	unsigned char must[MAXPAGES];	/* present for sure */
	unsigned char may[MAXPAGES];	/* may be present */
	unsigned char known[MAXPAGES];	/* PG_mlocked at once while locked (before 5.18) */
	unsigned char wp[MAXPAGES];	/* write-protected by a fork */
	unsigned char stale[MAXPAGES];	/* a munlock of its page may be pending (5.18+) */
};

static long PG;
static int lof_fd = -1;
static struct slot slots[NSLOTS];
static char *reserve;		/* PROT_NONE; 2 move targets per slot */
static int reserve_broken;	/* a hole could not be filled again */
static unsigned char rlk[RPAGES];	/* the model of the reserve: lock state */
static unsigned char rmapped[RPAGES];	/* still the reserve's (not a slot's) */
static int mfuture;		/* M_*: what new mappings get (MCL_FUTURE) */
static long other_kb;		/* VmLck outside slots and reserve, at the last smaps */
static int need_smaps;		/* VmLck is not what the model says */
static int before_518;		/* the kernel mlocks page cache lazily */
static int eager;		/* the module's eager=1: it mlocks page cache at fault */
static size_t around_pages = 16;	/* fault_around_bytes / page size */
static int kpf_fd = -1;		/* /proc/kpageflags (root) */
static int native_mode;		/* --native: the kernel's own calls, no module */
static uint64_t zero_pfn;	/* the zero page (3.10 has no KPF_ZERO_PAGE) */
static unsigned long pages_checked, flags_checked, predictions;
static unsigned long long rng;
static unsigned long ops_done, invalid_done, checks_done, violations;
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

/* ------------------------------------------------------------------ */
/* Invariants                                                           */

/*
 * The worker's /proc files stay open: opening a /proc file costs ten
 * times reading it on the debug kernel (path walk under KASAN and
 * lockdep), and the checks run after every operation.  "self" is
 * resolved at open: a fork child must open its own.
 */
static int pagemap_fd = -1, status_fd = -1, smaps_fd = -1, maps_fd = -1;
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

#define KPF_ANON	12
#define KPF_ZERO_PAGE	24
#define KPF_MLOCKED	33
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_PFN		((1ULL << 55) - 1)

static const char *const mname[] = { "unlocked", "locked on fault", "locked" };

/* Pages the model has locked: the slots' and the reserve's. */
static long model_locked_pages(void)
{
	long n = 0;
	size_t i, p;

	for (i = 0; i < NSLOTS; i++)
		for (p = 0; slots[i].addr && p < slots[i].pages; p++)
			n += slots[i].lk[p] != M_UNLOCKED;
	for (p = 0; p < RPAGES; p++)
		n += rmapped[p] && rlk[p] != M_UNLOCKED;
	return n;
}

/*
 * Whether a page cache or shmem page mapped into page @p of @s is mlocked
 * at once: from 5.18 always; before, only by the module's eager=1 in a
 * range it locks on fault (never natively, not in a full lock), else by
 * reclaim.
 */
static int cache_mlocked_at_once(const struct slot *s, size_t p)
{
	return !before_518 || (eager && !native_mode && s->lk[p] == M_ONFAULT);
}

/*
 * A slot's pages against the model: present where they must be, absent
 * where they cannot be; PG_mlocked where the kernel sets it at once.
 */
static void check_slot_pages(struct slot *s)
{
	uint64_t pm[MAXPAGES];
	size_t p;
	off_t off = (uintptr_t)s->addr / PG * 8;

	if (pread(pagemap_fd, pm, s->pages * 8, off) != (ssize_t)(s->pages * 8)) {
		violation("pagemap: %s", strerror(errno));
		return;
	}
	for (p = 0; p < s->pages; p++) {
		int present = !!(pm[p] & (PM_PRESENT | PM_SWAP));
		uint64_t pfn = pm[p] & PM_PFN, f;
		int ml, zero, anon, file_sync;

		pages_checked++;
		if (present && !s->may[p])
			violation("page %zu of a slot (kind %d, %s) is present, but nothing the process did can have brought it in",
				  p, s->kind, mname[s->lk[p]]);
		if (!present && s->must[p])
			violation("page %zu of a slot (kind %d, %s, prot %d) is not present, but was touched or populated",
				  p, s->kind, mname[s->lk[p]], s->prot);
		if (kpf_fd < 0 || !(pm[p] & PM_PRESENT) || !pfn)
			continue;
		if (pread(kpf_fd, &f, 8, (off_t)pfn * 8) != 8) {
			violation("kpageflags: %s", strerror(errno));
			return;
		}
		flags_checked++;
		ml = (f >> KPF_MLOCKED) & 1;
		zero = ((f >> KPF_ZERO_PAGE) & 1) || pfn == zero_pfn;
		anon = (f >> KPF_ANON) & 1;
		if (s->lk[p] == M_UNLOCKED && ml)
			violation("page %zu of a slot (kind %d) is mlocked in an unlocked range", p, s->kind);
		/* (before 5.18: see model_set(); since: op_mremap()) */
		/*
		 * Page cache and shmem pages: from 5.18 the kernel mlocks them
		 * at once; before, reclaim does, or with eager=1 the module, in
		 * the ranges it locks on fault only (never natively).  (A
		 * private file page is mapped read-only, which a lock walk
		 * asking for write access skips: left out.)
		 */
		file_sync = cache_mlocked_at_once(s, p) &&
			    (!before_518 || s->kind != K_FILE);
		if (s->lk[p] != M_UNLOCKED && !ml && !zero && (anon || file_sync) &&
		    (before_518 ? s->known[p] : !s->stale[p]))
			violation("page %zu of a slot (kind %d, %s, %s page) is present but not mlocked",
				  p, s->kind, mname[s->lk[p]], anon ? "anonymous" : "page cache");
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

	if (!native_mode)
		query_all();
	checks_done++;
	if (!native_mode && (uint64_t)lck * 1024 != qtot.onfault + qtot.locked)
		violation("VmLck %ld kB but the query says %llu kB on fault + %llu kB locked",
			  lck, (unsigned long long)qtot.onfault / 1024,
			  (unsigned long long)qtot.locked / 1024);
	/* the rest is smaps' to tell: what is outside the model can change */
	if (lck != model_locked_pages() * (PG / 1024) + other_kb)
		need_smaps = 1;
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
	 * process-wide one: lock all, unlock all, fork) */
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].addr && (dirty < 0 || dirty == i))
			check_slot_pages(&slots[i]);
	/* the fuzzer's own bookkeeping: the reserve has no hole */
	{
		static unsigned char vec[RPAGES];

		if (!reserve_broken && mincore(reserve, RPAGES * PG, vec))
			violation("the reserve has a hole: %s", strerror(errno));
	}
}

/*
 * A vma of smaps in state @want: the model's pages in it must be in that
 * state.  (Natively, 4.4's smaps does not name VM_LOCKONFAULT: "lo"
 * alone may be either lock there.)  Returns the kB of it that are neither a slot's nor the reserve's.
 */
static unsigned long check_vma(unsigned long start, unsigned long end, int want)
{
	unsigned long model_pages = 0;
	uintptr_t r0 = (uintptr_t)reserve, r1 = r0 + RPAGES * PG;
	int i, bad = 0;

	for (i = 0; i < NSLOTS; i++) {
		struct slot *s = &slots[i];
		uintptr_t a = (uintptr_t)s->addr, b = a + s->pages * PG, x;

		if (!s->addr || a >= end || b <= start)
			continue;
		for (x = a > start ? a : start; x < b && x < end; x += PG) {
			size_t p = (x - a) / PG;

			model_pages++;
			if (s->lk[p] != want && !(want == M_LOCKED && native_mode && s->lk[p]) &&
			    !bad++)
				violation("vma %lx-%lx is %s, but page %zu of slot %d (kind %d) should be %s",
					  start, end, mname[want], p, i, s->kind, mname[s->lk[p]]);
		}
	}
	if (r0 < end && r1 > start) {
		uintptr_t x;

		for (x = r0 > start ? r0 : start; x < r1 && x < end; x += PG) {
			size_t p = (x - r0) / PG;

			if (!rmapped[p])
				continue;
			model_pages++;
			if (rlk[p] != want && !(want == M_LOCKED && native_mode && rlk[p]) && !bad++)
				violation("vma %lx-%lx is %s, but reserve page %zu should be %s",
					  start, end, mname[want], p, mname[rlk[p]]);
		}
	}
	return ((end - start) / PG - model_pages) * (PG / 1024);
}

/* smaps: "lo" sizes add up to VmLck; slots' vmas agree with the query. */
static void check_smaps(void)
{
	char *line, *next;
	unsigned long start = 0, end = 0, size_kb = 0, lo_kb = 0, other = 0;
	long lck;

	if (!qall_fresh && !native_mode)
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
			int tag = strstr(line, native_mode ? " lf" : " ??") != NULL;
			int i, m = !lo ? M_UNLOCKED : tag ? M_ONFAULT : M_LOCKED;
			unsigned long outside;

			if (tag && !lo)
				violation("vma %lx-%lx: the module's tag without VM_LOCKED", start, end);
			outside = check_vma(start, end, m);
			if (lo) {
				lo_kb += size_kb;
				other += outside;
			}
			for (i = 0; i < NSLOTS && !native_mode; i++) {
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
	other_kb = other;
	need_smaps = 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */

/*
 * With --native the requests are the kernel's own calls, to check the
 * model against native lock-on-fault where a kernel has it (the flags are
 * the same numbers).
 */
static int lof_lock(void *a, size_t len, unsigned int flags)
{
	struct lof_range r = { .size = sizeof(r), .flags = flags,
			       .addr = (uintptr_t)a, .len = len };

	if (native_mode)
		return syscall(SYS_mlock2, a, len, flags);
	return ioctl(lof_fd, LOF_IOC_LOCK, &r);
}

static int lof_unlock(void *a, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .addr = (uintptr_t)a, .len = len };

	if (native_mode)
		return munlock(a, len);
	return ioctl(lof_fd, LOF_IOC_UNLOCK, &r);
}

static int lof_lockall(unsigned int flags)
{
	struct lof_lockall a = { .size = sizeof(a), .flags = flags };

	if (native_mode)
		return mlockall(flags);
	return ioctl(lof_fd, LOF_IOC_LOCKALL, &a);
}

static int lof_unlockall(void)
{
	struct lof_lockall a = { .size = sizeof(a) };

	if (native_mode)
		return munlockall();
	return ioctl(lof_fd, LOF_IOC_UNLOCKALL, &a);
}

/* ------------------------------------------------------------------ */
/* The model                                                            */

/* The pages of @s that [a, a + len) covers, rounded as mlock() rounds. */
static void pages_of(const struct slot *s, const char *a, size_t len, size_t *first, size_t *n)
{
	uintptr_t b = (uintptr_t)a & ~(uintptr_t)(PG - 1);
	uintptr_t e = ((uintptr_t)a + len + PG - 1) & ~(uintptr_t)(PG - 1);

	*first = (b - (uintptr_t)s->addr) / PG;
	*n = (e - b) / PG;
	if (*first + *n > s->pages)
		*n = s->pages - *first;
}

/*
 * Pages [first, first + n) of @s are now in state @st: a full lock
 * populates.  Before 5.18 which pages are PG_mlocked at once is known for
 * anonymous pages only (page cache pages wait for reclaim, unless
 * eager=1), and not for all of them: a page is mlocked by the fault that
 * brings it into a locked vma, and every lock request (the same state
 * again too) walks the present pages with follow_page(FOLL_MLOCK), which
 * skips, natively too, a page a fork or mprotect() write-protected where
 * the walk asks for write access (a private writable vma, on fault);
 * reclaim mlocks those later.  A full lock faults them writable first.
 */
static void fault_around(struct slot *s, const unsigned char *faulted);

/* A private mapping: copy on write, write-protected by a fork or mprotect() */
static int is_private(const struct slot *s)
{
	return s->kind == K_ANON || s->kind == K_FILE;
}

/*
 * Whether a fault that maps page @p of @s mlocks it at once: a new
 * anonymous page always (an anonymous range's, or a private copy on
 * write), a page cache or shmem page as cache_mlocked_at_once() says.
 */
static int mlocked_at_fault(const struct slot *s, size_t p, int write)
{
	return s->kind == K_ANON || (write && is_private(s)) ||
	       cache_mlocked_at_once(s, p);
}

/* Its present pages are write-protected until the next write fault. */
static void write_protect(struct slot *s)
{
	if (is_private(s))
		memcpy(s->wp, s->may, MAXPAGES);
}

static void model_set(struct slot *s, size_t first, size_t n, int st)
{
	int priv = is_private(s);
	unsigned char faulted[MAXPAGES] = { 0 };
	int reads = 0;
	size_t p;

	for (p = first; p < first + n; p++) {
		s->lk[p] = st;
		if (st == M_UNLOCKED) {
			s->known[p] = s->stale[p] = 0;
			continue;
		}
		if (s->prot == PROT_NONE)
			continue;	/* the walk fails at once */
		if (st == M_LOCKED) {
			/* a read fault of the populate maps fault-around's window */
			if (!s->may[p] && s->kind != K_ANON && !(priv && (s->prot & PROT_WRITE)))
				reads = faulted[p] = 1;
			s->must[p] = s->may[p] = s->known[p] = 1;
			if (priv && (s->prot & PROT_WRITE))
				s->wp[p] = 0;
		} else if (s->must[p] && !(s->wp[p] && priv && (s->prot & PROT_WRITE))) {
			s->known[p] = 1;
		}
	}
	if (reads)
		fault_around(s, faulted);
}

/*
 * mlockall(2): MCL_FUTURE sets what new mappings get (and any call clears
 * it first); MCL_CURRENT locks every mapping, on fault with MCL_ONFAULT.
 */
static void model_lockall(unsigned int flags)
{
	int st = flags & LOF_MCL_ONFAULT ? M_ONFAULT : M_LOCKED;
	size_t i, p;

	mfuture = flags & LOF_MCL_FUTURE ? st : M_UNLOCKED;
	if (!(flags & LOF_MCL_CURRENT))
		return;
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].addr)
			model_set(&slots[i], 0, slots[i].pages, st);
	for (p = 0; p < RPAGES; p++)
		rlk[p] = st;
}

static void model_unlockall(void)
{
	size_t i;

	mfuture = M_UNLOCKED;
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].addr)
			model_set(&slots[i], 0, slots[i].pages, M_UNLOCKED);
	memset(rlk, M_UNLOCKED, sizeof(rlk));
}

/*
 * What a lock of @n pages of @s from @first must return, as mlock(2) and
 * mlock2(2) have it: ENOMEM over RLIMIT_MEMLOCK (nothing changes; from
 * 4.9 pages already locked in the range are not counted again: where the
 * two rules differ, -1, either); ENOMEM when a full lock cannot populate
 * PROT_NONE, the range locked all the same (before 5.18 a lock on fault
 * too: 4.4's populate worker fails there).  *applies: whether the range
 * is locked after it.
 */
static int lock_outcome(const struct slot *s, size_t first, size_t n, int onfault, int *applies)
{
	int none = s->prot == PROT_NONE && (!onfault || before_518);

	*applies = 0;
	if (memlock_kb >= 0) {
		long lim = memlock_kb / (PG / 1024), cur = last_lck / (PG / 1024), had = 0;
		size_t p;

		for (p = first; p < first + n; p++)
			had += s->lk[p] != M_UNLOCKED;
		if (cur + (long)n - had > lim)
			return ENOMEM;
		if (cur + (long)n > lim)
			return none ? -2 : -1;	/* -2: not a request to make */
	}
	*applies = 1;
	return none ? ENOMEM : 0;
}

/* mlockall(2): ENOMEM with MCL_CURRENT if the address space is over the limit. */
static int lockall_outcome(unsigned int flags)
{
	if (memlock_kb >= 0 && (flags & LOF_MCL_CURRENT) && lof_status_kb("VmSize") > memlock_kb)
		return ENOMEM;
	return 0;
}

/* A request's result against the model's prediction. */
static void predicted(const char *what, int ret, int want)
{
	int e = ret ? errno : 0;

	predictions++;
	if (want >= 0 && e != want)
		violation("%s returned %s, the model predicts %s", what,
			  e ? strerrorname_np(e) : "0", want ? strerrorname_np(want) : "0");
}

/*
 * A read fault at page @p of a file or shmem slot maps, besides its page,
 * what is in the page cache in fault-around's window: fault_around_bytes
 * from the aligned address or the vma's start, whichever is later, up to
 * the vma's end and the page table's (mm/memory.c, do_fault_around()).
 * The vma is the kernel's (/proc/self/maps): vmas that once were one do
 * not always merge again (an anon_vma a fork cloned), and a vma that
 * starts later moves the window's end further.  What was in the page
 * cache is what mincore() says right after the fault: a page readahead
 * was still reading just before it can have been mapped already.
 */
static void fault_around(struct slot *s, const unsigned char *faulted)
{
	static unsigned char vec[MAXPAGES];
	static unsigned long vs[MAXPAGES], ve[MAXPAGES];
	uintptr_t base = (uintptr_t)s->addr, lim = base + s->pages * PG;
	char *line, *next;
	size_t p, q, nv = 0, v;

	if (mincore(s->addr, s->pages * PG, vec)) {
		violation("mincore of a slot: %s", strerror(errno));
		return;
	}
	if (proc_read(maps_fd) < 0) {
		violation("maps: %s", strerror(errno));
		return;
	}
	for (line = procbuf; *line && nv < MAXPAGES; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "%lx-%lx", &vs[nv], &ve[nv]) == 2 && ve[nv] > base && vs[nv] < lim)
			nv++;
	}
	for (p = 0; p < s->pages; p++) {
		uintptr_t addr = base + p * PG, start, end, ptend;

		if (!faulted[p])
			continue;
		for (v = 0; v < nv && !(addr >= vs[v] && addr < ve[v]); v++)
			;
		if (v == nv) {
			violation("maps: no vma at %lx", (unsigned long)addr);
			return;
		}
		start = addr & ~(uintptr_t)(around_pages * PG - 1);
		if (start < vs[v])
			start = vs[v];
		if (start < base)
			start = base;
		end = start + around_pages * PG;
		if (end > ve[v])
			end = ve[v];
		if (end > lim)
			end = lim;
		ptend = (start | ((2UL << 20) - 1)) + 1;
		if (end > ptend)
			end = ptend;
		for (q = (start - base) / PG; q < (end - base) / PG; q++)
			if (vec[q] & 1)
				s->may[q] = 1;
	}
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */

static int prots[] = { PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE };

static void op_map(struct slot *s)
{
	size_t pages = 1 + below(MAXPAGES);
	int kind = below(NKINDS), fd = -1, flags = 0, st;
	char path[256];
	void *m;

	s->prot = below(4) ? PROT_READ | PROT_WRITE : prots[below(3)];
	if (!below(8))
		flags |= MAP_LOCKED;		/* seed 002 */
	switch (kind) {
	case K_ANON:
		m = mmap(NULL, pages * PG, s->prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
		break;
	case K_SHANON:
		m = mmap(NULL, pages * PG, s->prot, MAP_SHARED | MAP_ANONYMOUS | flags, -1, 0);
		break;
	case K_MEMFD:
		/* as large as the slot may grow: no SIGBUS past the end */
		fd = lof_memfd_create("fuzz", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, MAXPAGES * PG))
			return;
		m = mmap(NULL, pages * PG, s->prot, MAP_SHARED | flags, fd, 0);
		break;
	default:
		snprintf(path, sizeof(path), "%s/fuzzXXXXXX", filedir);
		fd = mkstemp(path);
		if (fd < 0)
			return;
		unlink(path);
		if (ftruncate(fd, MAXPAGES * PG))
			return;
		m = mmap(NULL, pages * PG, s->prot, MAP_PRIVATE | flags, fd, 0);
		break;
	}
	if (fd >= 0)
		close(fd);
	if (m == MAP_FAILED)
		return;		/* e.g. MAP_LOCKED over the limit */
	madvise(m, pages * PG, MADV_NOHUGEPAGE);
	if (!reserve_broken && (char *)m + pages * PG > reserve &&
	    (char *)m < reserve + RPAGES * PG)
		violation("a new mapping %p landed in the reserve %p", m, (void *)reserve);
	s->addr = m;
	s->pages = pages;
	s->kind = kind;
	memset(s->lk, 0, sizeof(s->lk));
	memset(s->must, 0, sizeof(s->must));
	memset(s->may, 0, sizeof(s->may));
	memset(s->known, 0, sizeof(s->known));
	memset(s->wp, 0, sizeof(s->wp));
	memset(s->stale, 0, sizeof(s->stale));
	/*
	 * mmap(2): a new mapping gets MCL_FUTURE's lock; MAP_LOCKED locks it
	 * fully (populated), on fault under MCL_FUTURE|MCL_ONFAULT, whose
	 * on-fault flag comes with the default flags (seed 002).
	 */
	st = mfuture;
	if (flags & MAP_LOCKED)
		st = mfuture == M_ONFAULT ? M_ONFAULT : M_LOCKED;
	model_set(s, 0, pages, st);
}

/*
 * A range a slot just gave up: if it lies in the reserve, fill it with
 * PROT_NONE again, or a later mmap could land there and a later move
 * (MREMAP_FIXED) would replace it.
 */
static void released(char *a, size_t len)
{
	char *r0 = reserve, *r1 = reserve + RPAGES * PG;
	size_t p;

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
		 MAP_FIXED, -1, 0) == MAP_FAILED) {
		reserve_broken = 1;
		return;
	}
	for (p = (size_t)(a - r0) / PG; p < (size_t)(a + len - r0) / PG; p++) {
		rmapped[p] = 1;
		rlk[p] = mfuture;	/* PROT_NONE: nothing to populate */
	}
}

/* Reserve pages a slot takes over (a move unmaps the target first). */
static void taken(char *a, size_t len)
{
	size_t p;

	for (p = (size_t)(a - reserve) / PG; p < (size_t)(a + len - reserve) / PG && p < RPAGES; p++)
		rmapped[p] = 0;
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
	int faults = !s->may[p], write = 0;

	if (s->prot == PROT_NONE)
		return;
	if ((s->prot & PROT_WRITE) && below(2)) {
		*c = 1;
		write = 1;
		s->wp[p] = 0;	/* reused or copied: mlocked if it was */
	} else {
		unsigned char faulted[MAXPAGES] = { 0 };

		(void)*c;
		faulted[p] = 1;
		if (s->kind != K_ANON)
			fault_around(s, faulted);
	}
	/* (a page fault-around may have mapped is not known to fault now) */
	if (faults && s->lk[p] != M_UNLOCKED && mlocked_at_fault(s, p, write))
		s->known[p] = 1;
	s->must[p] = s->may[p] = 1;
}

static void op_lock(struct slot *s, int onfault, int native)
{
	char *a, what[64];
	size_t len, first, n;
	int want, applies, ret;

	sub(s, &a, &len);
	pages_of(s, a, len, &first, &n);
	want = lock_outcome(s, first, n, onfault, &applies);
	if (want == -2)
		return;
	if (native)
		ret = mlock(a, len);
	else
		ret = lof_lock(a, len, onfault ? LOF_LOCK_ONFAULT : 0);
	snprintf(what, sizeof(what), "%s of %zu pages (prot %d)",
		 native ? "mlock()" : onfault ? "lock on fault" : "full lock", n, s->prot);
	predicted(what, ret, want);
	if (!ret || applies)
		model_set(s, first, n, onfault ? M_ONFAULT : M_LOCKED);
}

static void op_unlock(struct slot *s)
{
	char *a;
	size_t len, first, n;
	int native = below(2);

	sub(s, &a, &len);
	pages_of(s, a, len, &first, &n);
	predicted(native ? "munlock()" : "unlock", native ? munlock(a, len) : lof_unlock(a, len), 0);
	model_set(s, first, n, M_UNLOCKED);
}

static void op_mremap(struct slot *s, int idx)
{
	size_t pages, old = s->pages, q;
	char *t = NULL;
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
	default:	/* move into this slot's own reserved area */
		t = reserve + (size_t)idx * 2 * MAXPAGES * PG;
		if (reserve_broken)
			return;
		if (s->addr == t)
			t += MAXPAGES * PG;
		pages = s->pages;
		p = mremap(s->addr, s->pages * PG, pages * PG,
			   MREMAP_MAYMOVE | MREMAP_FIXED, t);
		/* the kernel unmaps the target first, even if the move fails */
		taken(t, pages * PG);
		if (p == MAP_FAILED)
			released(t, pages * PG);
		break;
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
	 * Since 5.18 unmapping a page from a locked vma queues its munlock in
	 * a per-CPU batch, which nothing here drains before a regrown range
	 * maps the same page cache page again and mlocks it: the stale
	 * munlock then clears PG_mlocked for good ("reclaim will fix it",
	 * mm/mlock.c), natively too.
	 */
	for (q = pages; q < old; q++)
		if (s->lk[q] != M_UNLOCKED && s->kind != K_ANON)
			s->stale[q] = 1;
	s->addr = p;
	s->pages = pages;
	/*
	 * mremap(2): the pages move with their state; a grown range (one vma:
	 * one state) is new, populated if the vma is locked fully.
	 */
	for (q = old; q < pages; q++)
		s->must[q] = s->may[q] = s->known[q] = s->wp[q] = 0;
	if (pages > old)
		model_set(s, old, pages - old, s->lk[old - 1]);
	for (q = pages; q < MAXPAGES; q++)
		s->lk[q] = s->must[q] = s->may[q] = s->known[q] = s->wp[q] = 0;	/* (not stale) */
}

static void op_mprotect(struct slot *s)
{
	int np = prots[below(3)];
	size_t p;

	if (mprotect(s->addr, s->pages * PG, np))
		return;
	/*
	 * A private fully locked vma that becomes writable is populated,
	 * breaking COW, from 4.7 (mm/mprotect.c): may, on older kernels not.
	 */
	for (p = 0; p < s->pages; p++)
		if (s->lk[p] == M_LOCKED && !(s->prot & PROT_WRITE) && (np & PROT_WRITE) &&
		    is_private(s))
			s->may[p] = 1;
	/*
	 * A private writable vma's page protection is read-only (copy on
	 * write): mprotect() leaves its present pages write-protected until
	 * the next write fault, as a fork does (before 5.19 at least).
	 */
	write_protect(s);
	s->prot = np;
}

static void op_madvise(struct slot *s)
{
	static const int adv[] = { MADV_DONTNEED, MADV_WILLNEED, MADV_RANDOM, MADV_NORMAL };
	int advice = adv[below(4)], ret;
	size_t len, first, n, q;
	char *a;

	sub(s, &a, &len);
	a = (char *)((uintptr_t)a & ~(PG - 1));
	pages_of(s, a, len, &first, &n);
	ret = madvise(a, len, advice);
	/*
	 * madvise(2): DONTNEED fails with EINVAL on a locked vma, after the
	 * vmas before it in the range are zapped.  WILLNEED only reads ahead
	 * into the page cache (fault-around's business later); RANDOM and
	 * NORMAL split and merge vmas: nothing else changes here.
	 */
	if (advice == MADV_DONTNEED) {
		for (q = first; q < first + n && s->lk[q] == M_UNLOCKED; q++)
			s->must[q] = s->may[q] = s->known[q] = s->wp[q] = 0;
		predicted("MADV_DONTNEED", ret, q < first + n ? EINVAL : 0);
	}
}

static void op_fork(int do_exec)
{
	pid_t pid = fork();
	int st, i;

	if (pid == 0) {
		struct qtotals t;

		if (do_exec) {
			execl("/proc/self/exe", "fuzz", "--exec-check", (char *)NULL);
			_exit(3);
		}
		memset(&t, 0, sizeof(t));
		if (!native_mode)
			t = totals();
		if (lof_status_kb("VmLck") != 0 || t.onfault || t.locked)
			_exit(2);
		/* no vma of the child is locked or tagged (mlock(2): not inherited) */
		smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
		if (smaps_fd < 0 || proc_read(smaps_fd) < 0)
			_exit(4);
		{
			char *v = procbuf;

			while ((v = strstr(v, "\nVmFlags:"))) {
				char *e = strchr(v + 1, '\n');

				if (e)
					*e = 0;
				if (strstr(v, " lo") || strstr(v, native_mode ? " lf" : " ??"))
					_exit(5);
				if (!e)
					break;
				*e = '\n';
				v = e;
			}
		}
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
	/* the parent's private pages are write-protected now */
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].addr)
			write_protect(&slots[i]);
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
	if (native_mode)
		return;	/* (drawn all the same: a seed replays the module's run) */
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
	/*
	 * Operations on one slot; the rest touch the whole process (brk and
	 * an invalid request change no slot: VmLck and the query's totals
	 * tell that they changed nothing).
	 */
	dirty = (r < 53 || (r >= 62 && r < 81) || r >= 83) ? idx : -1;
	if (r < 30) {
		op_touch(s);
	} else if (r < 40) {
		op_lock(s, 1, 0);
	} else if (r < 44) {
		op_lock(s, 0, 0);
	} else if (r < 50) {
		op_unlock(s);
	} else if (r < 53) {
		op_lock(s, 0, 1);
	} else if (r < 57) {
		static const unsigned int f[] = {
			LOF_MCL_CURRENT | LOF_MCL_ONFAULT, LOF_MCL_FUTURE | LOF_MCL_ONFAULT,
			LOF_MCL_CURRENT | LOF_MCL_FUTURE | LOF_MCL_ONFAULT, LOF_MCL_FUTURE,
		};
		unsigned int fl = f[below(4)];
		int want = lockall_outcome(fl), ret = lof_lockall(fl);

		predicted("lockall", ret, want);
		if (!ret)
			model_lockall(fl);
	} else if (r < 58) {
		unsigned int fl = below(2) ? LOF_MCL_CURRENT : LOF_MCL_FUTURE;
		int want = lockall_outcome(fl);
		int ret = mlockall(fl == LOF_MCL_CURRENT ? MCL_CURRENT : MCL_FUTURE);

		predicted("mlockall()", ret, want);
		if (!ret)
			model_lockall(fl);
	} else if (r < 62) {
		predicted("unlockall", below(2) ? lof_unlockall() : munlockall(), 0);
		model_unlockall();
	} else if (r < 66) {
		op_unmap(s);
	} else if (r < 72) {
		op_mremap(s, idx);
	} else if (r < 76) {
		op_mprotect(s);
	} else if (r < 79) {
		op_madvise(s);
	} else if (r < 81) {
		op_brk();
	} else if (r < 83) {
		op_fork(below(4) == 0);
	} else {
		op_invalid();
	}
}

/*
 * What the model needs to know of the kernel: whether it mlocks page
 * cache pages at once (from 5.18, or the module's eager=1), fault-around's
 * window, and the zero page, which kpageflags does not name before 4.0.
 */
static void model_setup(void)
{
	struct utsname u;
	unsigned int maj = 0, min = 0;
	char buf[32] = "";
	long v;
	FILE *f;
	char *z;

	if (!uname(&u))
		sscanf(u.release, "%u.%u", &maj, &min);
	before_518 = maj < 5 || (maj == 5 && min < 18);
	f = fopen("/sys/module/lockonfault/parameters/eager", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	eager = buf[0] == '1' || buf[0] == 'Y';
	f = fopen("/sys/kernel/debug/fault_around_bytes", "r");
	if (f) {
		if (fscanf(f, "%ld", &v) == 1 && v >= PG)
			around_pages = v / PG;
		fclose(f);
	}
	kpf_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	z = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z != MAP_FAILED) {
		int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		uint64_t e = 0;

		(void)*(volatile char *)z;
		if (fd >= 0 && pread(fd, &e, 8, (uintptr_t)z / PG * 8) == 8 && (e & PM_PRESENT))
			zero_pfn = e & PM_PFN;
		if (fd >= 0)
			close(fd);
		munmap(z, PG);
	}
	printf("# fuzz: model: %s, page cache mlocked %s, fault-around %zu pages, page flags %s\n",
	       before_518 ? "before 5.18" : "5.18 or later",
	       !before_518 ? "at once" : eager && !native_mode ?
	       "by the module at fault where it locks on fault (eager=1), else by reclaim (not checked)" :
	       "by reclaim (not checked)", around_pages,
	       kpf_fd >= 0 ? "checked" : "not readable (not checked)");
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
	if (lof_fd < 0 && !native_mode) {
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
	maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	reserve = mmap(NULL, NSLOTS * 2 * MAXPAGES * PG, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	brk0 = sbrk(0);
	if (pagemap_fd < 0 || status_fd < 0 || smaps_fd < 0 || maps_fd < 0 ||
	    reserve == MAP_FAILED) {
		printf("# fuzz: setup: %s\n", strerror(errno));
		return 2;
	}
	memset(rmapped, 1, sizeof(rmapped));
	/*
	 * One CPU: since 5.18 munlock clears PG_mlocked through a per-CPU
	 * batch that the call drains on its own CPU only.
	 */
	{
		cpu_set_t set;
		int cpu = sched_getcpu();

		CPU_ZERO(&set);
		CPU_SET(cpu < 0 ? 0 : cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (drop_uid >= 0 && drop_privileges((uid_t)drop_uid))
		return 2;
	check_cheap();		/* the state before the first operation */
	check_smaps();
	for (i = 0; i < ops; i++) {
		one_op();
		ops_done++;
		check_cheap();
		if (ops_done % CHECK_EVERY == 0 || need_smaps)
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
	printf("# fuzz[%d] seed %lu: %lu ops (%lu invalid ioctls, %lu results predicted), %lu checks of %lu pages (%lu page flags), %lu violations\n",
	       getpid(), seed, ops_done, invalid_done, predictions, checks_done, pages_checked,
	       flags_checked, violations);
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
	if (argc == 2 && !strcmp(argv[1], "--has-native")) {
		/* whether this kernel locks on fault itself: mlock2(MLOCK_ONFAULT) */
		char *z = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		return z == MAP_FAILED || syscall(SYS_mlock2, z, PG, LOF_LOCK_ONFAULT) ? 1 : 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--native")) {
		native_mode = 1;
		argv++;
		argc--;
	}
	if (lof_fd < 0 && !native_mode) {
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
	if (argc > 2 && !strcmp(argv[1], "--user")) {
		drop_uid = strtol(argv[2], NULL, 0);
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz [--native] [--user UID] SEED OPS [PROCS [FILEDIR]] | --stress SECONDS | --hold SECONDS | --biglock MODE MB\n");
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
	model_setup();
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
	       bad == 0 ? "ok" : "not ok",
	       native_mode ? " of the model against native calls" : "",
	       seed, sizeof(long) * 8, total_ops, procs,
	       memlock_kb >= 0 || drop_uid >= 0 ? " (unprivileged, RLIMIT_MEMLOCK checked)" : "",
	       lof_now() - t0, bad);
	return 0;
}
