// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl ABI tests for /dev/lockonfault, run in the guest as root.  Built
 * twice: 64-bit and -m32 (the 32-bit build goes through compat_ioctl).
 *
 * Where a syscall has the same argument check, it runs side by side with
 * the ioctl and both must give the same errno.
 *
 * usage: abi_test VERSION        run every case, print "ok - ..." lines
 *        abi_test provoke        one refused ioctl (for the verbose test)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/lockonfault.h>

#include "lof_util.h"

_Static_assert(sizeof(struct lof_version) == LOF_VERSION_SIZE_VER0, "version");
_Static_assert(sizeof(struct lof_range) == LOF_RANGE_SIZE_VER0, "range");
_Static_assert(sizeof(struct lof_lockall) == LOF_LOCKALL_SIZE_VER0, "lockall");
_Static_assert(sizeof(struct lof_query) == LOF_QUERY_SIZE_VER0, "query");
_Static_assert(sizeof(struct lof_query_entry) == LOF_QUERY_ENTRY_SIZE, "entry");
_Static_assert(LOF_LOCK_ONFAULT == MLOCK_ONFAULT, "MLOCK_ONFAULT");
_Static_assert(LOF_MCL_CURRENT == MCL_CURRENT && LOF_MCL_FUTURE == MCL_FUTURE &&
	       LOF_MCL_ONFAULT == MCL_ONFAULT, "MCL_*");

#if defined(__x86_64__)
#define ABI "abi64"
#define KERNEL_PTR ((void *)0xffffffff81000000UL)
#else
#define ABI "abi32"
#define KERNEL_PTR ((void *)0xfffff000UL)
#endif

static int passed, failed;
static int fd = -1;
static long pagesz;

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - " ABI ": ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

/* A call that must fail with @want. */
static void expect_errno(long ret, int err, int want, const char *what)
{
	if (ret == -1 && err == want)
		report(1, "%s -> %s", what, strerrorname_np(want));
	else
		report(0, "%s -> ret %ld errno %s, want %s", what, ret,
		       ret == -1 ? strerrorname_np(err) : "-",
		       strerrorname_np(want));
}

#define EXPECT_ERRNO(call, want, ...)					\
	do {								\
		char what_[200];					\
		long r_;						\
		int e_;							\
		errno = 0;						\
		r_ = (call);						\
		e_ = errno;						\
		snprintf(what_, sizeof(what_), __VA_ARGS__);		\
		expect_errno(r_, e_, want, what_);			\
	} while (0)

/* Two calls that must fail alike: the native syscall and the ioctl. */
static void expect_same(long nret, int nerr, long mret, int merr, int want,
			const char *what)
{
	int ok = nret == -1 && mret == -1 && nerr == want && merr == want;

	report(ok, "%s: native %s, module %s (want %s)", what,
	       nret == -1 ? strerrorname_np(nerr) : "success",
	       mret == -1 ? strerrorname_np(merr) : "success",
	       strerrorname_np(want));
}

static long lof(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

static struct lof_range range(uint32_t flags, void *addr, uint64_t len)
{
	struct lof_range r = {
		.size = sizeof(r),
		.flags = flags,
		.addr = (uintptr_t)addr,
		.len = len,
	};
	return r;
}

static struct lof_lockall lockall(uint32_t flags)
{
	struct lof_lockall a = { .size = sizeof(a), .flags = flags };
	return a;
}

static int resident_pages(void *p, size_t len)
{
	unsigned char vec[256];
	size_t i, n = len / pagesz;
	int count = 0;

	if (n > sizeof(vec) || mincore(p, len, vec))
		return -1;
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

/* Run @fn in a child as uid/gid 65534 with RLIMIT_MEMLOCK @limit. */
static void as_nobody(rlim_t limit, void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { limit, limit };

		passed = failed = 0;	/* the child reports its own lines */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
		    setgid(65534) || setuid(65534)) {
			report(0, "cannot become nobody: %s", strerror(errno));
			_exit(2);
		}
		fn();
		_exit(failed ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		report(0, "fork/wait for unprivileged child");
		return;
	}
	/* the child printed its own lines */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		report(0, "unprivileged child exited with status %#x", st);
}

static void test_device(void)
{
	struct stat st;
	char buf[64], want[64];
	FILE *f;

	if (stat(LOF_DEVICE_PATH, &st)) {
		report(0, "stat " LOF_DEVICE_PATH ": %s", strerror(errno));
		return;
	}
	report(S_ISCHR(st.st_mode) && major(st.st_rdev) == 10,
	       "device is a misc char device (%u:%u)", major(st.st_rdev),
	       minor(st.st_rdev));
	report((st.st_mode & 07777) == 0666, "device mode is %04o, want 0666",
	       st.st_mode & 07777);

	f = fopen("/sys/class/misc/lockonfault/dev", "r");
	buf[0] = 0;
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	snprintf(want, sizeof(want), "%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	report(!strcmp(buf, want), "sysfs dev '%s' matches the node %s", buf,
	       want);

	EXPECT_ERRNO(ioctl(fd, TCGETS, buf), ENOTTY, "TCGETS on the device");
	EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EINVAL, "read() on the device");
	EXPECT_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE, "lseek() on the device");
}

