// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of lockonfault: argument checks, range arithmetic, the
 * probe handlers' flag decisions, and the engine itself on a real user mm
 * (the one of the process that loads this module; each case's kthread
 * borrows it with kthread_use_mm()).
 *
 * Built only against kernels with CONFIG_KUNIT (the project's debug
 * kernel); loaded after lockonfault.ko, it runs at load and prints KTAP.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "../lof_internal.h"
#include "../lof_logic.h"

MODULE_IMPORT_NS(LOCKONFAULT_KUNIT);

/* ------------------------------------------------------------------ */
/* Argument checks                                                      */

static void arg_size_below_the_first_version_is_einval(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_check_arg_size(0, LOF_RANGE_SIZE_VER0), -EINVAL);
	KUNIT_EXPECT_EQ(test, lof_check_arg_size(LOF_RANGE_SIZE_VER0 - 1,
						 LOF_RANGE_SIZE_VER0), -EINVAL);
}

static void arg_size_above_4096_is_e2big(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_check_arg_size(LOF_ARG_SIZE_MAX + 1,
						 LOF_RANGE_SIZE_VER0), -E2BIG);
	KUNIT_EXPECT_EQ(test, lof_check_arg_size(U32_MAX, LOF_RANGE_SIZE_VER0), -E2BIG);
}

static void arg_sizes_from_first_version_to_4096_are_accepted(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_check_arg_size(LOF_RANGE_SIZE_VER0,
						 LOF_RANGE_SIZE_VER0), 0);
	KUNIT_EXPECT_EQ(test, lof_check_arg_size(LOF_ARG_SIZE_MAX,
						 LOF_RANGE_SIZE_VER0), 0);
}

static void lock_with_an_unknown_flag_is_einval(struct kunit *test)
{
	struct lof_range r = { .size = sizeof(r) };
	static const u32 bad[] = { 2, 3, 0x80, 0x80000000U, ~0U };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r.flags = bad[i];
		KUNIT_EXPECT_EQ_MSG(test, lof_check_range(&r, true), -EINVAL,
				    "flags %#x", bad[i]);
	}
}

static void lock_with_flags_0_or_onfault_is_accepted(struct kunit *test)
{
	struct lof_range r = { .size = sizeof(r) };

	KUNIT_EXPECT_EQ(test, lof_check_range(&r, true), 0);
	r.flags = LOF_LOCK_ONFAULT;
	KUNIT_EXPECT_EQ(test, lof_check_range(&r, true), 0);
}

static void unlock_with_any_flag_is_einval(struct kunit *test)
{
	struct lof_range r = { .size = sizeof(r), .flags = LOF_LOCK_ONFAULT };

	KUNIT_EXPECT_EQ(test, lof_check_range(&r, false), -EINVAL);
	r.flags = 0;
	KUNIT_EXPECT_EQ(test, lof_check_range(&r, false), 0);
}

