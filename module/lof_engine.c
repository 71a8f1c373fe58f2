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
 *     mmap       a special mapping made under MCL_FUTURE loses the tag
 *                with VM_LOCKED;
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
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/hashtable.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>

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

struct lof_marker {
	struct list_head node;
	struct task_struct *task;
	bool onfault;
};

static LIST_HEAD(lof_markers);
static DEFINE_RAW_SPINLOCK(lof_marker_lock);
static atomic_t lof_nr_markers = ATOMIC_INIT(0);

static void lof_marker_push(struct lof_marker *m, bool onfault)
{
	unsigned long flags;

	m->task = current;
	m->onfault = onfault;
	raw_spin_lock_irqsave(&lof_marker_lock, flags);
	list_add(&m->node, &lof_markers);
	atomic_inc(&lof_nr_markers);
	raw_spin_unlock_irqrestore(&lof_marker_lock, flags);
}

static void lof_marker_pop(struct lof_marker *m)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lof_marker_lock, flags);
	list_del(&m->node);
	atomic_dec(&lof_nr_markers);
	raw_spin_unlock_irqrestore(&lof_marker_lock, flags);
}

/* Whether current is inside a request that asked for lock on fault. */
static bool lof_marked_onfault(void)
{
	struct lof_marker *m;
	unsigned long flags;
	bool onfault = false;

	if (!atomic_read(&lof_nr_markers))
		return false;
	raw_spin_lock_irqsave(&lof_marker_lock, flags);
	list_for_each_entry(m, &lof_markers, node) {
		if (m->task == current) {
			onfault = m->onfault;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&lof_marker_lock, flags);
	return onfault;
}

/* ------------------------------------------------------------------ */
/* The mms that carry the tag: each holds a reference on the module.    */

struct lof_mm {
	struct hlist_node node;
	struct mm_struct *mm;
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

/* Before an mm can get the tag: remember it and pin the module. */
static int lof_mm_track(struct mm_struct *mm)
{
	struct lof_mm *e, *new;

	rcu_read_lock();
	e = lof_mm_find(mm);
	rcu_read_unlock();
	if (e)
		return 0;

	new = kmalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	new->mm = mm;
	spin_lock(&lof_mms_lock);
	if (lof_mm_find(mm)) {
		spin_unlock(&lof_mms_lock);
		kfree(new);
		return 0;
	}
	__module_get(THIS_MODULE);
	hash_add_rcu(lof_mms, &new->node, (unsigned long)mm);
	atomic_inc(&lof_nr_mms);
	spin_unlock(&lof_mms_lock);
	return 0;
}

unsigned int lof_tracked_mms(void)
{
	return atomic_read(&lof_nr_mms);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_tracked_mms);

/* ------------------------------------------------------------------ */
/* Probe handlers.                                                      */

/*
 * populate_vma_page_range(vma, start, end, locked) (4.0+), or
 * __mlock_vma_pages_range() before: every populate of a VM_LOCKED range
 * ends here (mlock, mlockall, MAP_LOCKED and MCL_FUTURE mmaps, brk,
 * mremap growth, shmat, stack growth, mprotect).  For a tagged vma,
 * return "all pages done" at once, as 4.4's VM_LOCKONFAULT check does.
 */
static int lof_populate_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)lof_arg(regs, 1);
	unsigned long start = lof_arg(regs, 2), end = lof_arg(regs, 3);

	if (likely(!lof_is_onfault(vma->vm_flags)))
		return 0;
	lof_override_return(regs, lof_populate_result(start, end));
	return 1;
}

/*
 * mlock_fixup(vma, prev, start, end, newflags): the one place where mlock,
 * munlock, mlockall and munlockall change a vma.  The kernel keeps bits it
 * does not know, so without us the tag would survive a native munlock or
 * mlock.  Drop it from newflags, then add it back when this task asked
 * for lock on fault and the range ends up locked.
 */
static int lof_fixup_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)lof_arg(regs, 1);
	vm_flags_t newflags = lof_arg(regs, 5);

	if (likely(!lof_fixup_concerned(vma->vm_flags, newflags,
					atomic_read(&lof_nr_markers))))
		return 0;
	lof_set_arg5(regs, lof_fixup_newflags(vma->vm_flags, newflags,
					      (newflags & VM_LOCKED) &&
					      lof_marked_onfault()));
	return 0;
}

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
 * copy_page_range(dst_vma, src_vma) in dup_mmap(), after the child's vma
 * lost VM_LOCKED: the child must not inherit lock on fault either.  Both
 * mms are write-locked by the forking task.
 */
static int lof_fork_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_area_struct *vma = lof_fork_child_vma(regs);

	if (likely(!(vma->vm_flags & LOF_VM_ONFAULT)))
		return 0;
	vma->vm_flags = lof_drop_stale_tag(vma->vm_flags);
	return 0;
}

