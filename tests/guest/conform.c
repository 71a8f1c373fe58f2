// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance suite: every case runs twice in the same guest boot, once
 * with the native syscalls (mlock2, munlock, mlockall, munlockall) and once
 * with the module's ioctls, each time in a fresh child forked from the
 * same parent (so both see the same address space layout).  A case
 * records everything observable into text: return values and errno, smaps
 * of the vmas it made (Size, Rss, Locked, VmFlags as a set), VmLck and
 * VmRSS, and per page: pagemap present bit, kpageflags MLOCKED, mincore.
 * It passes when the two texts are identical AND the native run meets the
 * case's own expectations (EXPECT lines), so a bug shared by both cannot
 * pass.  Run as root (pagemap PFNs, kpageflags).
 *
 * usage: conform [--no-native | --module-only] [CASE-SUBSTRING]
 *   --no-native: the kernel must refuse native lock on fault; the module
 *   alone is judged by the expectations.  --module-only: the same where
 *   native exists (a module setting native has no equivalent of).
 *   CONFORM_FILE_MLOCK=fault|lazy: see kernel_semantics().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/lockonfault.h>
#include "lof_util.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef SYS_userfaultfd
#define SYS_userfaultfd 323
#endif

#define KPF_MLOCKED 33
#define KPF_UNEVICTABLE 18

static long PG;
static int lof_fd = -1;
static int module_only;	/* no native lock-on-fault on this kernel */

/*
 * What Linux documents for the kernel under test.  Before 5.18 the fault
 * path mlocks only new anonymous pages (COW copies included): a page cache
 * or shmem page mapped into a VM_LOCKED vma is mlocked when reclaim meets
 * it ("lazy mlocking", mm/mlock.c), and the populate worker that mlock()
 * runs fails on a PROT_NONE vma (check_vma_flags(): ENOMEM), on fault or
 * not.  From 5.18 the fault path mlocks every page it maps, and an
 * on-fault populate returns at once.  CONFORM_FILE_MLOCK=fault|lazy
 * overrides the first (the module's eager=1 gives 5.18's behaviour).
 */
static int before_518;
static int lazy_file;
static int kver;		/* the release's major * 100 + minor */

/* the state of a page cache or shmem page just faulted into a locked range */
#define FP (lazy_file ? 'p' : 'm')
/* of @n such pages mapped, how many the fault path leaves mlocked */
static size_t FML(size_t n)
{
	return lazy_file ? 0 : n;
}
#define FWHEN (lazy_file ? "mapped, not mlocked until reclaim meets them (before 5.18)" : "mlocked at fault")

static void kernel_semantics(void)
{
	struct utsname u;
	int maj = 0, min = 0;
	const char *e = getenv("CONFORM_FILE_MLOCK");

	if (!uname(&u))
		sscanf(u.release, "%d.%d", &maj, &min);
	kver = maj * 100 + min;
	before_518 = kver < 518;
	lazy_file = before_518;
	if (e && !strcmp(e, "fault"))
		lazy_file = 0;
	else if (e && !strcmp(e, "lazy"))
		lazy_file = 1;
}

/* ------------------------------------------------------------------ */
/* Backends                                                            */

struct backend {
	const char *name;
	int (*lock)(void *p, size_t len, int onfault);	/* 0 or -1/errno */
	int (*unlock)(void *p, size_t len);
	int (*lockall)(int flags);
	int (*unlockall)(void);
};

static int n_lock(void *p, size_t len, int onfault)
{
	return syscall(SYS_mlock2, p, len, onfault ? MLOCK_ONFAULT : 0);
}

static int n_unlock(void *p, size_t len) { return munlock(p, len); }
static int n_lockall(int flags) { return mlockall(flags); }
static int n_unlockall(void) { return munlockall(); }

static int m_lock(void *p, size_t len, int onfault)
{
	struct lof_range r = { .size = sizeof(r), .addr = (uintptr_t)p,
			       .len = len, .flags = onfault ? LOF_LOCK_ONFAULT : 0 };
	return ioctl(lof_fd, LOF_IOC_LOCK, &r);
}

static int m_unlock(void *p, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .addr = (uintptr_t)p, .len = len };
	return ioctl(lof_fd, LOF_IOC_UNLOCK, &r);
}

static int m_lockall(int flags)
{
	struct lof_lockall a = { .size = sizeof(a), .flags = flags };
	return ioctl(lof_fd, LOF_IOC_LOCKALL, &a);
}

static int m_unlockall(void)
{
	struct lof_lockall a = { .size = sizeof(a) };
	return ioctl(lof_fd, LOF_IOC_UNLOCKALL, &a);
}

static const struct backend native = { "native", n_lock, n_unlock, n_lockall, n_unlockall };
static const struct backend module = { "module", m_lock, m_unlock, m_lockall, m_unlockall };

/* ------------------------------------------------------------------ */
/* Observation log (static: identical footprint in both runs)          */

static char olog[1 << 20];
static size_t olen;
static int ofd = -1;	/* pipe to the parent */

static void out(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(olog + olen, sizeof(olog) - olen, fmt, ap);
	va_end(ap);
	if (n > 0)
		olen = olen + n < sizeof(olog) ? olen + n : sizeof(olog) - 1;
}

static void flush_log(void)
{
	size_t off = 0;

	while (off < olen) {
		ssize_t w = write(ofd, olog + off, olen - off);

		if (w <= 0)
			break;
		off += w;
	}
	olen = 0;
}

#define EXPECT(cond, ...)						\
	do {								\
		out("EXPECT %s: ", (cond) ? "ok" : "FAIL");		\
		out(__VA_ARGS__);					\
		out("\n");						\
	} while (0)

/* A case this kernel cannot run: said so, counted neither way. */
#define SKIP(...)							\
	do {								\
		out("SKIP ");						\
		out(__VA_ARGS__);					\
		out("\n");						\
	} while (0)

/*
 * A call that failed: a skip if it is EINVAL on a kernel older than the
 * upstream release @since that added it (vendor kernels may have it
 * earlier), a failure otherwise.
 */
#define SKIP_UNLESS_SINCE(since, what)					\
	do {								\
		if (errno == EINVAL && kver < (since))			\
			SKIP("no %s before %d.%d", what, (since) / 100,	\
			     (since) % 100);				\
		else							\
			EXPECT(0, "%s: %s", what, strerrorname_np(errno)); \
	} while (0)

/* Record a call's result: "label = 0" or "label = -1 EINVAL". */
static int rec(const char *label, int ret)
{
	int e = errno;

	if (ret == -1)
		out("%s = -1 %s\n", label, strerrorname_np(e));
	else
		out("%s = %d\n", label, ret);
	errno = e;
	return ret;
}

static int rd_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, tot = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + tot, size - 1 - tot)) > 0)
		tot += n;
	close(fd);
	buf[tot] = 0;
	return tot;
}

