// SPDX-License-Identifier: GPL-2.0
/* pmd_lock(mm, pmd): 3.13 (split PMD locks) */
#include <linux/mm.h>

spinlock_t *lof_probe(struct mm_struct *mm, pmd_t *pmd);
spinlock_t *lof_probe(struct mm_struct *mm, pmd_t *pmd)
{
	return pmd_lock(mm, pmd);
}
