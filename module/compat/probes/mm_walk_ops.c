// SPDX-License-Identifier: GPL-2.0
/* struct mm_walk_ops and walk_page_range(mm, start, end, ops, private): 5.4 */
#include <linux/pagewalk.h>

int lof_probe(struct mm_struct *mm, const struct mm_walk_ops *ops);
int lof_probe(struct mm_struct *mm, const struct mm_walk_ops *ops)
{
	return walk_page_range(mm, 0, 0, ops, NULL);
}