static long status_kb(const char *key)
{
	static char buf[8192];
	char *p;
	size_t n = strlen(key);

	if (rd_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ':')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

static void obs_status(const char *label)
{
	out("%s: VmLck %ld kB, VmRSS %ld kB\n", label, status_kb("VmLck"),
	    status_kb("VmRSS"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* smaps of every vma overlapping [p, p+len), addresses relative to @base. */
/* obs_smaps() shows "Locked == Rss" instead of both figures */
static int smaps_relative;

static void obs_smaps(const char *label, void *base, void *p, size_t len)
{
	long rss = -1;

	static char buf[1 << 20];
	unsigned long lo = (uintptr_t)p, hi = lo + len, b = (uintptr_t)base;
	char *line, *save = NULL;
	int in = 0;

	if (rd_file("/proc/self/smaps", buf, sizeof(buf)) < 0) {
		out("%s: smaps unreadable\n", label);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		const char *fl[64];
		int nf = 0, i;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') &&
		    !strchr(line, ':')) {
			in = s < hi && e > lo;
			if (in)
				out("%s: vma %+ld..%+ld kB\n", label,
				    ((long)s - (long)b) / 1024, ((long)e - (long)b) / 1024);
			continue;
		}
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') &&
		    line[0] != ' ' && strchr(line, '-') < strchr(line, ' ')) {
			in = s < hi && e > lo;
			if (in)
				out("%s: vma %+ld..%+ld kB\n", label,
				    ((long)s - (long)b) / 1024, ((long)e - (long)b) / 1024);
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "Size:", 5) || !strncmp(line, "Rss:", 4) ||
		    !strncmp(line, "Locked:", 7)) {
			char k[32];
			long v;

			if (sscanf(line, "%31s %ld", k, &v) != 2)
				continue;
			if (!smaps_relative || !strcmp(k, "Size:"))
				out("%s:   %s %ld\n", label, k, v);
			else if (!strcmp(k, "Rss:"))
				rss = v;
			else
				out("%s:   Locked %s Rss\n", label,
				    v == rss ? "==" : "!=");
		} else if (!strncmp(line, "VmFlags:", 8)) {
			char *tok, *s2 = NULL;

			/*
			 * RHEL 7.8+ gives its VM_LOCKONFAULT the mnemonic
			 * "lf"; upstream has none ("??"), nor has the
			 * module's tag: both mean "on fault" here.
			 */
			for (tok = strtok_r(line + 8, " ", &s2); tok && nf < 64;
			     tok = strtok_r(NULL, " ", &s2))
				fl[nf++] = strcmp(tok, "lf") ? tok : "??";
			qsort(fl, nf, sizeof(fl[0]), cmp_str);
			out("%s:   VmFlags", label);
			for (i = 0; i < nf; i++)
				out(" %s", fl[i]);
			out("\n");
		}
	}
}

/*
 * Per page: '.' not present, 'p' present, 'm' present and mlocked;
 * then the mincore map ('1' resident).
 */
/* FNV-1a, to compare the page strings of ranges too big to print */
static uint64_t fnv(uint64_t h, char c)
{
	return (h ^ (unsigned char)c) * 1099511628211ULL;
}

static void obs_pages(const char *label, void *p, size_t len)
{
	static char pages[129], core[129];
	static unsigned char vec[1 << 16];
	size_t n = len / PG, i, present = 0, locked = 0;
	uint64_t hp = 14695981039346656037ULL, hc = hp;
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	int core_err = 0;

	for (i = 0; i < n; i++) {
		uint64_t e = 0, f = 0;
		char c = '.';

		if (pread(pm, &e, 8, ((uintptr_t)p / PG + i) * 8) == 8 && (e >> 63) & 1) {
			uint64_t pfn = e & ((1ULL << 55) - 1);

			c = 'p';
			present++;
			if (pfn && pread(kf, &f, 8, pfn * 8) == 8 && (f >> KPF_MLOCKED) & 1) {
				c = 'm';
				locked++;
			}
		}
		if (i < 128)
			pages[i] = c;
		hp = fnv(hp, c);
		/* mincore, a chunk of the vector at a time */
		if (i % sizeof(vec) == 0 && !core_err) {
			size_t chunk = n - i < sizeof(vec) ? n - i : sizeof(vec);

			if (mincore((char *)p + i * PG, chunk * PG, vec))
				core_err = errno;
		}
		c = core_err ? '?' : (vec[i % sizeof(vec)] & 1) ? '1' : '0';
		if (i < 128)
			core[i] = c;
		hc = fnv(hc, c);
	}
	pages[n < 128 ? n : 128] = 0;
	core[n < 128 ? n : 128] = 0;
	close(pm);
	close(kf);
	if (core_err)
		out("%s: mincore: %s\n", label, strerror(core_err));
	if (n <= 128)
		out("%s: pages %s\n%s: core  %s\n", label, pages, label, core);
	else
		out("%s: pages fnv %016llx\n%s: core  fnv %016llx\n", label,
		    (unsigned long long)hp, label, (unsigned long long)hc);
	out("%s: present %zu mlocked %zu of %zu\n", label, present, locked, n);
}

/* Everything about a region. */
static void obs(const char *label, void *base, void *p, size_t len)
{
	obs_smaps(label, base, p, len);
	obs_pages(label, p, len);
	obs_status(label);
}

/*
 * Present pages of [p, p+len); in *flagged, how many of them have
 * kpageflags bit @kpf set.
 */
static size_t count_pages(void *p, size_t len, int kpf, size_t *flagged)
{
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	size_t n = len / PG, i, present = 0, with = 0;

	for (i = 0; i < n; i++) {
		uint64_t e = 0, f = 0;

		if (pread(pm, &e, 8, ((uintptr_t)p / PG + i) * 8) == 8 && (e >> 63) & 1) {
			present++;
			if (pread(kf, &f, 8, (e & ((1ULL << 55) - 1)) * 8) == 8 &&
			    (f >> kpf) & 1)
				with++;
		}
	}
	close(pm);
	close(kf);
	if (flagged)
		*flagged = with;
	return present;
}

static size_t count_present(void *p, size_t len, size_t *mlocked)
{
	return count_pages(p, len, KPF_MLOCKED, mlocked);
}

/* 'm' present and mlocked, 'p' present, '.' not present */
static char page_state(void *p, size_t i)
{
	size_t ml;

	if (!count_present((char *)p + i * PG, PG, &ml))
		return '.';
	return ml ? 'm' : 'p';
}

static int smaps_has_flag(void *p, const char *flag)
{
	static char buf[1 << 20];
	char hdr[64], *at, *vf, *nl;

	if (rd_file("/proc/self/smaps", buf, sizeof(buf)) < 0)
		return -1;
	snprintf(hdr, sizeof(hdr), "%lx-", (unsigned long)(uintptr_t)p);
	at = strstr(buf, hdr);
	if (!at)
		return -1;
	vf = strstr(at, "VmFlags:");
	if (!vf)
		return -1;
	nl = strchr(vf, '\n');
	if (nl)
		*nl = 0;
	return strstr(vf, flag) != NULL;
}

/* The on-fault flag: "??" (the module's tag, upstream native), "lf" (RHEL). */
static int smaps_onfault(void *p)
{
	int q = smaps_has_flag(p, "??"), l = smaps_has_flag(p, " lf");

	return q < 0 || l < 0 ? -1 : q || l;
}

/* ------------------------------------------------------------------ */
/* Helpers for cases                                                   */

static void *map(size_t pages, int prot, int flags)
{
	void *p = mmap(NULL, pages * PG, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		out("mmap failed: %s\n", strerror(errno));
		return NULL;
	}
	/* THP would fault whole 2 MiB pages: cases that want it say so */
	madvise(p, pages * PG, MADV_NOHUGEPAGE);
	return p;
}

static void *anon(size_t pages)
{
	return map(pages, PROT_READ | PROT_WRITE, MAP_PRIVATE);
}

static void touch(void *p, size_t page)
{
	((volatile char *)p)[page * PG] = 1;
}

static char touch_read(void *p, size_t page)
{
	return ((volatile char *)p)[page * PG];
}

static void touch_every(void *p, size_t pages, size_t step)
{
	size_t i;

	for (i = 0; i < pages; i += step)
		touch(p, i);
}

static int tmpfile_of(size_t pages, int fill)
{
	char path[] = "/tmp/lofconfXXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, pages * PG))
		return -1;
	if (fill) {
		char *buf = calloc(1, PG);
		size_t i;

		for (i = 0; i < pages; i++)
			if (pwrite(fd, buf, PG, i * PG) != PG)
				break;
		free(buf);
	}
	return fd;
}

/* Run @fn in a child as uid 65534 with RLIMIT_MEMLOCK @limit bytes. */
static void as_user(rlim_t limit, void (*fn)(const struct backend *), const struct backend *b)
{
	pid_t pid;
	int st;

	flush_log();
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { limit, limit };

		/* dumpable again, or /proc/self/pagemap is root's */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
		    setgid(65534) || setuid(65534) || prctl(PR_SET_DUMPABLE, 1))
			out("cannot drop privileges: %s\n", strerror(errno));
		else
			fn(b);
		flush_log();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	out("user child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ------------------------------------------------------------------ */
/* The cases                                                           */

#define N 64

static void c_onfault_untouched(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "nothing faulted in");
	EXPECT(smaps_has_flag(p, " lo") == 1, "VmFlags has lo");
	EXPECT(status_kb("VmLck") == N * PG / 1024, "VmLck counts the whole range");
}

static void c_onfault_touch_some(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 0);
	touch(p, 5);
	touch(p, 63);
	obs("after touch", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == 3 && ml == 3,
	       "exactly the 3 touched pages present and mlocked");
}

static void c_onfault_read_fault(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch_read(p, 1);
	touch_read(p, 2);
	obs("after read", p, p, N * PG);
	touch(p, 2);
	obs("after write", p, p, N * PG);
	EXPECT(page_state(p, 1) == 'p' && page_state(p, 2) == 'm',
	       "a read fault maps the shared zero page, a write fault a locked page");
}

static void c_onfault_prepresent(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	touch_every(p, 10, 1);
	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == 10 && ml == 10,
	       "pages present before the lock are mlocked at once, no others");
}

static void c_full_lock(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	rec("lock", b->lock(p, N * PG, 0));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == N && ml == N, "fully populated and mlocked");
}

static void c_full_then_onfault(const struct backend *b)
{
	char *p = anon(N);

	rec("lock", b->lock(p, N * PG, 0));
	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == N * PG / 1024, "no double count in VmLck");
}

static void c_onfault_then_full(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 3);
	rec("lock", b->lock(p, N * PG, 0));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == N && ml == N,
	       "a full lock over an on-fault range populates it");
	EXPECT(smaps_has_flag(p, "??") == 0, "no on-fault flag left");
}

static void c_onfault_twice(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault 1", b->lock(p, N * PG, 1));
	rec("lock onfault 2", b->lock(p, N * PG, 1));
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == N * PG / 1024, "counted once");
}

static void c_onfault_middle(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault middle", b->lock(p + 16 * PG, 16 * PG, 1));
	touch_every(p, N, 8);
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 16 * PG / 1024, "only the middle 16 pages locked");
	EXPECT(page_state(p, 16) == 'm' && page_state(p, 8) == 'p' && page_state(p, 32) == 'p',
	       "pages in the range are mlocked, pages beside it are not");
}

static void c_unlock_middle_page(const struct backend *b)
{
	char *p = anon(8);

	rec("lock onfault", b->lock(p, 8 * PG, 1));
	touch(p, 1);
	touch(p, 4);
	rec("unlock page 4", b->unlock(p + 4 * PG, PG));
	obs("after", p, p, 8 * PG);
	EXPECT(status_kb("VmLck") == 7 * PG / 1024, "7 pages stay locked");
	EXPECT(page_state(p, 1) == 'm' && page_state(p, 4) == 'p' && page_state(p, 2) == '.',
	       "the touched page beside stays mlocked, the unlocked one is present, unlocked");
	EXPECT(smaps_has_flag(p, " lo") == 1 && smaps_onfault(p) == 1 &&
	       smaps_has_flag(p + 4 * PG, " lo") == 0 && smaps_onfault(p + 4 * PG) == 0 &&
	       smaps_has_flag(p + 5 * PG, " lo") == 1 && smaps_onfault(p + 5 * PG) == 1,
	       "three vmas: locked on fault, unlocked, locked on fault");
}

static void c_unlock_whole(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch_every(p, N, 4);
	rec("unlock", b->unlock(p, N * PG));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == N / 4 && ml == 0,
	       "pages stay present, none mlocked");
}

static void c_seed003_unlock_never_faults(const struct backend *b)
{
	size_t n = 4096;
	char *p = anon(n);

	rec("lock onfault", b->lock(p, n * PG, 1));
	touch_every(p, n, 100);
	rec("unlock", b->unlock(p, n * PG));
	obs("after", p, p, n * PG);
	EXPECT(count_present(p, n * PG, NULL) == (n + 99) / 100,
	       "seed 003: munlock faults nothing in");
}

static void c_unlock_never_locked(const struct backend *b)
{
	char *p = anon(N);

	EXPECT(rec("unlock", b->unlock(p, N * PG)) == 0, "unlocking what was never locked succeeds");
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "and faults nothing in");
}

static void c_zero_len(const struct backend *b)
{
	char *p = anon(N);

	EXPECT(rec("lock onfault len 0", b->lock(p, 0, 1)) == 0 &&
	       rec("lock len 0", b->lock(p, 0, 0)) == 0 &&
	       rec("unlock len 0", b->unlock(p, 0)) == 0, "zero length succeeds");
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 0, "and locks nothing");
}

static void c_unaligned(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault p+1 len 1", b->lock(p + 1, 1, 1));
	rec("lock onfault p+5PG+100 len PG", b->lock(p + 5 * PG + 100, PG, 1));
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 3 * PG / 1024, "rounded to 3 pages");
}

static void c_hole_at_start(const struct backend *b)
{
	char *p = anon(N);

	munmap(p, 8 * PG);
	rec("lock onfault over hole", b->lock(p, N * PG, 1));
	obs("after", p, p + 8 * PG, (N - 8) * PG);
	EXPECT(status_kb("VmLck") == 0, "nothing locked when the range starts in a hole");
}

