// SPDX-License-Identifier: GPL-2.0
/* copy_page_range(dst_vma, src_vma): 5.12 (before: dst_mm, src_mm, vma) */
#include <linux/mm.h>

int lof_probe(struct vm_area_struct *dst, struct vm_area_struct *src);
int lof_probe(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	return copy_page_range(dst, src);
}
