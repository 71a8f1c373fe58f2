/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decisions of the module, as pure functions: argument checks and the
 * probe handlers' flag arithmetic.  The ioctls and the handlers call these,
 * and the KUnit suite (module/tests/) tests them directly.
 */
#ifndef LOF_LOGIC_H
#define LOF_LOGIC_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <uapi/linux/lockonfault.h>

#include "compat/lof_compat.h"

/* The caller's struct size: LOF_*_SIZE_VER0 .. LOF_ARG_SIZE_MAX. */
static inline int lof_check_arg_size(u32 usize, size_t minsize)
{
	if (usize < minsize)
		return -EINVAL;
	if (usize > LOF_ARG_SIZE_MAX)
		return -E2BIG;
	return 0;
}

static inline bool lof_all_zero(const u64 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* LOF_IOC_LOCK (@lock) or LOF_IOC_UNLOCK: reserved fields and flags. */
static inline int lof_check_range(const struct lof_range *r, bool lock)
{
	if (!lof_all_zero(r->reserved, ARRAY_SIZE(r->reserved)))
		return -EINVAL;
	if (r->flags & ~(lock ? LOF_LOCK_FLAGS : 0))
		return -EINVAL;
	return 0;
}

/* mlockall()'s rule: flags, known flags, and not MCL_ONFAULT alone. */
static inline bool lof_lockall_flags_valid(u32 flags)
{
	return flags && !(flags & ~LOF_MCL_FLAGS) && flags != LOF_MCL_ONFAULT;
}

static inline int lof_check_query(const struct lof_query *q)
{
	if (q->flags || !lof_all_zero(q->reserved, ARRAY_SIZE(q->reserved)))
		return -EINVAL;
	if (q->pid < 0 || q->nr_entries > LOF_QUERY_ENTRIES_MAX)
		return -EINVAL;
	if (q->addr + q->len < q->addr)
		return -EINVAL;
	if (q->nr_entries && !q->entries)
		return -EFAULT;
	return 0;
}

/*
 * The pages a query covers: from the page holding @addr to the end of the
 * page holding the last byte; a range that would round past the top of
 * the address space ends at its last page.  Empty if @len is 0.
 */
static inline void lof_query_bounds(u64 addr, u64 len, unsigned long *start,
				    unsigned long *end)
{
	*start = addr & PAGE_MASK;
	*end = PAGE_ALIGN(addr + len);
	if (!len)
		*end = *start;
	else if (*end < *start || *end < addr + len)
		*end = -PAGE_SIZE;
}

/* A vma is locked on fault when it has both VM_LOCKED and the tag. */
static inline bool lof_is_onfault(vm_flags_t flags)
{
	return (flags & (VM_LOCKED | LOF_VM_ONFAULT)) ==
		(VM_LOCKED | LOF_VM_ONFAULT);
}

/* The populate worker's answer for a tagged vma: every page done. */
static inline long lof_populate_result(unsigned long start, unsigned long end)
{
	return (end - start) >> PAGE_SHIFT;
}

/*
 * mlock_fixup()'s newflags for a vma whose flags are @old: the tag only
 * where the range ends up locked and the request asked for lock on fault.
 * Where the range is not locked before or after, the tag is left as it
 * is: mlock_fixup() takes equal flags as "nothing to do", and any other
 * change would make it account an unlock that did not happen.
 */
static inline vm_flags_t lof_fixup_newflags(vm_flags_t old, vm_flags_t newflags,
					    bool onfault)
{
	if (!(old & VM_LOCKED) && !(newflags & VM_LOCKED))
		return (newflags & ~LOF_VM_ONFAULT) | (old & LOF_VM_ONFAULT);
	newflags &= ~LOF_VM_ONFAULT;
	if ((newflags & VM_LOCKED) && onfault)
		newflags |= LOF_VM_ONFAULT;
	return newflags;
}

/*
 * Whether mlock_fixup() from @old to @newflags leaves a locked range
 * locked (its tag may change): native lock-on-fault counts such a range
 * once, so locked_vm must not move.
 */
static inline bool lof_stays_locked(vm_flags_t old, vm_flags_t newflags)
{
	return (old & VM_LOCKED) && (newflags & VM_LOCKED);
}

/* Whether the fixup handler has anything to decide (its fast path). */
static inline bool lof_fixup_concerned(vm_flags_t old, vm_flags_t newflags,
				       bool any_marker)
{
	return ((old | newflags) & LOF_VM_ONFAULT) || any_marker;
}

/*
 * mm->def_flags before the kernel's mlockall worker runs with @mcl_flags
 * (never MCL_ONFAULT: the ioctl passes it as @onfault): the tag is set
 * for MCL_FUTURE on request, cleared otherwise.
 */
static inline vm_flags_t lof_mlockall_def_flags(vm_flags_t def_flags,
						int mcl_flags, bool onfault)
{
	def_flags &= ~LOF_VM_ONFAULT;
	if ((mcl_flags & LOF_MCL_FUTURE) && onfault)
		def_flags |= LOF_VM_ONFAULT;
	return def_flags;
}

/* A vma that is not VM_LOCKED (a fork child's, a refused mmap's): no tag. */
static inline vm_flags_t lof_drop_stale_tag(vm_flags_t flags)
{
	if (!(flags & VM_LOCKED))
		flags &= ~LOF_VM_ONFAULT;
	return flags;
}

/* A forked child's copy of a vma: never locked, so never on fault. */
static inline vm_flags_t lof_fork_child_flags(vm_flags_t flags)
{
	return flags & ~LOF_VM_ONFAULT;
}

/*
 * enum lof_state of a vma, for the query: on fault by the module's tag or,
 * on a kernel that has it, by native mlock2(MLOCK_ONFAULT).
 */
static inline u32 lof_vma_state_of(vm_flags_t flags)
{
	if (!(flags & VM_LOCKED))
		return LOF_STATE_UNLOCKED;
	if (flags & (LOF_VM_ONFAULT | LOF_VM_NATIVE_ONFAULT))
		return LOF_STATE_ONFAULT;
	return LOF_STATE_LOCKED;
}

#endif /* LOF_LOGIC_H */
