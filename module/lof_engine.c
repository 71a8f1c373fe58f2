// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-on-fault engine.  See DESIGN.md for the why; in short:
 *
 * - A range locked on fault is VM_LOCKED, plus LOF_VM_ONFAULT (a vm_flags
 *   bit that is free on this kernel).  VM_LOCKED gives all of mlock's
 *   semantics for free: accounting, RLIMIT_MEMLOCK, reclaim protection,
 *   pages mlocked as they are mapped, munlock, munmap, exit, fork.
 * - The ioctls run the kernel's own mlock()/munlock()/mlockall()/
 *   munlockall(), which every target kernel has, with a per-task marker
 *   saying "on fault".  Probes then do what native lock-on-fault adds:
 *     populate   the populate worker returns at once for a tagged vma;
 *     fixup      mlock_fixup() gets the tag added (marked call asking for
 *                on fault) or removed (every other call: native mlock,
 *                munlock, mlockall... convert or unlock like native);
 *     mlockall   the mlockall worker keeps the tag in mm->def_flags in
 *                step with VM_LOCKED (MCL_FUTURE | MCL_ONFAULT);
 *     fork       the child's copy of a vma loses the tag with VM_LOCKED;
 *     mmap       a hugetlb or special mapping made under MCL_FUTURE
 *                loses the tag with VM_LOCKED;
 *     exit       an mm that ever had the tag drops its module reference.
 * - Each handler first tests one flag word, so unrelated processes pay a
 *   few instructions per probe hit and never a lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/hashtable.h>
#include <linux/hash.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/fs.h>
#include <linux/magic.h>

#include "lof_internal.h"
#include "lof_logic.h"

asm(LOF_JUST_RETURN_ASM);

/* ------------------------------------------------------------------ */
/* Symbols the module needs that no kernel exports.                    */

/*
 * kallsyms_lookup_name() is not exported since 5.7: let the kprobes core
 * resolve the name.  The probe is registered disabled and never armed.
 */
void *lof_lookup_name(const char *name)
{
	struct kprobe kp = {
		.symbol_name = name,
		.flags = KPROBE_FLAG_DISABLED,
	};
	void *addr;

	if (register_kprobe(&kp))
		return NULL;
	addr = kp.addr;
	unregister_kprobe(&kp);
	return addr;
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_lookup_name);

static void *lof_sys_mlock_fn, *lof_sys_munlock_fn;
static void *lof_sys_mlockall_fn, *lof_sys_munlockall_fn;

static const struct {
	void **fn;
	const char *name;
} lof_syscalls[] = {
	{ &lof_sys_mlock_fn, LOF_SYS_PREFIX "mlock" },
	{ &lof_sys_munlock_fn, LOF_SYS_PREFIX "munlock" },
	{ &lof_sys_mlockall_fn, LOF_SYS_PREFIX "mlockall" },
	{ &lof_sys_munlockall_fn, LOF_SYS_PREFIX "munlockall" },
};

/* ------------------------------------------------------------------ */
/* Per-task marker: "this task is in a lock-on-fault request".         */

/*
 * Hashed by task, each bucket under its own lock: a lookup from a probe
 * handler, interrupts off, scans only the markers of the tasks that share
 * the caller's bucket, however many requests the system runs.
 */
struct lof_marker {
	struct hlist_node node;
	struct task_struct *task;
};

#define LOF_MARKER_BITS	7

static struct lof_marker_bucket {
	raw_spinlock_t lock;
	struct hlist_head head;
} lof_marker_table[1 << LOF_MARKER_BITS];
static atomic_t lof_nr_markers = ATOMIC_INIT(0);

static void lof_markers_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lof_marker_table); i++) {
		raw_spin_lock_init(&lof_marker_table[i].lock);
		INIT_HLIST_HEAD(&lof_marker_table[i].head);
	}
}

static struct lof_marker_bucket *lof_marker_bucket(struct task_struct *task)
{
	return &lof_marker_table[hash_ptr(task, LOF_MARKER_BITS)];
}

static void lof_marker_push(struct lof_marker *m)
{
	struct lof_marker_bucket *b = lof_marker_bucket(current);
	unsigned long flags;

	m->task = current;
	raw_spin_lock_irqsave(&b->lock, flags);
	hlist_add_head(&m->node, &b->head);
	atomic_inc(&lof_nr_markers);
	raw_spin_unlock_irqrestore(&b->lock, flags);
}

static void lof_marker_pop(struct lof_marker *m)
{
	struct lof_marker_bucket *b = lof_marker_bucket(current);
	unsigned long flags;

	raw_spin_lock_irqsave(&b->lock, flags);
	hlist_del(&m->node);
	atomic_dec(&lof_nr_markers);
	raw_spin_unlock_irqrestore(&b->lock, flags);
}

/* Whether current is inside a request that asked for lock on fault. */
static bool lof_marked_onfault(void)
{
	struct lof_marker_bucket *b;
	struct lof_marker *m;
	unsigned long flags;
	bool found = false;

	if (!atomic_read(&lof_nr_markers))
		return false;
	b = lof_marker_bucket(current);
	raw_spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(m, &b->head, node) {
		if (m->task == current) {
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return found && !lof_mutant(4);
}

/* ------------------------------------------------------------------ */
/* The mms that carry the tag: each holds a reference on the module.    */

struct lof_mm {
	struct hlist_node node;
	struct mm_struct *mm;
	atomic_t busy;			/* requests in flight */
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(lof_mms, 8);
static DEFINE_SPINLOCK(lof_mms_lock);
static atomic_t lof_nr_mms = ATOMIC_INIT(0);

static struct lof_mm *lof_mm_find(struct mm_struct *mm)
{
	struct lof_mm *e;

	hash_for_each_possible_rcu(lof_mms, e, node, (unsigned long)mm)
		if (e->mm == mm)
			return e;
	return NULL;
}

static void lof_mm_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct lof_mm, rcu));
}

/* Called with lof_mms_lock held; the caller puts the module. */
static void lof_mm_forget(struct lof_mm *e)
{
	hash_del_rcu(&e->node);
	atomic_dec(&lof_nr_mms);
	call_rcu(&e->rcu, lof_mm_free_rcu);
}

/*
 * Before a request can give an mm the tag: remember the mm, pin the module
 * and count the request in flight.  lof_mm_end() ends it.
 */
static struct lof_mm *lof_mm_begin(struct mm_struct *mm)
{
	struct lof_mm *e, *new = NULL;