static void c_hole_in_middle(const struct backend *b)
{
	char *p = anon(N);

	munmap(p + 16 * PG, 8 * PG);
	errno = 0;
	rec("lock onfault over hole", b->lock(p, N * PG, 1));
	obs("first", p, p, 16 * PG);
	obs("last", p, p + 24 * PG, (N - 24) * PG);
	EXPECT(errno == ENOMEM, "ENOMEM for a hole");
	EXPECT(status_kb("VmLck") == 16 * PG / 1024 && smaps_onfault(p) == 1 &&
	       smaps_has_flag(p + 24 * PG, " lo") == 0,
	       "what comes before the hole is locked on fault, what comes after is not");
	EXPECT(count_present(p, N * PG, NULL) == 0, "and nothing is faulted in");
}

static void c_wrap(const struct backend *b)
{
	char *p = anon(N);

	EXPECT(rec("lock onfault len -1", b->lock(p, (size_t)-1, 1)) == 0,
	       "a length that rounds up to 0 locks nothing and succeeds");
	EXPECT(rec("lock onfault len -PG", b->lock(p, (size_t)-PG, 1)) == -1 && errno == EINVAL,
	       "a range that wraps is EINVAL");
	EXPECT(rec("lock onfault top", b->lock((void *)-PG, 2 * PG, 1)) == -1 && errno == EINVAL,
	       "a range past the top is EINVAL");
	EXPECT(rec("unlock len -PG", b->unlock(p, (size_t)-PG)) == -1 && errno == EINVAL,
	       "unlock of a range that wraps is EINVAL");
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 0, "nothing locked");
}

static void c_prot_none(const struct backend *b)
{
	char *p = map(N, PROT_NONE, MAP_PRIVATE);

	if (before_518)
		EXPECT(rec("lock onfault PROT_NONE", b->lock(p, N * PG, 1)) == -1 &&
		       errno == ENOMEM,
		       "lock on fault of PROT_NONE: the populate worker fails (ENOMEM, before 5.18)");
	else
		EXPECT(rec("lock onfault PROT_NONE", b->lock(p, N * PG, 1)) == 0,
		       "lock on fault of PROT_NONE succeeds");
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == N * PG / 1024, "and counts in VmLck");
	EXPECT(rec("lock full PROT_NONE", b->lock(p, N * PG, 0)) == -1 && errno == ENOMEM,
	       "a full lock of PROT_NONE fails to populate: ENOMEM");
	obs("after full", p, p, N * PG);
}

static void c_readonly(const struct backend *b)
{
	char *p = map(N, PROT_READ, MAP_PRIVATE);

	rec("lock onfault PROT_READ", b->lock(p, N * PG, 1));
	touch_read(p, 7);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 7) == 'p' && status_kb("VmLck") == N * PG / 1024,
	       "a read maps the zero page; the range is counted");
}

static void c_shared_anon(const struct backend *b)
{
	char *p = map(N, PROT_READ | PROT_WRITE, MAP_SHARED);
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("before touch", p, p, N * PG);
	touch(p, 2);
	touch(p, 40);
	obs("after touch", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == 2 && ml == FML(2), "shmem pages %s", FWHEN);
}

static void c_shmem_file_shared(const struct backend *b)
{
	int fd = tmpfile_of(N, 1);
	char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("before touch", p, p, N * PG);
	touch(p, 3);
	touch_read(p, 9);
	obs("after touch", p, p, N * PG);
	close(fd);
	{
		size_t ml;

		size_t pr = count_present(p, N * PG, &ml);

		EXPECT(page_state(p, 3) == FP && page_state(p, 9) == FP && FML(pr) == ml,
		       "shmem pages (and those fault-around maps): %s", FWHEN);
	}
}

static void c_shmem_file_private_cow(const struct backend *b)
{
	int fd = tmpfile_of(N, 1);
	char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	size_t ml, pr;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch_read(p, 1);
	touch(p, 2);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 1) == FP && page_state(p, 2) == 'm',
	       "the COW copy mlocked; the page-cache page %s", FWHEN);
	pr = count_present(p, N * PG, &ml);
	EXPECT(pr >= 2 && FML(pr - 1) + 1 == ml,
	       "every mapped page-cache page %s", FWHEN);
	close(fd);
}

static void c_file_prefilled_cache(const struct backend *b)
{
	int fd = tmpfile_of(N, 1);
	char *p = mmap(NULL, N * PG, PROT_READ, MAP_SHARED, fd, 0);

	/* page cache fully resident, nothing mapped: mincore vs pagemap */
	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("after lock", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "cached pages are not mapped by the lock");
	touch_read(p, 0);
	obs("after one read", p, p, N * PG);
	{
		size_t ml;

		size_t pr = count_present(p, N * PG, &ml);

		EXPECT(page_state(p, 0) == FP && FML(pr) == ml,
		       "the pages the read and fault-around map: %s", FWHEN);
	}
	close(fd);
}

static size_t count_unevictable(void *p, size_t len)
{
	size_t unev;

	count_pages(p, len, KPF_UNEVICTABLE, &unev);
	return unev;
}

static void write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
			out("%s: %s\n", path, strerror(errno));
		close(fd);
	}
}

/*
 * Per-CPU LRU batches are drained by compaction: then PG_unevictable
 * shows.  Compaction is kept off unevictable pages meanwhile: on old
 * kernels (4.1) a page it is migrating shows neither flag for a while.
 */
static void drain_lru(void)
{
	write_sysctl("/proc/sys/vm/compact_unevictable_allowed", "0");
	write_sysctl("/proc/sys/vm/compact_memory", "1");
	write_sysctl("/proc/sys/vm/compact_unevictable_allowed", "1");
}

static void c_unevictable_after_drain(const struct backend *b)
{
	char *p = anon(N);
	int fd = tmpfile_of(N, 1);
	char *f = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	rec("lock onfault anon", b->lock(p, N * PG, 1));
	rec("lock onfault shmem file", b->lock(f, N * PG, 1));
	touch(p, 1);
	touch(p, 30);
	touch(p, 60);
	touch(f, 7);
	drain_lru();
	/*
	 * Before 5.18 (or eager=0) the shmem page is mlocked by whatever
	 * meets it first: reclaim, or the compaction that drains the LRU
	 * batches, which mlocks a page it migrates within a VM_LOCKED vma
	 * (remove_migration_pte()).  Its state then depends on where the
	 * page sits, not on the lock: only its presence is compared.
	 */
	if (lazy_file) {
		out("unevictable anon %zu, shmem page present %d\n",
		    count_unevictable(p, N * PG), page_state(f, 7) != '.');
	} else {
		out("unevictable anon %zu, shmem %zu\n", count_unevictable(p, N * PG),
		    count_unevictable(f + 7 * PG, PG));
		EXPECT(count_unevictable(f + 7 * PG, PG) == 1,
		       "the faulted shmem page is unevictable");
	}
	EXPECT(count_unevictable(p, N * PG) == 3, "the 3 faulted anon pages are unevictable");
	close(fd);
}

static void c_seed002_map_locked_partial(const struct backend *b)
{
	/* a file shorter than the mapping: MAP_LOCKED populates what it can */
	int fd = tmpfile_of(4, 1);
	char *p = mmap(NULL, 16 * PG, PROT_READ, MAP_SHARED | MAP_LOCKED, fd, 0);

	out("mmap MAP_LOCKED past EOF: %s\n", p == MAP_FAILED ? strerrorname_np(errno) : "mapped");
	if (p == MAP_FAILED) {
		EXPECT(0, "setup: MAP_LOCKED mmap of a short file: %s", strerrorname_np(errno));
		return;
	}
	obs("after mmap", p, p, 16 * PG);
	EXPECT(count_present(p, 16 * PG, NULL) == 4,
	       "seed 002: MAP_LOCKED succeeds with a partial populate");
	rec("lock onfault", b->lock(p, 16 * PG, 1));
	obs("after lock onfault", p, p, 16 * PG);
	EXPECT(status_kb("VmLck") == 16 * PG / 1024 && smaps_onfault(p) == 1 &&
	       count_present(p, 16 * PG, NULL) == 4,
	       "the locked range turns on fault, counted once, its 4 pages kept");
	rec("lock full", b->lock(p, 16 * PG, 0));
	obs("after full lock", p, p, 16 * PG);
	EXPECT(status_kb("VmLck") == 16 * PG / 1024 && smaps_onfault(p) == 0 &&
	       smaps_has_flag(p, " lo") == 1,
	       "and back to a full lock, counted once");
	close(fd);
}

static void c_lockall_future_onfault_hugetlb(const struct backend *b)
{
	char *p;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		EXPECT(0, "setup: MAP_HUGETLB: %s", strerrorname_np(errno));
	} else {
		obs("hugetlb", p, p, 4 << 20);
		EXPECT(status_kb("VmLck") == 0, "hugetlb is never locked or counted");
		EXPECT(smaps_has_flag(p, " lo") == 0 && smaps_has_flag(p, "??") == 0,
		       "neither VM_LOCKED nor the on-fault flag on a hugetlb vma");
		p[0] = 1;
		obs("hugetlb after touch", p, p, 4 << 20);
	}
	rec("unlockall", b->unlockall());
}

/* A file on a block file system (page cache, not shmem), @pages long. */
static int diskfile_of(size_t pages)
{
	const char *dir = getenv("LOF_FILEDIR");
	char path[256];
	char *buf;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/conformXXXXXX", dir ? dir : "/mnt/ext");
	fd = mkstemp(path);
	if (fd < 0) {
		out("no file on a block file system: %s\n", strerror(errno));
		EXPECT(0, "a block-backed file exists");
		return -1;
	}
	unlink(path);
	{
		struct statfs sfs;

		if (fstatfs(fd, &sfs) || sfs.f_type != 0xEF53) {
			EXPECT(0, "the file is on ext2/ext4 (f_type %#lx)",
			       (unsigned long)sfs.f_type);
			close(fd);
			return -1;
		}
	}
	buf = calloc(1, PG);
	for (i = 0; i < pages; i++)
		if (pwrite(fd, buf, PG, i * PG) != PG)
			break;
	free(buf);
	fsync(fd);
	/* drop it from the page cache: faults then read from the disk */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return fd;
}