static void a_set_reserved_field_is_einval(struct kunit *test)
{
	struct lof_range r = { .size = sizeof(r) };

	r.reserved[1] = 1ULL << 63;
	KUNIT_EXPECT_EQ(test, lof_check_range(&r, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, lof_check_range(&r, false), -EINVAL);
}

static void lockall_accepts_exactly_what_mlockall_accepts(struct kunit *test)
{
	u32 f;

	for (f = 0; f <= 16; f++) {
		bool want = f == 1 || f == 2 || f == 3 || f == 5 || f == 6 || f == 7;

		KUNIT_EXPECT_EQ_MSG(test, lof_lockall_flags_valid(f), want,
				    "flags %#x", f);
	}
	KUNIT_EXPECT_FALSE(test, lof_lockall_flags_valid(0x80000001U));
}

static void query_with_a_negative_pid_or_too_many_entries_is_einval(struct kunit *test)
{
	struct lof_query q = { .size = sizeof(q), .pid = -1 };

	KUNIT_EXPECT_EQ(test, lof_check_query(&q), -EINVAL);
	q.pid = 0;
	q.nr_entries = LOF_QUERY_ENTRIES_MAX + 1;
	q.entries = 0x1000;
	KUNIT_EXPECT_EQ(test, lof_check_query(&q), -EINVAL);
	q.nr_entries = LOF_QUERY_ENTRIES_MAX;
	KUNIT_EXPECT_EQ(test, lof_check_query(&q), 0);
}

static void query_of_a_range_that_wraps_is_einval(struct kunit *test)
{
	struct lof_query q = { .size = sizeof(q), .addr = U64_MAX - PAGE_SIZE,
			       .len = 2 * PAGE_SIZE };

	KUNIT_EXPECT_EQ(test, lof_check_query(&q), -EINVAL);
}

static void query_with_entries_but_no_buffer_is_efault(struct kunit *test)
{
	struct lof_query q = { .size = sizeof(q), .nr_entries = 1 };

	KUNIT_EXPECT_EQ(test, lof_check_query(&q), -EFAULT);
}

static void query_bounds_round_out_to_whole_pages(struct kunit *test)
{
	unsigned long s, e;

	lof_query_bounds(0x10001, 1, &s, &e);
	KUNIT_EXPECT_EQ(test, s, 0x10000UL);
	KUNIT_EXPECT_EQ(test, e, 0x10000UL + PAGE_SIZE);
	lof_query_bounds(0x10fff, 2, &s, &e);
	KUNIT_EXPECT_EQ(test, e - s, 2 * PAGE_SIZE);
}

static void query_bounds_of_zero_length_are_empty(struct kunit *test)
{
	unsigned long s, e;

	lof_query_bounds(0x12345, 0, &s, &e);
	KUNIT_EXPECT_EQ(test, s, e);
}

static void query_bounds_at_the_top_stop_at_the_last_page(struct kunit *test)
{
	unsigned long s, e;

	lof_query_bounds(-2 * PAGE_SIZE + 5, 2 * PAGE_SIZE - 6, &s, &e);
	KUNIT_EXPECT_EQ(test, s, -2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, e, -PAGE_SIZE);
}

/* ------------------------------------------------------------------ */
/* Flag decisions of the probe handlers                                 */

static void the_tag_is_one_bit_no_flag_of_this_kernel_uses(struct kunit *test)
{
	static const vm_flags_t known[] = {
		VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE,
		VM_MAYEXEC, VM_MAYSHARE, VM_GROWSDOWN, VM_PFNMAP, VM_LOCKED,
		VM_IO, VM_SEQ_READ, VM_RAND_READ, VM_DONTCOPY, VM_DONTEXPAND,
		VM_LOCKONFAULT, VM_ACCOUNT, VM_NORESERVE, VM_HUGETLB, VM_SYNC,
		VM_WIPEONFORK, VM_DONTDUMP, VM_SOFTDIRTY, VM_MIXEDMAP,
		VM_HUGEPAGE, VM_NOHUGEPAGE, VM_MERGEABLE, VM_UFFD_MISSING,
		VM_UFFD_WP, VM_UFFD_MINOR, VM_PKEY_BIT0, VM_PKEY_BIT1,
		VM_PKEY_BIT2, VM_PKEY_BIT3,
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, hweight64((u64)LOF_VM_ONFAULT), 1);
	for (i = 0; i < ARRAY_SIZE(known); i++)
		KUNIT_EXPECT_FALSE_MSG(test, known[i] & LOF_VM_ONFAULT,
				       "flag %#lx", (unsigned long)known[i]);
}

static void onfault_needs_both_vm_locked_and_the_tag(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, lof_is_onfault(VM_LOCKED | LOF_VM_ONFAULT | VM_READ));
	KUNIT_EXPECT_FALSE(test, lof_is_onfault(LOF_VM_ONFAULT));
	KUNIT_EXPECT_FALSE(test, lof_is_onfault(VM_LOCKED));
	KUNIT_EXPECT_FALSE(test, lof_is_onfault(0));
}

static void fixup_tags_a_locked_range_of_an_onfault_request(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_READ, VM_READ | VM_LOCKED, true),
			VM_READ | VM_LOCKED | LOF_VM_ONFAULT);
	/* a fully locked range converted to on fault */
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_LOCKED, VM_LOCKED, true),
			VM_LOCKED | LOF_VM_ONFAULT);
}

static void fixup_never_tags_an_unlocked_range(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_READ, VM_READ, true), VM_READ);
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_LOCKED | LOF_VM_ONFAULT, VM_READ,
						 true), VM_READ);
}