	spin_lock(&lof_mms_lock);
	e = lof_mm_find(mm);
	if (!e) {
		spin_unlock(&lof_mms_lock);
		new = kmalloc(sizeof(*new), GFP_KERNEL);
		if (!new)
			return NULL;
		spin_lock(&lof_mms_lock);
		e = lof_mm_find(mm);
	}
	if (!e) {
		e = new;
		new = NULL;
		e->mm = mm;
		atomic_set(&e->busy, 0);
		__module_get(THIS_MODULE);
		hash_add_rcu(lof_mms, &e->node, (unsigned long)mm);
		atomic_inc(&lof_nr_mms);
	}
	atomic_inc(&e->busy);
	spin_unlock(&lof_mms_lock);
	kfree(new);
	return e;
}

/* Whether a vma of @mm, or its def_flags, carries the tag. */
static bool lof_mm_tagged(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	if (mm->def_flags & LOF_VM_ONFAULT)
		return true;
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end))
		if (vma->vm_flags & LOF_VM_ONFAULT)
			return true;
	return false;
}

/*
 * A request that failed may still have tagged vmas: mlock() of a range
 * with a hole fails with ENOMEM after locking the vmas before the hole.
 * If nothing carries the tag and no other request of the mm is in flight,
 * the mm is forgotten, so that a request refused with EPERM does not pin
 * the module for the life of the process.  The mmap lock, held from the
 * look at the vmas to the decision, keeps mlock_fixup() from tagging in
 * between; lof_mms_lock orders the count against lof_mm_begin().
 */
static void lof_mm_end(struct lof_mm *e, struct mm_struct *mm, long ret)
{
	bool forget = false, tagged;

	if (!ret) {
		atomic_dec(&e->busy);
		return;
	}
	mmap_read_lock(mm);
	tagged = lof_mm_tagged(mm);
	spin_lock(&lof_mms_lock);
	if (atomic_dec_and_test(&e->busy) && !tagged) {
		lof_mm_forget(e);
		forget = true;
	}
	spin_unlock(&lof_mms_lock);
	mmap_read_unlock(mm);
	if (forget)
		module_put(THIS_MODULE);
}

/*
 * Forget @mm unless a vma or its def_flags carries the tag or a request
 * is in flight: the load self-test's process, once its range is gone.
 */
void lof_mm_release(struct mm_struct *mm)
{
	struct lof_mm *e;

	spin_lock(&lof_mms_lock);
	e = lof_mm_find(mm);
	if (e)
		atomic_inc(&e->busy);
	spin_unlock(&lof_mms_lock);
	if (e)
		lof_mm_end(e, mm, -EAGAIN);
}

unsigned int lof_tracked_mms(void)
{
	return atomic_read(&lof_nr_mms);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_tracked_mms);

/* ------------------------------------------------------------------ */
/* Probe handlers.                                                      */

#ifdef LOF_FOLL_MLOCK
static lof_follow_page_mask_fn lof_follow_page_mask;
static void *lof_walk_range_fn;

/*
 * The parts of [start, end) of a vma whose page-table entries are not
 * empty (present pages, swap and migration entries, huge pmds): all that
 * the kernel's own page-by-page loops over the range can find anything at.
 * walk_page_range() skips empty pgds, puds and pmds, so a sparse range
 * costs what is present in it, not its size.  @fn gets each run of
 * non-empty entries of one page table in turn, with no lock held but the
 * mmap lock the caller holds.
 */
typedef void (*lof_run_t)(struct vm_area_struct *vma, unsigned long start,
			   unsigned long end);

struct lof_runs {
	struct vm_area_struct *vma;
	lof_run_t fn;
};

static lof_run_t lof_munlock_vma_pages_range;

static int lof_runs_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
			struct mm_walk *walk)
{
	struct lof_runs *r = walk->private;
	unsigned int n = (end - addr) >> PAGE_SHIFT, i, j;
	DECLARE_BITMAP(used, PTRS_PER_PTE);
	pte_t *start, *pte;
	spinlock_t *ptl;		/* page table lock */
	pmd_t val;

	lof_walk_no_descent(walk);
	ptl = pmd_lock(walk->mm, pmd);
	val = *pmd;
	spin_unlock(ptl);
	if (pmd_trans_huge(val) || pmd_devmap(val)) {
		r->fn(r->vma, addr, end);
		return 0;
	}
	if (pmd_none(val) || !pmd_present(val) || pmd_bad(val))
		return 0;

	bitmap_zero(used, PTRS_PER_PTE);
	start = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	for (pte = start, i = 0; i < n; i++, pte++)
		if (!pte_none(*pte))
			__set_bit(i, used);
	pte_unmap_unlock(start, ptl);

	for (i = find_first_bit(used, n); i < n;
	     i = find_next_bit(used, n, j)) {
		j = find_next_zero_bit(used, n, i);
		r->fn(r->vma, addr + ((unsigned long)i << PAGE_SHIFT),
		      addr + ((unsigned long)j << PAGE_SHIFT));
		cond_resched();
	}
	return 0;
}

static const struct mm_walk_ops lof_runs_ops = {
	.pmd_entry = lof_runs_pmd,
};

static void lof_walk_runs(struct lof_runs *r, unsigned long start,
			  unsigned long end)
{
	struct mm_struct *mm = r->vma->vm_mm;
	/* exit_mmap() munlocks without the mmap lock: nobody else has the mm */
	bool unlocked = !lof_mmap_is_locked(mm);

	if (unlocked)
		mmap_read_lock(mm);
	lof_walk_page_range(lof_walk_range_fn, mm, start, end, &lof_runs_ops,
			    r);
	if (unlocked)
		mmap_read_unlock(mm);
}