static void c_disk_file_shared(const struct backend *b)
{
	int fd = diskfile_of(N);
	char *p;
	size_t ml, pr;

	if (fd < 0)
		return;
	p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rec("lock onfault", b->lock(p, N * PG, 1));
	obs("before touch", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "nothing read in by the lock");
	touch(p, 5);
	touch_read(p, 40);
	obs("after touch", p, p, N * PG);
	EXPECT(page_state(p, 5) == FP && page_state(p, 40) == FP,
	       "faulted page-cache pages: %s", FWHEN);
	pr = count_present(p, N * PG, &ml);
	EXPECT(FML(pr) == ml, "every mapped page: %s", FWHEN);
	close(fd);
}

static void c_disk_file_private(const struct backend *b)
{
	int fd = diskfile_of(N);
	char *p;

	if (fd < 0)
		return;
	p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	rec("lock onfault", b->lock(p, N * PG, 1));
	touch_read(p, 3);
	touch(p, 20);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 3) == FP && page_state(p, 20) == 'm',
	       "the COW copy mlocked; the page-cache page %s", FWHEN);
	rec("unlock", b->unlock(p, N * PG));
	obs("after unlock", p, p, N * PG);
	close(fd);
}

static void c_disk_file_full_lock(const struct backend *b)
{
	int fd = diskfile_of(N);
	char *p;

	if (fd < 0)
		return;
	p = mmap(NULL, N * PG, PROT_READ, MAP_SHARED, fd, 0);
	rec("lock onfault", b->lock(p, N * PG, 1));
	rec("lock", b->lock(p, N * PG, 0));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == N, "full lock reads the file in");
	close(fd);
}

static void c_sysv_shm(const struct backend *b)
{
	int id = shmget(IPC_PRIVATE, N * PG, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);

	shmctl(id, IPC_RMID, NULL);
	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 11);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 11) == FP && count_present(p, N * PG, NULL) == 1,
	       "the touched SysV shm page: %s", FWHEN);
	shmdt(p);
}

static void *thp_area(size_t bytes, void **base)
{
	size_t h = 2 << 20;
	char *raw = mmap(NULL, bytes + h, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((uintptr_t)raw + h - 1) & ~(h - 1));

	*base = raw;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static void c_thp_onfault(const struct backend *b)
{
	void *base;
	char *p = thp_area(4 << 20, &base);

	rec("lock onfault", b->lock(p, 4 << 20, 1));
	obs("before", p, p, 4 << 20);
	EXPECT(count_present(p, 4 << 20, NULL) == 0, "nothing faulted in");
	p[100] = 1;
	obs("after one byte", p, p, 4 << 20);
	EXPECT(count_present(p, 4 << 20, NULL) == (size_t)((2 << 20) / PG) &&
	       status_kb("VmLck") == 4096, "one byte faults a whole locked huge page");
}

static void c_thp_present_then_onfault(const struct backend *b)
{
	void *base;
	char *p = thp_area(4 << 20, &base);

	p[0] = 1;
	rec("lock onfault", b->lock(p, 4 << 20, 1));
	obs("after", p, p, 4 << 20);
	rec("unlock half", b->unlock(p, 1 << 20));
	obs("after unlock of half a huge page", p, p, 4 << 20);
	EXPECT(status_kb("VmLck") == 3072, "unlocking half a huge page unlocks 1 MiB");
}

static void c_hugetlb(const struct backend *b)
{
	char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED) {
		EXPECT(0, "setup: MAP_HUGETLB: %s", strerrorname_np(errno));
		return;
	}
	EXPECT(rec("lock onfault hugetlb", b->lock(p, 4 << 20, 1)) == 0, "succeeds");
	obs("after", p, p, 4 << 20);
	EXPECT(status_kb("VmLck") == 0 && count_present(p, 4 << 20, NULL) == (size_t)((4 << 20) / PG),
	       "hugetlb is populated (natively too) and not counted");
}

static void c_special_vdso(const struct backend *b)
{
	static char maps[1 << 16];
	unsigned long s = 0, e = 0;
	char *v;

	rd_file("/proc/self/maps", maps, sizeof(maps));
	v = strstr(maps, "[vvar]");	/* 3.16+ */
	if (!v)
		v = strstr(maps, "[vdso]");
	if (!v) {
		EXPECT(0, "setup: neither [vvar] nor [vdso] in maps");
		return;
	}
	while (v > maps && v[-1] != '\n')
		v--;
	sscanf(v, "%lx-%lx", &s, &e);
	rec("lock onfault special", b->lock((void *)s, e - s, 1));
	obs_status("after");
	EXPECT(status_kb("VmLck") == 0, "special mappings are not locked or counted");
}

/* --- mlockall ------------------------------------------------------ */

static void c_lockall_current_onfault(const struct backend *b)
{
	char *p = anon(N);
	char *q;

	rec("lockall CURRENT|ONFAULT", b->lockall(MCL_CURRENT | MCL_ONFAULT));
	obs("region", p, p, N * PG);
	q = anon(N);
	obs("new mapping", q, q, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "current mappings not populated");
	EXPECT(smaps_has_flag(q, " lo") == 0, "no MCL_FUTURE: new mappings unlocked");
	rec("unlockall", b->unlockall());
	obs("after unlockall", p, p, N * PG);
}

static void c_lockall_future_onfault_mmap(const struct backend *b)
{
	char *q;
	size_t ml;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	q = anon(N);
	obs("new mapping", q, q, N * PG);
	EXPECT(count_present(q, N * PG, NULL) == 0, "future mapping not populated");
	touch(q, 9);
	obs("after touch", q, q, N * PG);
	EXPECT(count_present(q, N * PG, &ml) == 1 && ml == 1, "touched page mlocked");
	rec("unlockall", b->unlockall());
}

static void c_lockall_future_onfault_populate(const struct backend *b)
{
	char *q, *r;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	q = map(N, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
	obs("MAP_POPULATE", q, q, N * PG);
	EXPECT(count_present(q, N * PG, NULL) == 0, "MAP_POPULATE has no effect");
	r = map(N, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_LOCKED);
	obs("MAP_LOCKED", r, r, N * PG);
	EXPECT(count_present(r, N * PG, NULL) == 0 && smaps_has_flag(r, " lo") == 1 &&
	       smaps_onfault(r) == 1,
	       "MAP_LOCKED under MCL_FUTURE|MCL_ONFAULT is locked on fault, not populated");
	rec("unlockall", b->unlockall());
}

static void c_lockall_future_onfault_brk(const struct backend *b)
{
	char *cur = sbrk(0);
	char *top;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	cur = (char *)(((uintptr_t)cur + PG - 1) & ~(PG - 1));
	brk(cur);
	top = cur + 32 * PG;
	rec("brk +32 pages", brk(top) ? -1 : 0);
	obs("heap", cur, cur, 32 * PG);
	EXPECT(count_present(cur, 32 * PG, NULL) == 0, "brk growth not populated");
	touch(cur, 3);
	obs("heap after touch", cur, cur, 32 * PG);
	rec("unlockall", b->unlockall());
}

static void c_lockall_future_onfault_shmat(const struct backend *b)
{
	int id = shmget(IPC_PRIVATE, N * PG, IPC_CREAT | 0600);
	char *p;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	obs("shm", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "shmat under MCL_FUTURE|MCL_ONFAULT does not populate");
	touch(p, 1);
	obs("shm after touch", p, p, N * PG);
	EXPECT(page_state(p, 1) == FP, "the touched shm page: %s", FWHEN);
	shmdt(p);
	rec("unlockall", b->unlockall());
}

/*
 * Write the byte below @p with the stack pointer at @p: before 4.20 the
 * kernel refuses to grow a stack vma for an access far below %rsp.
 */
static void touch_below(char *p)
{
	asm volatile("mov %%rsp, %%rax\n\t"
		     "mov %0, %%rsp\n\t"
		     "movb $1, -1(%%rsp)\n\t"
		     "mov %%rax, %%rsp"
		     : : "r" (p) : "rax", "memory");
}

static void c_lockall_future_onfault_stack(const struct backend *b)
{
	/* a MAP_GROWSDOWN mapping grows by faults below it */
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	obs("before", p, p, 4 * PG);
	touch_below(p);	/* grows the vma by one page */
	obs("after growth", p - PG, p - PG, 5 * PG);
	EXPECT(page_state(p - PG, 0) == 'p' && status_kb("VmLck") == 0,
	       "a mapping made before MCL_FUTURE grows unlocked");
	rec("unlockall", b->unlockall());
}

static void c_seed000_current_then_future_onfault(const struct backend *b)
{
	char *p = anon(N), *q;

	rec("lockall CURRENT", b->lockall(MCL_CURRENT));
	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	obs("old", p, p, N * PG);
	q = anon(N);
	obs("new", q, q, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == N, "seed 000: current stay fully locked");
	EXPECT(count_present(q, N * PG, NULL) == 0, "seed 000: future are on fault");
	rec("unlockall", b->unlockall());
}

static void c_seed000_current_onfault_then_future(const struct backend *b)
{
	char *p = anon(N), *q;

	rec("lockall CURRENT|ONFAULT", b->lockall(MCL_CURRENT | MCL_ONFAULT));
	rec("lockall FUTURE", b->lockall(MCL_FUTURE));
	obs("old", p, p, N * PG);
	q = anon(N);
	obs("new", q, q, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "seed 000: current stay on fault");
	EXPECT(count_present(q, N * PG, NULL) == N, "seed 000: future fully locked");
	rec("unlockall", b->unlockall());
}

static void c_seed000_future_then_current(const struct backend *b)
{
	char *q;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	rec("lockall CURRENT", b->lockall(MCL_CURRENT));
	q = anon(N);
	obs("new", q, q, N * PG);
	EXPECT(smaps_has_flag(q, " lo") == 0,
	       "seed 000: a call without MCL_FUTURE ends future locking");
	rec("unlockall", b->unlockall());
}

static void c_lockall_current_to_onfault(const struct backend *b)
{
	char *p = anon(N);

	rec("lockall CURRENT", b->lockall(MCL_CURRENT));
	rec("lockall CURRENT|ONFAULT", b->lockall(MCL_CURRENT | MCL_ONFAULT));
	obs("after", p, p, N * PG);
	{
		size_t ml;

		EXPECT(count_present(p, N * PG, &ml) == N && ml == N,
		       "converting to on fault keeps the pages present and mlocked");
	}
	rec("unlockall", b->unlockall());
}

static void c_lockall_future_then_unlockall(const struct backend *b)
{
	char *q;

	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	rec("unlockall", b->unlockall());
	q = anon(N);
	obs("new", q, q, N * PG);
	EXPECT(status_kb("VmLck") == 0, "munlockall ends future locking");
}

static void c_unlockall_after_onfault(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 0);
	rec("unlockall", b->unlockall());
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 0, "VmLck back to 0");
}

