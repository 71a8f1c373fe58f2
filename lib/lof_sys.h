/* SPDX-License-Identifier: MIT */
/*
 * Raw system calls for liblockonfault.  The library cannot go through
 * libc's syscall() or mlockall(): the preload shim replaces those, and a
 * call from the library would come back into the shim.  These touch no
 * errno; they return -errno on failure.
 */
#ifndef LOF_SYS_H
#define LOF_SYS_H

#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#if defined(__x86_64__) && !defined(__ILP32__)
#define LOF_NR_mlock		149
#define LOF_NR_munlock		150
#define LOF_NR_mlockall		151
#define LOF_NR_munlockall	152
#define LOF_NR_mlock2		325
#define LOF_RAW_SYSCALLS	1

static inline long lof_raw6(long nr, long a, long b, long c, long d, long e,
			    long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile ("syscall"
			  : "=a" (ret)
			  : "a" (nr), "D" (a), "S" (b), "d" (c), "r" (r10),
			    "r" (r8), "r" (r9)
			  : "rcx", "r11", "memory");
	return ret;
}
#else
/*
 * Elsewhere (32-bit x86 included): libc's syscall(), and the shim does not
 * replace syscall().
 */
#include <unistd.h>
#define LOF_NR_mlock		SYS_mlock
#define LOF_NR_munlock		SYS_munlock
#define LOF_NR_mlockall		SYS_mlockall
#define LOF_NR_munlockall	SYS_munlockall
#ifdef SYS_mlock2
#define LOF_NR_mlock2		SYS_mlock2
#else
#define LOF_NR_mlock2		(-1L)
#endif

static inline long lof_raw6(long nr, long a, long b, long c, long d, long e,
			    long f)
{
	int saved = errno;
	long ret = syscall(nr, a, b, c, d, e, f);

	if (ret == -1) {
		ret = -errno;
		errno = saved;
	}
	return ret;
}
#endif

static inline long lof_raw3(long nr, long a, long b, long c)
{
	return lof_raw6(nr, a, b, c, 0, 0, 0);
}

/* -errno results of lof_raw*() to the libc convention */
static inline long lof_sys_result(long ret)
{
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/*
 * fstat() without libc's fstat symbol, which glibc 2.33 versions anew
 * (fstat@GLIBC_2.33): the library and the shim must load on glibc 2.17
 * (RHEL 7).  On x86-64 the kernel's struct stat is glibc's.
 */
static inline int lof_fstat(int fd, struct stat *st)
{
#ifdef LOF_RAW_SYSCALLS
	return (int)lof_sys_result(lof_raw3(5 /* __NR_fstat */, fd, (long)st, 0));
#else
	return fstat(fd, st);
#endif
}

#endif /* LOF_SYS_H */
