// SPDX-License-Identifier: MIT
/*
 * liblockonfault: lock-on-fault through the native system calls where the
 * kernel has them, through /dev/lockonfault where it does not.
 *
 * Thread and async-signal safety: the state is a handful of words updated
 * with atomic operations; the calls make system calls only (open, fstat,
 * ioctl, close and the mlock family), no locks, no allocation.  errno is
 * left alone unless a call fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockonfault.h"
#include "lof_sys.h"

#ifndef LOF_LIB_VERSION
#error "LOF_LIB_VERSION must be defined (from dkms.conf)"
#endif

#define LOF_EXPORT __attribute__((visibility("default")))

/* LOF_BACKEND_* forced by LOCKONFAULT_BACKEND, or -1 for automatic. */
static int forced_backend = -2;		/* -2: not read yet */
static int native_state = -1;		/* -1: not probed yet */

/*
 * The cached device descriptor and what it must be.  The program may close
 * any descriptor (daemons close them all), and the number may then name
 * another file: each use checks it still is our device before trusting it.
 */
static int dev_fd = -1;
static dev_t dev_rdev;
static ino_t dev_ino;

static int load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int env_backend(void)
{
	int v = load(&forced_backend);
	const char *s;

	if (v != -2)
		return v;
	s = getenv("LOCKONFAULT_BACKEND");
	if (s && !strcmp(s, "native"))
		v = LOF_BACKEND_NATIVE;
	else if (s && !strcmp(s, "module"))
		v = LOF_BACKEND_MODULE;
	else
		v = -1;		/* unset, empty, "auto" or unknown */
	store(&forced_backend, v);
	return v;
}

LOF_EXPORT int lof_native_supported(void)
{
	int v = load(&native_state);
	long r;

	if (v >= 0)
		return v;
	/*
	 * A zero-length mlock2(MLOCK_ONFAULT) changes nothing.  Kernels
	 * without lock-on-fault fail it with ENOSYS (no mlock2) or EINVAL
	 * (MLOCK_ONFAULT unknown); with it, it returns 0 (or EPERM when
	 * RLIMIT_MEMLOCK is 0 without CAP_IPC_LOCK, after the flags passed).
	 */
	r = lof_raw3(LOF_NR_mlock2, 0, 0, LOF_MLOCK_ONFAULT);
	v = !(LOF_NR_mlock2 < 0 || r == -ENOSYS || r == -EINVAL);
	store(&native_state, v);
	return v;
}

static int fd_is_device(int fd)
{
	struct stat st;

	return !lof_fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == dev_rdev && st.st_ino == dev_ino;
}