static int raw_lock_flags(const struct backend *b, unsigned int flags)
{
	struct lof_range r = { .size = sizeof(r), .flags = flags };

	if (b == &native)
		return syscall(SYS_mlock2, NULL, 0, flags);
	return ioctl(lof_fd, LOF_IOC_LOCK, &r);
}

/*
 * Native mlockall(MCL_ONFAULT) without MCL_CURRENT or MCL_FUTURE succeeds
 * (and unlocks all) on kernels older than the 2019 fix ("mm: mlockall
 * error for flag MCL_ONFAULT", 5.2 and its stable backports), 4.4.178
 * among them.  Linux documents EINVAL, which the module gives everywhere.
 */
static int native_onfault_alone_quirk;

static void probe_native_quirks(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(mlockall(MCL_ONFAULT) == 0);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		native_onfault_alone_quirk = WEXITSTATUS(st);
}

static void c_lockall_invalid(const struct backend *b)
{
	int r, e;

	EXPECT(rec("lockall 0", b->lockall(0)) == -1 && errno == EINVAL, "flags 0: EINVAL");
	errno = 0;
	r = b->lockall(MCL_ONFAULT);
	e = errno;
	if (r == 0)
		b->unlockall();
	EXPECT((r == -1 && e == EINVAL) || (b == &native && native_onfault_alone_quirk),
	       "MCL_ONFAULT alone: EINVAL (this kernel's native accepts it: %d)",
	       native_onfault_alone_quirk);
	EXPECT(rec("lockall 8", b->lockall(8)) == -1 && errno == EINVAL, "unknown flag: EINVAL");
	EXPECT(rec("lock flags 2", raw_lock_flags(b, 2)) == -1 && errno == EINVAL,
	       "mlock2 flag 2: EINVAL");
	EXPECT(rec("lock flags 0x100", raw_lock_flags(b, 0x100)) == -1 && errno == EINVAL,
	       "mlock2 flag 0x100: EINVAL");
	obs_status("after");
	EXPECT(status_kb("VmLck") == 0, "nothing locked");
}

/* --- mremap, mprotect, madvise (seeds 001, 004) -------------------- */

static void c_seed001_mremap_grow(const struct backend *b)
{
	char *p = anon(2 * N), *q;

	munmap(p + N * PG, N * PG);	/* room to grow in place */
	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 1);
	q = mremap(p, N * PG, 2 * N * PG, 0);
	out("mremap grow in place: %s\n", q == p ? "same address" : "failed");
	obs("after", p, p, 2 * N * PG);
	EXPECT(count_present(p, 2 * N * PG, NULL) == 1,
	       "seed 001: the grown part is not populated");
}

static void c_seed001_mremap_shrink(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 1);
	touch(p, 50);
	mremap(p, N * PG, 16 * PG, 0);
	obs("after", p, p, 16 * PG);
	EXPECT(status_kb("VmLck") == 16 * PG / 1024, "VmLck shrinks");
}

static void c_seed001_mremap_move(const struct backend *b)
{
	char *p = anon(N), *dst = anon(3 * N), *q;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 2);
	touch(p, 33);
	q = mremap(p, N * PG, N * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + N * PG);
	out("mremap move: %s\n", q == dst + N * PG ? "moved" : "failed");
	obs("after", dst, dst + N * PG, N * PG);
	EXPECT(count_present(dst + N * PG, N * PG, NULL) == 2,
	       "seed 001: moved range keeps its pages, gains none");
}

static void c_seed001_mremap_grow_move(const struct backend *b)
{
	char *p = anon(N + 1), *q;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 5);
	/* the extra page blocks growth in place: force a move */
	q = mremap(p, N * PG, 4 * N * PG, MREMAP_MAYMOVE);
	out("mremap grow+move: %s\n", q != MAP_FAILED && q != p ? "moved" : "not moved");
	if (q != MAP_FAILED) {
		obs("after", q, q, 4 * N * PG);
		EXPECT(count_present(q, 4 * N * PG, NULL) == 1,
		       "seed 001: grown and moved, still not populated");
	}
}

static void c_seed004_mprotect_write(const struct backend *b)
{
	char *p = map(N, PROT_READ, MAP_PRIVATE);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch_read(p, 3);
	rec("mprotect RW", mprotect(p, N * PG, PROT_READ | PROT_WRITE));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 1,
	       "seed 004: mprotect does not populate an on-fault range");
}

static void c_seed004_mprotect_split(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	rec("mprotect middle RO", mprotect(p + 8 * PG, 8 * PG, PROT_READ));
	touch(p, 20);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 20) == 'm' && count_present(p, N * PG, NULL) == 1 &&
	       status_kb("VmLck") == N * PG / 1024, "every split part stays locked on fault");
}

static void c_mprotect_none_and_back(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 1);
	rec("mprotect NONE", mprotect(p, N * PG, PROT_NONE));
	rec("mprotect RW", mprotect(p, N * PG, PROT_READ | PROT_WRITE));
	touch(p, 2);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 1) == 'm' && page_state(p, 2) == 'm' &&
	       count_present(p, N * PG, NULL) == 2, "locked pages survive PROT_NONE, nothing populated");
}

static void c_madvise_dontneed(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 1);
	EXPECT(rec("MADV_DONTNEED", madvise(p, N * PG, MADV_DONTNEED)) == -1 && errno == EINVAL,
	       "MADV_DONTNEED on a locked range is EINVAL");
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 1) == 'm', "and the page stays");
}

static void c_madvise_willneed_cold(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	EXPECT(rec("MADV_WILLNEED", madvise(p, N * PG, MADV_WILLNEED)) == 0, "MADV_WILLNEED succeeds");
	EXPECT(rec("MADV_COLD", madvise(p, N * PG, MADV_COLD)) == -1 && errno == EINVAL,
	       "MADV_COLD on a locked range is EINVAL");
	EXPECT(rec("MADV_PAGEOUT", madvise(p, N * PG, MADV_PAGEOUT)) == -1 && errno == EINVAL,
	       "MADV_PAGEOUT on a locked range is EINVAL");
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0, "nothing populated");
}

static void c_madvise_split_flags(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	rec("MADV_RANDOM middle", madvise(p + 16 * PG, 16 * PG, MADV_RANDOM));
	rec("MADV_DONTDUMP tail", madvise(p + 48 * PG, 16 * PG, MADV_DONTDUMP));
	touch_every(p, N, 16);
	obs("after", p, p, N * PG);
	{
		size_t ml;

		EXPECT(count_present(p, N * PG, &ml) == 4 && ml == 4 &&
		       status_kb("VmLck") == N * PG / 1024, "madvise splits keep the lock");
	}
}

static void c_madvise_pageout_locked(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch_every(p, N, 2);
	rec("MADV_PAGEOUT", madvise(p, N * PG, MADV_PAGEOUT));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == N / 2 && ml == N / 2,
	       "locked pages are not paged out");
}

/* --- fork, exec, exit, munmap ------------------------------------- */

