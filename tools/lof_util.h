/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by lockonfault's userspace tools and test programs. */
#ifndef LOF_UTIL_H
#define LOF_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

/*
 * What the oldest targets' headers lack (RHEL 7: 3.10 kernel headers,
 * glibc 2.17): the tools and test programs build there too.
 * LOF_OLD_LIBC_TEST takes every fallback here on a new system, so that the
 * gcc 4.8 stage proves they compile.
 */
#ifdef LOF_OLD_LIBC_TEST
#undef SYS_mlock2
#undef SYS_memfd_create
#undef MFD_CLOEXEC
#undef MLOCK_ONFAULT
#undef MCL_ONFAULT
#endif
#if !defined(SYS_mlock2) && defined(__x86_64__) && !defined(__ILP32__)
#define SYS_mlock2 325
#elif !defined(SYS_mlock2) && defined(__i386__)
#define SYS_mlock2 376
#endif
#if !defined(SYS_memfd_create) && defined(__x86_64__) && !defined(__ILP32__)
#define SYS_memfd_create 319
#elif !defined(SYS_memfd_create) && defined(__i386__)
#define SYS_memfd_create 356
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

/* memfd_create() of glibc 2.27, through the system call (3.17) */
static inline int lof_memfd_create(const char *name, unsigned int flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

/* strerrorname_np() of glibc 2.32, for the errnos the programs meet */
static inline const char *lof_errname(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
		{ ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
		{ EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { EFBIG, "EFBIG" },
		{ ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" }, { EROFS, "EROFS" },
		{ EPIPE, "EPIPE" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EXFULL, "EXFULL" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ECANCELED, "ECANCELED" }, { EILSEQ, "EILSEQ" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return e ? "E?" : "0";
}

#if defined(__GLIBC__) && defined(__GLIBC_PREREQ) && !defined(LOF_OLD_LIBC_TEST)
#if __GLIBC_PREREQ(2, 32)
#define LOF_HAVE_STRERRORNAME_NP 1
#endif
#endif
#ifndef LOF_HAVE_STRERRORNAME_NP
#define strerrorname_np lof_errname
#endif

/*
 * The number on the "Key: ..." line of /proc/self/status, read in @base;
 * @absent if there is no such line.
 */
static inline unsigned long long lof_status_num(const char *key, int base,
						unsigned long long absent)
{
	char line[256];
	size_t n = strlen(key);
	unsigned long long v = absent;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return absent;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, base);
	fclose(f);
	return v;
}

/* A "Key:   N kB" line of /proc/self/status, in kB; -1 if absent. */
static inline long lof_status_kb(const char *key)
{
	return (long)lof_status_num(key, 10, (unsigned long long)-1);
}

/* Seconds on CLOCK_MONOTONIC. */
static inline double lof_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* LOF_UTIL_H */