/* The device's descriptor, opened once; -errno if it cannot be used. */
static int module_fd(void)
{
	struct lof_version v;
	struct stat st;
	int saved = errno, fd, old;

	fd = load(&dev_fd);
	if (fd >= 0 && fd_is_device(fd))
		return fd;
	if (fd >= 0)	/* no longer ours: forget it, never close it */
		__atomic_compare_exchange_n(&dev_fd, &fd, -1, 0,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);

	fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	if (lof_fstat(fd, &st) || ioctl(fd, LOF_IOC_VERSION, &v)) {
		close(fd);
		goto fail;
	}
	if (v.abi_version != LOF_ABI_VERSION) {
		close(fd);
		errno = EPROTO;
		goto fail;
	}
	dev_rdev = st.st_rdev;
	dev_ino = st.st_ino;
	old = -1;
	if (!__atomic_compare_exchange_n(&dev_fd, &old, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* another thread got there first */
		close(fd);
		fd = old;
	}
	errno = saved;
	return fd;
fail:
	fd = -errno;
	errno = saved;
	return fd;
}

LOF_EXPORT int lof_module_errno(void)
{
	int fd = module_fd();

	return fd < 0 ? -fd : 0;
}

LOF_EXPORT int lof_module_version(struct lof_version *v)
{
	int fd = module_fd();

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ioctl(fd, LOF_IOC_VERSION, v);
}

LOF_EXPORT int lof_backend(void)
{
	int forced = env_backend();

	if (forced >= 0)
		return forced;
	if (lof_native_supported())
		return LOF_BACKEND_NATIVE;
	if (module_fd() >= 0)
		return LOF_BACKEND_MODULE;
	return LOF_BACKEND_NONE;
}

LOF_EXPORT const char *lof_backend_name(int backend)
{
	switch (backend) {
	case LOF_BACKEND_NATIVE:
		return "native";
	case LOF_BACKEND_MODULE:
		return "module";
	case LOF_BACKEND_NONE:
		return "none";
	}
	return "unknown";
}

LOF_EXPORT const char *lof_library_version(void)
{
	return LOF_LIB_VERSION;
}

/* An ioctl on the device; the device's errno if it cannot be opened. */
static int module_call(unsigned long cmd, void *arg)
{
	int fd = module_fd();

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return ioctl(fd, cmd, arg);
}

static int range_call(unsigned long cmd, const void *addr, size_t len,
		      unsigned int flags)
{
	struct lof_range r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = flags;
	r.addr = (uintptr_t)addr;
	r.len = len;
	return module_call(cmd, &r);
}

static int lockall_call(unsigned long cmd, int flags)
{
	struct lof_lockall a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = (unsigned int)flags;
	return module_call(cmd, &a);
}

LOF_EXPORT int lof_mlock2(const void *addr, size_t len, unsigned int flags)
{
	long r;

	if (lof_backend() == LOF_BACKEND_MODULE)
		return range_call(LOF_IOC_LOCK, addr, len, flags);
	r = lof_raw3(LOF_NR_mlock2, (long)addr, (long)len, (long)flags);
	/* as glibc's mlock2(): flags 0 without the system call is mlock() */
	if ((LOF_NR_mlock2 < 0 || r == -ENOSYS) && !flags)
		r = lof_raw3(LOF_NR_mlock, (long)addr, (long)len, 0);
	else if (LOF_NR_mlock2 < 0)
		r = -ENOSYS;
	return (int)lof_sys_result(r);
}

LOF_EXPORT int lof_munlock(const void *addr, size_t len)
{
	if (lof_backend() == LOF_BACKEND_MODULE)
		return range_call(LOF_IOC_UNLOCK, addr, len, 0);
	return (int)lof_sys_result(lof_raw3(LOF_NR_munlock, (long)addr,
					    (long)len, 0));
}

LOF_EXPORT int lof_mlockall(int flags)
{
	/*
	 * MCL_ONFAULT needs MCL_CURRENT or MCL_FUTURE (EINVAL, as Linux
	 * documents); native kernels before the 2019 fix accepted it alone
	 * and unlocked everything.  The same answer on every kernel.
	 */
	if ((flags & LOF_MCL_ONFAULT) && !(flags & (LOF_MCL_CURRENT | LOF_MCL_FUTURE))) {
		errno = EINVAL;
		return -1;
	}
	if (lof_backend() == LOF_BACKEND_MODULE)
		return lockall_call(LOF_IOC_LOCKALL, flags);
	return (int)lof_sys_result(lof_raw3(LOF_NR_mlockall, flags, 0, 0));
}

LOF_EXPORT int lof_munlockall(void)
{
	if (lof_backend() == LOF_BACKEND_MODULE)
		return lockall_call(LOF_IOC_UNLOCKALL, 0);
	return (int)lof_sys_result(lof_raw3(LOF_NR_munlockall, 0, 0, 0));
}

LOF_EXPORT int lof_query(pid_t pid, uint64_t addr, uint64_t len,
			 lof_query_fn fn, void *arg)
{
	struct lof_query_entry ents[64];
	uint64_t end = addr + len;
	struct lof_query q;
	unsigned int i;
	int ret;

	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.pid = pid;
		q.nr_entries = sizeof(ents) / sizeof(ents[0]);
		q.addr = addr;
		q.len = len;
		q.entries = (uintptr_t)ents;
		if (module_call(LOF_IOC_QUERY, &q))
			return -1;
		for (i = 0; i < q.nr_entries; i++) {
			ret = fn(&ents[i], arg);
			if (ret)
				return ret;
		}
		if (q.nr_entries < sizeof(ents) / sizeof(ents[0]) ||
		    q.next >= end || q.next <= addr)
			return 0;
		len = end - q.next;
		addr = q.next;
	}
}