static void in_child(void (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	flush_log();
	pid = fork();
	if (pid == 0) {
		fn(arg);
		flush_log();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	out("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void fork_child_obs(void *arg)
{
	char *p = arg;

	obs("child", p, p, N * PG);
	touch(p, 10);
	obs("child after touch", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 0, "fork does not inherit locks");
	EXPECT(smaps_has_flag(p, "??") == 0, "the child has no on-fault flag");
}

static void c_fork_not_inherited(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 0);
	in_child(fork_child_obs, p);
	obs("parent", p, p, N * PG);
}

static void c_fork_cow(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;
	pid_t pid;
	int st, fds[2];
	char c;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 0);
	touch(p, 1);
	if (pipe(fds))
		return;
	flush_log();
	pid = fork();
	if (pid == 0) {
		/* keep the pages shared until the parent wrote */
		close(fds[1]);
		if (read(fds[0], &c, 1) < 0)
			c = 0;
		_exit(0);
	}
	close(fds[0]);
	touch(p, 0);		/* COW break in the parent */
	obs("parent after COW", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == 2 && ml == 2, "the COW copy is mlocked");
	if (write(fds[1], "x", 1) < 0)
		out("pipe write failed\n");
	close(fds[1]);
	waitpid(pid, &st, 0);
}

/* Neither VM_LOCKED nor the on-fault flag on the vma at @p. */
static int smaps_unlocked(void *p)
{
	return smaps_onfault(p) == 0 && smaps_has_flag(p, " lo") == 0;
}

/* A range locked on fault with @touched pages, all mlocked, and counted. */
static int still_onfault(void *p, size_t touched)
{
	size_t ml;

	return smaps_onfault(p) == 1 && count_present(p, N * PG, &ml) == touched &&
	       ml == touched;
}

/*
 * Whether the kernel has userfaultfd (ENOSYS: built without it).  Where it
 * has MADV_WIPEONFORK and not userfaultfd, the module cannot see the
 * child's copy of such a vma (DESIGN.md, the fork probe).
 */
static int have_userfaultfd(void)
{
	long fd = syscall(SYS_userfaultfd, 0);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

static void wipe_child_obs(void *arg)
{
	char *p = arg;

	obs("child", p, p, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0 && touch_read(p, 2) == 0,
	       "the child's copy starts empty");
	EXPECT(status_kb("VmLck") == 0, "the child has nothing locked");
	if (module_only && !have_userfaultfd()) {
		EXPECT(smaps_has_flag(p, " lo") == 0, "the child's copy is not locked");
		SKIP("the child's on-fault flag: this kernel has no userfaultfd, whose fork hook the module needs there");
	} else {
		EXPECT(smaps_unlocked(p), "the child's copy is neither locked nor on fault");
	}
	touch(p, 10);
	obs("child after touch", p, p, N * PG);
	EXPECT(page_state(p, 10) == 'p', "a page the child faults is not mlocked");
}

static void c_madvise_wipeonfork(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 2);
	touch(p, 5);
	if (rec("MADV_WIPEONFORK", madvise(p, N * PG, MADV_WIPEONFORK))) {
		SKIP_UNLESS_SINCE(414, "MADV_WIPEONFORK");
		return;
	}
	in_child(wipe_child_obs, p);
	obs("parent", p, p, N * PG);
	EXPECT(still_onfault(p, 2) && status_kb("VmLck") == N * PG / 1024,
	       "the parent's range stays locked on fault");
}

static void dontfork_child_obs(void *arg)
{
	char *p = arg;
	unsigned char v;

	EXPECT(mincore(p + 16 * PG, PG, &v) == -1 && errno == ENOMEM,
	       "the child has no copy of the MADV_DONTFORK part");
	obs("child", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 0, "the child has nothing locked");
	EXPECT(smaps_unlocked(p) && smaps_unlocked(p + 32 * PG),
	       "the parts it has are neither locked nor on fault");
	touch(p, 1);
	EXPECT(page_state(p, 1) == 'p', "a page the child faults is not mlocked");
}

static void c_madvise_dontfork(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 3);
	touch(p, 20);
	EXPECT(rec("MADV_DONTFORK middle", madvise(p + 16 * PG, 16 * PG, MADV_DONTFORK)) == 0,
	       "MADV_DONTFORK succeeds");
	in_child(dontfork_child_obs, p);
	obs("parent", p, p, N * PG);
	EXPECT(still_onfault(p, 2) && smaps_onfault(p + 16 * PG) == 1 &&
	       status_kb("VmLck") == N * PG / 1024,
	       "the parent's range stays locked on fault");
	rec("MADV_DOFORK middle", madvise(p + 16 * PG, 16 * PG, MADV_DOFORK));
	in_child(fork_child_obs, p);
	obs("parent after DOFORK", p, p, N * PG);
}

static void c_mremap_dontunmap(const struct backend *b)
{
	char *p = anon(N), *q;
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 1);
	touch(p, 7);
	q = mremap(p, N * PG, N * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	if (q == MAP_FAILED) {
		SKIP_UNLESS_SINCE(507, "mremap(MREMAP_DONTUNMAP)");
		return;
	}
	out("mremap DONTUNMAP: moved\n");
	obs("old", p, p, N * PG);
	obs("new", q, q, N * PG);
	EXPECT(count_present(p, N * PG, NULL) == 0 && smaps_unlocked(p),
	       "the old range is empty, neither locked nor on fault");
	EXPECT(smaps_onfault(q) == 1 && count_present(q, N * PG, &ml) == 2 && ml == 2,
	       "the new range has the pages, mlocked, and is locked on fault");
	touch(p, 4);
	touch(q, 9);
	obs("old after touch", p, p, N * PG);
	obs("new after touch", q, q, N * PG);
	EXPECT(page_state(p, 4) == 'p' && page_state(q, 9) == 'm',
	       "a fault in the old range is not mlocked, one in the new range is");
}

static void c_exec_drops(const struct backend *b)
{
	char *p = anon(N);
	pid_t pid;
	int st;

	rec("lock onfault", b->lock(p, N * PG, 1));
	rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT));
	flush_log();
	pid = fork();
	if (pid == 0) {
		dup2(ofd, 1);
		execl("/proc/self/exe", "conform", "--status-after-exec", NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	out("exec child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	rec("unlockall", b->unlockall());
}

static void c_munmap_forgets(const struct backend *b)
{
	char *p = anon(N), *q;

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 3);
	munmap(p, N * PG);
	obs_status("after munmap");
	q = mmap(p, N * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	madvise(q, N * PG, MADV_NOHUGEPAGE);
	touch(q, 3);
	obs("remapped", q, q, N * PG);
	EXPECT(status_kb("VmLck") == 0, "munmap forgets the lock");
}

static void c_munmap_middle(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	munmap(p + 16 * PG, 16 * PG);
	touch(p, 40);
	obs("first", p, p, 16 * PG);
	obs("last", p, p + 32 * PG, 32 * PG);
	EXPECT(status_kb("VmLck") == 48 * PG / 1024 && page_state(p + 32 * PG, 8) == 'm',
	       "munmap of the middle leaves both sides locked on fault");
}

static void c_map_fixed_over(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 1);
	mmap(p + 8 * PG, 8 * PG, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 56 * PG / 1024, "MAP_FIXED over part of the range unlocks that part");
}

/* --- native calls on module-locked ranges -------------------------- */

static void c_native_munlock_after(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	touch(p, 6);
	rec("native munlock", munlock(p, N * PG));
	obs("after", p, p, N * PG);
	EXPECT(smaps_has_flag(p, "??") == 0 && smaps_has_flag(p, " lo") == 0,
	       "munlock clears every lock flag");
}

static void c_native_munlock_partial(const struct backend *b)
{
	char *p = anon(N);

	rec("lock onfault", b->lock(p, N * PG, 1));
	rec("native munlock middle", munlock(p + 20 * PG, 4 * PG));
	touch_every(p, N, 10);
	obs("after", p, p, N * PG);
	EXPECT(page_state(p, 20) == 'p' && page_state(p, 10) == 'm' && page_state(p, 30) == 'm' &&
	       status_kb("VmLck") == 60 * PG / 1024, "native munlock unlocks just its part");
}

static void c_native_mlock_converts(const struct backend *b)
{
	char *p = anon(N);
	size_t ml;

	rec("lock onfault", b->lock(p, N * PG, 1));
	rec("native mlock", mlock(p, N * PG));
	obs("after", p, p, N * PG);
	EXPECT(count_present(p, N * PG, &ml) == N && ml == N,
	       "mlock converts to a full lock and populates");
}

static void c_native_munlockall_after(const struct backend *b)
{
	char *p = anon(N), *q;

	rec("lockall CURRENT|FUTURE|ONFAULT",
	    b->lockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT));
	rec("native munlockall", munlockall());
	q = anon(N);
	obs("old", p, p, N * PG);
	obs("new", q, q, N * PG);
	EXPECT(status_kb("VmLck") == 0, "native munlockall unlocks all");
}

static void c_native_mlockall_after(const struct backend *b)
{
	char *p = anon(N), *q;

	rec("lockall CURRENT|FUTURE|ONFAULT",
	    b->lockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT));
	rec("native mlockall CURRENT|FUTURE", mlockall(MCL_CURRENT | MCL_FUTURE));
	q = anon(N);
	obs("old", p, p, N * PG);
	obs("new", q, q, N * PG);
	EXPECT(count_present(q, N * PG, NULL) == N, "future mappings fully locked now");
	rec("unlockall", munlockall());
}

static void c_native_mlock2_onfault_after_full(const struct backend *b)
{
	char *p = anon(N);

	rec("lock", b->lock(p, N * PG, 0));
	rec("native mlock2 ONFAULT", syscall(SYS_mlock2, p, N * PG, MLOCK_ONFAULT));
	obs("after", p, p, N * PG);
	{
		size_t ml;

		EXPECT(count_present(p, N * PG, &ml) == N && ml == N &&
		       status_kb("VmLck") == N * PG / 1024, "pages stay locked, counted once");
	}
}

static void c_module_calls_on_native_onfault(const struct backend *b)
{
	char *p = anon(N);

	int native_onfault = rec("native mlock2 ONFAULT",
				 syscall(SYS_mlock2, p, N * PG, MLOCK_ONFAULT)) == 0;

	touch(p, 1);
	rec("full lock of the middle", b->lock(p + 16 * PG, 16 * PG, 0));
	rec("unlock of the head", b->unlock(p, 8 * PG));
	touch(p, 50);
	obs("after", p, p, N * PG);
	if (native_onfault)
		EXPECT(status_kb("VmLck") == 56 * PG / 1024 && page_state(p, 20) == 'm' &&
		       page_state(p, 50) == 'm', "full lock, unlock and faults on the rest as native");
	else
		EXPECT(status_kb("VmLck") == 16 * PG / 1024 && page_state(p, 20) == 'm' &&
		       page_state(p, 50) == 'p', "without native on-fault only the full lock stands");
}

/* --- limits and errors --------------------------------------------- */

/*
 * Whether this kernel's own mlock() counts a range that is locked already
 * against RLIMIT_MEMLOCK again (before 4.9).  The module runs that very
 * mlock() code, so on such a kernel it does too, as native 4.4 did.
 * Called as the unprivileged user, with @limit pages of RLIMIT_MEMLOCK.
 */
static int kernel_mlock_recounts(size_t limit)
{
	char *q = anon(limit);
	int again;

	if (mlock(q, limit * PG))
		return 0;
	again = mlock(q, limit * PG) == -1 && errno == ENOMEM;
	munlock(q, limit * PG);
	munmap(q, limit * PG);
	out("this kernel's mlock() counts a locked range again: %s\n", again ? "yes" : "no");
	return again;
}

static void u_over_limit(const struct backend *b)
{
	int recounts = kernel_mlock_recounts(16);
	char *p = anon(N);

	EXPECT(rec("lock onfault 64 pages, limit 16", b->lock(p, N * PG, 1)) == -1 && errno == ENOMEM,
	       "over RLIMIT_MEMLOCK: ENOMEM");
	EXPECT(rec("lock onfault 16 pages", b->lock(p, 16 * PG, 1)) == 0, "up to the limit: fine");
	EXPECT(rec("lock onfault 1 more page", b->lock(p + 16 * PG, PG, 1)) == -1 && errno == ENOMEM,
	       "one page more: ENOMEM");
	if (recounts)
		EXPECT(rec("lock again the same 16", b->lock(p, 16 * PG, 1)) == -1 &&
		       errno == ENOMEM,
		       "relocking what is locked counts it again, as this kernel's mlock() does");
	else
		EXPECT(rec("lock again the same 16", b->lock(p, 16 * PG, 1)) == 0,
		       "relocking what is locked does not count twice");
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 16 * PG / 1024, "VmLck at the limit");
}

static void c_rlimit_enomem(const struct backend *b)
{
	as_user(16 * PG, u_over_limit, b);
}

static void u_zero_limit(const struct backend *b)
{
	char *p = anon(N);

	EXPECT(rec("lock onfault", b->lock(p, N * PG, 1)) == -1 && errno == EPERM,
	       "RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK: EPERM");
	EXPECT(rec("lockall CURRENT|ONFAULT", b->lockall(MCL_CURRENT | MCL_ONFAULT)) == -1 &&
	       errno == EPERM, "lockall too");
	EXPECT(rec("unlock", b->unlock(p, N * PG)) == 0 && rec("unlockall", b->unlockall()) == 0,
	       "unlocking needs no right");
	obs_status("after");
}

static void c_rlimit_zero_eperm(const struct backend *b)
{
	as_user(0, u_zero_limit, b);
}

