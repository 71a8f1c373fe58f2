/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module meets lives here, decided by
 * the compile probes of compat/conftest.sh (generated/lof_config.h), so
 * the rest of the module reads like current kernel code.
 */
#ifndef LOF_COMPAT_H
#define LOF_COMPAT_H

#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/compat.h>

#include "lof_config.h"

#ifndef HAVE_U64_TO_USER_PTR
#define u64_to_user_ptr(x) ((void __user *)(uintptr_t)(u64)(x))
#endif

/* READ_ONCE() and WRITE_ONCE() of 3.19 (RHEL 7 has them): ACCESS_ONCE() */
#ifndef READ_ONCE
#define READ_ONCE(x) ACCESS_ONCE(x)
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, val) (ACCESS_ONCE(x) = (val))
#endif

/*
 * copy_struct_from_user() of 5.4: copy @usize bytes into a @ksize struct,
 * zero-fill what the caller did not pass, and refuse (-E2BIG) a larger
 * struct whose extra bytes are not all zero.  Always compiled, so that the
 * KUnit tests hold it to the same expectations as the kernel's own.
 */
static inline int lof_copy_struct_from_user_compat(void *dst, size_t ksize,
						   const void __user *src,
						   size_t usize)
{
	size_t size = min(ksize, usize);
	size_t i;

	if (usize > ksize) {
		const u8 __user *p = (const u8 __user *)src;

		for (i = ksize; i < usize; i++) {
			u8 b;

			if (get_user(b, p + i))
				return -EFAULT;
			if (b)
				return -E2BIG;
		}
	} else if (usize < ksize) {
		memset((u8 *)dst + size, 0, ksize - size);
	}
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	return 0;
}

#ifndef HAVE_COPY_STRUCT_FROM_USER
#define copy_struct_from_user lof_copy_struct_from_user_compat
#endif

#ifdef CONFIG_COMPAT
#ifdef HAVE_COMPAT_PTR_IOCTL
#define lof_compat_ptr_ioctl compat_ptr_ioctl
#else
/* compat_ptr_ioctl() of 5.5 */
static inline long lof_compat_ptr_ioctl(struct file *file, unsigned int cmd,
					unsigned long arg)
{
	if (!file->f_op->unlocked_ioctl)
		return -ENOIOCTLCMD;
	return file->f_op->unlocked_ioctl(file, cmd,
					  (unsigned long)compat_ptr(arg));
}
#endif
#endif /* CONFIG_COMPAT */

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/ptrace.h>
#include <linux/linkage.h>
#ifdef HAVE_OBJTOOL_NOENDBR
#include <linux/objtool.h>
#endif

#ifdef HAVE_SCHED_MM
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>		/* split from sched.h with it (4.11) */
#else
/* mmget() of 4.11 */
static inline void mmget(struct mm_struct *mm)
{
	atomic_inc(&mm->mm_users);
}
#endif

/* Before 4.5 (and its stable backports), /proc used the real creds. */
#ifndef PTRACE_MODE_READ_FSCREDS
#define PTRACE_MODE_READ_FSCREDS PTRACE_MODE_READ
#endif

#ifndef HAVE_PMD_DEVMAP
/* no device-mapped (DAX) huge pmds before 4.5 */
static inline int pmd_devmap(pmd_t pmd)
{
	return 0;
}
#endif

/*
 * The on-fault tag: a vm_flags bit that no flag of the target kernel uses,
 * chosen by compat/conftest.sh from the target's own headers.  It means
 * something only together with VM_LOCKED.
 */
#ifndef LOF_VM_ONFAULT_BIT
#error "lockonfault: no vm_flags bit is free on this kernel (see generated/lof_config.h)"
#endif
#define LOF_VM_ONFAULT	((vm_flags_t)1 << LOF_VM_ONFAULT_BIT)

/*
 * The kernel's own on-fault flag, where its headers have one.  Only the
 * query reads it, so that a range locked on fault by native mlock2() is
 * reported as such; the engine never sets, clears or tests it.
 */
#ifdef HAVE_NATIVE_VM_LOCKONFAULT
#define LOF_VM_NATIVE_ONFAULT	VM_LOCKONFAULT
#else
#define LOF_VM_NATIVE_ONFAULT	((vm_flags_t)0)
#endif

#ifndef CONFIG_KPROBES
#error "lockonfault needs a kernel built with CONFIG_KPROBES"
#endif