static void fixup_strips_the_tag_for_a_native_munlock(struct kunit *test)
{
	/* munlock computes old & ~VM_LOCKED, keeping bits it does not know */
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_READ | VM_LOCKED | LOF_VM_ONFAULT,
						 VM_READ | LOF_VM_ONFAULT, false),
			VM_READ);
}

static void fixup_strips_the_tag_for_a_native_mlock(struct kunit *test)
{
	/* a full lock over an on-fault range converts it */
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_LOCKED | LOF_VM_ONFAULT,
						 VM_LOCKED | LOF_VM_ONFAULT, false),
			VM_LOCKED);
}

static void fixup_leaves_a_stale_tag_of_an_unlocked_vma_alone(struct kunit *test)
{
	/*
	 * Equal flags are "nothing to do" for mlock_fixup(); stripping the
	 * tag here would make it account an unlock of an unlocked range.
	 */
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_READ | LOF_VM_ONFAULT,
						 VM_READ | LOF_VM_ONFAULT, false),
			VM_READ | LOF_VM_ONFAULT);
	KUNIT_EXPECT_EQ(test, lof_fixup_newflags(VM_READ | LOF_VM_ONFAULT,
						 VM_READ | LOF_VM_ONFAULT, true),
			VM_READ | LOF_VM_ONFAULT);
}

static void fixup_leaves_unrelated_calls_alone(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, lof_fixup_concerned(VM_READ, VM_READ | VM_LOCKED, false));
	KUNIT_EXPECT_TRUE(test, lof_fixup_concerned(VM_LOCKED | LOF_VM_ONFAULT,
						    VM_READ, false));
	KUNIT_EXPECT_TRUE(test, lof_fixup_concerned(VM_READ, VM_READ, true));
}

static void populate_of_a_tagged_vma_reports_every_page_done(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_populate_result(0x400000, 0x400000 + 5 * PAGE_SIZE), 5L);
	KUNIT_EXPECT_EQ(test, lof_populate_result(0x400000, 0x400000), 0L);
}

static void mlockall_future_onfault_tags_def_flags(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_mlockall_def_flags(0, LOF_MCL_FUTURE, true),
			LOF_VM_ONFAULT);
	KUNIT_EXPECT_EQ(test, lof_mlockall_def_flags(VM_NOHUGEPAGE,
						     LOF_MCL_CURRENT | LOF_MCL_FUTURE,
						     true),
			VM_NOHUGEPAGE | LOF_VM_ONFAULT);
}

static void mlockall_without_future_or_onfault_clears_the_tag(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_mlockall_def_flags(LOF_VM_ONFAULT, LOF_MCL_CURRENT,
						     true), 0UL);
	KUNIT_EXPECT_EQ(test, lof_mlockall_def_flags(LOF_VM_ONFAULT, LOF_MCL_FUTURE,
						     false), 0UL);
	KUNIT_EXPECT_EQ(test, lof_mlockall_def_flags(LOF_VM_ONFAULT, 0, false), 0UL);
}

static void a_stale_tag_is_dropped_but_a_locked_one_kept(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_drop_stale_tag(VM_READ | LOF_VM_ONFAULT), VM_READ);
	KUNIT_EXPECT_EQ(test, lof_drop_stale_tag(VM_LOCKED | LOF_VM_ONFAULT),
			VM_LOCKED | LOF_VM_ONFAULT);
}

static void a_forked_child_never_keeps_the_tag(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_fork_child_flags(VM_LOCKED | LOF_VM_ONFAULT |
						   VM_READ), VM_LOCKED | VM_READ);
	KUNIT_EXPECT_EQ(test, lof_fork_child_flags(VM_READ | LOF_VM_ONFAULT),
			VM_READ);
	KUNIT_EXPECT_EQ(test, lof_fork_child_flags(VM_READ), VM_READ);
}

static void only_a_range_that_stays_locked_keeps_its_count(struct kunit *test)
{
	/* onfault -> full, full -> onfault: counted once */
	KUNIT_EXPECT_TRUE(test, lof_stays_locked(VM_LOCKED | LOF_VM_ONFAULT,
						 VM_LOCKED));
	KUNIT_EXPECT_TRUE(test, lof_stays_locked(VM_LOCKED,
						 VM_LOCKED | LOF_VM_ONFAULT));
	/* lock and unlock move locked_vm */
	KUNIT_EXPECT_FALSE(test, lof_stays_locked(VM_READ, VM_LOCKED));
	KUNIT_EXPECT_FALSE(test, lof_stays_locked(VM_LOCKED | LOF_VM_ONFAULT,
						  LOF_VM_ONFAULT));
}