static void nobody_version(void)
{
	struct lof_version v = { .size = sizeof(v) };
	int nfd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	report(nfd >= 0, "uid 65534 opens the device read-write (%s)",
	       nfd >= 0 ? "ok" : strerror(errno));
	if (nfd >= 0) {
		report(ioctl(nfd, LOF_IOC_VERSION, &v) == 0 &&
		       v.abi_version == LOF_ABI_VERSION,
		       "uid 65534 reads the version");
		close(nfd);
	}
}

static void test_pointers(unsigned long cmd, const char *name, size_t size,
			  int writes);

static void test_version(const char *want_version)
{
	struct lof_version v = { .size = sizeof(v) };
	char vbuf[64];
	unsigned char big[LOF_ARG_SIZE_MAX + 8];
	struct lof_version *bv = (struct lof_version *)big;
	long r;
	int native_mlock2, native_onfault;

	memset(&v, 0xff, sizeof(v));
	memset(&v.reserved0, 0, sizeof(v.reserved0));
	memset(v.reserved, 0, sizeof(v.reserved));
	v.size = sizeof(v);
	r = lof(LOF_IOC_VERSION, &v);
	report(r == 0, "VERSION returns 0 (%s)", r ? strerror(errno) : "ok");
	report(v.size == sizeof(v), "VERSION keeps size");
	report(v.abi_version == LOF_ABI_VERSION, "abi_version %u", v.abi_version);
	report(memchr(v.version, 0, sizeof(v.version)) &&
	       !strcmp(v.version, want_version),
	       "version string '%.32s' is the package version '%s'",
	       v.version, want_version);
	snprintf(vbuf, sizeof(vbuf), "%u.%u.%u", v.major, v.minor, v.patch);
	report(!strcmp(vbuf, want_version), "major.minor.patch %s", vbuf);
	report(v.reserved0 == 0 && !v.reserved[0] && !v.reserved[1] &&
	       !v.reserved[2] && !v.reserved[3], "reserved fields written as 0");
	report(v.missed_probes == 0, "missed_probes %llu",
	       (unsigned long long)v.missed_probes);

	/* kernel features, each against what userspace can observe */
	errno = 0;
	native_mlock2 = !(syscall(SYS_mlock2, 0, 0, ~0U) == -1 &&
			  errno == ENOSYS);
	native_onfault = syscall(SYS_mlock2, 0, 0, MLOCK_ONFAULT) == 0;
	report(!!(v.kernel_features & LOF_KFEAT_MLOCK2) == native_mlock2,
	       "KFEAT_MLOCK2 %d, the kernel's mlock2 %s",
	       !!(v.kernel_features & LOF_KFEAT_MLOCK2),
	       native_mlock2 ? "exists" : "is ENOSYS");
	report(!native_onfault || (v.kernel_features & LOF_KFEAT_ONFAULT_HDRS),
	       "KFEAT_ONFAULT_HDRS %d where native MLOCK_ONFAULT %s",
	       !!(v.kernel_features & LOF_KFEAT_ONFAULT_HDRS),
	       native_onfault ? "works" : "is refused");
	report(!!(v.kernel_features & LOF_KFEAT_KPROBES) ==
	       !access("/sys/kernel/debug/kprobes/list", F_OK),
	       "KFEAT_KPROBES %d matches debugfs kprobes",
	       !!(v.kernel_features & LOF_KFEAT_KPROBES));
	report(!!(v.features & LOF_FEAT_COMPAT32) ==
	       !access("/proc/sys/abi/vsyscall32", F_OK),
	       "FEAT_COMPAT32 %d matches the kernel's ia32 emulation",
	       !!(v.features & LOF_FEAT_COMPAT32));
	report(!(v.kernel_features & ~(LOF_KFEAT_MLOCK2 | LOF_KFEAT_ONFAULT_HDRS |
				       LOF_KFEAT_KPROBES)) &&
	       !(v.features & ~((LOF_FEAT_COMPAT32 << 1) - 1)),
	       "no undefined feature bits (%#llx, %#llx)",
	       (unsigned long long)v.features,
	       (unsigned long long)v.kernel_features);

	/* sizes */
	memset(&v, 0, sizeof(v));
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, &v), EINVAL, "VERSION size 0");
	v.size = LOF_VERSION_SIZE_VER0 - 1;
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, &v), EINVAL, "VERSION size VER0-1");
	memset(big, 0, sizeof(big));
	bv->size = sizeof(*bv) + 8;
	r = lof(LOF_IOC_VERSION, big);
	report(r == 0 && bv->abi_version == LOF_ABI_VERSION &&
	       !memcmp(big + sizeof(*bv), "\0\0\0\0\0\0\0\0", 8),
	       "VERSION from a larger struct with a zero tail: ok, tail untouched");
	big[sizeof(*bv) + 3] = 1;
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, big), E2BIG,
		     "VERSION larger struct, non-zero tail");
	memset(big, 0, sizeof(big));
	bv->size = LOF_ARG_SIZE_MAX;
	report(lof(LOF_IOC_VERSION, big) == 0, "VERSION size %d (the maximum)",
	       LOF_ARG_SIZE_MAX);
	bv->size = LOF_ARG_SIZE_MAX + 1;
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, big), E2BIG, "VERSION size max+1");
	bv->size = 0xffffffffU;
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, big), E2BIG, "VERSION size 0xffffffff");

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.reserved0 = 1;
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, &v), EINVAL, "VERSION reserved0 != 0");
	v.reserved0 = 0;
	v.reserved[3] = 1ULL << 63;
	EXPECT_ERRNO(lof(LOF_IOC_VERSION, &v), EINVAL, "VERSION reserved[3] != 0");

	test_pointers(LOF_IOC_VERSION, "VERSION", LOF_VERSION_SIZE_VER0, 1);
	as_nobody(RLIM_INFINITY, nobody_version);
}