/*
 * Kernel IBT (5.18+ on CPUs with CET) faults an indirect call that lands
 * anywhere but an ENDBR.  The module calls what it looked up through
 * pointers: the kprobes resolver gives addresses past the ENDBR, and
 * functions that are only called directly (walk_page_range, mm_access)
 * have theirs sealed at boot.  Where IBT is on, the module must not load.
 */
#ifdef HAVE_X86_FEATURE_IBT
#include <asm/cpufeature.h>
static inline bool lof_ibt_active(void)
{
	return cpu_feature_enabled(X86_FEATURE_IBT);
}
#else
static inline bool lof_ibt_active(void)
{
	return false;
}
#endif

#ifndef HAVE_MMAP_LOCK
static inline void mmap_read_lock(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);
}

static inline void mmap_read_unlock(struct mm_struct *mm)
{
	up_read(&mm->mmap_sem);
}

static inline void mmap_write_lock(struct mm_struct *mm)
{
	down_write(&mm->mmap_sem);
}

static inline void mmap_write_unlock(struct mm_struct *mm)
{
	up_write(&mm->mmap_sem);
}

static inline int mmap_read_lock_killable(struct mm_struct *mm)
{
#ifdef HAVE_DOWN_READ_KILLABLE
	return down_read_killable(&mm->mmap_sem);
#else
	/* before 4.15 a reader waits uninterruptibly; look once it is in */
	down_read(&mm->mmap_sem);
	if (fatal_signal_pending(current)) {
		up_read(&mm->mmap_sem);
		return -EINTR;
	}
	return 0;
#endif
}
#endif

/* Whether anyone holds the mmap lock (5.8 renamed mmap_sem mmap_lock). */
static inline bool lof_mmap_is_locked(struct mm_struct *mm)
{
#ifdef HAVE_MMAP_LOCK
	return rwsem_is_locked(&mm->mmap_lock);
#else
	return rwsem_is_locked(&mm->mmap_sem);
#endif
}

/*
 * Arguments of a probed function at its entry, and the way to make it
 * return at once with a value of our choosing.
 */
#ifdef CONFIG_X86_64
static inline unsigned long lof_arg(struct pt_regs *regs, unsigned int n)
{
	switch (n) {
	case 1: return regs->di;
	case 2: return regs->si;
	case 3: return regs->dx;
	case 4: return regs->cx;
	default: return regs->r8;
	}
}

static inline void lof_set_arg4(struct pt_regs *regs, unsigned long v)
{
	regs->cx = v;
}

static inline void lof_set_arg5(struct pt_regs *regs, unsigned long v)
{
	regs->r8 = v;
}

extern char lof_just_return[];

/* Resume at a bare "ret": the probed function returns @ret to its caller. */
static inline void lof_override_return(struct pt_regs *regs, unsigned long ret)
{
	regs->ax = ret;
	regs->ip = (unsigned long)lof_just_return;
}

/* Resume at @fn, which takes the probed function's arguments and returns. */
static inline void lof_redirect(struct pt_regs *regs, void *fn)
{
	regs->ip = (unsigned long)fn;
}

#ifndef HAVE_ASM_RET
#define ASM_RET "ret\n\t"
#endif
#ifndef HAVE_OBJTOOL_NOENDBR
#define ANNOTATE_NOENDBR
#endif
#define LOF_JUST_RETURN_ASM						\
	".pushsection .text\n"						\
	".type lof_just_return, @function\n"				\
	".globl lof_just_return\n"					\
	"lof_just_return:\n"						\
	ANNOTATE_NOENDBR						\
	ASM_RET								\
	".size lof_just_return, .-lof_just_return\n"			\
	".popsection\n"
#else
#error "lockonfault: only x86_64 is supported so far"
#endif

/*
 * Calling the kernel's own mlock()/munlock()/mlockall()/munlockall().
 * Kernels with syscall wrappers take a pt_regs; older ones take the
 * arguments.  (With kernel IBT on, the module does not load at all: see
 * lof_ibt_active().)
 */
#ifdef CONFIG_ARCH_HAS_SYSCALL_WRAPPER
#define LOF_SYS_PREFIX "__x64_sys_"
typedef long (*lof_sys_fn)(const struct pt_regs *regs);