static void vma_states_follow_their_flags(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lof_vma_state_of(VM_READ), (u32)LOF_STATE_UNLOCKED);
	KUNIT_EXPECT_EQ(test, lof_vma_state_of(LOF_VM_ONFAULT), (u32)LOF_STATE_UNLOCKED);
	KUNIT_EXPECT_EQ(test, lof_vma_state_of(VM_LOCKED), (u32)LOF_STATE_LOCKED);
	KUNIT_EXPECT_EQ(test, lof_vma_state_of(VM_LOCKED | LOF_VM_ONFAULT),
			(u32)LOF_STATE_ONFAULT);
	/* native on-fault ranges are reported as on fault where they exist */
	KUNIT_EXPECT_EQ(test, lof_vma_state_of(VM_LOCKED | LOF_VM_NATIVE_ONFAULT),
			LOF_VM_NATIVE_ONFAULT ? (u32)LOF_STATE_ONFAULT :
						(u32)LOF_STATE_LOCKED);
}

static void lookup_name_finds_kernel_functions_only(struct kunit *test)
{
	KUNIT_EXPECT_NOT_NULL(test, lof_lookup_name("handle_mm_fault"));
	KUNIT_EXPECT_NULL(test, lof_lookup_name("lof_no_such_function_anywhere"));
}

/* ------------------------------------------------------------------ */
/* The engine on a real user mm                                         */

static struct mm_struct *lof_test_mm;

static int lof_kunit_engine_suite_init(struct kunit_suite *suite)
{
	/* the process loading this module: a real user address space */
	if (!current->mm)
		return -EINVAL;
	lof_test_mm = current->mm;
	mmget(lof_test_mm);
	return 0;
}

static void lof_kunit_engine_suite_exit(struct kunit_suite *suite)
{
	if (lof_test_mm)
		mmput(lof_test_mm);
	lof_test_mm = NULL;
}

static int lof_kunit_engine_init(struct kunit *test)
{
	if (!lof_test_mm)
		return -EINVAL;
	kthread_use_mm(lof_test_mm);
	return 0;
}

static void lof_kunit_engine_exit(struct kunit *test)
{
	kthread_unuse_mm(lof_test_mm);
}

static unsigned long map_pages(struct kunit *test, unsigned long pages)
{
	unsigned long addr = vm_mmap(NULL, 0, pages * PAGE_SIZE,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

static vm_flags_t flags_at(unsigned long addr)
{
	struct vm_area_struct *vma;
	vm_flags_t f = 0;

	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	if (vma && vma->vm_start <= addr)
		f = vma->vm_flags;
	mmap_read_unlock(current->mm);
	return f;
}

/* resident and mlocked pages of [addr, addr + len), through the query */
static void counts(struct kunit *test, unsigned long addr, unsigned long len,
		   u64 *resident, u64 *locked)
{
	struct lof_query q = { .size = sizeof(q), .addr = addr, .len = len };

	KUNIT_ASSERT_EQ(test, lof_query(&q), 0L);
	*resident = q.resident_pages;
	*locked = q.locked_pages;
}

static void touch(struct kunit *test, unsigned long addr)
{
	char one = 1;

	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, &one, 1), 0UL);
}

static void onfault_lock_tags_and_counts_without_faulting(struct kunit *test)
{
	unsigned long a = map_pages(test, 16);
	unsigned long before = current->mm->locked_vm;
	u64 res, lck;

	KUNIT_ASSERT_EQ(test, lof_lock(a, 16 * PAGE_SIZE, true), 0L);
	KUNIT_EXPECT_TRUE(test, lof_is_onfault(flags_at(a)));
	KUNIT_EXPECT_EQ(test, current->mm->locked_vm - before, 16UL);
	counts(test, a, 16 * PAGE_SIZE, &res, &lck);
	KUNIT_EXPECT_EQ(test, res, 0ULL);
	KUNIT_EXPECT_GE(test, lof_tracked_mms(), 1U);
	vm_munmap(a, 16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, current->mm->locked_vm, before);
}