/* Bad argument pointers, for one command. */
static void test_pointers(unsigned long cmd, const char *name, size_t size,
			  int writes)
{
	char *two = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *edge;

	if (two == MAP_FAILED) {
		report(0, "mmap: %s", strerror(errno));
		return;
	}
	EXPECT_ERRNO(lof(cmd, NULL), EFAULT, "%s NULL argument", name);
	EXPECT_ERRNO(lof(cmd, (void *)(uintptr_t)0xdead000), EFAULT,
		     "%s unmapped argument", name);
	EXPECT_ERRNO(lof(cmd, KERNEL_PTR), EFAULT, "%s kernel address", name);

	/* struct whose size field is readable but whose tail is PROT_NONE */
	mprotect(two + pagesz, pagesz, PROT_NONE);
	edge = two + pagesz - 8;
	memset(edge, 0, 8);
	*(uint32_t *)edge = size;
	EXPECT_ERRNO(lof(cmd, edge), EFAULT, "%s struct runs into PROT_NONE",
		     name);

	/* a complete, valid struct in read-only memory */
	if (writes) {
		memset(two, 0, size);
		*(uint32_t *)two = size;
		mprotect(two, pagesz, PROT_READ);
		EXPECT_ERRNO(lof(cmd, two), EFAULT,
			     "%s output to read-only memory", name);
	}
	munmap(two, 2 * pagesz);
}