static inline long lof_call_sys(void *fn, unsigned long a1, unsigned long a2)
{
	struct pt_regs regs = { .di = a1, .si = a2 };

	return ((lof_sys_fn)fn)(&regs);
}
#else
#define LOF_SYS_PREFIX "sys_"
typedef long (*lof_sys_fn)(unsigned long a1, unsigned long a2);

static inline long lof_call_sys(void *fn, unsigned long a1, unsigned long a2)
{
	return ((lof_sys_fn)fn)(a1, a2);
}
#endif

/*
 * Fork: a probe that sees the child's copy of each vma before it can be
 * used, to take the tag off it (the child never inherits VM_LOCKED).
 * copy_page_range(dst_vma, src_vma) of 5.12; before that it sees only the
 * parent's vma, and anon_vma_fork(child, parent), which dup_mmap() calls
 * for every vma it copies, takes its place.
 */
#ifdef HAVE_COPY_PAGE_RANGE_VMAS
#define LOF_FORK_PROBE "copy_page_range"
#else
#define LOF_FORK_PROBE "anon_vma_fork"
#endif
/*
 * Both are skipped for a MADV_WIPEONFORK vma (4.14, RHEL 7.9), whose copy
 * starts empty.  dup_userfaultfd(child, ...) of 4.11 (and RHEL 7.9), where
 * the kernel has userfaultfd, is called for every vma dup_mmap() copies,
 * once the copy belongs to the child's mm: it comes first.
 */
#define LOF_FORK_PROBES "dup_userfaultfd", LOF_FORK_PROBE
static inline struct vm_area_struct *lof_fork_child_vma(struct pt_regs *regs)
{
	return (struct vm_area_struct *)lof_arg(regs, 1);
}

/*
 * Page-table walks: struct mm_walk_ops and walk_page_range(mm, start,
 * end, ops, private) of 5.4.  Before, the callbacks live in struct
 * mm_walk itself and walk_page_range(start, end, walk) takes it; those
 * walkers never descend below a pmd_entry() when there is no pte_entry(),
 * so nothing needs to stop them.
 */
#ifdef HAVE_MM_WALK_OPS
#include <linux/pagewalk.h>

typedef int (*lof_walk_fn)(struct mm_struct *mm, unsigned long start,
			   unsigned long end, const struct mm_walk_ops *ops,
			   void *private);

static inline int lof_walk_page_range(void *fn, struct mm_struct *mm,
				      unsigned long start, unsigned long end,
				      const struct mm_walk_ops *ops,
				      void *private)
{
	return ((lof_walk_fn)fn)(mm, start, end, ops, private);
}

static inline void lof_walk_no_descent(struct mm_walk *walk)
{
	walk->action = ACTION_CONTINUE;
}
#else
struct mm_walk_ops {
	int (*pmd_entry)(pmd_t *pmd, unsigned long addr, unsigned long next,
			 struct mm_walk *walk);
	int (*hugetlb_entry)(pte_t *pte, unsigned long hmask,
			     unsigned long addr, unsigned long next,
			     struct mm_walk *walk);
};

typedef int (*lof_walk_fn)(unsigned long start, unsigned long end,
			   struct mm_walk *walk);

static inline int lof_walk_page_range(void *fn, struct mm_struct *mm,
				      unsigned long start, unsigned long end,
				      const struct mm_walk_ops *ops,
				      void *private)
{
	struct mm_walk walk = {
		.pmd_entry = ops->pmd_entry,
		.hugetlb_entry = ops->hugetlb_entry,
		.mm = mm,
		.private = private,
	};

	return ((lof_walk_fn)fn)(start, end, &walk);
}

static inline void lof_walk_no_descent(struct mm_walk *walk)
{
}
#endif

/*
 * Until 5.18 the kernel's populate worker is also what mlocks the pages
 * of a range that are already present (FOLL_MLOCK; named FOLL_POPULATE in
 * 4.0-4.3); from 5.18 mlock_fixup() does that itself.  Where the worker
 * does it, the on-fault replacement of the worker must do it too, without
 * faulting anything in: follow_page_mask() with that flag.
 */
#ifdef HAVE_FOLLOW_PAGE_MASK
#if defined(FOLL_MLOCK)
#define LOF_FOLL_MLOCK FOLL_MLOCK
#elif defined(FOLL_POPULATE)
#define LOF_FOLL_MLOCK FOLL_POPULATE
#endif
#endif
/*
 * A worker that mlocks present pages (FOLL_MLOCK or FOLL_POPULATE exist)
 * but no follow_page_mask() to do it with: static from 4.19 until 5.18
 * removed both flags.  Skipping the worker there would silently leave
 * the present pages of a range locked on fault unmlocked.  Those kernels
 * all have native lock on fault.
 */