static void u_lockall_limit(const struct backend *b)
{
	EXPECT(rec("lockall CURRENT|ONFAULT over the limit",
		   b->lockall(MCL_CURRENT | MCL_ONFAULT)) == -1 && errno == ENOMEM,
	       "lockall CURRENT with total_vm over the limit: ENOMEM");
	EXPECT(rec("lockall FUTURE|ONFAULT", b->lockall(MCL_FUTURE | MCL_ONFAULT)) == 0,
	       "FUTURE alone is not checked against the limit");
	errno = 0;
	{
		void *q = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		out("mmap over the limit: %s\n", q == MAP_FAILED ? strerrorname_np(errno) : "mapped");
		EXPECT(q == MAP_FAILED && errno == EAGAIN, "a future mapping over the limit: EAGAIN");
	}
	{
		void *q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		out("mmap within the limit: %s\n", q == MAP_FAILED ? strerrorname_np(errno) : "mapped");
		if (q != MAP_FAILED) {
			void *r = mremap(q, 4 * PG, 128 * PG, MREMAP_MAYMOVE);

			out("mremap over the limit: %s\n",
			    r == MAP_FAILED ? strerrorname_np(errno) : "grown");
			EXPECT(r == MAP_FAILED && errno == EAGAIN, "growing it over the limit: EAGAIN");
		}
	}
	obs_status("after");
}

static void c_rlimit_lockall_future(const struct backend *b)
{
	as_user(32 * PG, u_lockall_limit, b);
}

static void u_overlap(const struct backend *b)
{
	int recounts = kernel_mlock_recounts(32);
	char *p = anon(N);

	if (recounts) {
		EXPECT(rec("lock 24 pages", b->lock(p, 24 * PG, 0)) == 0 &&
		       rec("lock onfault 24 overlapping + 8", b->lock(p, 32 * PG, 1)) == -1 &&
		       errno == ENOMEM,
		       "what is already locked counts against the limit again, as this kernel's mlock() does");
		obs("after", p, p, N * PG);
		EXPECT(status_kb("VmLck") == 24 * PG / 1024, "24 pages locked");
		return;
	}
	EXPECT(rec("lock 24 pages", b->lock(p, 24 * PG, 0)) == 0 &&
	       rec("lock onfault 24 overlapping + 8", b->lock(p, 32 * PG, 1)) == 0,
	       "what is already locked does not count against the limit again");
	obs("after", p, p, N * PG);
	EXPECT(status_kb("VmLck") == 32 * PG / 1024, "32 pages locked");
}

static void c_rlimit_overlap(const struct backend *b)
{
	as_user(32 * PG, u_overlap, b);
}

static void c_capable_over_limit(const struct backend *b)
{
	struct rlimit rl = { 4 * PG, 4 * PG };
	char *p = anon(N);

	/* root keeps CAP_IPC_LOCK: the limit does not apply */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	EXPECT(rec("lock onfault over the limit with CAP_IPC_LOCK", b->lock(p, N * PG, 1)) == 0,
	       "CAP_IPC_LOCK ignores RLIMIT_MEMLOCK");
	obs_status("after");
}

/* --- concurrency --------------------------------------------------- */

struct thr {
	char *p;
	size_t pages;
	volatile int stop;
	int started;
	int seed;
};

static void *toucher(void *arg)
{
	struct thr *t = arg;
	unsigned int s = t->seed;

	t->p[0] = 1;
	__atomic_add_fetch(&t->started, 1, __ATOMIC_SEQ_CST);
	while (!t->stop) {
		s = s * 1103515245 + 12345;
		t->p[(s >> 8) % t->pages * PG] = 1;
	}
	return NULL;
}

/*
 * Start the touchers and wait until each has faulted once: the region's
 * anon_vma then exists before the storm splits it (vmas split before their
 * first fault get anon_vmas of their own and never merge again, natively
 * too), and a slow start cannot leave a backend with an untouched region.
 */
static void run_touchers(struct thr *t, pthread_t *th, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, toucher, t);
	while (__atomic_load_n(&t->started, __ATOMIC_SEQ_CST) < n)
		sched_yield();
}

/*
 * Keep the thread that locks and unlocks on one CPU from here on (the
 * touchers, created before, still run anywhere).  Since 5.18 munlock
 * clears PG_mlocked from a per-CPU batch, which the next mlock() drains
 * only on its own CPU: a thread that moved in between can have a page's
 * stale munlock applied after its new mlock, and the page stays locked
 * but not PG_mlocked until reclaim meets it ("reclaim will fix it",
 * mm/mlock.c), natively too.  The cases are about the engine's state,
 * not that kernel approximation.
 */
static void pin_self(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void stop_touchers(struct thr *t, pthread_t *th, int n)
{
	int i;

	t->stop = 1;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

/* After the storm: lock on fault, touch all, check all mlocked. */
static void settle(const struct backend *b, char *p, size_t pages)
{
	size_t ml, pr;
	void *scratch;

	rec("final lock onfault", b->lock(p, pages * PG, 1));
	touch_every(p, pages, 1);
	/*
	 * mlock and munlock reach a page through per-CPU batches: count
	 * PG_mlocked only when the batches of this (pinned) CPU have been
	 * applied.  mlock() drains them (before 5.18 every CPU's, with
	 * lru_add_drain_all(); since, its own): lock and unlock a scratch
	 * page outside the region.
	 */
	scratch = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch != MAP_FAILED) {
		mlock(scratch, PG);
		munlock(scratch, PG);
		munmap(scratch, PG);
	}
	pr = count_present(p, pages * PG, &ml);
	out("final: present %zu mlocked %zu of %zu\n", pr, ml, pages);
	/*
	 * Whole-process VmRSS depends on thread scheduling here (stacks,
	 * arenas): compare the region and VmLck, which must not.
	 */
	obs_smaps("final", p, p, pages * PG);
	out("final: VmLck %ld kB\n", status_kb("VmLck"));
	EXPECT(pr == pages && ml == pages, "every page mlocked after the storm");
}

static void c_conc_fault_vs_unlock(const struct backend *b)
{
	struct thr t = { .pages = 256, .seed = 1 };
	pthread_t th[3];
	int i, bad = 0;

	t.p = anon(t.pages);
	run_touchers(&t, th, 3);
	pin_self();
	for (i = 0; i < 200; i++) {
		if (b->lock(t.p, t.pages * PG, 1))
			bad++;
		if (b->unlock(t.p + (i % 8) * 32 * PG, 32 * PG))
			bad++;
	}
	stop_touchers(&t, th, 3);
	out("failed calls %d\n", bad);
	EXPECT(bad == 0, "every lock and unlock succeeded");
	settle(b, t.p, t.pages);
}

static void c_conc_fault_vs_mremap(const struct backend *b)
{
	/* touchers stay below the tail that is shrunk and grown back */
	struct thr t = { .pages = 112, .seed = 2 };
	size_t all = 128;
	pthread_t th[2];
	int i, bad = 0;

	t.p = anon(all + 16);
	munmap(t.p + all * PG, 16 * PG);
	if (b->lock(t.p, all * PG, 1))
		bad++;
	run_touchers(&t, th, 2);
	pin_self();
	for (i = 0; i < 100; i++) {
		if (mremap(t.p, all * PG, (all - 16) * PG, 0) == MAP_FAILED)
			bad++;
		if (mremap(t.p, (all - 16) * PG, all * PG, 0) == MAP_FAILED)
			bad++;
	}
	stop_touchers(&t, th, 2);
	out("failed calls %d\n", bad);
	EXPECT(bad == 0, "the lock and every mremap succeeded");
	/* how many pages the touchers reached depends on scheduling */
	smaps_relative = 1;
	obs_smaps("before settle", t.p, t.p, all * PG);
	smaps_relative = 0;
	settle(b, t.p, all);
}

static void c_conc_fault_vs_fork(const struct backend *b)
{
	struct thr t = { .pages = 128, .seed = 3 };
	pthread_t th[2];
	int i, st, bad = 0, failed = 0;

	t.p = anon(t.pages);
	if (b->lock(t.p, t.pages * PG, 1))
		failed++;
	run_touchers(&t, th, 2);
	pin_self();
	for (i = 0; i < 20; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(status_kb("VmLck") == 0 && smaps_onfault(t.p) == 0 ? 0 : 1);
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			out("fork %d: child had locked memory or the on-fault flag\n", i);
			bad++;
		}
	}
	stop_touchers(&t, th, 2);
	EXPECT(bad == 0, "no forked child has locked memory or the on-fault flag");
	EXPECT(failed == 0, "the lock succeeded");
	settle(b, t.p, t.pages);
}

static void c_conc_lock_threads(const struct backend *b)
{
	struct thr t = { .pages = 512, .seed = 4 };
	pthread_t th[4];
	int i, bad = 0;

	t.p = anon(t.pages);
	run_touchers(&t, th, 4);
	pin_self();
	for (i = 0; i < 50; i++) {
		if (b->lock(t.p, t.pages * PG, i & 1))
			bad++;
		if (b->lockall(MCL_CURRENT | MCL_ONFAULT))
			bad++;
		if (b->unlockall())
			bad++;
	}
	stop_touchers(&t, th, 4);
	EXPECT(bad == 0, "every lock, lockall and unlockall succeeded");
	settle(b, t.p, t.pages);
}

/* ------------------------------------------------------------------ */

struct tcase {
	const char *name;
	void (*fn)(const struct backend *b);
};

#define C(x) { #x, c_##x }
static const struct tcase cases[] = {
	C(onfault_untouched), C(onfault_touch_some), C(onfault_read_fault),
	C(onfault_prepresent), C(full_lock), C(full_then_onfault),
	C(onfault_then_full), C(onfault_twice), C(onfault_middle),
	C(unlock_middle_page), C(unlock_whole), C(seed003_unlock_never_faults),
	C(unlock_never_locked), C(zero_len), C(unaligned), C(hole_at_start),
	C(hole_in_middle), C(wrap), C(prot_none), C(readonly),
	C(shared_anon), C(shmem_file_shared), C(shmem_file_private_cow),
	C(file_prefilled_cache), C(unevictable_after_drain),
	C(seed002_map_locked_partial), C(disk_file_shared), C(disk_file_private),
	C(disk_file_full_lock), C(lockall_future_onfault_hugetlb), C(sysv_shm), C(thp_onfault),
	C(thp_present_then_onfault), C(hugetlb), C(special_vdso),
	C(lockall_current_onfault), C(lockall_future_onfault_mmap),
	C(lockall_future_onfault_populate), C(lockall_future_onfault_brk),
	C(lockall_future_onfault_shmat), C(lockall_future_onfault_stack),
	C(seed000_current_then_future_onfault),
	C(seed000_current_onfault_then_future),
	C(seed000_future_then_current), C(lockall_current_to_onfault),
	C(lockall_future_then_unlockall), C(unlockall_after_onfault),
	C(lockall_invalid), C(seed001_mremap_grow), C(seed001_mremap_shrink),
	C(seed001_mremap_move), C(seed001_mremap_grow_move),
	C(seed004_mprotect_write),
	C(seed004_mprotect_split), C(mprotect_none_and_back),
	C(madvise_dontneed), C(madvise_willneed_cold), C(madvise_split_flags),
	C(madvise_pageout_locked), C(fork_not_inherited), C(fork_cow),
	C(madvise_wipeonfork), C(madvise_dontfork), C(mremap_dontunmap),
	C(exec_drops), C(munmap_forgets), C(munmap_middle), C(map_fixed_over),
	C(native_munlock_after), C(native_munlock_partial),
	C(native_mlock_converts), C(native_munlockall_after),
	C(native_mlockall_after), C(native_mlock2_onfault_after_full),
	C(module_calls_on_native_onfault), C(rlimit_enomem),
	C(rlimit_zero_eperm), C(rlimit_lockall_future), C(rlimit_overlap),
	C(capable_over_limit), C(conc_fault_vs_unlock), C(conc_fault_vs_mremap),
	C(conc_fault_vs_fork), C(conc_lock_threads),
};

