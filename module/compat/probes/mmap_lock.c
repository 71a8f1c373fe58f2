// SPDX-License-Identifier: GPL-2.0
/* mmap_read_lock() and mm->mmap_lock: 5.8 (before: mm->mmap_sem) */
#include <linux/mm.h>
#include <linux/mmap_lock.h>

void lof_probe(struct mm_struct *mm);
void lof_probe(struct mm_struct *mm)
{
	mmap_read_lock(mm);
	mmap_read_unlock(mm);
}