/* mlock the present pages of [start, end), as the kernel's worker does */
static void lof_mlock_present(struct vm_area_struct *vma, unsigned long start,
			      unsigned long end)
{
	unsigned long addr = start;

	while (addr + (lof_mutant(5) ? PAGE_SIZE : 0) < end) {
		unsigned int page_mask = 0;
		struct page *page;

		/* most pages of a window are mlocked already: look first */
		page = lof_follow_page_mask(vma, addr, 0, &page_mask);
		if (page && !IS_ERR(page) && !PageMlocked(page))
			lof_follow_page_mask(vma, addr,
					     LOF_FOLL_MLOCK | FOLL_TOUCH,
					     &page_mask);
		/* a huge page: on to the first page after it */
		addr += (1 + (~(addr >> PAGE_SHIFT) & page_mask)) << PAGE_SHIFT;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
}

/*
 * The populate worker for a range locked on fault, on kernels whose worker
 * also mlocks the pages already present: what 4.4 does for VM_LOCKONFAULT.
 * Every present page of the range is mlocked (as the kernel's own
 * follow_page_mask() does for a populate), nothing is faulted in, and
 * only the page tables that exist are looked at: 4.4 looks up every
 * address.  Runs in place of the worker, with its arguments, the mmap
 * lock held.
 */
static long lof_populate_onfault(struct vm_area_struct *vma,
				 unsigned long start, unsigned long end,
				 int *locked)
{
	/*
	 * The worker fails on a vma it may not access (PROT_NONE: no
	 * FOLL_FORCE, check_vma_flags()), and mlock() then says ENOMEM, as
	 * native lock on fault does on these kernels.
	 */
	struct lof_runs r = { .vma = vma, .fn = lof_mlock_present };

	if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return -EFAULT;
	lof_walk_runs(&r, start, end);
	return lof_populate_result(start, end);
}

/*
 * munlock_vma_pages_range(vma, start, end) for a vma that was locked on
 * fault: how munlock, munmap and exit unlock it.  The kernel's own looks
 * up every address of the range; this one gives the kernel's own only the
 * runs of entries that are not empty, so page flags, NR_MLOCK, THP, swap
 * cache and KSM pages are all handled by the kernel's code, and a sparse
 * range costs what is present in it.  The first call, over no page, takes
 * VM_LOCKED off the vma as the kernel's does; the tag is already gone, so
 * the calls are not redirected again.  The redirect took a module
 * reference; it is put as the last act (lof_engine_exit() waits for the
 * return, see lof_wait_returns()).
 */
static void lof_munlock_onfault(struct vm_area_struct *vma,
				unsigned long start, unsigned long end)
{
	struct lof_runs r = { .vma = vma, .fn = lof_munlock_vma_pages_range };

	lof_munlock_vma_pages_range(vma, start, start);
	lof_walk_runs(&r, start, end);
	module_put(THIS_MODULE);
}
#endif

#ifdef LOF_EAGER
/*
 * Eager locking (see LOF_EAGER in lof_compat.h): right after a fault in a
 * range locked on fault, on its way back to user space, the task mlocks
 * the pages that fault mapped, as 5.18+ kernels do in the fault itself.
 * Page cache and shmem pages need it: file-backed ranges, shared or
 * private.  Private anonymous ranges are left out (the kernel mlocks their
 * new pages itself; only a page read back from swap would wait for
 * reclaim).  Without it these pages are mlocked when reclaim first meets
 * them, and never reclaimed either way.  A write fault maps one page, a
 * read fault also fault-around's window.
 */
static bool lof_eager;
static DEFINE_MUTEX(lof_eager_lock);
static bool lof_engine_up;
static lof_task_work_add_fn lof_task_work_add;

/* fault-around maps up to fault_around_bytes (64 KiB) with a fault */
#define LOF_EAGER_WINDOW	(16UL << PAGE_SHIFT)

struct lof_eager_work {
	struct callback_head cb;
	unsigned long addr;
	unsigned long len;	/* one page, or the fault-around window */
};

static void lof_eager_run(struct callback_head *cb)
{
	struct lof_eager_work *w = container_of(cb, struct lof_eager_work, cb);
	struct mm_struct *mm = current->mm;	/* NULL once exiting */
	struct vm_area_struct *vma;

	if (mm) {
		mmap_read_lock(mm);
		vma = find_vma(mm, w->addr);
		if (vma && vma->vm_start <= w->addr &&
		    lof_is_onfault(vma->vm_flags)) {
			/* where do_fault_around() starts, and its extent */
			unsigned long start = max(w->addr & ~(w->len - 1),
						  vma->vm_start);

			lof_populate_onfault(vma, start,
					     min(start + w->len, vma->vm_end),
					     NULL);
		}
		mmap_read_unlock(mm);
	}
	kfree(w);
	/*
	 * The last thing done for this work: rmmod may go ahead from here,
	 * and lof_eager_exit() waits for this return (lof_wait_returns()).
	 */
	module_put(THIS_MODULE);
}

/*
 * handle_mm_fault(): a fault in a range locked on fault, in the faulting
 * task's own mm (not another task's access to it, nor a kernel thread's),
 * queues the mlock for when the fault is done.
 */
static int lof_fault_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)lof_arg(regs, LOF_FAULT_VMA_ARG);
	struct lof_eager_work *w;

	if (likely(!lof_is_onfault(vma->vm_flags)))
		return 0;
	if (vma->vm_mm != current->mm || (current->flags & PF_KTHREAD))
		return 0;
	/*
	 * Private anonymous memory: the kernel mlocks its new pages itself;
	 * only a page coming back from swap would be left to reclaim.
	 */
	if (!vma->vm_file)
		return 0;
	/* queued work holds the module: rmmod is refused, never waits */
	if (!try_module_get(THIS_MODULE))
		return 0;
	w = kmalloc(sizeof(*w), GFP_ATOMIC | __GFP_NOWARN);
	if (!w) {
		module_put(THIS_MODULE);
		return 0;	/* reclaim will find the page instead */
	}
	w->addr = lof_arg(regs, LOF_FAULT_VMA_ARG + 1);
	/* only read faults map pages around the one asked for */
	w->len = (lof_arg(regs, LOF_FAULT_VMA_ARG + 2) & FAULT_FLAG_WRITE) ?
		 PAGE_SIZE : LOF_EAGER_WINDOW;
	init_task_work(&w->cb, lof_eager_run);
	if (lof_task_work_add(current, &w->cb, LOF_TWA_RESUME)) {
		kfree(w);
		module_put(THIS_MODULE);
	}
	return 0;
}

static void lof_fault_post(struct kprobe *p, struct pt_regs *regs,
			   unsigned long flags)
{
}

/*
 * The fault probe sits past handle_mm_fault()'s ftrace call site, where
 * the arguments are still in their registers, and has a post handler, so
 * that it is neither ftrace-based nor optimized: arming and disarming it
 * write one byte.  An ftrace-based or optimized probe there rewrites five
 * bytes of the hottest function of the kernel while other CPUs run it;
 * on 3.10 (RHEL 7.3, 7.9) and 4.4 guests that crashed a CPU executing
 * it, a tracefs kprobe of the kernel's own just as well.
 */
static struct kprobe lof_fault_kp = {
	.pre_handler = lof_fault_pre,
	.post_handler = lof_fault_post,
	.symbol_name = "handle_mm_fault",
};

static bool lof_fault_kp_on;
static unsigned int lof_fault_kp_offset;

