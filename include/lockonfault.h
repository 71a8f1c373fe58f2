/* SPDX-License-Identifier: MIT */
/*
 * liblockonfault: mlock2(MLOCK_ONFAULT) and mlockall(MCL_ONFAULT) on every
 * kernel.  The native system calls where the running kernel has lock-on-
 * fault (Linux 4.4+, RHEL 7.8+), the lockonfault module's /dev/lockonfault
 * otherwise.  Link with -llockonfault (pkg-config lockonfault).
 *
 * The lock calls take the arguments of the system calls of the same name
 * and fail the way they do: -1 with errno set, nothing changed.  See
 * lof_mlock2(3).
 */
#ifndef LOCKONFAULT_H
#define LOCKONFAULT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/lockonfault.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags, with the values of MLOCK_ONFAULT and MCL_* from <sys/mman.h>. */
#define LOF_MLOCK_ONFAULT	LOF_LOCK_ONFAULT
/* LOF_MCL_CURRENT, LOF_MCL_FUTURE, LOF_MCL_ONFAULT: <linux/lockonfault.h> */

/* What carries the lock calls (lof_backend()). */
enum lof_backend {
	LOF_BACKEND_NONE = 0,	/* nothing can lock on fault here */
	LOF_BACKEND_NATIVE = 1,	/* the kernel's own mlock2()/mlockall() */
	LOF_BACKEND_MODULE = 2,	/* the lockonfault module, /dev/lockonfault */
};

/* mlock2(2): flags 0 or LOF_MLOCK_ONFAULT. */
int lof_mlock2(const void *addr, size_t len, unsigned int flags);
/* munlock(2) */
int lof_munlock(const void *addr, size_t len);
/* mlockall(2): LOF_MCL_CURRENT, LOF_MCL_FUTURE, LOF_MCL_ONFAULT. */
int lof_mlockall(int flags);
/* munlockall(2) */
int lof_munlockall(void);

/*
 * How [addr, addr + len) of process pid (0: the caller) is locked: fn is
 * called for each stretch of one state, in address order, until it returns
 * non-zero (which lof_query() then returns).  Needs the module; another
 * process needs the permission that reading its /proc/PID/smaps needs.
 * Returns 0, fn's non-zero value, or -1 with errno set.
 */
typedef int (*lof_query_fn)(const struct lof_query_entry *entry, void *arg);
int lof_query(pid_t pid, uint64_t addr, uint64_t len, lof_query_fn fn,
	      void *arg);

/*
 * The backend the lock-on-fault calls use: the native calls if the kernel
 * has them, else the module if /dev/lockonfault can be opened, else
 * LOF_BACKEND_NONE (the calls then fail as the kernel fails them: mlock2
 * with ENOSYS or EINVAL, mlockall with EINVAL).  Decided once per process;
 * LOCKONFAULT_BACKEND=native|module|auto in the environment overrides it.
 */
int lof_backend(void);
const char *lof_backend_name(int backend);
/* Whether the running kernel has native lock-on-fault (1) or not (0). */
int lof_native_supported(void);
/*
 * Why the module cannot be used: 0 if /dev/lockonfault opens and answers,
 * else the errno of opening or asking it (ENOENT: no device node, the
 * module is not loaded; ENXIO or ENODEV: a node without the module;
 * EACCES: no permission; ENOTTY: not the lockonfault device).
 */
int lof_module_errno(void);
/* The module's LOF_IOC_VERSION answer; -1 with errno if unavailable. */
int lof_module_version(struct lof_version *v);

/* The library's version, e.g. "0.1.0". */
const char *lof_library_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LOCKONFAULT_H */