/* the leading __u32 size of a raw argument buffer (no type punning) */
static void set_size(void *buf, uint32_t size)
{
	memcpy(buf, &size, sizeof(size));
}

/* Size checks shared by the commands that take a struct. */
static void test_sizes(unsigned long cmd, const char *name, size_t ver0)
{
	unsigned char buf[LOF_ARG_SIZE_MAX + 8];

	memset(buf, 0, sizeof(buf));
	set_size(buf, ver0 - 1);
	EXPECT_ERRNO(lof(cmd, buf), EINVAL, "%s size VER0-1", name);
	set_size(buf, 0);
	EXPECT_ERRNO(lof(cmd, buf), EINVAL, "%s size 0", name);
	set_size(buf, ver0 + 16);
	buf[ver0 + 15] = 0x80;
	EXPECT_ERRNO(lof(cmd, buf), E2BIG, "%s larger struct, non-zero tail",
		     name);
	set_size(buf, LOF_ARG_SIZE_MAX + 1);
	EXPECT_ERRNO(lof(cmd, buf), E2BIG, "%s size max+1", name);
}

static char *area;		/* 16 untouched anonymous pages */
#define AREA_PAGES 16

static void nobody_limit0(void)
{
	struct lof_range r = range(0, area, pagesz);
	struct lof_lockall a = lockall(LOF_MCL_CURRENT);
	long nret, mret;
	int nerr, merr;

	errno = 0;
	nret = syscall(SYS_mlock2, area, pagesz, 0);
	if (nret == -1 && errno == ENOSYS) {
		/* no mlock2() (before 4.4): flags 0 is mlock() */
		errno = 0;
		nret = mlock(area, pagesz);
	}
	nerr = errno;
	mret = lof(LOF_IOC_LOCK, &r);
	merr = errno;
	expect_same(nret, nerr, mret, merr, EPERM,
		    "uid 65534, RLIMIT_MEMLOCK 0: lock");
	r.flags = LOF_LOCK_ONFAULT;
	errno = 0;
	nret = syscall(SYS_mlock2, area, pagesz, MLOCK_ONFAULT);
	nerr = errno;
	mret = lof(LOF_IOC_LOCK, &r);
	merr = errno;
	if (nret == -1 && (nerr == EINVAL || nerr == ENOSYS))
		/* no native lock-on-fault on this kernel to compare with */
		expect_errno(mret, merr, EPERM,
			     "uid 65534, RLIMIT_MEMLOCK 0: lock on fault (no native)");
	else
		expect_same(nret, nerr, mret, merr, EPERM,
			    "uid 65534, RLIMIT_MEMLOCK 0: lock on fault");
	errno = 0;
	nret = mlockall(MCL_CURRENT);
	nerr = errno;
	mret = lof(LOF_IOC_LOCKALL, &a);
	merr = errno;
	expect_same(nret, nerr, mret, merr, EPERM,
		    "uid 65534, RLIMIT_MEMLOCK 0: lockall");
	/* unlocking needs no right */
	r.flags = 0;
	report(!(lof(LOF_IOC_UNLOCK, &r) == -1 && errno == EPERM),
	       "uid 65534, RLIMIT_MEMLOCK 0: unlock is not EPERM");
}

static void nobody_default(void)
{
	struct lof_range r = range(LOF_LOCK_ONFAULT, area, pagesz);

	report(!(lof(LOF_IOC_LOCK, &r) == -1 && errno == EPERM),
	       "uid 65534, RLIMIT_MEMLOCK 64 KiB: lock on fault is not EPERM");
}

/* The result of a valid request: not implemented yet, or done. */
static void expect_valid(long ret, int err, uint64_t feature, uint64_t have,
			 const char *what)
{
	if (have & feature)
		report(ret == 0, "%s: feature advertised, call succeeds (%s)",
		       what, ret ? strerror(err) : "ok");
	else
		report(ret == -1 && err == EOPNOTSUPP,
		       "%s: feature not advertised, EOPNOTSUPP (%s)", what,
		       ret ? strerror(err) : "success");
}

static uint64_t features(void)
{
	struct lof_version v = { .size = sizeof(v) };

	return lof(LOF_IOC_VERSION, &v) ? 0 : v.features;
}