/* Where the probe goes: past the ftrace call site at the entry, if any. */
static unsigned int lof_fault_probe_offset(void)
{
	unsigned long (*ftrace_location_fn)(unsigned long ip);
	unsigned long addr = (unsigned long)lof_lookup_name("handle_mm_fault");

	ftrace_location_fn = lof_lookup_name("ftrace_location");
	if (addr && ftrace_location_fn && ftrace_location_fn(addr) == addr)
		return LOF_FTRACE_SITE_SIZE;
	return 0;
}

/* The fault probe is registered only while eager locking is on. */
static int lof_eager_apply(void)
{
	int ret;

	if (lof_eager == lof_fault_kp_on)
		return 0;
	if (!lof_eager) {
		unregister_kprobe(&lof_fault_kp);
		lof_fault_kp_on = false;
		return 0;
	}
	if (!LOF_CAN_WAIT_RETURNS) {
		pr_err("eager locking needs RCU Tasks (CONFIG_TASKS_RCU) on a preemptible kernel, to know when it may unload; it stays off\n");
		lof_eager = false;
		return -EOPNOTSUPP;
	}
	lof_fault_kp.addr = NULL;
	lof_fault_kp.flags = 0;
	lof_fault_kp.offset = lof_fault_kp_offset;
	ret = register_kprobe(&lof_fault_kp);
	if (ret) {
		pr_err("cannot probe handle_mm_fault (%d), needed for eager locking\n",
		       ret);
		lof_eager = false;
		return ret;
	}
	lof_fault_kp_on = true;
	return 0;
}

static int lof_eager_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&lof_eager_lock);
	ret = param_set_bool(val, kp);
	if (!ret && lof_engine_up)
		ret = lof_eager_apply();
	mutex_unlock(&lof_eager_lock);
	return ret;
}

static const struct kernel_param_ops lof_eager_ops = {
	.set = lof_eager_set,
	.get = param_get_bool,
};
module_param_cb(eager, &lof_eager_ops, &lof_eager, 0644);
MODULE_PARM_DESC(eager,
		 "1: mlock page cache and shmem pages as they are faulted into ranges locked on fault, as Linux 5.18+ does; 0 (default: it costs every process's page faults a probe hit) leaves them to reclaim, which never evicts them either");

static int lof_eager_init(void)
{
	int ret;

	lof_task_work_add = lof_lookup_name("task_work_add");
	if (!lof_task_work_add) {
		pr_err("cannot find task_work_add in this kernel, needed for eager locking; refusing to load\n");
		return -ENOENT;
	}
	lof_fault_kp_offset = lof_fault_probe_offset();
	mutex_lock(&lof_eager_lock);
	lof_engine_up = true;
	ret = lof_eager_apply();
	if (ret)
		lof_engine_up = false;
	mutex_unlock(&lof_eager_lock);
	return ret;
}

static void lof_eager_exit(void)
{
	mutex_lock(&lof_eager_lock);
	lof_engine_up = false;
	if (lof_fault_kp_on) {
		unregister_kprobe(&lof_fault_kp);
		lof_fault_kp_on = false;
	}
	mutex_unlock(&lof_eager_lock);
	/*
	 * Every queued work held a module reference, so all have run; the
	 * last of them may still be returning through the module's text.
	 */
	lof_wait_returns();
}

static u64 lof_eager_missed(void)
{
	return lof_fault_kp.nmissed;
}
#else
static int lof_eager_init(void)
{
	return 0;
}

static void lof_eager_exit(void)
{
}

static u64 lof_eager_missed(void)
{
	return 0;
}
#endif

/* Whether the populate of @vma is ours to replace: a range locked on fault. */
static bool lof_populate_skips(struct vm_area_struct *vma)
{
	if ((lof_mutant(1) && vma->vm_file) || lof_mutant(8))
		return false;
	return lof_is_onfault(vma->vm_flags);
}

/*
 * The load self-test's look at a call of its own process: whether @vma,
 * as the handler read it, is the vma the kernel has at @start and holds
 * [@start, @end).  It compares pointers and never dereferences @vma, which
 * is garbage on a kernel whose argument layout the probe does not fit.
 * The caller holds the mmap lock, as the probed functions require.
 */
static bool lof_st_fits(unsigned long vma, unsigned long start,
			unsigned long end)
{
	struct vm_area_struct *found = find_vma(current->mm, start);

	if ((unsigned long)found == vma && found->vm_start <= start &&
	    start < end && end <= found->vm_end)
		return true;
	lof_st.bad++;
	return false;
}

/*
 * The self-test's view of a populate of its process: the arguments fit,
 * and the worker is skipped for its scratch range.
 */
static bool lof_st_populate(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)lof_arg(regs, 1);

	if (!lof_st_fits(lof_arg(regs, 1), lof_arg(regs, 2), lof_arg(regs, 3)))
		return false;
	if (vma->vm_start == lof_st.start && lof_populate_skips(vma))
		lof_st.populate++;
	return true;
}

/* Make the populate worker, stopped at its entry, do the on-fault thing. */
static void lof_populate_redirect(struct pt_regs *regs)
{
#ifdef LOF_FOLL_MLOCK
	lof_redirect(regs, lof_populate_onfault);
#else
	lof_override_return(regs, lof_populate_result(lof_arg(regs, 2),
						      lof_arg(regs, 3)));
#endif
}

/*
 * populate_vma_page_range(vma, start, end, locked) (4.0+), or
 * __mlock_vma_pages_range() before: every populate of a VM_LOCKED range
 * ends here (mlock, mlockall, MAP_LOCKED and MCL_FUTURE mmaps, brk,
 * mremap growth, shmat, stack growth, mprotect).  For a tagged vma,
 * populate nothing, as 4.4's VM_LOCKONFAULT check does.
 */
static int lof_populate_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)lof_arg(regs, 1);

	if (lof_st_armed() && !lof_st_populate(regs))
		return 0;
	if (likely(!lof_populate_skips(vma)))
		return 0;
	lof_populate_redirect(regs);
	return 1;
}

#ifdef LOF_REDIRECT_BY_FTRACE
static void notrace lof_populate_ftrace(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *op,
					struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)lof_arg(regs, 1);

	if (lof_st_armed() && !lof_st_populate(regs))
		return;
	if (likely(!lof_populate_skips(vma)))
		return;
	lof_populate_redirect(regs);
}

#endif

/*
 * mlock_fixup(vma, prev, start, end, newflags): the one place where mlock,
 * munlock, mlockall and munlockall change a vma.  The kernel keeps bits it
 * does not know, so without us the tag would survive a native munlock or
 * mlock.  Drop it from newflags, then add it back when this task asked
 * for lock on fault and the range ends up locked.
 */
