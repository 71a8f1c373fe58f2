/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOF_INTERNAL_H
#define LOF_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/export.h>
#include <uapi/linux/lockonfault.h>

#include "compat/lof_compat.h"

/* Internals the KUnit module (module/tests/) calls, on KUnit kernels only. */
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_FOR_LOF_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, LOCKONFAULT_KUNIT)
#else
#define EXPORT_SYMBOL_FOR_LOF_KUNIT(sym)
#endif

/*
 * Planted bugs (module/Kbuild: LOF_MUTANT=N), each of which the test suite
 * must catch:
 *   1  the populate of a file-backed range locked on fault is not skipped
 *   2  munlock leaves the tag on the vma
 *   3  a forked child's vmas keep the tag
 *   4  a lock-on-fault request locks fully
 *   5  the populate worker leaves the last page of its range out
 *   6  locked_vm is not restored after mlock_fixup() counted a range twice
 */
#ifdef LOF_MUTANT
#define lof_mutant(n)	(LOF_MUTANT == (n))
#else
#define lof_mutant(n)	false
#endif

/* lof_main.c */
extern unsigned int lof_verbose;
u64 lof_features(void);
u64 lof_kernel_features(void);

/* lof_engine.c */
void *lof_lookup_name(const char *name);
u64 lof_missed_probes(void);
int lof_engine_init(void);
void lof_engine_exit(void);
long lof_lock(unsigned long start, unsigned long len, bool onfault);
long lof_unlock(unsigned long start, unsigned long len);
long lof_lockall(unsigned int flags);
long lof_unlockall(void);
unsigned int lof_tracked_mms(void);

/* lof_query.c */
int lof_query_init(void);
long lof_query(struct lof_query *q);

/* lof_ioctl.c */
long lof_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* LOF_INTERNAL_H */