static void a_touched_page_of_an_onfault_range_is_mlocked(struct kunit *test)
{
	unsigned long a = map_pages(test, 16);
	u64 res, lck;

	KUNIT_ASSERT_EQ(test, lof_lock(a, 16 * PAGE_SIZE, true), 0L);
	touch(test, a + 3 * PAGE_SIZE);
	touch(test, a + 9 * PAGE_SIZE);
	counts(test, a, 16 * PAGE_SIZE, &res, &lck);
	KUNIT_EXPECT_EQ(test, res, 2ULL);
	KUNIT_EXPECT_EQ(test, lck, 2ULL);
	vm_munmap(a, 16 * PAGE_SIZE);
}

static void a_full_lock_populates_an_onfault_range_and_drops_the_tag(struct kunit *test)
{
	unsigned long a = map_pages(test, 8);
	u64 res, lck;

	KUNIT_ASSERT_EQ(test, lof_lock(a, 8 * PAGE_SIZE, true), 0L);
	KUNIT_ASSERT_EQ(test, lof_lock(a, 8 * PAGE_SIZE, false), 0L);
	KUNIT_EXPECT_FALSE(test, flags_at(a) & LOF_VM_ONFAULT);
	KUNIT_EXPECT_TRUE(test, flags_at(a) & VM_LOCKED);
	counts(test, a, 8 * PAGE_SIZE, &res, &lck);
	KUNIT_EXPECT_EQ(test, res, 8ULL);
	KUNIT_EXPECT_EQ(test, lck, 8ULL);
	vm_munmap(a, 8 * PAGE_SIZE);
}

static void unlocking_the_middle_page_leaves_two_onfault_ranges(struct kunit *test)
{
	unsigned long a = map_pages(test, 8);
	unsigned long before = current->mm->locked_vm;

	KUNIT_ASSERT_EQ(test, lof_lock(a, 8 * PAGE_SIZE, true), 0L);
	KUNIT_ASSERT_EQ(test, lof_unlock(a + 4 * PAGE_SIZE, PAGE_SIZE), 0L);
	KUNIT_EXPECT_TRUE(test, lof_is_onfault(flags_at(a)));
	KUNIT_EXPECT_TRUE(test, lof_is_onfault(flags_at(a + 5 * PAGE_SIZE)));
	KUNIT_EXPECT_FALSE(test, flags_at(a + 4 * PAGE_SIZE) &
			   (VM_LOCKED | LOF_VM_ONFAULT));
	KUNIT_EXPECT_EQ(test, current->mm->locked_vm - before, 7UL);
	vm_munmap(a, 8 * PAGE_SIZE);
}

/*
 * Since 5.18 munlock clears PG_mlocked from a per-CPU batch that it drains
 * on the CPU it ends on: unlock and count on one CPU, or a move in
 * between can leave the page's batch pending on the other one.
 */
static void unlock_never_faults_pages_in(struct kunit *test)
{
	struct lof_query q = { .size = sizeof(q), .len = 64 * PAGE_SIZE };
	unsigned long a = map_pages(test, 64);
	long unlocked, queried;

	q.addr = a;
	KUNIT_ASSERT_EQ(test, lof_lock(a, 64 * PAGE_SIZE, true), 0L);
	touch(test, a);
	migrate_disable();
	unlocked = lof_unlock(a, 64 * PAGE_SIZE);
	queried = lof_query(&q);
	migrate_enable();
	KUNIT_ASSERT_EQ(test, unlocked, 0L);
	KUNIT_ASSERT_EQ(test, queried, 0L);
	KUNIT_EXPECT_EQ(test, q.resident_pages, 1ULL);
	KUNIT_EXPECT_EQ(test, q.locked_pages, 0ULL);
	vm_munmap(a, 64 * PAGE_SIZE);
}

static void lock_of_an_unmapped_range_is_enomem(struct kunit *test)
{
	unsigned long a = map_pages(test, 4);

	vm_munmap(a, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, lof_lock(a, 4 * PAGE_SIZE, true), (long)-ENOMEM);
}