#define LOF_FIXUP_VMA	(lof_mutant(7) ? 2 : 1)	/* its argument */

/*
 * The self-test's view of an mlock_fixup() of its process: the vma, range
 * and new flags are where the handlers read them.  newflags is the vma's
 * flags with only VM_LOCKED and the tag changed (the self-test never asks
 * for the native flag).
 */
static bool lof_st_fixup(struct pt_regs *regs)
{
	struct vm_area_struct *vma;

	if (!lof_st_fits(lof_arg(regs, LOF_FIXUP_VMA), lof_arg(regs, 3),
			 lof_arg(regs, 4)))
		return false;
	vma = (struct vm_area_struct *)lof_arg(regs, LOF_FIXUP_VMA);
	if ((vma->vm_flags ^ lof_arg(regs, 5)) & ~(VM_LOCKED | LOF_VM_ONFAULT)) {
		lof_st.bad++;
		return false;
	}
	if (vma->vm_start <= lof_st.start && lof_st.end <= vma->vm_end)
		lof_st.fixup++;
	return true;
}

static int lof_fixup_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)lof_arg(regs, LOF_FIXUP_VMA);
	vm_flags_t newflags = lof_arg(regs, 5);

	if (lof_st_armed() && !lof_st_fixup(regs))
		return 0;

	if (likely(!lof_fixup_concerned(vma->vm_flags, newflags,
					atomic_read(&lof_nr_markers))))
		return 0;
	newflags = lof_fixup_newflags(vma->vm_flags, newflags,
				      (newflags & VM_LOCKED) &&
				      lof_marked_onfault());
	if (lof_mutant(2) && !(newflags & VM_LOCKED))
		newflags |= vma->vm_flags & LOF_VM_ONFAULT;
	lof_set_arg5(regs, newflags);
	return 0;
}

/*
 * The same call, seen from its return: a range that stays locked keeps its
 * locked_vm, whether or not its tag changes (mlock() of a range locked on
 * fault, or the reverse).  Before 5.4 mlock_fixup() counts such a range
 * again, as 4.4's own MLOCK_ONFAULT did; whatever it added is taken back
 * once it has succeeded.  The mmap lock is held for writing throughout.
 */
struct lof_fixup_call {
	struct mm_struct *mm;
	unsigned long locked_vm;
};

static int lof_fixup_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)lof_arg(regs, LOF_FIXUP_VMA);
	vm_flags_t newflags = lof_arg(regs, 5);
	struct lof_fixup_call *call = (struct lof_fixup_call *)ri->data;

	if (lof_st_armed() &&
	    (unsigned long)vma != (unsigned long)find_vma(current->mm,
							  lof_arg(regs, 3)))
		return 1;

	if (likely(!lof_fixup_concerned(vma->vm_flags, newflags,
					atomic_read(&lof_nr_markers))))
		return 1;	/* not ours: no return handler */
	if (!lof_stays_locked(vma->vm_flags, newflags))
		return 1;
	call->mm = vma->vm_mm;
	call->locked_vm = call->mm->locked_vm;
	return 0;
}

static int lof_fixup_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lof_fixup_call *call = (struct lof_fixup_call *)ri->data;

	if (!regs_return_value(regs) && !lof_mutant(6))
		call->mm->locked_vm = call->locked_vm;
	return 0;
}

/*
 * munlock_vma_pages_range(vma, start, end), before 5.18: how munlock,
 * munmap and exit take VM_LOCKED off a vma; mlock_fixup() does not apply
 * its newflags there.  The tag goes with VM_LOCKED.
 */
static bool lof_munlock_redirect(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)lof_arg(regs, 1);

	if (likely(!(vma->vm_flags & LOF_VM_ONFAULT)) || lof_mutant(2))
		return false;
	vma->vm_flags &= ~LOF_VM_ONFAULT;
#ifdef LOF_FOLL_MLOCK
	/*
	 * exit_mmap() comes here after the exit probe dropped the mm's
	 * module reference: the replacement holds one of its own.
	 */
	if (lof_munlock_vma_pages_range && LOF_CAN_WAIT_RETURNS &&
	    try_module_get(THIS_MODULE)) {
		lof_redirect(regs, lof_munlock_onfault);
		return true;
	}
#endif
	return false;
}

static int lof_munlock_pre(struct kprobe *p, struct pt_regs *regs)
{
	return lof_munlock_redirect(regs);
}

#ifdef LOF_REDIRECT_BY_FTRACE
static void notrace lof_munlock_ftrace(unsigned long ip,
				       unsigned long parent_ip,
				       struct ftrace_ops *op,
				       struct pt_regs *regs)
{
	lof_munlock_redirect(regs);
}
#endif

/*
 * apply_mlockall_flags(flags) (4.4+), do_mlockall(flags) before, with the
 * mmap lock held for writing: each call recomputes mm->def_flags, and the
 * tag must follow VM_LOCKED there (set by MCL_FUTURE, cleared otherwise).
 * The kernel never clears it itself.  The ioctl passes the flags without
 * MCL_ONFAULT; the marker says whether it was asked.
 */
static int lof_mlockall_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	int flags = (int)lof_arg(regs, 1);

	if (likely(!(mm->def_flags & LOF_VM_ONFAULT) &&
		   !atomic_read(&lof_nr_markers)))
		return 0;
	mm->def_flags = lof_mlockall_def_flags(mm->def_flags, flags,
					       (flags & LOF_MCL_FUTURE) &&
					       lof_marked_onfault());
	return 0;
}

/*
 * dup_mmap() copies each vma with its flags, then takes VM_LOCKED off the
 * child's copy: the child must not inherit lock on fault either.  The
 * probe (see LOF_FORK_PROBE) sees the child's vma before it can be used;
 * both mms are write-locked by the forking task.
 */
static int lof_fork_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma = lof_fork_child_vma(regs);

	if (unlikely(vma->vm_flags & LOF_VM_ONFAULT) && !lof_mutant(3))
		vma->vm_flags = lof_fork_child_flags(vma->vm_flags);
	/* the self-test's fork: the child's copy of its range, not the parent's */
	if (lof_st_armed() && vma->vm_mm != current->mm &&
	    vma->vm_start == lof_st.start && vma->vm_end == lof_st.end) {
		lof_st.fork++;
		lof_st.fork_flags = vma->vm_flags;
	}
	return 0;
}