static void test_lock(void)
{
	uint64_t feat = features();
	struct lof_range r;
	long lck0 = lof_status_kb("VmLck");
	static const uint32_t bad_flags[] = { 2, 3, 0x80, 0x80000000U, ~0U };
	unsigned int i;
	long nret, mret;
	int nerr, merr;

	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		r = range(bad_flags[i], area, pagesz);
		errno = 0;
		nret = syscall(SYS_mlock2, area, pagesz, bad_flags[i]);
		nerr = errno;
		mret = lof(LOF_IOC_LOCK, &r);
		merr = errno;
		if (nret == -1 && nerr == ENOSYS)
			expect_errno(mret, merr, EINVAL, "LOCK unknown flags");
		else
			expect_same(nret, nerr, mret, merr, EINVAL, bad_flags[i] == ~0U ?
				    "LOCK flags ~0" : "LOCK unknown flags");
	}
	r = range(0, area, pagesz);
	r.reserved[0] = 1;
	EXPECT_ERRNO(lof(LOF_IOC_LOCK, &r), EINVAL, "LOCK reserved[0] != 0");
	r.reserved[0] = 0;
	r.reserved[1] = 1ULL << 40;
	EXPECT_ERRNO(lof(LOF_IOC_LOCK, &r), EINVAL, "LOCK reserved[1] != 0");
	test_sizes(LOF_IOC_LOCK, "LOCK", LOF_RANGE_SIZE_VER0);
	test_pointers(LOF_IOC_LOCK, "LOCK", LOF_RANGE_SIZE_VER0, 0);

	r = range(0, area, AREA_PAGES * pagesz);
	errno = 0;
	mret = lof(LOF_IOC_LOCK, &r);
	expect_valid(mret, errno, LOF_FEAT_LOCK, feat, "LOCK flags 0");
	r.flags = LOF_LOCK_ONFAULT;
	errno = 0;
	mret = lof(LOF_IOC_LOCK, &r);
	expect_valid(mret, errno, LOF_FEAT_LOCK_ONFAULT, feat, "LOCK on fault");
	if (!(feat & (LOF_FEAT_LOCK | LOF_FEAT_LOCK_ONFAULT))) {
		report(lof_status_kb("VmLck") == lck0,
		       "refused locks left VmLck at %ld kB", lck0);
		report(resident_pages(area, AREA_PAGES * pagesz) == 0,
		       "refused locks faulted nothing in");
	}

	r = range(LOF_LOCK_ONFAULT, area, pagesz);
	EXPECT_ERRNO(lof(LOF_IOC_UNLOCK, &r), EINVAL, "UNLOCK flags 1");
	r.flags = 0x100;
	EXPECT_ERRNO(lof(LOF_IOC_UNLOCK, &r), EINVAL, "UNLOCK flags 0x100");
	r = range(0, area, pagesz);
	r.reserved[1] = 1;
	EXPECT_ERRNO(lof(LOF_IOC_UNLOCK, &r), EINVAL, "UNLOCK reserved != 0");
	test_sizes(LOF_IOC_UNLOCK, "UNLOCK", LOF_RANGE_SIZE_VER0);
	test_pointers(LOF_IOC_UNLOCK, "UNLOCK", LOF_RANGE_SIZE_VER0, 0);
	/* a fresh, untouched area: unlocking must not fault it in */
	munmap(area, AREA_PAGES * pagesz);
	area = mmap(NULL, AREA_PAGES * pagesz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = range(0, area, AREA_PAGES * pagesz);
	errno = 0;
	mret = lof(LOF_IOC_UNLOCK, &r);
	expect_valid(mret, errno, LOF_FEAT_UNLOCK, feat, "UNLOCK");
	report(resident_pages(area, AREA_PAGES * pagesz) == 0,
	       "UNLOCK faulted nothing in");

	as_nobody(0, nobody_limit0);
	as_nobody(64 * 1024, nobody_default);
}