/*
 * mmap_region(file, addr, len, vm_flags, ...): a new vma gets
 * mm->def_flags.  For the vmas the kernel will not lock (VM_SPECIAL,
 * hugetlb, DAX) it clears VM_LOCKED and the native flag, not the tag.
 * The entry handler arms the return handler only for a task whose
 * def_flags carry the tag; on return the mmap lock is still held for
 * writing.
 */
static int lof_mmap_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;

	if (likely(!mm || !(mm->def_flags & LOF_VM_ONFAULT)))
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

static void lof_mm_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct lof_mm, rcu));
}

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
	if (e) {
		hash_del_rcu(&e->node);
		atomic_dec(&lof_nr_mms);
	}
	spin_unlock(&lof_mms_lock);
	if (e) {
		call_rcu(&e->rcu, lof_mm_free_rcu);
		module_put(THIS_MODULE);
	}
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
};

static struct lof_probe lof_probes[] = {
	{
		.kp = { .pre_handler = lof_populate_pre, .post_handler = lof_post_nop },
		.names = { "populate_vma_page_range", "__mlock_vma_pages_range" },
		.why = "skip populating ranges locked on fault",
	},
	{
		.kp = { .pre_handler = lof_fixup_pre },
		.names = { "mlock_fixup" },
		.why = "set or clear the on-fault tag with VM_LOCKED",
	},
	{
		.kp = { .pre_handler = lof_mlockall_pre },
		.names = { "apply_mlockall_flags", "do_mlockall" },
		.why = "keep the tag in mm->def_flags for MCL_FUTURE",
	},
	{
		.kp = { .pre_handler = lof_fork_pre },
		.names = { "copy_page_range" },
		.why = "drop the tag from a forked child's vmas",
	},
	{
		.kp = { .pre_handler = lof_exit_pre },
		.names = { "exit_mmap" },
		.why = "forget an exiting mm",
	},
};

u64 lof_missed_probes(void)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lof_probes); i++)
		n += lof_probes[i].kp.nmissed;
	n += lof_mmap_rp.nmissed + lof_mmap_rp.kp.nmissed;
	return n;
}

/* ------------------------------------------------------------------ */
/* The requests.                                                        */

long lof_lock(unsigned long start, unsigned long len, bool onfault)
{
	struct lof_marker m;
	long ret;

	if (!onfault)
		return lof_call_sys(lof_sys_mlock_fn, start, len);
	ret = lof_mm_track(current->mm);
	if (ret)
		return ret;
	lof_marker_push(&m, true);
	ret = lof_call_sys(lof_sys_mlock_fn, start, len);
	lof_marker_pop(&m);
	return ret;
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
	struct lof_marker m;
	long ret;

	flags &= ~LOF_MCL_ONFAULT;
	if (!onfault)
		return lof_call_sys(lof_sys_mlockall_fn, flags, 0);
	ret = lof_mm_track(current->mm);
	if (ret)
		return ret;
	lof_marker_push(&m, true);
	ret = lof_call_sys(lof_sys_mlockall_fn, flags, 0);
	lof_marker_pop(&m);
	return ret;
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_lockall);

long lof_unlockall(void)
{
	return lof_call_sys(lof_sys_munlockall_fn, 0, 0);
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_unlockall);

/* ------------------------------------------------------------------ */

static void lof_unregister(unsigned int n)
{
	while (n--)
		unregister_kprobe(&lof_probes[n].kp);
}

int lof_engine_init(void)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < ARRAY_SIZE(lof_syscalls); i++) {
		*lof_syscalls[i].fn = lof_lookup_name(lof_syscalls[i].name);
		if (!*lof_syscalls[i].fn) {
			pr_err("cannot find %s in this kernel\n",
			       lof_syscalls[i].name);
			return -ENOENT;
		}
	}

	for (i = 0; i < ARRAY_SIZE(lof_probes); i++) {
		struct lof_probe *p = &lof_probes[i];

		ret = -ENOENT;
		for (j = 0; j < ARRAY_SIZE(p->names) && p->names[j]; j++) {
			p->kp.symbol_name = p->names[j];
			p->kp.addr = NULL;
			p->kp.flags = 0;
			ret = register_kprobe(&p->kp);
			if (!ret)
				break;
		}
		if (ret) {
			/*
			 * Missing, inlined on this build, or blacklisted:
			 * loading anyway would mean silently not locking.
			 */
			pr_err("cannot probe %s (%d), needed to %s; refusing to load\n",
			       p->names[0], ret, p->why);
			lof_unregister(i);
			return ret;
		}
	}

	lof_mmap_rp.kp.symbol_name = "mmap_region";
	ret = register_kretprobe(&lof_mmap_rp);
	if (ret) {
		pr_err("cannot probe the return of mmap_region (%d), needed to keep the tag off special mappings; refusing to load\n",
		       ret);
		lof_unregister(ARRAY_SIZE(lof_probes));
		return ret;
	}
	return 0;
}

void lof_engine_exit(void)
{
	unregister_kretprobe(&lof_mmap_rp);
	lof_unregister(ARRAY_SIZE(lof_probes));
	/* lof_mm entries are freed by RCU; none can be left (module refs) */
	rcu_barrier();
}