/*
 * Map every page of this program's file-backed mappings, so that which
 * libc wrappers a backend happens to call (and the fault-around windows
 * their first calls map) does not show in VmRSS.
 */
static void prefault_image(void)
{
	static char maps[1 << 16];
	char *line, *save = NULL;

	if (rd_file("/proc/self/maps", maps, sizeof(maps)) < 0)
		return;
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e, a;
		char perm[8];
		volatile char sink;

		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) != 3 || perm[0] != 'r' ||
		    !strchr(line, '/'))
			continue;
		for (a = s; a < e; a += PG)
			sink = *(volatile char *)a;
		(void)sink;
	}
}

/*
 * Run a case with both backends.  Both children are forked before either
 * runs, from the same parent state: a child's VmRSS counts the pages it
 * shares with its parent, so the parent must not change in between.
 * They run one after the other, each released through its own pipe.
 */
static void run_pair(const struct tcase *tc, char **out_a, char **out_b)
{
	const struct backend *bk[2] = { &native, &module };
	int go[2][2], res[2][2], st, k;
	pid_t pid[2];

	fflush(stdout);
	for (k = 0; k < 2; k++)
		if (pipe(go[k]) || pipe(res[k]))
			exit(2);
	for (k = 0; k < 2; k++) {
		if (module_only && k == 0) {
			pid[k] = -1;	/* no native oracle to run */
			continue;
		}
		pid[k] = fork();
		if (pid[k] == 0) {
			char c;

			close(go[k][1]);
			close(res[k][0]);
			close(go[1 - k][0]);
			close(go[1 - k][1]);
			close(res[1 - k][0]);
			close(res[1 - k][1]);
			if (read(go[k][0], &c, 1) != 1)
				_exit(3);
			ofd = res[k][1];
			prefault_image();
			/*
			 * Since 5.18 munlock clears PG_mlocked from a per-CPU
			 * batch, which mlock_fixup() drains on its own CPU
			 * only: a case that moves CPU in between sees the page
			 * mlocked for a while, natively too.  Keep each case
			 * on one CPU; the concurrency cases pin themselves
			 * once their threads are running everywhere.
			 */
			if (strncmp(tc->name, "conc_", 5))
				pin_self();
			tc->fn(bk[k]);
			flush_log();
			_exit(0);
		}
	}
	for (k = 0; k < 2; k++) {
		close(go[k][0]);
		close(res[k][1]);
	}
	for (k = 0; k < 2; k++) {
		size_t cap = 1 << 16, len = 0;
		char *buf = malloc(cap);
		ssize_t n;

		if (pid[k] < 0) {
			close(go[k][1]);
			close(res[k][0]);
			buf[0] = 0;
			*out_a = buf;
			continue;
		}
		if (write(go[k][1], "g", 1) != 1)
			exit(2);
		close(go[k][1]);
		while ((n = read(res[k][0], buf + len, cap - len - 1)) > 0) {
			len += n;
			if (cap - len < 4096)
				buf = realloc(buf, cap *= 2);
		}
		buf[len] = 0;
		close(res[k][0]);
		waitpid(pid[k], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			buf = realloc(buf, len + 64);
			snprintf(buf + len, 64, "CHILD DIED status %#x\n", st);
		}
		if (k == 0)
			*out_a = buf;
		else
			*out_b = buf;
	}
}

static void first_diff(const char *a, const char *b, char *out_, size_t size)
{
	const char *la = a, *lb = b;

	while (*la || *lb) {
		const char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
		size_t na = ea ? (size_t)(ea - la) : strlen(la);
		size_t nb = eb ? (size_t)(eb - lb) : strlen(lb);

		if (na != nb || strncmp(la, lb, na)) {
			snprintf(out_, size, "native '%.*s' / module '%.*s'",
				 (int)(na > 150 ? 150 : na), la, (int)(nb > 150 ? 150 : nb), lb);
			return;
		}
		la = ea ? ea + 1 : la + na;
		lb = eb ? eb + 1 : lb + nb;
	}
	snprintf(out_, size, "(identical)");
}

static uint64_t missed_probes(void)
{
	struct lof_version v = { .size = sizeof(v) };

	return ioctl(lof_fd, LOF_IOC_VERSION, &v) ? ~0ULL : v.missed_probes;
}

int main(int argc, char **argv)
{
	int no_native = argc > 1 && !strcmp(argv[1], "--no-native");
	int only_module = argc > 1 && !strcmp(argv[1], "--module-only");
	const char *tag = getenv("CONFORM_TAG") ? getenv("CONFORM_TAG") : "conform";
	const char *only;

	if (no_native || only_module) {
		argv++;
		argc--;
	}
	only = argc > 1 ? argv[1] : NULL;
	unsigned int i, ran = 0, fails = 0, skipped = 0;
	int verbose = getenv("CONFORM_VERBOSE") != NULL;

	PG = sysconf(_SC_PAGESIZE);
	kernel_semantics();
	if (argc > 1 && !strcmp(argv[1], "--status-after-exec")) {
		/* the exec'd image of c_exec_drops: its state, on stdout */
		ofd = 1;
		obs_status("after exec");
		EXPECT(status_kb("VmLck") == 0, "exec drops every lock");
		{
			char *q = anon(N);

			obs("mapping after exec", q, q, N * PG);
			EXPECT(status_kb("VmLck") == 0, "and MCL_FUTURE");
		}
		flush_log();
		return 0;
	}
	lof_fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		/* hold an on-fault range until killed (the rmmod test) */
		char *q = anon(N);

		if (lof_fd < 0 || m_lock(q, N * PG, 1))
			return 1;
		touch(q, 1);
		printf("holding\n");
		fflush(stdout);
		pause();
		return 0;
	}
	if (lof_fd < 0) {
		printf("not ok - conform: open %s: %s\n", LOF_DEVICE_PATH, strerror(errno));
		return 1;
	}
	/*
	 * With native lock-on-fault, every case runs against it.  Without it
	 * (a kernel before 4.4, or the project's debug kernel), only the
	 * module runs, judged by each case's documented expectations, and
	 * --no-native demands that the kernel really refuses it.
	 */
	errno = 0;
	if (syscall(SYS_mlock2, NULL, 0, MLOCK_ONFAULT)) {
		int e = errno;

		printf("%s - %s: native mlock2(MLOCK_ONFAULT) is refused here (%s): module-only run\n",
		       no_native && (e == EINVAL || e == ENOSYS) ? "ok" : "not ok",
		       tag, strerrorname_np(e));
		errno = 0;
		if (mlockall(MCL_CURRENT | MCL_ONFAULT) == 0) {
			munlockall();
			printf("not ok - %s: mlockall(MCL_ONFAULT) works, yet mlock2 refuses it\n", tag);
		} else {
			printf("%s - %s: native mlockall(MCL_CURRENT|MCL_ONFAULT) is refused here (%s)\n",
			       errno == EINVAL ? "ok" : "not ok", tag, strerrorname_np(errno));
		}
		module_only = 1;
	} else if (only_module) {
		/* native exists; a setting it has no equivalent of is tested */
		printf("ok - %s: module backend alone, judged by each case's expectations\n", tag);
		module_only = 1;
	} else if (no_native) {
		printf("not ok - conform: native MLOCK_ONFAULT works on a kernel that must not have it\n");
		return 1;
	}
	if (!module_only)
		probe_native_quirks();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		char *a = NULL, *b = NULL, diff[400], *skip;
		int ok;

		if (only && !strstr(tc->name, only))
			continue;
		run_pair(tc, &a, &b);
		ran++;
		if (module_only) {
			/* no oracle: the module's run meets the expectations */
			free(a);
			a = b;
			b = strdup(a);
		}
		ok = a && b && !strcmp(a, b) && !strstr(a, "EXPECT FAIL") &&
		     !strstr(a, "CHILD DIED");
		skip = a ? strstr(a, "SKIP ") : NULL;
		if (ok && skip) {
			skipped++;
			printf("# skipped - %s: %s: %.*s\n", tag, tc->name,
			       (int)strcspn(skip + 5, "\n"), skip + 5);
		} else if (ok) {
			printf("ok - %s: %s\n", tag, tc->name);
		} else {
			fails++;
			if (a && b && strcmp(a, b))
				first_diff(a, b, diff, sizeof(diff));
			else if (a && strstr(a, "EXPECT FAIL"))
				snprintf(diff, sizeof(diff), "%s run: %.300s",
					 module_only ? "module" : "native", strstr(a, "EXPECT FAIL"));
			else
				snprintf(diff, sizeof(diff), "%.300s",
					 a && strstr(a, "CHILD DIED") ? strstr(a, "CHILD DIED") : "no output");
			for (char *c = diff; *c; c++)
				if (*c == '\n')
					*c = ' ';
			printf("not ok - %s: %s: %s\n", tag, tc->name, diff);
		}
		if (verbose || !ok) {
			printf("# --- %s native\n%s# --- %s module\n%s", tc->name,
			       a ? a : "", tc->name, b ? b : "");
		}
		fflush(stdout);
		free(a);
		free(b);
	}
	printf("%s - %s: %u cases ran, %u skipped, %s\n", ran >= 60 || only ? "ok" : "not ok",
	       tag, ran, skipped,
	       module_only ? "module backend only (no native oracle)" : "both backends");
	printf("%s - %s: missed probe hits after the suite: %llu\n",
	       missed_probes() == 0 ? "ok" : "not ok", tag, (unsigned long long)missed_probes());
	return fails ? 1 : 0;
}