#if !defined(LOF_FOLL_MLOCK) && (defined(FOLL_MLOCK) || defined(FOLL_POPULATE))
#error "lockonfault cannot mlock present pages: no follow_page_mask(); use native mlock2()"
#endif

#ifdef LOF_FOLL_MLOCK
typedef struct page *(*lof_follow_page_mask_fn)(struct vm_area_struct *vma,
						unsigned long address,
						unsigned int flags,
						unsigned int *page_mask);
#endif

/*
 * Eager locking on the fault path, where the kernel's fault path mlocks
 * only new anonymous pages (before 5.18): a page cache, shmem or swap
 * cache page faulted into a VM_LOCKED vma is left to reclaim to find
 * (protected from it all the same).  The module can mlock it right after
 * the fault: it takes the fault's vma and address from handle_mm_fault()
 * and queues the work with task_work_add() (not exported: looked up;
 * its notify argument is "true" before 5.10 and TWA_RESUME after, both 1).
 */
#ifdef LOF_FOLL_MLOCK
#define LOF_EAGER 1
/*
 * Unload after the last eager work ran: the task that ran it may still be
 * returning through the module's text.  Without kernel preemption it
 * cannot be switched out before it is back in the kernel's code, and
 * synchronize_rcu() waits until every CPU has switched; with it, only RCU
 * Tasks waits for such a task.  Where neither holds, eager stays off.
 */
#if defined(CONFIG_PREEMPT) || defined(CONFIG_PREEMPTION)
#ifdef CONFIG_TASKS_RCU
#define LOF_CAN_WAIT_RETURNS 1
#define lof_wait_returns() synchronize_rcu_tasks()
#else
#define LOF_CAN_WAIT_RETURNS 0
#define lof_wait_returns() synchronize_rcu()
#endif
#else
#define LOF_CAN_WAIT_RETURNS 1
#define lof_wait_returns() synchronize_rcu()
#endif
#include <linux/task_work.h>
#include <linux/ftrace.h>
#ifdef HAVE_HANDLE_MM_FAULT_MM
#define LOF_FAULT_VMA_ARG 2
#else
#define LOF_FAULT_VMA_ARG 1
#endif
#define LOF_TWA_RESUME 1
/* the call an ftrace site at a function's entry is (x86: call __fentry__) */
#ifdef MCOUNT_INSN_SIZE
#define LOF_FTRACE_SITE_SIZE MCOUNT_INSN_SIZE
#else
#define LOF_FTRACE_SITE_SIZE 5
#endif
typedef int (*lof_task_work_add_fn)(struct task_struct *task,
				    struct callback_head *work, int notify);
#endif

/*
 * Making the populate worker return at once (or run the module's
 * replacement).  From 4.15 a kprobe pre-handler may change the ip and
 * return non-zero; older kprobes cores leave the cleanup that follows to
 * the handler (the jprobe protocol: current_kprobe, the preempt count),
 * which a module cannot do.  There the module hooks the worker with its
 * own ftrace_ops, allowed to change the ip, instead.
 */
#ifdef HAVE_JPROBE
#ifndef HAVE_FTRACE_OPS_REGS
#error "lockonfault: this kernel has neither a kprobe nor an ftrace way to redirect a function"
#endif
#define LOF_REDIRECT_BY_FTRACE 1
#include <linux/ftrace.h>
/*
 * FTRACE_OPS_FL_IPMODIFY (3.19, RHEL 7) only makes ftrace refuse a second
 * ops that changes the ip of the same function; from 3.7 to 3.18 the ip a
 * SAVE_REGS callback leaves is honoured without it.
 */
#ifdef HAVE_FTRACE_OPS_IPMODIFY
#define LOF_FTRACE_OPS_IPMODIFY FTRACE_OPS_FL_IPMODIFY
#else
#define LOF_FTRACE_OPS_IPMODIFY 0
#endif
#endif

/*
 * pmd_lock() of 3.13 (split PMD locks).  Before, the mm's page_table_lock
 * guards every pmd.
 */
