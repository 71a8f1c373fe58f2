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
 * and two that stand for a kernel the probes do not fit, which the load
 * self-test (lof_selftest.c) must refuse:
 *   7  mlock_fixup()'s vma is read from the wrong argument register
 *   8  the populate of a range locked on fault is not skipped
 * (7 is what a vendor backport of 6.3's mlock_fixup(vmi, vma, prev, ...)
 * would do to the module.)  And one the release check (lof_main.c) must
 * refuse:
 *   9  the module was built for another kernel release (a weak-updates link)
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
void lof_mm_release(struct mm_struct *mm);

/* lof_query.c */
int lof_query_init(void);
long lof_query(struct lof_query *q);
void lof_count_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, u64 *resident, u64 *mlocked);

/*
 * lof_selftest.c: what the probes saw while the load self-test ran on its
 * scratch range of the loading process.  The handlers look only while
 * @mm is set, and only at calls of that process.
 */
struct lof_selftest {
	struct mm_struct *mm;
	unsigned long start, end;
	unsigned int populate;		/* populate of the range skipped */
	unsigned int fixup;		/* mlock_fixup() of the range */
	unsigned int fork;		/* the child's copy of the range */
	unsigned int bad;		/* a call whose arguments do not fit */
	unsigned long fork_flags;	/* the child's vm_flags after the probe */
};

extern struct lof_selftest lof_st;
int lof_selftest(void);

static inline bool lof_st_armed(void)
{
	struct mm_struct *mm = READ_ONCE(lof_st.mm);

	return unlikely(mm) && mm == current->mm;
}

/* lof_ioctl.c */
void lof_policy_init(void);
long lof_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* LOF_INTERNAL_H */