static void test_lockall(void)
{
	uint64_t feat = features();
	struct lof_lockall a;
	uint32_t flags;
	long nret, mret;
	int nerr, merr;

	/* every flags word up to 0x10, and a few large ones */
	for (flags = 0; flags <= 0x10; flags++) {
		int valid = flags && !(flags & ~LOF_MCL_FLAGS) &&
			    flags != LOF_MCL_ONFAULT;

		a = lockall(flags);
		errno = 0;
		mret = lof(LOF_IOC_LOCKALL, &a);
		merr = errno;
		if (valid) {
			char what[64];

			snprintf(what, sizeof(what), "LOCKALL flags %#x", flags);
			expect_valid(mret, merr, LOF_FEAT_LOCKALL, feat, what);
			continue;
		}
		/* native mlockall() refuses the same flags before any work */
		errno = 0;
		nret = mlockall(flags);
		nerr = errno;
		if (nret == 0 && flags == LOF_MCL_ONFAULT) {
			/*
			 * Kernels before the 2019 fix (5.2 and its stable
			 * backports; 4.4.178) accept MCL_ONFAULT alone and
			 * unlock all.  Linux documents EINVAL: the module.
			 */
			munlockall();
			report(mret == -1 && merr == EINVAL,
			       "LOCKALL flags %#x: module %s as documented (this kernel's native mlockall accepts it: fixed upstream in 2019)",
			       flags, mret == -1 ? strerrorname_np(merr) : "success");
			continue;
		}
		{
			char what[64];

			snprintf(what, sizeof(what), "LOCKALL flags %#x", flags);
			expect_same(nret, nerr, mret, merr, EINVAL, what);
		}
	}
	a = lockall(0x80000000U | LOF_MCL_CURRENT);
	errno = 0;
	nret = mlockall(0x80000000U | MCL_CURRENT);
	nerr = errno;
	mret = lof(LOF_IOC_LOCKALL, &a);
	merr = errno;
	expect_same(nret, nerr, mret, merr, EINVAL, "LOCKALL flags 0x80000001");
	a = lockall(LOF_MCL_CURRENT);
	a.reserved[2] = 7;
	EXPECT_ERRNO(lof(LOF_IOC_LOCKALL, &a), EINVAL, "LOCKALL reserved != 0");
	test_sizes(LOF_IOC_LOCKALL, "LOCKALL", LOF_LOCKALL_SIZE_VER0);
	test_pointers(LOF_IOC_LOCKALL, "LOCKALL", LOF_LOCKALL_SIZE_VER0, 0);

	a = lockall(LOF_MCL_CURRENT);
	EXPECT_ERRNO(lof(LOF_IOC_UNLOCKALL, &a), EINVAL, "UNLOCKALL flags 1");
	a = lockall(0);
	a.reserved[0] = 1;
	EXPECT_ERRNO(lof(LOF_IOC_UNLOCKALL, &a), EINVAL, "UNLOCKALL reserved != 0");
	test_sizes(LOF_IOC_UNLOCKALL, "UNLOCKALL", LOF_LOCKALL_SIZE_VER0);
	test_pointers(LOF_IOC_UNLOCKALL, "UNLOCKALL", LOF_LOCKALL_SIZE_VER0, 0);
	a = lockall(0);
	errno = 0;
	mret = lof(LOF_IOC_UNLOCKALL, &a);
	expect_valid(mret, errno, LOF_FEAT_UNLOCKALL, feat, "UNLOCKALL");
}