#ifndef HAVE_PMD_LOCK
static inline spinlock_t *pmd_lock(struct mm_struct *mm, pmd_t *pmd)
{
	spin_lock(&mm->page_table_lock);
	return &mm->page_table_lock;
}
#endif

/*
 * The caller's seccomp filter, run for the system call a request of the
 * device stands for, as the kernel runs it at syscall entry.  From 4.8
 * __secure_computing() takes the call as a struct seccomp_data.  Before,
 * it reads the call from the task's saved user registers (the ioctl's:
 * a filtered task always enters through the slow path that saves them
 * all): the equivalent call is written there for the filter, and the
 * ioctl's put back after.  A tracer's PTRACE_EVENT_SECCOMP (RET_TRACE)
 * sees the equivalent call there; from 4.8 it sees the ioctl.
 */
#ifdef CONFIG_COMPAT
#ifdef HAVE_IN_COMPAT_SYSCALL
#define lof_in_compat() in_compat_syscall()
#else
#define lof_in_compat() is_compat_task()
#endif
#else
#define lof_in_compat() false
#endif

/*
 * mremap(MREMAP_DONTUNMAP) of 5.7 leaves the old vma mapped and takes
 * VM_LOCKED and the native flag off it in move_vma(), not the tag: the
 * return of move_vma() takes it off the vmas of the old range, which the
 * task's mremap(addr, old_len, ...) names.  Its symbol may be a clone.
 */
#include <linux/mman.h>
#ifdef MREMAP_DONTUNMAP
#define LOF_MOVE_PROBES "move_vma", "move_vma.constprop.0", "move_vma.isra.0"

static inline void lof_mremap_old_range(unsigned long *start,
					unsigned long *end)
{
	struct pt_regs *regs = current_pt_regs();
	unsigned long addr = regs->di, len = regs->si;

	if (lof_in_compat()) {
		addr = (u32)regs->bx;
		len = (u32)regs->cx;
	}
	*start = addr & PAGE_MASK;
	*end = *start + PAGE_ALIGN(len);
}
#endif

#ifdef CONFIG_SECCOMP_FILTER
#include <linux/seccomp.h>
#include <linux/audit.h>

#define LOF_SECCOMP_FILTERED() (current->seccomp.mode == SECCOMP_MODE_FILTER)

/* 0: allowed; -1: not, with the call's return value in regs->ax */
static inline int lof_seccomp_call(void *fn, const struct seccomp_data *sd,
				   bool compat)
{
#ifdef HAVE_SECURE_COMPUTING_SD
	return ((int (*)(const struct seccomp_data *))fn)(sd);
#else
	struct pt_regs *regs = current_pt_regs(), saved = *regs;
	int ret;

	regs->orig_ax = sd->nr;
	if (compat) {
		regs->bx = sd->args[0];
		regs->cx = sd->args[1];
		regs->dx = sd->args[2];
	} else {
		regs->di = sd->args[0];
		regs->si = sd->args[1];
		regs->dx = sd->args[2];
	}
#ifdef HAVE_SECURE_COMPUTING_NR
	ret = ((int (*)(int))fn)(sd->nr);
#else
	ret = ((int (*)(void))fn)();
#endif
	saved.ax = regs->ax;
	*regs = saved;
	return ret;
#endif
}

/*
 * Returns 0 if the filter allows the call, else what the call returns: the
 * value the filter or tracer set (SECCOMP_RET_ERRNO's errno, 0 too; the
 * kernel's own errno for RET_TRACE without a tracer), or EPERM for
 * RET_TRAP, whose SIGSYS handler may set another.  RET_KILL does not
 * return.
 */
static inline long lof_seccomp(void *fn, int nr, bool compat, u64 a0, u64 a1,
			       u64 a2)
{
	struct seccomp_data sd = {
		.nr = nr,
		.arch = compat ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64,
		.instruction_pointer = current_pt_regs()->ip,
		.args = { a0, a1, a2 },
	};
	long ax;

	if (!lof_seccomp_call(fn, &sd, compat))
		return 0;
	ax = current_pt_regs()->ax;
	return ax <= 0 && ax >= -MAX_ERRNO ? ax : -EPERM;
}
#else
#define LOF_SECCOMP_FILTERED() false
static inline long lof_seccomp(void *fn, int nr, bool compat, u64 a0, u64 a1,
			       u64 a2)
{
	return 0;
}
#endif
#endif /* LOF_COMPAT_H */