/*
 * mmap_region(file, addr, len, vm_flags, ...): a new vma gets
 * mm->def_flags.  For the vmas the kernel will not lock (VM_SPECIAL,
 * hugetlb, DAX) it clears VM_LOCKED and the native flag, not the tag.
 *
 * hugetlb is known at entry: every such vma maps a hugetlbfs inode
 * (hugetlbfs files, MAP_HUGETLB, SHM_HUGETLB), and hugetlbfs_file_mmap()
 * always sets VM_HUGETLB.  The tag is taken out of vm_flags there, before
 * the vma exists, by a plain kprobe: nothing to run out of, so a stale tag
 * can never block hugetlb merges or PMD sharing.
 */
static bool lof_is_hugetlbfs(struct file *file)
{
	return file_inode(file)->i_sb->s_magic == HUGETLBFS_MAGIC;
}

static int lof_mmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct file *file = (struct file *)lof_arg(regs, 1);
	vm_flags_t vm_flags = lof_arg(regs, 4);

	if (likely(!(vm_flags & LOF_VM_ONFAULT)))
		return 0;
	if (file && lof_is_hugetlbfs(file))
		lof_set_arg4(regs, vm_flags & ~LOF_VM_ONFAULT);
	return 0;
}

/*
 * The other two become known only once the driver's ->mmap has run: a
 * return probe, armed only for a tagged file mapping that is not hugetlb.
 * Each hit holds an instance while the call runs, and each such call holds
 * its mm's mmap lock for writing, so at most one per tagged mm is taken.
 * A miss (counted and logged) leaves the tag on a VM_SPECIAL vma, which
 * is never merged, locked or shared, or on a DAX one.
 */
static int lof_mmap_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct file *file = (struct file *)lof_arg(regs, 1);

	if (likely(!(lof_arg(regs, 4) & LOF_VM_ONFAULT)) || !file ||
	    lof_is_hugetlbfs(file))
		return 1;	/* not ours: no return handler */
	return 0;
}

static int lof_mmap_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned long addr = regs_return_value(regs);
	struct vm_area_struct *vma;

	if (IS_ERR_VALUE(addr))
		return 0;
	vma = find_vma(current->mm, addr);
	if (vma && vma->vm_start <= addr && (vma->vm_flags & LOF_VM_ONFAULT))
		vma->vm_flags = lof_drop_stale_tag(vma->vm_flags);
	return 0;
}

static struct kretprobe lof_mmap_rp = {
	.entry_handler = lof_mmap_entry,
	.handler = lof_mmap_ret,
	.maxactive = 128,
};

#ifdef LOF_MOVE_PROBES
/*
 * move_vma(), the move of mremap(), with the mmap lock held for writing
 * from entry to return.  With MREMAP_DONTUNMAP the old range stays mapped,
 * and the kernel takes VM_LOCKED off its vma, not the tag: the return
 * takes the stale tag off every vma of that range.  Only an mm that may
 * carry the tag takes an instance.
 */
struct lof_move_call {
	unsigned long start, end;
};

static int lof_move_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lof_move_call *call = (struct lof_move_call *)ri->data;
	bool tracked;

	if (likely(!atomic_read(&lof_nr_mms)))
		return 1;
	rcu_read_lock();
	tracked = lof_mm_find(current->mm);
	rcu_read_unlock();
	if (!tracked)
		return 1;
	lof_mremap_old_range(&call->start, &call->end);
	return 0;
}

static int lof_move_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lof_move_call *call = (struct lof_move_call *)ri->data;
	struct vm_area_struct *vma;

	for (vma = find_vma(current->mm, call->start);
	     vma && vma->vm_start < call->end;
	     vma = find_vma(current->mm, vma->vm_end))
		vma->vm_flags = lof_drop_stale_tag(vma->vm_flags);
	return 0;
}

static struct kretprobe lof_move_rp = {
	.entry_handler = lof_move_entry,
	.handler = lof_move_ret,
	.data_size = sizeof(struct lof_move_call),
	.maxactive = 128,
};
#endif

/* exit_mmap(mm): the mm is going away with all its tags. */
static int lof_exit_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)lof_arg(regs, 1);
	struct lof_mm *e;

	if (likely(!atomic_read(&lof_nr_mms)))
		return 0;
	rcu_read_lock();
	e = lof_mm_find(mm);
	rcu_read_unlock();
	if (!e)
		return 0;
	spin_lock(&lof_mms_lock);
	e = lof_mm_find(mm);
	if (e)
		lof_mm_forget(e);
	spin_unlock(&lof_mms_lock);
	if (e)
		module_put(THIS_MODULE);
	return 0;
}

/*
 * A post handler makes an ftrace-based kprobe use IPMODIFY ops, which the
 * override of the populate worker needs.  It never has work to do.
 */
static void lof_post_nop(struct kprobe *p, struct pt_regs *regs,
			 unsigned long flags)
{
}

struct lof_probe {
	struct kprobe kp;
	const char * const names[3];	/* first one that exists */
	const char *why;
	bool optional;			/* absent where it is not needed */
	bool lazy;			/* see lof_arm_future() */
	bool registered;
#ifdef LOF_REDIRECT_BY_FTRACE
	struct ftrace_ops ops;		/* set: hooked by it, not by kp */
	unsigned long ip;
#endif
};

#ifdef LOF_REDIRECT_BY_FTRACE
#define LOF_FTRACE_HOOK(fn)						\
	.ops = { .func = (fn),						\
		 .flags = FTRACE_OPS_FL_SAVE_REGS | LOF_FTRACE_OPS_IPMODIFY },
#else
#define LOF_FTRACE_HOOK(fn)
#endif

enum {
	LOF_PROBE_POPULATE, LOF_PROBE_FIXUP, LOF_PROBE_MUNLOCK,
	LOF_PROBE_MLOCKALL, LOF_PROBE_FORK, LOF_PROBE_MMAP, LOF_PROBE_EXIT,
};

