// SPDX-License-Identifier: GPL-2.0
/*
 * The load self-test.  Every probe point is a guess about the running
 * kernel: its compiler decides what is inlined, its vendor what is
 * backported, and a probe on a function whose arguments moved would read
 * garbage where it expects a vma.  Before the device is offered, the
 * engine locks a scratch range of the loading process on fault, as a
 * request does, and checks what the probes saw and what the kernel then
 * holds.  Any failed check refuses the load and says which.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/ktime.h>
#include <linux/utsname.h>

#include "lof_internal.h"
#include "lof_logic.h"

#define LOF_ST_PAGES	4

struct lof_selftest lof_st;

#ifdef LOF_MUTANT
/* Mutant builds only: let the suite meet a bug the self-test would refuse. */
static bool lof_selftest_on = true;
module_param_named(selftest, lof_selftest_on, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the load self-test (mutant test builds only)");
#else
#define lof_selftest_on true
#endif

/* What the kernel holds for the scratch range. */
struct lof_st_view {
	unsigned long flags;		/* 0: not one vma of its own */
	u64 resident, mlocked;
	unsigned long locked_vm;
};

static void lof_st_look(struct lof_st_view *v)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = find_vma(mm, lof_st.start);
	v->flags = 0;
	v->resident = 0;
	v->mlocked = 0;
	if (vma && vma->vm_start == lof_st.start && vma->vm_end == lof_st.end) {
		v->flags = vma->vm_flags;
		lof_count_range(mm, lof_st.start, lof_st.end, &v->resident,
				&v->mlocked);
	}
	v->locked_vm = mm->locked_vm;
	mmap_read_unlock(mm);
}

/*
 * A fork of the loading process that copies its mm and then fails: with
 * CLONE_NEWIPC and CLONE_SYSVSEM together, copy_namespaces() refuses
 * (EINVAL; EPERM without CAP_SYS_ADMIN), and copy_process() calls it
 * after copy_mm().  dup_mmap() runs in full, the fork probe sees the
 * child's copy of every vma, and the child is torn down without ever
 * running.  Returns what clone() returned.
 */
static long lof_st_fork(void)
{
	void *clone_fn = lof_lookup_name(LOF_SYS_PREFIX "clone");
	long ret;

	if (!clone_fn)
		return -ENOENT;
	ret = lof_call_sys(clone_fn, CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, 0);
	if (ret > 0) {
		/* never on a kernel that checks the flags as clone(2) says */
		kill_pid(find_vpid(ret), SIGKILL, 1);
	}
	return ret;
}

/* The checks, in order; returns the first that fails, NULL if none. */
static const char *lof_st_run(long *err)
{
	unsigned long len = lof_st.end - lof_st.start;
	unsigned long npages = len >> PAGE_SHIFT;
	struct lof_st_view v;
	unsigned long base;

	lof_st_look(&v);
	base = v.locked_vm;

	*err = lof_lock(lof_st.start, len, true);
	if (*err)
		return "a lock on fault of the scratch range failed";
	lof_st_look(&v);
	if (lof_st.bad)
		return "a probed call's arguments are not where the handlers read them";
	if (!lof_st.fixup)
		return "mlock_fixup() was not seen locking the range";
	if (!lof_st.populate)
		return "the populate of the range was not seen skipped";
	if (v.resident)
		return "the lock faulted pages in";
	if (!lof_is_onfault(v.flags))
		return "the range is not VM_LOCKED with the on-fault tag";
	if (v.locked_vm != base + npages)
		return "locked_vm did not grow by the range";

	if (clear_user((void __user *)lof_st.start, 1))
		return "the scratch range cannot be written";
	lof_st_look(&v);
	if (v.resident != 1 || v.mlocked != 1)
		return "a page faulted into the range is not mlocked, or others came with it";

	*err = lof_st_fork();
	if (!lof_st.fork)
		return "the fork probe did not see the child's copy of the range";
	if (lof_st.fork_flags & LOF_VM_ONFAULT)
		return "a forked child keeps the on-fault tag";
	*err = 0;

	/* to a full lock and back: the range stays locked, counted once */
	*err = lof_lock(lof_st.start, len, false);
	if (*err)
		return "mlock() of the range locked on fault failed";
	lof_st_look(&v);
	if (!(v.flags & VM_LOCKED) || (v.flags & LOF_VM_ONFAULT) ||
	    v.resident != npages)
		return "mlock() did not turn the range into a full lock";
	if (v.locked_vm != base + npages)
		return "mlock() of a range locked on fault counted it twice in locked_vm";
	*err = lof_lock(lof_st.start, len, true);
	if (*err)
		return "a lock on fault of the fully locked range failed";
	lof_st_look(&v);
	if (!lof_is_onfault(v.flags) || v.locked_vm != base + npages)
		return "a lock on fault of a fully locked range did not convert it once";

	*err = lof_unlock(lof_st.start, len);
	if (*err)
		return "munlock() of the range failed";
	lof_st_look(&v);
	if (v.flags & (VM_LOCKED | LOF_VM_ONFAULT))
		return "munlock() left VM_LOCKED or the on-fault tag";
#ifdef LOF_FOLL_MLOCK
	/*
	 * Before 5.18 munlock clears PG_mlocked at once; from 5.18 it goes
	 * through per-CPU batches drained later, so there is nothing to see.
	 */
	if (v.resident != npages || v.mlocked)
		return "munlock() left a page mlocked";
#endif
	if (v.locked_vm != base)
		return "locked_vm did not come back after munlock()";
	return NULL;
}

/*
 * Runs in init_module(), in the loading process, with every probe
 * registered and no device yet.  The scratch mapping is the process's
 * own, private and anonymous, and is unmapped before the load returns.
 */
int lof_selftest(void)
{
	unsigned long len = LOF_ST_PAGES * PAGE_SIZE, addr;
	const char *failed;
	ktime_t t0 = ktime_get();
	long err = 0;

	if (!lof_selftest_on) {
		pr_warn("load self-test skipped (selftest=0)\n");
		return 0;
	}
	if (!current->mm) {
		pr_err("load self-test: the loading task has no address space to test in; refusing to load\n");
		return -EOPNOTSUPP;
	}
	addr = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr)) {
		pr_err("load self-test: cannot map a scratch range (%ld); refusing to load\n",
		       (long)addr);
		return (int)addr;
	}
	memset(&lof_st, 0, sizeof(lof_st));
	lof_st.start = addr;
	lof_st.end = addr + len;
	WRITE_ONCE(lof_st.mm, current->mm);

	failed = lof_st_run(&err);

	WRITE_ONCE(lof_st.mm, NULL);
	lof_unlock(addr, len);
	vm_munmap(addr, len);
	lof_mm_release(current->mm);
	if (failed) {
		pr_err("load self-test failed: %s (%ld; %u probed calls did not fit).\n",
		       failed, err, lof_st.bad);
		pr_err("The module's probes do not fit this kernel (%s %s), so it cannot lock on fault here; refusing to load. Please report this message with the kernel's package version. Until then, use mlock() instead of lock on fault%s.\n",
		       utsname()->release, utsname()->version,
		       (lof_kernel_features() & LOF_KFEAT_MLOCK2) ?
		       ", or this kernel's own mlock2(MLOCK_ONFAULT)" : "");
		return -EOPNOTSUPP;
	}
	pr_info("load self-test passed in %lld us\n",
		(long long)ktime_us_delta(ktime_get(), t0));
	return 0;
}