static void lockall_future_onfault_tags_new_mappings_only_until_unlockall(struct kunit *test)
{
	unsigned long a, b;

	KUNIT_ASSERT_EQ(test, lof_lockall(LOF_MCL_FUTURE | LOF_MCL_ONFAULT), 0L);
	KUNIT_EXPECT_TRUE(test, current->mm->def_flags & LOF_VM_ONFAULT);
	a = map_pages(test, 4);
	KUNIT_EXPECT_TRUE(test, lof_is_onfault(flags_at(a)));
	KUNIT_ASSERT_EQ(test, lof_unlockall(), 0L);
	KUNIT_EXPECT_FALSE(test, current->mm->def_flags &
			   (VM_LOCKED | LOF_VM_ONFAULT));
	b = map_pages(test, 4);
	KUNIT_EXPECT_FALSE(test, flags_at(b) & (VM_LOCKED | LOF_VM_ONFAULT));
	vm_munmap(a, 4 * PAGE_SIZE);
	vm_munmap(b, 4 * PAGE_SIZE);
}

static void query_reports_each_stretch_with_its_state(struct kunit *test)
{
	unsigned long a = map_pages(test, 12);
	unsigned long ua = map_pages(test, 1);
	struct lof_query_entry e[4];
	struct lof_query q = { .size = sizeof(q), .addr = a, .len = 12 * PAGE_SIZE,
			       .nr_entries = 4, .entries = ua };

	KUNIT_ASSERT_EQ(test, lof_lock(a, 4 * PAGE_SIZE, true), 0L);
	KUNIT_ASSERT_EQ(test, lof_lock(a + 4 * PAGE_SIZE, 4 * PAGE_SIZE, false), 0L);
	KUNIT_ASSERT_EQ(test, lof_query(&q), 0L);
	KUNIT_ASSERT_EQ(test, q.nr_entries, 3U);
	KUNIT_ASSERT_EQ(test, copy_from_user(e, (void __user *)ua, 3 * sizeof(e[0])), 0UL);
	KUNIT_EXPECT_EQ(test, e[0].state, (u32)LOF_STATE_ONFAULT);
	KUNIT_EXPECT_EQ(test, e[1].state, (u32)LOF_STATE_LOCKED);
	KUNIT_EXPECT_EQ(test, e[1].resident, 4ULL);
	KUNIT_EXPECT_EQ(test, e[2].state, (u32)LOF_STATE_UNLOCKED);
	KUNIT_EXPECT_EQ(test, q.onfault_bytes, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, q.locked_bytes, 4 * PAGE_SIZE);
	vm_munmap(a, 12 * PAGE_SIZE);
	vm_munmap(ua, PAGE_SIZE);
}

typedef int (*lof_csfu_fn)(void *dst, size_t ksize, const void __user *src,
			   size_t usize);

static void check_copy_struct(struct kunit *test, lof_csfu_fn csfu)
{
	unsigned long ua = map_pages(test, 1);
	u8 buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[12];

	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)ua, buf, 16), 0UL);
	/* smaller caller struct: the rest is zero-filled */
	memset(out, 0xff, sizeof(out));
	KUNIT_EXPECT_EQ(test, csfu(out, 12, (void __user *)ua, 8), 0);
	KUNIT_EXPECT_EQ(test, out[7], (u8)8);
	KUNIT_EXPECT_EQ(test, out[11], (u8)0);
	/* larger caller struct with a zero tail is fine, a dirty one is not */
	KUNIT_EXPECT_EQ(test, csfu(out, 8, (void __user *)ua, 16), 0);
	buf[13] = 1;
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)ua, buf, 16), 0UL);
	KUNIT_EXPECT_EQ(test, csfu(out, 8, (void __user *)ua, 16), -E2BIG);
	/* a struct running into unmapped memory */
	KUNIT_EXPECT_EQ(test, csfu(out, 8, (void __user *)(ua + PAGE_SIZE - 4), 8),
			-EFAULT);
	vm_munmap(ua, PAGE_SIZE);
}

static int kernel_copy_struct_from_user(void *dst, size_t ksize,
					const void __user *src, size_t usize)
{
	return copy_struct_from_user(dst, ksize, src, usize);
}

static void copy_struct_from_user_zero_fills_and_refuses_a_dirty_tail(struct kunit *test)
{
	check_copy_struct(test, kernel_copy_struct_from_user);
}

static void the_compat_copy_struct_from_user_behaves_the_same(struct kunit *test)
{
	check_copy_struct(test, lof_copy_struct_from_user_compat);
}