static struct lof_probe lof_probes[] = {
	[LOF_PROBE_POPULATE] = {
		.kp = { .pre_handler = lof_populate_pre, .post_handler = lof_post_nop },
		LOF_FTRACE_HOOK(lof_populate_ftrace)
		.names = { "populate_vma_page_range", "__mlock_vma_pages_range" },
		.why = "skip populating ranges locked on fault",
	},
	[LOF_PROBE_FIXUP] = {
		.kp = { .pre_handler = lof_fixup_pre },
		.names = { "mlock_fixup" },
		.why = "set or clear the on-fault tag with VM_LOCKED",
	},
	[LOF_PROBE_MUNLOCK] = {
		.kp = { .pre_handler = lof_munlock_pre, .post_handler = lof_post_nop },
		LOF_FTRACE_HOOK(lof_munlock_ftrace)
		.names = { "munlock_vma_pages_range" },
		.why = "clear the on-fault tag with VM_LOCKED on munlock",
		.optional = true,	/* gone in 5.18: mlock_fixup() does it */
	},
	[LOF_PROBE_MLOCKALL] = {
		.kp = { .pre_handler = lof_mlockall_pre },
		.names = { "apply_mlockall_flags", "do_mlockall" },
		.why = "keep the tag in mm->def_flags for MCL_FUTURE",
	},
	[LOF_PROBE_FORK] = {
		.kp = { .pre_handler = lof_fork_pre },
		.names = { LOF_FORK_PROBES },
		.why = "drop the tag from a forked child's vmas",
	},
	[LOF_PROBE_MMAP] = {
		.kp = { .pre_handler = lof_mmap_pre },
		.names = { "mmap_region" },
		.why = "keep the tag off hugetlb mappings",
		.lazy = true,
	},
	[LOF_PROBE_EXIT] = {
		.kp = { .pre_handler = lof_exit_pre },
		.names = { "exit_mmap" },
		.why = "forget an exiting mm",
	},
};

static struct kretprobe lof_fixup_rp = {
	.entry_handler = lof_fixup_entry,
	.handler = lof_fixup_ret,
	.data_size = sizeof(struct lof_fixup_call),
	.maxactive = 256,
};

static struct {
	struct kretprobe *rp;
	const char * const names[3];	/* first one that exists */
	const char *why;
	bool optional;			/* absent: a stale tag stays, inert */
	bool lazy;			/* see lof_arm_future() */
	bool registered;
} lof_retprobes[] = {
	{ &lof_fixup_rp, { "mlock_fixup" },
	  "keep locked_vm of a range that stays locked" },
	{ &lof_mmap_rp, { "mmap_region" },
	  "keep the tag off special and DAX mappings", .lazy = true },
#ifdef LOF_MOVE_PROBES
	{ &lof_move_rp, { LOF_MOVE_PROBES },
	  "take the tag off the old range of mremap(MREMAP_DONTUNMAP)",
	  .optional = true },
#endif
};

/*
 * A missed hit of a probe means that something it does did not happen for
 * one call: say so in the kernel log, once per probe, when a request or a
 * status read sees it.
 */
static unsigned long lof_missed_told;

static u64 lof_missed(unsigned int bit, const char *name, const char *why,
		      u64 n)
{
	if (n && !test_and_set_bit(bit, &lof_missed_told))
		pr_warn("the %s probe missed %llu hits: %s may not have happened; please report it\n",
			name, (unsigned long long)n, why);
	return n;
}

u64 lof_missed_probes(void)
{
	unsigned int i, bit = 0;
	u64 n = 0;

	for (i = 0; i < ARRAY_SIZE(lof_probes); i++)
		n += lof_missed(bit++, lof_probes[i].kp.symbol_name ?:
				lof_probes[i].names[0], lof_probes[i].why,
				lof_probes[i].kp.nmissed);
	for (i = 0; i < ARRAY_SIZE(lof_retprobes); i++)
		n += lof_missed(bit++, lof_retprobes[i].rp->kp.symbol_name ?:
				lof_retprobes[i].names[0],
				lof_retprobes[i].why,
				lof_retprobes[i].rp->nmissed +
				lof_retprobes[i].rp->kp.nmissed);
	return n + lof_missed(bit, "handle_mm_fault", "eager locking after a fault",
			      lof_eager_missed());
}

static int lof_missed_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%llu\n", (unsigned long long)lof_missed_probes());
}

static const struct kernel_param_ops lof_missed_ops = {
	.get = lof_missed_get,
};
module_param_cb(missed_probes, &lof_missed_ops, NULL, 0444);
MODULE_PARM_DESC(missed_probes,
		 "Probe hits missed since load (read only): each means some locking may not have happened; also logged once per probe");

/*
 * The mmap probes have work only in an mm whose def_flags carry the tag,
 * which only MCL_FUTURE | MCL_ONFAULT gives.  They are registered disarmed
 * and armed by the first such request, before its mlockall() runs; they
 * stay armed until unload.  Until then no mmap of any process pays them.
 */
static DEFINE_MUTEX(lof_future_lock);
static bool lof_future_armed;

static int lof_arm_future(void)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&lof_future_lock);
	if (lof_future_armed)
		goto out;
	for (i = 0; !ret && i < ARRAY_SIZE(lof_probes); i++)
		if (lof_probes[i].lazy && lof_probes[i].registered)
			ret = enable_kprobe(&lof_probes[i].kp);
	for (i = 0; !ret && i < ARRAY_SIZE(lof_retprobes); i++)
		if (lof_retprobes[i].lazy && lof_retprobes[i].registered)
			ret = enable_kretprobe(lof_retprobes[i].rp);
	if (!ret)
		lof_future_armed = true;
	else
		pr_err("cannot arm the mmap probes (%d): MCL_FUTURE | MCL_ONFAULT refused\n",
		       ret);
