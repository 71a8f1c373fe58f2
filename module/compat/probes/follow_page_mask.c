// SPDX-License-Identifier: GPL-2.0
/*
 * follow_page_mask(vma, addr, flags, &page_mask) declared in <linux/mm.h>:
 * 3.12 to 4.18, and RHEL 7's 3.10 (moved to mm/internal.h with a context
 * argument later).
 */
#include <linux/mm.h>

struct page *lof_probe(struct vm_area_struct *vma, unsigned long addr);
struct page *lof_probe(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned int page_mask;

	return follow_page_mask(vma, addr, FOLL_GET, &page_mask);
}