static struct kunit_case lof_args_cases[] = {
	KUNIT_CASE(arg_size_below_the_first_version_is_einval),
	KUNIT_CASE(arg_size_above_4096_is_e2big),
	KUNIT_CASE(arg_sizes_from_first_version_to_4096_are_accepted),
	KUNIT_CASE(lock_with_an_unknown_flag_is_einval),
	KUNIT_CASE(lock_with_flags_0_or_onfault_is_accepted),
	KUNIT_CASE(unlock_with_any_flag_is_einval),
	KUNIT_CASE(a_set_reserved_field_is_einval),
	KUNIT_CASE(lockall_accepts_exactly_what_mlockall_accepts),
	KUNIT_CASE(query_with_a_negative_pid_or_too_many_entries_is_einval),
	KUNIT_CASE(query_of_a_range_that_wraps_is_einval),
	KUNIT_CASE(query_with_entries_but_no_buffer_is_efault),
	KUNIT_CASE(query_bounds_round_out_to_whole_pages),
	KUNIT_CASE(query_bounds_of_zero_length_are_empty),
	KUNIT_CASE(query_bounds_at_the_top_stop_at_the_last_page),
	{}
};

static struct kunit_case lof_flags_cases[] = {
	KUNIT_CASE(the_tag_is_one_bit_no_flag_of_this_kernel_uses),
	KUNIT_CASE(onfault_needs_both_vm_locked_and_the_tag),
	KUNIT_CASE(fixup_tags_a_locked_range_of_an_onfault_request),
	KUNIT_CASE(fixup_never_tags_an_unlocked_range),
	KUNIT_CASE(fixup_strips_the_tag_for_a_native_munlock),
	KUNIT_CASE(fixup_strips_the_tag_for_a_native_mlock),
	KUNIT_CASE(fixup_leaves_a_stale_tag_of_an_unlocked_vma_alone),
	KUNIT_CASE(fixup_leaves_unrelated_calls_alone),
	KUNIT_CASE(populate_of_a_tagged_vma_reports_every_page_done),
	KUNIT_CASE(mlockall_future_onfault_tags_def_flags),
	KUNIT_CASE(mlockall_without_future_or_onfault_clears_the_tag),
	KUNIT_CASE(a_stale_tag_is_dropped_but_a_locked_one_kept),
	KUNIT_CASE(a_forked_child_never_keeps_the_tag),
	KUNIT_CASE(only_a_range_that_stays_locked_keeps_its_count),
	KUNIT_CASE(vma_states_follow_their_flags),
	KUNIT_CASE(lookup_name_finds_kernel_functions_only),
	{}
};

static struct kunit_case lof_engine_cases[] = {
	KUNIT_CASE(onfault_lock_tags_and_counts_without_faulting),
	KUNIT_CASE(a_touched_page_of_an_onfault_range_is_mlocked),
	KUNIT_CASE(a_full_lock_populates_an_onfault_range_and_drops_the_tag),
	KUNIT_CASE(unlocking_the_middle_page_leaves_two_onfault_ranges),
	KUNIT_CASE(unlock_never_faults_pages_in),
	KUNIT_CASE(lock_of_an_unmapped_range_is_enomem),
	KUNIT_CASE(lockall_future_onfault_tags_new_mappings_only_until_unlockall),
	KUNIT_CASE(query_reports_each_stretch_with_its_state),
	KUNIT_CASE(copy_struct_from_user_zero_fills_and_refuses_a_dirty_tail),
	KUNIT_CASE(the_compat_copy_struct_from_user_behaves_the_same),
	{}
};

static struct kunit_suite lof_args_suite = {
	.name = "lockonfault_arguments",
	.test_cases = lof_args_cases,
};

static struct kunit_suite lof_flags_suite = {
	.name = "lockonfault_flag_decisions",
	.test_cases = lof_flags_cases,
};

static struct kunit_suite lof_engine_suite = {
	.name = "lockonfault_engine",
	.suite_init = lof_kunit_engine_suite_init,
	.suite_exit = lof_kunit_engine_suite_exit,
	.init = lof_kunit_engine_init,
	.exit = lof_kunit_engine_exit,
	.test_cases = lof_engine_cases,
};

kunit_test_suites(&lof_args_suite, &lof_flags_suite, &lof_engine_suite);

MODULE_DESCRIPTION("KUnit tests of lockonfault");
MODULE_LICENSE("GPL");