out:
	mutex_unlock(&lof_future_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The requests.                                                        */

/*
 * Run a kernel mlock()/mlockall() as a request for lock on fault: the mm
 * is remembered first (it may get the tag), and the marker tells the
 * probes what the call is for.
 */
static long lof_call_onfault(void *fn, unsigned long a1, unsigned long a2)
{
	struct lof_marker m;
	struct lof_mm *e;
	long ret;

	e = lof_mm_begin(current->mm);
	if (!e)
		return -ENOMEM;
	lof_marker_push(&m);
	ret = lof_call_sys(fn, a1, a2);
	lof_marker_pop(&m);
	lof_mm_end(e, current->mm, ret);
	return ret;
}

long lof_lock(unsigned long start, unsigned long len, bool onfault)
{
	if (!onfault)
		return lof_call_sys(lof_sys_mlock_fn, start, len);
	return lof_call_onfault(lof_sys_mlock_fn, start, len);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_lock);

long lof_unlock(unsigned long start, unsigned long len)
{
	return lof_call_sys(lof_sys_munlock_fn, start, len);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_unlock);

long lof_lockall(unsigned int flags)
{
	bool onfault = flags & LOF_MCL_ONFAULT;

	flags &= ~LOF_MCL_ONFAULT;
	if (!onfault)
		return lof_call_sys(lof_sys_mlockall_fn, flags, 0);
	if (flags & LOF_MCL_FUTURE) {
		long ret = lof_arm_future();

		if (ret)
			return ret;
	}
	return lof_call_onfault(lof_sys_mlockall_fn, flags, 0);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_lockall);

long lof_unlockall(void)
{
	return lof_call_sys(lof_sys_munlockall_fn, 0, 0);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_unlockall);

/* ------------------------------------------------------------------ */

/*
 * The populate worker's hook: a kprobe, or where kprobes cannot redirect a
 * function cleanly, the module's own ftrace_ops (see lof_compat.h).
 */
static int lof_register_probe(struct lof_probe *p)
{
#ifdef LOF_REDIRECT_BY_FTRACE
	if (p->ops.func) {
		int ret;

		p->ip = (unsigned long)lof_lookup_name(p->kp.symbol_name);
		if (!p->ip)
			return -ENOENT;
		ret = ftrace_set_filter_ip(&p->ops, p->ip, 0, 0);
		if (!ret)
			ret = register_ftrace_function(&p->ops);
		if (ret)
			ftrace_set_filter_ip(&p->ops, p->ip, 1, 0);
		return ret;
	}
#endif
	return register_kprobe(&p->kp);
}

static void lof_unregister_probe(struct lof_probe *p)
{
	if (!p->registered)
		return;
	p->registered = false;
#ifdef LOF_REDIRECT_BY_FTRACE
	if (p->ops.func) {
		unregister_ftrace_function(&p->ops);
		ftrace_set_filter_ip(&p->ops, p->ip, 1, 0);
		return;
	}
#endif
	unregister_kprobe(&p->kp);
}

static void lof_unregister(unsigned int n)
{
	while (n--)
		lof_unregister_probe(&lof_probes[n]);
}

static void lof_unregister_ret(unsigned int n)
{
	while (n--) {
		if (lof_retprobes[n].registered)
			unregister_kretprobe(lof_retprobes[n].rp);
		lof_retprobes[n].registered = false;
	}
}

/*
 * The child's copy of a MADV_WIPEONFORK range reaches neither
 * copy_page_range() nor anon_vma_fork(): without dup_userfaultfd() it
 * keeps an inert tag.  Say so.
 */
static void lof_wipeonfork_check(void)
{
#ifdef VM_WIPEONFORK
	const char *fork = lof_probes[LOF_PROBE_FORK].kp.symbol_name;

	if (fork && strcmp(fork, "dup_userfaultfd"))
		pr_info("this kernel has no dup_userfaultfd(): a forked child's copy of a MADV_WIPEONFORK range locked on fault keeps an inert tag (shown as ?? in smaps)\n");
#endif
}

int lof_engine_init(void)
{
	unsigned int i, j;
	int ret;

	lof_markers_init();
	for (i = 0; i < ARRAY_SIZE(lof_syscalls); i++) {
		*lof_syscalls[i].fn = lof_lookup_name(lof_syscalls[i].name);
		if (!*lof_syscalls[i].fn) {
			pr_err("cannot find %s in this kernel\n",
			       lof_syscalls[i].name);
			return -ENOENT;
		}
	}
#ifdef LOF_FOLL_MLOCK
	lof_follow_page_mask = lof_lookup_name("follow_page_mask");
	lof_walk_range_fn = lof_lookup_name("walk_page_range");
	if (!lof_follow_page_mask || !lof_walk_range_fn) {
		pr_err("cannot find follow_page_mask and walk_page_range in this kernel, needed to mlock the present pages of ranges locked on fault; refusing to load\n");
		return -ENOENT;
	}
	/* absent: munlock of a range locked on fault walks it all, as natively */
	lof_munlock_vma_pages_range = lof_lookup_name("munlock_vma_pages_range");
#endif

	for (i = 0; i < ARRAY_SIZE(lof_probes); i++) {
		struct lof_probe *p = &lof_probes[i];

		ret = -ENOENT;
		for (j = 0; j < ARRAY_SIZE(p->names) && p->names[j]; j++) {
			p->kp.symbol_name = p->names[j];
			p->kp.addr = NULL;
			p->kp.flags = p->lazy ? KPROBE_FLAG_DISABLED : 0;
			ret = lof_register_probe(p);
			if (!ret)
				break;
		}
		if (!ret) {
			p->registered = true;
			continue;
		}
		if (ret == -ENOENT && p->optional)
			continue;
		/*
		 * Missing, inlined on this build, or blacklisted:
		 * loading anyway would mean silently not locking.
		 */
		pr_err("cannot probe %s (%d), needed to %s; refusing to load\n",
		       p->names[0], ret, p->why);
		lof_unregister(i);
		return ret;
	}

	for (i = 0; i < ARRAY_SIZE(lof_retprobes); i++) {
		struct kretprobe *rp = lof_retprobes[i].rp;
		const char * const *names = lof_retprobes[i].names;

		ret = -ENOENT;
		for (j = 0; j < ARRAY_SIZE(lof_retprobes[i].names) && names[j]; j++) {
			rp->kp.symbol_name = names[j];
			rp->kp.addr = NULL;
			rp->kp.flags = lof_retprobes[i].lazy ? KPROBE_FLAG_DISABLED : 0;
			ret = register_kretprobe(rp);
			if (!ret)
				break;
		}
		if (!ret) {
			lof_retprobes[i].registered = true;
			continue;
		}
		if (ret == -ENOENT && lof_retprobes[i].optional) {
			pr_info("cannot find %s: the module cannot %s (an inert tag stays there, shown as ?? in smaps)\n",
				names[0], lof_retprobes[i].why);
			rp->kp.symbol_name = NULL;
			continue;
		}
		pr_err("cannot probe the return of %s (%d), needed to %s; refusing to load\n",
		       names[0], ret, lof_retprobes[i].why);
		lof_unregister_ret(i);
		lof_unregister(ARRAY_SIZE(lof_probes));
		return ret;
	}
	lof_wipeonfork_check();
	ret = lof_eager_init();
	if (!ret)
		ret = lof_selftest();
	if (ret) {
		lof_eager_exit();
		lof_unregister_ret(ARRAY_SIZE(lof_retprobes));
		lof_unregister(ARRAY_SIZE(lof_probes));
	}
	return ret;
}

void lof_engine_exit(void)
{
	lof_eager_exit();
	lof_unregister_ret(ARRAY_SIZE(lof_retprobes));
	lof_unregister(ARRAY_SIZE(lof_probes));
#ifdef LOF_FOLL_MLOCK
	/* a munlock replacement may still be returning from its module_put() */
	lof_wait_returns();
#endif
	/* lof_mm entries are freed by RCU; none can be left (module refs) */
	rcu_barrier();
}
