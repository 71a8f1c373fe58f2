// SPDX-License-Identifier: GPL-2.0
/*
 * LOF_IOC_QUERY: how a range of a process is locked, with resident and
 * mlocked page counts, without faulting anything in or splitting huge
 * pages.  Results are gathered under the mmap lock into a kernel buffer
 * and copied out after it is dropped (copying to the caller's memory may
 * fault, and faults take the mmap lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/sched.h>
#include <linux/ptrace.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lof_internal.h"
#include "lof_logic.h"

typedef struct mm_struct *(*lof_mm_access_fn)(struct task_struct *task,
					     unsigned int mode);
static void *lof_walk_page_range_fn;
static lof_mm_access_fn lof_mm_access;

struct lof_count {
	u64 resident;
	u64 locked;
};

static void lof_count_page(struct lof_count *c, struct page *page, u64 n)
{
	c->resident += n;
	if (page && PageMlocked(page))
		c->locked += n;
}

static int lof_q_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
		     struct mm_walk *walk)
{
	struct lof_count *c = walk->private;
	pte_t *start, *pte;
	spinlock_t *ptl;		/* page table lock */
	pmd_t val;

	/* Never descend: the walker would split a huge pmd for pte_entry. */
	lof_walk_no_descent(walk);

	ptl = pmd_lock(walk->mm, pmd);
	val = *pmd;
	if (pmd_trans_huge(val) || pmd_devmap(val)) {
		if (pmd_present(val))
			lof_count_page(c, pmd_devmap(val) ? NULL : pmd_page(val),
				       (end - addr) >> PAGE_SHIFT);
		spin_unlock(ptl);
		return 0;
	}
	spin_unlock(ptl);
	if (pmd_none(val) || !pmd_present(val) || pmd_bad(val))
		return 0;

	start = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	for (pte = start; addr < end; addr += PAGE_SIZE, pte++) {
		pte_t e = *pte;
		struct page *page = NULL;

		if (!pte_present(e))
			continue;
		if (!pte_special(e) && pfn_valid(pte_pfn(e)))
			page = pte_page(e);
		lof_count_page(c, page, 1);
	}
	pte_unmap_unlock(start, ptl);
	return 0;
}

#ifdef CONFIG_HUGETLB_PAGE
static int lof_q_hugetlb(pte_t *pte, unsigned long hmask, unsigned long addr,
			 unsigned long end, struct mm_walk *walk)
{
	struct lof_count *c = walk->private;

	if (pte_present(huge_ptep_get(pte)))
		c->resident += (end - addr) >> PAGE_SHIFT;
	return 0;
}
#endif

static const struct mm_walk_ops lof_q_ops = {
	.pmd_entry = lof_q_pmd,
#ifdef CONFIG_HUGETLB_PAGE
	.hugetlb_entry = lof_q_hugetlb,
#endif
};

/*
 * The resident and mlocked pages of [start, end) of @mm, a range within
 * one vma, without faulting anything in.  Called with the mmap lock held.
 */
void lof_count_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, u64 *resident, u64 *mlocked)
{
	struct lof_count c = { 0, 0 };

	lof_walk_page_range(lof_walk_page_range_fn, mm, start, end,
			    &lof_q_ops, &c);
	*resident = c.resident;
	*mlocked = c.locked;
}

#define LOF_Q_BATCH 64
/*
 * Most address space one hold of the mmap lock walks: 512 page tables at
 * worst.  A status of a huge sparse mapping must not stall the faults,
 * mmaps and munmaps of the process it looks at.
 */
#define LOF_Q_SPAN BIT(30)

struct lof_q {
	struct lof_query *q;
	struct lof_query_entry *buf;	/* LOF_Q_BATCH entries */
	unsigned int nbuf;		/* used in buf */
	unsigned int room;		/* entries the caller still has room for */
	bool full;			/* an entry did not fit */
};

/* Account [start, end) in @state; merge with the previous entry if alike. */
static void lof_q_add(struct lof_q *s, unsigned long start, unsigned long end,
		      u32 state, const struct lof_count *c)
{
	struct lof_query_entry *e;

	switch (state) {
	case LOF_STATE_ONFAULT:
		s->q->onfault_bytes += end - start;
		break;
	case LOF_STATE_LOCKED:
		s->q->locked_bytes += end - start;
		break;
	}
	s->q->resident_pages += c->resident;
	s->q->locked_pages += c->locked;
	if (s->full)
		return;

	e = s->nbuf ? &s->buf[s->nbuf - 1] : NULL;
	if (e && e->state == state && e->end == start) {
		e->end = end;
		e->resident += c->resident;
		e->locked += c->locked;
		return;
	}
	if (!s->room || s->nbuf == LOF_Q_BATCH) {
		/* no room (or the batch must be flushed first) */
		if (!s->room) {
			s->full = true;
			s->q->next = start;
		}
		return;
	}
	e = &s->buf[s->nbuf++];
	s->room--;
	e->start = start;
	e->end = end;
	e->state = state;
	e->reserved = 0;
	e->resident = c->resident;
	e->locked = c->locked;
}