static void test_query(void)
{
	uint64_t feat = features();
	struct lof_query_entry ent[4];
	struct lof_query q;
	long ret;

#define QUERY_INIT() do {						\
		memset(&q, 0, sizeof(q));				\
		q.size = sizeof(q);					\
		q.addr = (uintptr_t)area;				\
		q.len = AREA_PAGES * pagesz;				\
		q.nr_entries = 4;					\
		q.entries = (uintptr_t)ent;				\
	} while (0)

	QUERY_INIT();
	q.flags = 1;
	EXPECT_ERRNO(lof(LOF_IOC_QUERY, &q), EINVAL, "QUERY flags 1");
	QUERY_INIT();
	q.reserved[0] = 1;
	EXPECT_ERRNO(lof(LOF_IOC_QUERY, &q), EINVAL, "QUERY reserved != 0");
	QUERY_INIT();
	q.pid = -1;
	EXPECT_ERRNO(lof(LOF_IOC_QUERY, &q), EINVAL, "QUERY pid -1");
	QUERY_INIT();
	q.pid = 0x3ffffff0;
	EXPECT_ERRNO(lof(LOF_IOC_QUERY, &q), ESRCH, "QUERY pid that does not exist");
	QUERY_INIT();
	q.nr_entries = LOF_QUERY_ENTRIES_MAX + 1;
	EXPECT_ERRNO(lof(LOF_IOC_QUERY, &q), EINVAL, "QUERY nr_entries max+1");
	QUERY_INIT();
	q.addr = ~0ULL - pagesz;
	q.len = 2 * pagesz;
	EXPECT_ERRNO(lof(LOF_IOC_QUERY, &q), EINVAL, "QUERY range wraps");
	test_sizes(LOF_IOC_QUERY, "QUERY", LOF_QUERY_SIZE_VER0);
	test_pointers(LOF_IOC_QUERY, "QUERY", LOF_QUERY_SIZE_VER0,
		      !!(feat & LOF_FEAT_QUERY));

	QUERY_INIT();
	errno = 0;
	ret = lof(LOF_IOC_QUERY, &q);
	expect_valid(ret, errno, LOF_FEAT_QUERY, feat, "QUERY of the caller");
	QUERY_INIT();
	q.pid = 1;
	errno = 0;
	ret = lof(LOF_IOC_QUERY, &q);
	expect_valid(ret, errno, LOF_FEAT_QUERY_PID, feat, "QUERY of pid 1");
}

static void test_unknown(void)
{
	char buf[LOF_ARG_SIZE_MAX];
	unsigned int nr;

	memset(buf, 0, sizeof(buf));
	for (nr = 0x06; nr <= 0x08; nr++) {
		EXPECT_ERRNO(lof(_IO(LOF_IOC_MAGIC, nr), buf), ENOTTY,
			     "_IO(magic, %#x)", nr);
		EXPECT_ERRNO(lof(_IOWR(LOF_IOC_MAGIC, nr, struct lof_range), buf),
			     ENOTTY, "_IOWR(magic, %#x, lof_range)", nr);
	}
	EXPECT_ERRNO(lof(_IOWR(LOF_IOC_MAGIC, 0xff, char[16]), buf), ENOTTY,
		     "_IOWR(magic, 0xff)");
	set_size(buf, LOF_VERSION_SIZE_VER0);
	EXPECT_ERRNO(lof(_IOWR(LOF_IOC_MAGIC, 0x00, char[16]), buf), ENOTTY,
		     "VERSION number with another size");
	EXPECT_ERRNO(lof(_IOR(LOF_IOC_MAGIC, 0x00, struct lof_version), buf),
		     ENOTTY, "VERSION number with another direction");
	EXPECT_ERRNO(lof(_IOW(0xE9, 0x01, struct lof_range), buf), ENOTTY,
		     "LOCK number with another magic");
	EXPECT_ERRNO(lof(0, buf), ENOTTY, "command 0");
	EXPECT_ERRNO(lof(~0UL, buf), ENOTTY, "command ~0");
}

int main(int argc, char **argv)
{
	pagesz = sysconf(_SC_PAGESIZE);
	fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		report(0, "open " LOF_DEVICE_PATH ": %s", strerror(errno));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "provoke")) {
		struct lof_range r = range(0x40, NULL, 0);

		return lof(LOF_IOC_LOCK, &r) == -1 && errno == EINVAL ? 0 : 1;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s VERSION | provoke\n", argv[0]);
		return 2;
	}
	area = mmap(NULL, AREA_PAGES * pagesz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	{
		struct stat st;

		/* what was opened is the misc device, not a file in its place */
		report(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10,
		       "open " LOF_DEVICE_PATH " O_RDWR: a misc character device (10:%u)",
		       fstat(fd, &st) == 0 ? minor(st.st_rdev) : 0);
	}
	test_device();
	test_version(argv[1]);
	test_lock();
	test_lockall();
	test_query();
	test_unknown();
	printf("# " ABI ": %d lines ok, %d not ok in this process\n", passed,
	       failed);
	return failed ? 1 : 0;
}
