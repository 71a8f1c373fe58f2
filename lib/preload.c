// SPDX-License-Identifier: MIT
/*
 * liblockonfault-preload.so: lock-on-fault for unmodified programs.
 *
 * Loaded with LD_PRELOAD (or from /etc/ld.so.preload), it takes over the
 * entry points through which a program asks for lock-on-fault:
 *
 *   mlock2(addr, len, flags)             all of it (glibc 2.27+ wrapper)
 *   syscall(SYS_mlock2, addr, len, flags) the same, for programs that call
 *                                         the system call directly
 *   mlockall(flags), syscall(SYS_mlockall, flags)
 *                                         when flags has MCL_ONFAULT
 *
 * and hands them to liblockonfault (built into this object, hidden), which
 * uses the kernel's own calls where it has lock-on-fault and the module's
 * device where it does not.  Every other call, munlock() and munlockall()
 * included, goes to the kernel unchanged: the module follows the kernel's
 * own unlock paths.  errno is set only when a call fails, exactly as by
 * the system call; nothing here allocates or takes a lock.
 *
 * LOCKONFAULT_EXEC_MLOCKALL=FLAGS in the environment (set by "lockonfault
 * exec") makes the program call mlockall(FLAGS) before main(); if that
 * fails, the program is not run (exit status 126).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockonfault.h"
#include "lof_sys.h"

#define LOF_SHIM __attribute__((visibility("default")))

LOF_SHIM int mlock2(const void *addr, size_t len, unsigned int flags)
{
	return lof_mlock2(addr, len, flags);
}

LOF_SHIM int mlockall(int flags)
{
	if (flags & LOF_MCL_ONFAULT)
		return lof_mlockall(flags);
	return (int)lof_sys_result(lof_raw3(LOF_NR_mlockall, flags, 0, 0));
}

#ifdef LOF_RAW_SYSCALLS
LOF_SHIM long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	/* as libc's syscall(): six arguments, whatever the caller passed */
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (nr == LOF_NR_mlock2)
		return lof_mlock2((const void *)a[0], (size_t)a[1],
				  (unsigned int)a[2]);
	if (nr == LOF_NR_mlockall && (a[0] & LOF_MCL_ONFAULT))
		return lof_mlockall((int)a[0]);
	return lof_sys_result(lof_raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}
#endif

static const char *flag_names(int flags, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s",
		 flags & LOF_MCL_CURRENT ? "|MCL_CURRENT" : "",
		 flags & LOF_MCL_FUTURE ? "|MCL_FUTURE" : "",
		 flags & LOF_MCL_ONFAULT ? "|MCL_ONFAULT" : "",
		 flags & ~(int)LOF_MCL_FLAGS ? "|?" : "");
	return buf[0] ? buf + 1 : "0";
}

__attribute__((constructor)) static void lof_preload_init(void)
{
	const char *s = getenv("LOCKONFAULT_EXEC_MLOCKALL");
	char names[64];
	char *end;
	long flags;
	int err;

	if (!s || !*s)
		return;
	errno = 0;
	flags = strtol(s, &end, 0);
	if (errno || *end || flags <= 0 || flags > (long)LOF_MCL_FLAGS) {
		fprintf(stderr, "lockonfault: LOCKONFAULT_EXEC_MLOCKALL=%s is not a set of MCL_* flags\n",
			s);
		_exit(126);
	}
	if (!mlockall((int)flags))
		return;
	err = errno;
	fprintf(stderr, "lockonfault: mlockall(%s) through %s failed: %s%s\n",
		flag_names((int)flags, names, sizeof(names)),
		lof_backend_name(lof_backend()), strerror(err),
		err == ENOMEM || err == EPERM ?
		" (RLIMIT_MEMLOCK too small: see 'ulimit -l'; CAP_IPC_LOCK lifts it)" : "");
	_exit(126);
}