/*
 * Fill entries for [*pos, end) until the batch is full, or LOF_Q_BATCH
 * vmas or LOF_Q_SPAN bytes of them were looked at; returns with *pos
 * where to continue.  Called with the mmap lock held for reading.
 */
static void lof_q_batch(struct lof_q *s, struct mm_struct *mm,
			unsigned long *pos, unsigned long end)
{
	static const struct lof_count zero;
	unsigned long addr = *pos, span = 0;
	unsigned int vmas = 0;

	while (addr < end && (s->full || s->nbuf < LOF_Q_BATCH) &&
	       vmas++ < LOF_Q_BATCH && span < LOF_Q_SPAN) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		unsigned long vstart, vend;
		struct lof_count c = { 0, 0 };

		if (!vma || vma->vm_start >= end) {
			lof_q_add(s, addr, end, LOF_STATE_UNMAPPED, &zero);
			addr = end;
			break;
		}
		if (vma->vm_start > addr) {
			lof_q_add(s, addr, vma->vm_start, LOF_STATE_UNMAPPED,
				  &zero);
			addr = vma->vm_start;
			continue;
		}
		vstart = addr;
		vend = min(end, vma->vm_end);
		if (vend - vstart > LOF_Q_SPAN - span)
			vend = vstart + (LOF_Q_SPAN - span);
		span += vend - vstart;
		lof_walk_page_range(lof_walk_page_range_fn, mm, vstart, vend,
				    &lof_q_ops, &c);
		lof_q_add(s, vstart, vend, lof_vma_state_of(vma->vm_flags), &c);
		addr = vend;
	}
	*pos = addr;
}

static struct mm_struct *lof_q_get_mm(pid_t nr)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;

	if (!nr) {
		mm = current->mm;
		if (!mm)
			return ERR_PTR(-EINVAL);
		mmget(mm);
		return mm;
	}
	pid = find_get_pid(nr);
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!task)
		return ERR_PTR(-ESRCH);
	/*
	 * What opening /proc/PID/smaps does: the mm and the permission check
	 * under the exec lock, so that a setuid exec cannot install its mm
	 * between the check and get_task_mm().
	 */
	mm = lof_mm_access(task, PTRACE_MODE_READ_FSCREDS);
	put_task_struct(task);
	return mm ? mm : ERR_PTR(-ESRCH);
}

long lof_query(struct lof_query *q)
{
	struct lof_query_entry __user *uent = u64_to_user_ptr(q->entries);
	unsigned long pos, end, copied = 0;
	struct mm_struct *mm;
	struct lof_q s = { .q = q };
	long ret = 0;

	if (!lof_walk_page_range_fn)
		return -EOPNOTSUPP;
	s.buf = kmalloc_array(LOF_Q_BATCH, sizeof(*s.buf), GFP_KERNEL);
	if (!s.buf)
		return -ENOMEM;
	mm = lof_q_get_mm(q->pid);
	if (IS_ERR(mm)) {
		kfree(s.buf);
		return PTR_ERR(mm);
	}

	lof_query_bounds(q->addr, q->len, &pos, &end);
	s.room = q->nr_entries;
	q->onfault_bytes = 0;
	q->locked_bytes = 0;
	q->resident_pages = 0;
	q->locked_pages = 0;
	q->next = end;

	while (pos < end) {
		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			break;
		}
		lof_q_batch(&s, mm, &pos, end);
		mmap_read_unlock(mm);
		/* the last entry may still grow: keep it unless done */
		if (s.nbuf > 1 || (s.nbuf && (pos >= end || s.full))) {
			unsigned int n = (pos >= end || s.full) ? s.nbuf :
					 s.nbuf - 1;

			if (copy_to_user(uent + copied, s.buf, n * sizeof(*s.buf))) {
				ret = -EFAULT;
				break;
			}
			copied += n;
			memmove(s.buf, s.buf + n, (s.nbuf - n) * sizeof(*s.buf));
			s.nbuf -= n;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!ret && s.nbuf) {
		if (copy_to_user(uent + copied, s.buf, s.nbuf * sizeof(*s.buf)))
			ret = -EFAULT;
		else
			copied += s.nbuf;
	}
	q->nr_entries = copied;
	mmput(mm);
	kfree(s.buf);
	return ret;
}
EXPORT_SYMBOL_FOR_LOF_KUNIT(lof_query);

int lof_query_init(void)
{
	lof_walk_page_range_fn = lof_lookup_name("walk_page_range");
	lof_mm_access = lof_lookup_name("mm_access");
	if (!lof_walk_page_range_fn || !lof_mm_access) {
		pr_err("cannot find %s in this kernel; refusing to load\n",
		       lof_walk_page_range_fn ? "mm_access" : "walk_page_range");
		return -ENOENT;
	}
	return 0;
}
